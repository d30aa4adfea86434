from collections.abc import Iterable

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from saohei.common.roles import DEDICATED_ROLES, Role
from saohei.organisations.access import (
    content_units,
    get_group_for_user,
    grant_paths,
    managed_units,
    unit_in_paths,
    units_within,
)
from saohei.organisations.models import (
    GroupMembership,
    LeadingGroup,
    RoleGrant,
    Unit,
    UnitKind,
    UnitQuerySet,
    User,
)

# The town's office in the platform's sense (扫黑办 and its 组长/副组长): who registers, assigns
# and writes the town's records. One definition, so a new office role reaches every context.
OFFICE_ROLES = frozenset({Role.LEADER, Role.DEPUTY_LEADER, Role.OFFICE_STAFF})
# The leading group's 组长 and 副组长: who sign off, answer for a ledger item and hear of 督办.
LEADER_ROLES = frozenset({Role.LEADER, Role.DEPUTY_LEADER})


def is_office_member(user: User, unit: Unit) -> bool:
    """Office staff or a leader granted on `unit` or above it (a grant covers its subtree)."""
    return user.is_authenticated and unit_in_paths(unit, grant_paths(user, OFFICE_ROLES))


def is_office_member_anywhere(user: User) -> bool:
    return user.is_authenticated and bool(grant_paths(user, OFFICE_ROLES))


def list_office_towns(user: User) -> list[Unit]:
    """Active towns whose office the user belongs to, in tree order."""
    return list(
        units_within(grant_paths(user, OFFICE_ROLES))
        .filter(kind=UnitKind.TOWN, is_active=True)
        .order_by("path")
    )


def users_holding(
    roles: Role | Iterable[Role],
    *,
    on: Unit | QuerySet[Unit] | None = None,
    among: QuerySet[User] | None = None,
    include_inactive: bool = False,
) -> QuerySet[User]:
    """People holding one of `roles` by a grant on exactly `on` (a unit, or any of a queryset of
    units; anywhere when None), drawn from `among` (default: every account), active ones only
    unless `include_inactive`.

    Role and unit are matched in one filter so that they are the same grant; distinct, because
    one person may hold two of the roles there (a 组长 who is also 副组长 is told once).
    """
    wanted = [str(roles)] if isinstance(roles, Role) else [str(role) for role in roles]
    grant = Q(role_grants__role__in=wanted)
    if isinstance(on, Unit):
        grant &= Q(role_grants__unit=on)
    elif on is not None:
        grant &= Q(role_grants__unit__in=on)
    people = User.objects.all() if among is None else among
    if not include_inactive:
        people = people.filter(is_active=True)
    return people.filter(grant).distinct()


def units_above(unit: Unit) -> UnitQuerySet:
    """The unit and its ancestors: where a grant covering `unit` may sit."""
    return Unit.objects.filter(pk__in=[int(part) for part in unit.path.strip("/").split("/")])


def list_managed_units(*, viewer: User, role: Role) -> UnitQuerySet:
    return managed_units(viewer, role).select_related("parent").order_by("path")


def list_managed_accounts(
    *, viewer: User, role: Role, unit_id: int | None = None, text: str = ""
) -> QuerySet[User]:
    accounts = User.objects.filter(unit__in=managed_units(viewer, role))
    if unit_id:
        accounts = accounts.filter(unit_id=unit_id)
    if text:
        accounts = accounts.filter(Q(username__contains=text) | Q(real_name__contains=text))
    return (
        accounts.select_related("unit")
        .prefetch_related(
            Prefetch("role_grants", queryset=RoleGrant.objects.select_related("unit"))
        )
        .order_by("unit__path", "username")
    )


def list_unit_members(*, unit: Unit) -> QuerySet[User]:
    return User.objects.filter(unit=unit, is_active=True).order_by("username")


def list_group_memberships(*, group: LeadingGroup) -> QuerySet[GroupMembership]:
    return group.memberships.select_related("user", "user__unit").order_by("sort_order", "id")


def list_group_candidates(*, group: LeadingGroup) -> QuerySet[User]:
    return list_case_workers_under(group.unit).exclude(pk__in=group.memberships.values("user_id"))


def list_visible_groups(*, viewer: User) -> list[LeadingGroup]:
    return list(
        LeadingGroup.objects.filter(unit__in=content_units(viewer))
        .select_related("unit")
        .order_by("unit__path")
    )


def group_to_show(*, viewer: User, unit_id: int | None) -> LeadingGroup | list[LeadingGroup]:
    """What the 领导小组 page shows: the group of `unit_id`, else the viewer's own; an upper
    office without one of its own picks from those it oversees (404 when there are none)."""
    if unit_id is not None:
        unit = Unit.objects.filter(pk=unit_id).first()
        if unit is None:
            raise Http404("单位不存在")
        return get_group_for_user(viewer, unit=unit)
    try:
        return get_group_for_user(viewer)
    except Http404:
        groups = list_visible_groups(viewer=viewer)
        if not groups:
            raise
        return groups


def list_dedicated_role_conflicts() -> QuerySet[User]:
    """Accounts holding a dedicated role (三员, custodian) together with any other role.

    `grant_role` refuses such grants; these are older ones, or ones written around the service.
    """
    dedicated = [str(role) for role in DEDICATED_ROLES]
    holders = RoleGrant.objects.filter(role__in=dedicated).values("user_id")
    return (
        User.objects.filter(pk__in=holders)
        .annotate(grant_count=Count("role_grants", distinct=True))
        .filter(grant_count__gt=1)
        .prefetch_related("role_grants")
        .select_related("unit")
        .order_by("unit__path", "username")
    )


# The 三员 and the custodian hold dedicated accounts: never a handler, member or attendee.
NOT_A_CASE_WORKER = "系统管理员、安全管理员、审计管理员和举报信息保管员不参与办案，不能选为此项人员"


# A person picked for a unit (承办人 of the 承办单位, 责任人 of the 责任单位) belongs to it.
OUTSIDE_UNIT = "所选人员不属于所选单位，请重新选择"


def list_case_workers_under(unit: Unit) -> QuerySet[User]:
    """Whom a picker may offer for case work under `unit`: active, in its subtree, no 三员/custodian.

    Handlers, group members, meeting attendees, task owners, interviewees, responsible persons,
    inspectors and publicity handlers all come from here.
    """
    return (
        User.objects.filter(is_active=True, unit__path__startswith=unit.path)
        .case_workers()
        .select_related("unit")
        .order_by("unit__path", "username")
    )


def is_case_worker_under(person: User, unit: Unit) -> bool:
    """The service-side twin of `list_case_workers_under`, for the person a form or API sent."""
    return (
        person.is_active
        and person.unit is not None
        and person.unit.path.startswith(unit.path)
        and person.is_case_worker
    )


def list_people_granted(*, unit: Unit, roles: frozenset[Role]) -> list[User]:
    """Active people holding one of `roles` on this very unit (the town's leaders, its clerks):
    who a notice about the unit's records is sent to."""
    return list(users_holding(roles, on=unit))
