"""Who may see and record which meeting, self-inspection or task, decided here and nowhere else.

- 组长/副组长/扫黑办工作人员: every meeting, self-inspection and task of their towns; they
  record them, edit decisions and hand them on as tasks or rectification items.
- 上级督导: read only, the same records of the towns under their grant (their subtree); lead
  opinions only on leads `leads.access` lets them open (in practice those they assigned down).
- 村负责人: the title, date, kind and place of the meetings they attended; their own tasks.
- 派出所民警: the same of the 联席会议 they attended; their own tasks.
- 举报信息保管员, the 三员: nothing.

A record outside a user's scope answers 404, whatever the reason.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.common.roles import Role
from saohei.meetings.models import (
    Meeting,
    MeetingKind,
    MeetingQuerySet,
    SelfInspection,
    Task,
    TaskQuerySet,
)
from saohei.organisations.access import grant_paths, unit_in_paths, units_within
from saohei.organisations.models import Unit, UnitKind, User
from saohei.organisations.queries import OFFICE_ROLES, is_office_member, list_office_towns

NOT_OFFICE = "只有本镇扫黑办工作人员或领导小组组长、副组长可以登记"
# Roles that read the whole record (minutes, decisions, self-inspections) of their towns.
RECORD_ROLES = OFFICE_ROLES | {Role.SUPERVISOR}
READ_ROLES = (*OFFICE_ROLES, Role.VILLAGE_HEAD, Role.POLICE_OFFICER, Role.SUPERVISOR)
# People a decision may be handed to as a task: the town's own workers, never the 三员 or the
# custodian, whose duties are kept apart from casework.
ASSIGNEE_ROLES = OFFICE_ROLES | {Role.VILLAGE_HEAD, Role.POLICE_OFFICER}
TASK_ROLES = (*ASSIGNEE_ROLES, Role.SUPERVISOR)


def _unit_ids(user: User, roles: frozenset[Role]) -> list[int]:
    paths = grant_paths(user, roles)
    return list(units_within(paths).values_list("pk", flat=True)) if paths else []


def visible_meetings(user: User) -> MeetingQuerySet:
    if not user.is_authenticated:
        return Meeting.objects.none()
    condition = Q(pk__in=[])
    record_units = _unit_ids(user, RECORD_ROLES)
    if record_units:
        condition |= Q(unit_id__in=record_units)
    if user.has_any_role({Role.VILLAGE_HEAD}):
        condition |= Q(attendees=user)
    if user.has_any_role({Role.POLICE_OFFICER}):
        condition |= Q(attendees=user, kind=MeetingKind.JOINT)
    if not user.has_any_role({Role.VILLAGE_HEAD, Role.POLICE_OFFICER}):
        # No join on attendees, so rows never repeat and DISTINCT is not needed.
        return Meeting.objects.filter(condition)
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


def require_office(actor: User, unit: Unit) -> None:
    """Only the town's office records and edits meetings, schedules, tasks and self-inspections."""
    if unit.kind != UnitKind.TOWN:
        raise ServiceError("应登记在镇（街道）", field="unit")
    if not is_office_member(actor, unit):
        raise ActionNotAllowed(NOT_OFFICE)


def reads_full_record(user: User, unit: Unit) -> bool:
    """The office, or an 上级督导 over this town: minutes, decisions, materials (督导 read only)."""
    return user.is_authenticated and unit_in_paths(unit, grant_paths(user, RECORD_ROLES))


def visible_self_inspections(user: User) -> QuerySet[SelfInspection]:
    if not user.is_authenticated:
        return SelfInspection.objects.none()
    return SelfInspection.objects.filter(unit_id__in=_unit_ids(user, RECORD_ROLES))


def get_self_inspection_for_user(user: User, inspection_id: int) -> SelfInspection:
    inspection = (
        visible_self_inspections(user)
        .filter(pk=inspection_id)
        .select_related("unit", "created_by")
        .first()
    )
    if inspection is None:
        raise Http404("自查记录不存在或您无权查看")
    return inspection


def visible_tasks(user: User) -> TaskQuerySet:
    """The user's own tasks, and every task of the towns whose record they read."""
    if not user.is_authenticated:
        return Task.objects.none()
    condition = Q(pk__in=[])
    record_units = _unit_ids(user, RECORD_ROLES)
    if record_units:
        condition |= Q(unit_id__in=record_units)
    if user.has_any_role(ASSIGNEE_ROLES):
        condition |= Q(assignee=user)
    return Task.objects.filter(condition)


def get_task_for_user(user: User, task_id: int) -> Task:
    task = (
        visible_tasks(user)
        .filter(pk=task_id)
        .select_related(
            "unit",
            "assignee__unit",
            "done_by",
            "created_by",
            "decision__meeting",
            "decision__owner",
        )
        .first()
    )
    if task is None:
        raise Http404("任务不存在或您无权查看")
    return task


def can_complete_task(user: User, task: Task) -> bool:
    """The assignee does the work and reports it; the office may close it on their behalf."""
    return user.is_authenticated and (
        task.assignee_id == user.pk or is_office_member(user, task.unit)
    )


def is_assignable(person: User, town: Unit) -> bool:
    """An active person of the town (village heads and police included) with a working role."""
    return (
        person.is_active
        and person.unit is not None
        and person.unit.path.startswith(town.path)
        and person.has_any_role(ASSIGNEE_ROLES)
    )


def record_towns(user: User) -> list[Unit]:
    """The towns whose whole record the user reads (office and 上级督导)."""
    return list(
        units_within(grant_paths(user, RECORD_ROLES))
        .filter(kind=UnitKind.TOWN, is_active=True)
        .order_by("path")
    )


def office_town(user: User) -> Unit:
    """The town whose 例会安排 and records an account keeps: its first office town (403 for an
    account that is no town's office)."""
    towns = list_office_towns(user)
    if not towns:
        raise PermissionDenied("您不能登记会议")
    return towns[0]
