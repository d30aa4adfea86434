"""Who may see and record which talk, decided here and nowhere else.

- 组长/副组长/扫黑办工作人员: every talk of their towns; they record talks. 组长/副组长 review.
- 上级督导: every talk, the coverage and the review queue of the towns under their grant, read
  only (no recording, correcting or reviewing).
- 村负责人 and 派出所民警: the talks they took part in (interviewer, interviewee or recorder).
- everyone else (the 三员 included): nothing. A talk outside one's scope answers 404.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from saohei.accountability.models import Talk, TalkQuerySet
from saohei.common.roles import Role
from saohei.organisations.access import grant_paths, unit_in_paths, units_within
from saohei.organisations.models import Unit, UnitKind, User
from saohei.organisations.queries import LEADER_ROLES, OFFICE_ROLES, is_office_member

# Whoever reads every talk of a town: its office and leaders, and the supervisors above it.
TOWN_READER_ROLES = OFFICE_ROLES | {Role.SUPERVISOR}


def visible_talks(user: User) -> TalkQuerySet:
    if not user.is_authenticated:
        return Talk.objects.none()
    condition = Q(pk__in=[])
    office_paths = grant_paths(user, TOWN_READER_ROLES)
    if office_paths:
        condition |= Q(unit__in=units_within(office_paths))
    if user.has_any_role({Role.VILLAGE_HEAD, Role.POLICE_OFFICER}):
        condition |= Q(interviewees=user) | Q(interviewer=user) | Q(recorder=user)
    # A subquery, not distinct(): the M2M join would otherwise repeat a talk per interviewee.
    return Talk.objects.filter(pk__in=Talk.objects.filter(condition).values("pk"))


def get_talk_for_user(user: User, talk_id: int) -> Talk:
    """The talk if this user may see it; otherwise 404, so ids cannot be probed."""
    talk = (
        visible_talks(user)
        .filter(pk=talk_id)
        .select_related(
            "unit", "interviewer", "recorder", "review", "review__reviewer", "edited_by"
        )
        .first()
    )
    if talk is None:
        raise Http404("谈话记录不存在或您无权查看")
    return talk


def can_record(user: User, town: Unit) -> bool:
    return is_office_member(user, town)


def can_review(user: User, town: Unit) -> bool:
    return user.is_authenticated and unit_in_paths(town, grant_paths(user, LEADER_ROLES))


def reader_towns(user: User) -> list[Unit]:
    """Towns whose every talk, coverage and review queue this user may read."""
    return list(
        units_within(grant_paths(user, TOWN_READER_ROLES))
        .filter(kind=UnitKind.TOWN, is_active=True)
        .order_by("path")
    )


def reader_town(user: User, town_id: int | None) -> tuple[Unit, list[Unit]]:
    """The town whose coverage or review queue is shown (`town_id` for readers of several; their
    first without one), and the towns to choose from: 403 for an account that reads no town's
    talks, 404 for a town outside them."""
    towns = reader_towns(user)
    if not towns:
        raise PermissionDenied("您不能查看全镇的谈话记录")
    if town_id is None:
        return towns[0], towns
    town = next((town for town in towns if town.pk == town_id), None)
    if town is None:
        raise Http404("镇（街道）不存在或您无权查看")
    return town, towns


def require_review_reader(user: User, town: Unit) -> None:
    """定期梳理: the town's leaders sign off; a supervisor reads the queue and past reviews."""
    if not can_review(user, town) and not user.has_role(Role.SUPERVISOR):
        raise PermissionDenied("只有领导小组组长、副组长可以梳理谈话记录")
