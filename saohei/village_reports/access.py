"""Who may see and submit which village's monthly report, decided here and nowhere else.

- 村负责人: their own village's reports; they submit them.
- 组长/副组长/扫黑办工作人员: every village of their towns (who has reported, who has not, the
  零报告 contradicted by a later lead); they set the town's due day.
- 上级督导 (市扫黑办): each town under them, as counts per town, read only.
- 派出所民警, 举报信息保管员, the 三员: nothing.

A village outside a user's scope answers 404, whatever the reason.
"""

from django.http import Http404

from saohei.common.roles import Role
from saohei.organisations.access import grant_paths, units_within
from saohei.organisations.models import Unit, UnitKind, User
from saohei.organisations.queries import OFFICE_ROLES, is_office_member, list_office_towns

READ_ROLES = OFFICE_ROLES | {Role.VILLAGE_HEAD, Role.SUPERVISOR}
SUBMIT_ROLES = frozenset({Role.VILLAGE_HEAD})


def headed_villages(user: User) -> list[Unit]:
    """The active villages the user heads: the ones they report for."""
    if not user.is_authenticated:
        return []
    paths = grant_paths(user, SUBMIT_ROLES)
    if not paths:
        return []
    return list(units_within(paths).villages().active().select_related("parent").order_by("path"))


def get_headed_village(user: User, village_id: int) -> Unit:
    """The village if the user heads it; otherwise 404, so ids cannot be probed."""
    for village in headed_villages(user):
        if village.pk == village_id:
            return village
    raise Http404("村（社区）不存在或您无权报送")


def is_head_of(user: User, village: Unit) -> bool:
    return any(one.pk == village.pk for one in headed_villages(user))


def office_towns(user: User) -> list[Unit]:
    """Towns whose villages the user follows village by village (the office)."""
    return list_office_towns(user)


def supervised_towns(user: User) -> list[Unit]:
    """Towns under the user's 上级督导 grants (a city grant: all its towns), read as counts."""
    if not user.is_authenticated:
        return []
    paths = grant_paths(user, {Role.SUPERVISOR})
    if not paths:
        return []
    return list(units_within(paths).filter(kind=UnitKind.TOWN, is_active=True).order_by("path"))


def can_set_due_day(user: User, town: Unit) -> bool:
    return town.kind == UnitKind.TOWN and is_office_member(user, town)


def get_office_town(user: User, unit_id: int) -> Unit:
    """A town of the user's office; otherwise 404."""
    for town in office_towns(user):
        if town.pk == unit_id:
            return town
    raise Http404("镇不存在或您无权设置")
