"""Who may see and work which rectification item, decided here and nowhere else.

- 组长/副组长/扫黑办工作人员: every item of their towns; they open, verify and re-check.
- 村负责人: the items of their own village only (read and update: progress, 销号 request);
  never verify them — the one who did the work does not sign it off.
- 责任人: the items they are responsible for (read and update).
- 上级督导: the items of the towns under them, read only.
- 派出所民警, 举报信息保管员, the 三员: nothing.

An item outside a user's scope answers 404, whatever the reason.
"""

from django.db.models import Q
from django.http import Http404

from saohei.common.roles import Role
from saohei.organisations.access import grant_paths, unit_in_paths, units_within
from saohei.organisations.models import Unit, UnitKind, User
from saohei.organisations.queries import OFFICE_ROLES, is_office_member
from saohei.rectifications.models import RectificationItem, RectificationItemQuerySet


def _unit_ids(paths: list[str]) -> list[int]:
    return list(units_within(paths).values_list("pk", flat=True))


def visible_items(user: User) -> RectificationItemQuerySet:
    if not user.is_authenticated:
        return RectificationItem.objects.none()
    condition = Q(pk__in=[])
    office_paths = grant_paths(user, OFFICE_ROLES | {Role.SUPERVISOR})
    if office_paths:
        condition |= Q(unit_id__in=_unit_ids(office_paths))
    village_paths = grant_paths(user, {Role.VILLAGE_HEAD})
    if village_paths:
        condition |= Q(village_id__in=_unit_ids(village_paths))
    if user.has_any_role(OFFICE_ROLES | {Role.VILLAGE_HEAD}):
        condition |= Q(responsible_person=user)
    return RectificationItem.objects.filter(condition)


def get_item_for_user(user: User, item_id: int) -> RectificationItem:
    """The item if this user may see it; otherwise 404, so ids cannot be probed."""
    item = (
        visible_items(user)
        .filter(pk=item_id)
        .select_related(
            "unit",
            "village",
            "responsible_leader",
            "responsible_unit",
            "responsible_person",
            "requested_by",
            "verified_by",
            "rechecked_by",
            "created_by",
        )
        .first()
    )
    if item is None:
        raise Http404("整改事项不存在或您无权查看")
    return item


def is_village_head_of(user: User, village: Unit | None) -> bool:
    return village is not None and unit_in_paths(village, grant_paths(user, {Role.VILLAGE_HEAD}))


def can_update(user: User, item: RectificationItem) -> bool:
    """Progress and 销号 request: the office, the responsible person, the village's head."""
    return (
        is_office_member(user, item.unit)
        or item.responsible_person_id == user.pk
        or is_village_head_of(user, item.village)
    )


def can_verify(user: User, item: RectificationItem) -> bool:
    """Verification and re-check: the office, never the person or village that did the work."""
    return (
        is_office_member(user, item.unit)
        and item.responsible_person_id != user.pk
        and not is_village_head_of(user, item.village)
    )


def openable_towns(user: User) -> list[Unit]:
    return list(
        units_within(grant_paths(user, OFFICE_ROLES))
        .filter(kind=UnitKind.TOWN, is_active=True)
        .order_by("path")
    )
