"""Who may see and record which meeting or self-inspection, decided here and nowhere else.

- 组长/副组长/扫黑办工作人员: every meeting and self-inspection of their towns; they record them.
- 村负责人: the title, date, kind and place of the meetings they attended, nothing more.
- 派出所民警: the same of the 联席会议 they attended.
- 上级督导, 举报信息保管员, the 三员: nothing.

A record outside a user's scope answers 404, whatever the reason.
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from saohei.common.roles import Role
from saohei.meetings.models import Meeting, MeetingKind, MeetingQuerySet, SelfInspection
from saohei.organisations.access import grant_paths, unit_in_paths, units_within
from saohei.organisations.models import Unit, UnitKind, User

OFFICE_ROLES = frozenset({Role.LEADER, Role.DEPUTY_LEADER, Role.OFFICE_STAFF})
READ_ROLES = (*OFFICE_ROLES, Role.VILLAGE_HEAD, Role.POLICE_OFFICER)


def _office_unit_ids(user: User) -> list[int]:
    paths = grant_paths(user, OFFICE_ROLES)
    return list(units_within(paths).values_list("pk", flat=True)) if paths else []


def visible_meetings(user: User) -> MeetingQuerySet:
    if not user.is_authenticated:
        return Meeting.objects.none()
    condition = Q(pk__in=[])
    office_units = _office_unit_ids(user)
    if office_units:
        condition |= Q(unit_id__in=office_units)
    if user.has_any_role({Role.VILLAGE_HEAD}):
        condition |= Q(attendees=user)
    if user.has_any_role({Role.POLICE_OFFICER}):
        condition |= Q(attendees=user, kind=MeetingKind.JOINT)
    return Meeting.objects.filter(condition).distinct()


def get_meeting_for_user(user: User, meeting_id: int) -> Meeting:
    """The meeting if this user may see it; otherwise 404, so ids cannot be probed."""
    meeting = (
        visible_meetings(user)
        .filter(pk=meeting_id)
        .select_related("unit", "chair", "recorder", "created_by")
        .first()
    )
    if meeting is None:
        raise Http404("会议不存在或您无权查看")
    return meeting


def is_office_member(user: User, unit: Unit) -> bool:
    """Office staff or leader over this town: sees the whole record and writes."""
    return user.is_authenticated and unit_in_paths(unit, grant_paths(user, OFFICE_ROLES))


def visible_self_inspections(user: User) -> QuerySet[SelfInspection]:
    if not user.is_authenticated:
        return SelfInspection.objects.none()
    return SelfInspection.objects.filter(unit_id__in=_office_unit_ids(user))


def get_self_inspection_for_user(user: User, inspection_id: int) -> SelfInspection:
    inspection = (
        SelfInspection.objects.filter(pk=inspection_id, unit_id__in=_office_unit_ids(user))
        .select_related("unit", "created_by")
        .first()
        if user.is_authenticated
        else None
    )
    if inspection is None:
        raise Http404("自查记录不存在或您无权查看")
    return inspection


def office_towns(user: User) -> list[Unit]:
    return list(
        units_within(grant_paths(user, OFFICE_ROLES))
        .filter(kind=UnitKind.TOWN, is_active=True)
        .order_by("path")
    )
