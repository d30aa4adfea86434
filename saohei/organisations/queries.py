from django.db.models import Count, Prefetch, Q, QuerySet

from saohei.common.roles import DEDICATED_ROLES, Role
from saohei.organisations.access import content_units, managed_units
from saohei.organisations.models import (
    GroupMembership,
    LeadingGroup,
    RoleGrant,
    Unit,
    UnitQuerySet,
    User,
)


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
    return (
        User.objects.filter(unit__path__startswith=group.unit.path, is_active=True)
        .exclude(pk__in=group.memberships.values("user_id"))
        .select_related("unit")
        .order_by("unit__path", "username")
    )


def list_visible_groups(*, viewer: User) -> list[LeadingGroup]:
    return list(
        LeadingGroup.objects.filter(unit__in=content_units(viewer))
        .select_related("unit")
        .order_by("unit__path")
    )


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
