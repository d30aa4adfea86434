"""Who may see and handle which tip in the intake queue, decided here and nowhere else.

- 组长/副组长/扫黑办工作人员 of a town: the town's tips.
- A tip that concerns officials (the reporter ticked 保护伞, or named a cadre or an official):
  组长/副组长 only, never the office staff — the same rule `leads.access` applies to leads.
- Everyone else (村负责人, 派出所民警, 上级督导, the 保管员, the 三员): 403 for the pages,
  404 for ids. A village head never sees the intake queue.
"""

from django.db.models import Q
from django.http import Http404

from saohei.common.roles import Role
from saohei.leads.access import SIGN_OFF_ROLES
from saohei.organisations.access import grant_paths, unit_in_paths, units_within
from saohei.organisations.models import Unit, UnitKind, User
from saohei.organisations.queries import OFFICE_ROLES, units_above, users_holding
from saohei.tips.models import Tip, TipQuerySet

INTAKE_ROLES = OFFICE_ROLES


def visible_tips(user: User) -> TipQuerySet:
    if not user.is_authenticated:
        return Tip.objects.none()
    office_paths = grant_paths(user, OFFICE_ROLES)
    if not office_paths:
        return Tip.objects.none()
    condition = Q(unit__in=units_within(office_paths), concerns_officials=False)
    leader_paths = grant_paths(user, SIGN_OFF_ROLES)
    if leader_paths:
        condition |= Q(unit__in=units_within(leader_paths))
    return Tip.objects.filter(condition)


def get_tip_for_user(user: User, tip_id: int) -> Tip:
    """The tip if this user may handle it; otherwise 404, so ids cannot be probed."""
    tip = (
        visible_tips(user)
        .filter(pk=tip_id)
        .select_related("unit", "village", "category", "lead", "decided_by")
        .first()
    )
    if tip is None:
        raise Http404("举报不存在或您无权查看")
    return tip


def intake_towns(user: User) -> list[Unit]:
    """Towns whose queue the user works (a city-level clerk with no town sees none)."""
    paths = grant_paths(user, OFFICE_ROLES)
    return list(units_within(paths).filter(kind=UnitKind.TOWN, is_active=True).order_by("path"))


def can_handle(user: User, tip: Tip) -> bool:
    if not unit_in_paths(tip.unit, grant_paths(user, OFFICE_ROLES)):
        return False
    return not tip.concerns_officials or unit_in_paths(tip.unit, grant_paths(user, SIGN_OFF_ROLES))


def intake_recipients(tip: Tip) -> list[User]:
    """Who is told about a new tip or a reporter's reply: the clerks, or for a tip concerning
    officials the leaders (the only ones who may open it)."""
    roles = SIGN_OFF_ROLES if tip.concerns_officials else frozenset({Role.OFFICE_STAFF})
    return list(users_holding(roles, on=units_above(tip.unit)))
