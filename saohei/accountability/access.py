"""Who may see and record which talk, decided here and nowhere else.

- 组长/副组长/扫黑办工作人员: every talk of their towns; they record talks. 组长/副组长 review.
- 上级督导: every talk, the coverage and the review queue of the towns under their grant, read
  only (no recording, correcting or reviewing).
- 村负责人 and 派出所民警: the talks they took part in (interviewer, interviewee or recorder).
- everyone else (the 三员 included): nothing. A talk outside one's scope answers 404.
"""

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
