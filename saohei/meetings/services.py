"""Every state change of meetings, their decisions and tasks, and schedules: one transaction
each, audited. Self-inspections (自查自纠) have their own module, `self_inspection`.

Decisions reach the ledger through `rectifications.services`, in the
same transaction as the link kept here.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from saohei.audit.models import AuditAction
from saohei.audit.services import record_event
from saohei.common.dates import DateKind, check_date
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.common.rows import check_version, lock_current
from saohei.common.uploads import CheckedUpload, store_upload
from saohei.common.validation import checked_text
from saohei.leads.access import visible_leads
from saohei.leads.models import Lead
from saohei.meetings import access
from saohei.meetings.models import (
    Frequency,
    MaterialKind,
    Meeting,
    MeetingDecision,
    MeetingKind,
    MeetingLeadOpinion,
    MeetingMaterial,
    MeetingSchedule,
    Task,
    TaskStatus,
)
from saohei.meetings.queries import decision_lock_reason, meeting_url, task_of
from saohei.notifications.models import NotificationKind
from saohei.notifications.services import notify
from saohei.notifications.wording import name_item
from saohei.organisations.models import Unit, User
from saohei.organisations.queries import is_case_worker_under
from saohei.rectifications import services as rectifications
from saohei.rectifications.models import RectificationItem, SourceKind
from saohei.workdays.calendar import add_working_days

TEXT_LIMIT = 5000
# A working-day limit longer than a year is a typo, as on the ledger.
MAX_WORKING_DAYS = 365
ONE_DEADLINE = "时限请填日期或工作日数，二者只填一项"
# How much of a decision's text an audit event keeps: enough to recognise it.
AUDIT_TEXT_LIMIT = 100


@dataclass(frozen=True)
class MaterialIn:
    kind: str
    title: str
    upload: CheckedUpload | None = None


def _meeting_link_for(person: User, meeting: Meeting) -> str:
    """A link only when the person may open the meeting; a village head who did not attend gets
    the notice without a dead link (the task, once created, links to its own page)."""
    if access.visible_meetings(person).filter(pk=meeting.pk).exists():
        return meeting_url(meeting)
    return ""


def task_url(task: Task) -> str:
    return reverse("meetings:task", args=[task.pk])


def task_label(task: Task) -> str:
    """The task as a notice names it: its number and what was decided."""
    return name_item(f"会议任务{task.pk}号", summary=task.decision.text)


def decision_label(meeting: Meeting, text: str) -> str:
    """A decision as a notice names it: its meeting and what was decided."""
    return name_item(meeting.title[:40], summary=text)


def decision_topic(decision: MeetingDecision) -> str:
    """The notices' topic for a decision and the task or 整改事项 it becomes: one piece of work,
    so the later notice replaces an unread earlier one (decision 0025)."""
    return f"meeting-decision:{decision.pk}"


def _in_town(person: User, town: Unit) -> bool:
    return is_case_worker_under(person, town)


def _check_people(town: Unit, chair: User, recorder: User, attendees: list[User]) -> None:
    if not _in_town(chair, town):
        raise ServiceError("主持人须为本镇在岗人员（三员、举报信息保管员除外）", field="chair")
    if not _in_town(recorder, town):
        raise ServiceError("记录人须为本镇在岗人员（三员、举报信息保管员除外）", field="recorder")
    if not attendees:
        raise ServiceError("请选择参会人", field="attendees")
    if any(not _in_town(person, town) for person in attendees):
        raise ServiceError("参会人须为本镇在岗人员（三员、举报信息保管员除外）", field="attendees")


def _add_material(meeting: Meeting, material: MaterialIn) -> MeetingMaterial:
    if material.kind not in MaterialKind.values:
        raise ServiceError("材料类别不正确", field="materials")
    stored = MeetingMaterial(
        meeting=meeting,
        kind=material.kind,
        title=checked_text(
            material.title, field="materials", label="材料标题", limit=200, required=True
        ),
    )
    if material.upload is not None:
        checked = material.upload
        stored.original_name = (checked.upload.name or "附件")[:200]
        stored.content_type = checked.content_type
        stored.size = checked.size
        stored.sha256 = checked.sha256
        store_upload(stored.file, checked)
    stored.save()
    return stored


@dataclass(frozen=True)
class MeetingRecord:
    """What the office writes down about a meeting held: the same for recording and correcting."""

    title: str
    held_on: date
    place: str
    chair: User
    recorder: User
    attendees: list[User]
    topics: str
    reported: str = ""
    minutes: str = ""
    materials: list[MaterialIn] = field(default_factory=list)


@dataclass(frozen=True)
class DecisionInput:
    """决定事项 as the office writes it: the same for adding and correcting. The deadline is a
    date, or working days from the meeting."""

    text: str
    owner: User
    due_on: date | None = None
    working_days: int | None = None


@dataclass(frozen=True)
class ScheduleInput:
    """例会安排: every `interval` months on `day` (monthly), or weekly on weekday `day`."""

    kind: str
    frequency: str
    interval: int
    day: int
    starts_on: date
    is_active: bool = True


def _write_record(meeting: Meeting, record: MeetingRecord) -> None:
    """Check the record against the meeting's town and copy it onto the meeting (unsaved)."""
    check_date(record.held_on, kind=DateKind.EVENT, label="会议时间", field="held_on")
    _check_people(meeting.unit, record.chair, record.recorder, record.attendees)
    meeting.title = checked_text(
        record.title, field="title", label="会议名称", limit=200, required=True
    )
    meeting.held_on = record.held_on
    meeting.place = checked_text(
        record.place, field="place", label="地点", limit=200, required=True
    )
    meeting.chair = record.chair
    meeting.recorder = record.recorder
    meeting.topics = checked_text(
        record.topics, field="topics", label="议题", limit=TEXT_LIMIT, required=True
    )
    meeting.reported = checked_text(
        record.reported, field="reported", label="通报情况", limit=TEXT_LIMIT
    )
    meeting.minutes = checked_text(
        record.minutes, field="minutes", label="会议纪要", limit=TEXT_LIMIT
    )


# What `_write_record` writes onto the meeting.
RECORD_FIELDS = ("title", "held_on", "place", "chair", "recorder", "topics", "reported", "minutes")


def _store_attendees_and_materials(meeting: Meeting, record: MeetingRecord) -> None:
    meeting.attendees.set(record.attendees)
    for material in record.materials:
        _add_material(meeting, material)


@transaction.atomic
def record_meeting(*, actor: User, unit: Unit, kind: str, record: MeetingRecord) -> Meeting:
    """登记会议: the town's office or leaders record a meeting held (not one in the future)."""
    access.require_office(actor, unit)
    if kind not in MeetingKind.values:
        raise ServiceError("会议类型不正确", field="kind")
    meeting = Meeting(unit=unit, kind=kind, created_by=actor)
    _write_record(meeting, record)
    meeting.save()
    _store_attendees_and_materials(meeting, record)
    record_event(
        action=AuditAction.MEETING_RECORDED,
        actor=actor,
        unit=unit,
        target=meeting,
        details={
            "kind": kind,
            "held_on": record.held_on.isoformat(),
            "materials": len(record.materials),
        },
    )
    return meeting


@transaction.atomic
def update_meeting(
    *, actor: User, meeting: Meeting, record: MeetingRecord, version: int | None = None
) -> Meeting:
    """修改会议记录: the office corrects the record; the kind stays what it was. Refused when
    someone else saved it since `version` was opened."""
    access.require_office(actor, meeting.unit)
    lock_current(meeting, noun="会议记录", field=None, version=version)
    before = _meeting_snapshot(meeting)
    _write_record(meeting, record)
    meeting.version += 1
    meeting.save(update_fields=[*RECORD_FIELDS, "version", "updated_at"])
    _store_attendees_and_materials(meeting, record)
    after = _meeting_snapshot(meeting)
    record_event(
        action=AuditAction.MEETING_UPDATED,
        actor=actor,
        unit=meeting.unit,
        target=meeting,
        details={
            "changed": [name for name in after if after[name] != before[name]],
            "materials": len(record.materials),
        },
    )
    return meeting


@transaction.atomic
def add_materials(*, actor: User, meeting: Meeting, materials: list[MaterialIn]) -> Meeting:
    """学习材料 added to a recorded meeting by the office, as the edit form adds them; the record
    itself (and its version) is left as it is, so an edit open elsewhere is not made stale."""
    access.require_office(actor, meeting.unit)
    if not materials:
        raise ServiceError("请至少添加一份材料", field="materials")
    for material in materials:
        _add_material(meeting, material)
    record_event(
        action=AuditAction.MEETING_UPDATED,
        actor=actor,
        unit=meeting.unit,
        target=meeting,
        details={"changed": [], "materials": len(materials)},
    )
    return meeting


def _meeting_snapshot(meeting: Meeting) -> dict[str, Any]:
    """What an edit may change, to name the changed fields in the audit event."""
    return {
        "title": meeting.title,
        "held_on": meeting.held_on.isoformat(),
        "place": meeting.place,
        "chair": meeting.chair_id,
        "recorder": meeting.recorder_id,
        "attendees": sorted(meeting.attendees.values_list("pk", flat=True)),
        "topics": meeting.topics,
        "reported": meeting.reported,
        "minutes": meeting.minutes,
    }


def _decision_due(meeting: Meeting, due_on: date | None, working_days: int | None) -> date:
    """A date as decided, or N working days from the meeting (the working-day calendar)."""
    if due_on is not None and working_days is not None:
        raise ServiceError(ONE_DEADLINE, field="working_days")
    if due_on is None:
        if working_days is None:
            raise ServiceError("请填写时限（日期或工作日数）", field="due_on")
        if not 1 <= working_days <= MAX_WORKING_DAYS:
            raise ServiceError(f"时限应为1至{MAX_WORKING_DAYS}个工作日", field="working_days")
        due_on = add_working_days(meeting.held_on, working_days)
    check_date(due_on, kind=DateKind.DEADLINE, label="时限", field="due_on")
    if due_on < meeting.held_on:
        raise ServiceError("时限不能早于会议时间", field="due_on")
    return due_on


def _decision_summary(decision: MeetingDecision) -> dict[str, Any]:
    return {
        "text": decision.text[:AUDIT_TEXT_LIMIT],
        "owner": decision.owner.username,
        "due_on": decision.due_on.isoformat(),
    }


def _locked_decision(decision: MeetingDecision) -> MeetingDecision:
    """Lock the row so that two clerks cannot hand the same decision on at once."""
    # Only this row: a join here would lock the meeting, the town and the owner's account too.
    locked = MeetingDecision.objects.select_for_update(of=("self",)).get(pk=decision.pk)
    locked.meeting = decision.meeting
    decision.rectification_item_id = locked.rectification_item_id
    return locked


@transaction.atomic
def add_decision(*, actor: User, meeting: Meeting, data: DecisionInput) -> MeetingDecision:
    """决定事项 with owner and deadline (a date, or working days from the meeting); the owner
    is told."""
    text, owner, due_on, working_days = data.text, data.owner, data.due_on, data.working_days
    access.require_office(actor, meeting.unit)
    if not _in_town(owner, meeting.unit):
        raise ServiceError("责任人须为本镇在岗人员（三员、举报信息保管员除外）", field="owner")
    due_on = _decision_due(meeting, due_on, working_days)
    decision = MeetingDecision.objects.create(
        meeting=meeting,
        text=checked_text(text, field="text", label="决定事项", limit=TEXT_LIMIT, required=True),
        owner=owner,
        due_on=due_on,
    )
    record_event(
        action=AuditAction.MEETING_DECISION_ADDED,
        actor=actor,
        unit=meeting.unit,
        target=meeting,
        details={"decision": decision.pk, "after": _decision_summary(decision)},
    )
    notify(
        recipients=[owner],
        title=f"会议决定事项由您负责：{decision_label(meeting, decision.text)}",
        body=f"{meeting.title}，时限 {due_on:%Y-%m-%d}",
        url=_meeting_link_for(owner, meeting),
        kind=NotificationKind.INFO,
        topic=decision_topic(decision),
    )
    return decision


@transaction.atomic
def edit_decision(
    *, actor: User, decision: MeetingDecision, data: DecisionInput, version: int | None = None
) -> MeetingDecision:
    """修改决定事项: the office corrects text, owner or deadline until it became a task or an
    item of the ledger; from then on the task or item is what is followed."""
    text, owner, due_on, working_days = data.text, data.owner, data.due_on, data.working_days
    meeting = decision.meeting
    access.require_office(actor, meeting.unit)
    locked = _locked_decision(decision)
    check_version(locked, noun="决定事项", version=version)
    reason = decision_lock_reason(locked)
    if reason:
        raise ServiceError(reason)
    if not _in_town(owner, meeting.unit):
        raise ServiceError("责任人须为本镇在岗人员（三员、举报信息保管员除外）", field="owner")
    new_text = checked_text(text, field="text", label="决定事项", limit=TEXT_LIMIT, required=True)
    new_due = _decision_due(meeting, due_on, working_days)
    before = _decision_summary(locked)
    changed = [
        name
        for name, old, new in (
            ("text", locked.text, new_text),
            ("owner", locked.owner_id, owner.pk),
            ("due_on", locked.due_on, new_due),
        )
        if old != new
    ]
    if not changed:
        return decision
    previous_owner_id = locked.owner_id
    locked.text, locked.owner, locked.due_on = new_text, owner, new_due
    locked.version += 1
    locked.save(update_fields=["text", "owner", "due_on", "version"])
    decision.text, decision.owner, decision.due_on = new_text, owner, new_due
    decision.version = locked.version
    record_event(
        action=AuditAction.MEETING_DECISION_UPDATED,
        actor=actor,
        unit=meeting.unit,
        target=meeting,
        details={
            "decision": decision.pk,
            "changed": changed,
            "before": before,
            "after": _decision_summary(locked),
        },
    )
    if owner.pk != previous_owner_id:
        notify(
            recipients=[owner],
            title=f"会议决定事项改由您负责：{decision_label(meeting, new_text)}",
            body=f"{meeting.title}，时限 {new_due:%Y-%m-%d}",
            url=_meeting_link_for(owner, meeting),
            kind=NotificationKind.INFO,
            topic=decision_topic(decision),
        )
    return decision


@transaction.atomic
def decision_to_task(
    *,
    actor: User,
    decision: MeetingDecision,
    assignee: User | None = None,
    due_on: date | None = None,
    working_days: int | None = None,
) -> Task:
    """转为任务: once per decision (and not if it is on the ledger), to a person of the town;
    the deadline is a date, N working days from today, or the decision's own if still ahead."""
    meeting = decision.meeting
    access.require_office(actor, meeting.unit)
    locked = _locked_decision(decision)
    if locked.rectification_item_id is not None:
        raise ServiceError("该决定事项已列入整改台账，不能再转为任务")
    if task_of(locked) is not None:
        raise ServiceError("该决定事项已转为任务，不能重复交办")
    assignee = assignee or locked.owner
    if not access.is_assignable(assignee, meeting.unit):
        raise ServiceError(
            "承办人须为本镇在岗的扫黑办、领导小组、村负责人或派出所民警", field="assignee"
        )
    today = timezone.localdate()
    if due_on is not None and working_days is not None:
        raise ServiceError(ONE_DEADLINE, field="working_days")
    if due_on is not None:
        check_date(due_on, kind=DateKind.DEADLINE, label="完成时限", field="due_on")
        if due_on < today:
            raise ServiceError("完成时限不能早于今天", field="due_on")
    elif working_days is not None:
        if not 1 <= working_days <= MAX_WORKING_DAYS:
            raise ServiceError(f"完成时限应为1至{MAX_WORKING_DAYS}个工作日", field="working_days")
        due_on = add_working_days(today, working_days)
    elif locked.due_on >= today:
        due_on = locked.due_on
    else:
        raise ServiceError("决定事项的时限已过，请重新确定完成时限", field="due_on")
    task = Task.objects.create(
        unit=meeting.unit,
        decision=locked,
        assignee=assignee,
        due_on=due_on,
        created_by=actor,
    )
    record_event(
        action=AuditAction.MEETING_DECISION_TO_TASK,
        actor=actor,
        unit=meeting.unit,
        target=task,
        details={
            "meeting": meeting.pk,
            "decision": locked.pk,
            "assignee": assignee.username,
            "due_on": due_on.isoformat(),
        },
    )
    notify(
        recipients=[assignee],
        title=f"会议决定事项已交办给您：{task_label(task)}",
        body=f"{locked.text[:60]}，完成时限 {due_on:%Y-%m-%d}",
        url=task_url(task),
        kind=NotificationKind.INFO,
        topic=decision_topic(locked),
    )
    return task


@transaction.atomic
def complete_task(*, actor: User, task: Task, result: str) -> Task:
    """办结任务: the assignee (or the office for them) reports the result; once only."""
    if not access.can_complete_task(actor, task):
        raise ActionNotAllowed("只有承办人或本镇扫黑办、领导小组可以办结任务")
    lock_current(task, noun="任务")
    if task.status != TaskStatus.OPEN:
        raise ServiceError("任务已办结，不能重复办结")
    result = checked_text(result, field="result", label="办理结果", limit=TEXT_LIMIT, required=True)
    now = timezone.now()
    task.status, task.result, task.done_by, task.done_at = TaskStatus.DONE, result, actor, now
    task.save(update_fields=["status", "result", "done_by", "done_at"])
    record_event(
        action=AuditAction.MEETING_TASK_COMPLETED,
        actor=actor,
        unit=task.unit,
        target=task,
        details={
            "decision": task.decision_id,
            "late": timezone.localdate(now) > task.due_on,
            "result": result[:AUDIT_TEXT_LIMIT],
        },
    )
    if task.created_by_id != actor.pk:
        notify(
            recipients=[task.created_by],
            title=f"会议任务已办结：{task_label(task)}",
            body=f"{task.decision.text[:60]}：{result[:60]}",
            url=task_url(task),
            kind=NotificationKind.INFO,
        )
    return task


@transaction.atomic
def decision_to_rectification(
    *,
    actor: User,
    decision: MeetingDecision,
    measures: str,
    responsible_leader: User,
    village: Unit | None = None,
) -> RectificationItem:
    """A decision goes on the ledger once, owner and deadline as decided."""
    meeting = decision.meeting
    access.require_office(actor, meeting.unit)
    locked = _locked_decision(decision)
    if locked.rectification_item_id is not None:
        raise ServiceError("该决定事项已列入整改台账")
    if task_of(locked) is not None:
        raise ServiceError("该决定事项已转为任务，不能再列入整改台账")
    today = timezone.localdate()
    item = rectifications.open_item(
        actor=actor,
        unit=meeting.unit,
        notice_topic=decision_topic(locked),
        source=rectifications.ItemSource(
            kind=SourceKind.MEETING,
            label=f"{meeting.get_kind_display()}：{meeting.title}（{meeting.held_on:%Y-%m-%d}）"[
                :200
            ],
            url=meeting_url(meeting),
        ),
        data=rectifications.ItemInput(
            village=village,
            description=locked.text,
            measures=measures,
            responsible_leader=responsible_leader,
            responsible_unit=village or meeting.unit,
            responsible_person=locked.owner,
            due_on=locked.due_on if locked.due_on >= today else None,
        ),
    )
    decision.rectification_item = item
    decision.save(update_fields=["rectification_item"])
    record_event(
        action=AuditAction.MEETING_DECISION_TO_RECTIFICATION,
        actor=actor,
        unit=meeting.unit,
        target=meeting,
        details={"decision": decision.pk, "item": item.pk},
    )
    return item


@transaction.atomic
def record_lead_opinion(
    *, actor: User, meeting: Meeting, lead: Lead, opinion: str
) -> MeetingLeadOpinion:
    """研判意见 on a lead: only at a 研判会, only on a lead the actor may see."""
    access.require_office(actor, meeting.unit)
    if meeting.kind != MeetingKind.ANALYSIS:
        raise ServiceError("只有研判会可以关联线索")
    if not visible_leads(actor).filter(pk=lead.pk).exists():
        raise ServiceError("线索不存在或您无权查看", field="lead")
    if meeting.lead_opinions.filter(lead=lead).exists():
        raise ServiceError("该线索已有研判意见", field="lead")
    entry = MeetingLeadOpinion.objects.create(
        meeting=meeting,
        lead=lead,
        opinion=checked_text(
            opinion, field="opinion", label="研判意见", limit=TEXT_LIMIT, required=True
        ),
    )
    record_event(
        action=AuditAction.MEETING_UPDATED,
        actor=actor,
        unit=meeting.unit,
        target=meeting,
        details={"lead": lead.pk},
    )
    return entry


@transaction.atomic
def set_schedule(*, actor: User, unit: Unit, data: ScheduleInput) -> MeetingSchedule:
    """例会安排: one schedule per meeting kind and town, replaced when set again."""
    kind, frequency, interval, day = data.kind, data.frequency, data.interval, data.day
    starts_on, is_active = data.starts_on, data.is_active
    access.require_office(actor, unit)
    if kind not in MeetingKind.values:
        raise ServiceError("会议类型不正确", field="kind")
    if frequency not in Frequency.values:
        raise ServiceError("周期不正确", field="frequency")
    if frequency == Frequency.MONTHLY and not (1 <= interval <= 12 and 1 <= day <= 28):
        raise ServiceError("按月时间隔为1至12个月，日期为1至28日", field="day")
    if frequency == Frequency.WEEKLY and not 1 <= day <= 7:
        raise ServiceError("按周时星期几应为1至7", field="day")
    check_date(starts_on, kind=DateKind.DEADLINE, label="起始日期", field="starts_on")
    schedule, _ = MeetingSchedule.objects.update_or_create(
        unit=unit,
        kind=kind,
        defaults={
            "frequency": frequency,
            "interval": interval if frequency == Frequency.MONTHLY else 1,
            "day": day,
            "starts_on": starts_on,
            "is_active": is_active,
        },
    )
    record_event(
        action=AuditAction.MEETING_SCHEDULE_SET,
        actor=actor,
        unit=unit,
        target=schedule,
        details={"kind": kind, "frequency": frequency, "interval": interval, "day": day},
    )
    return schedule


@transaction.atomic
def record_material_downloaded(
    *, actor: User, meeting: Meeting, material: MeetingMaterial, ip_address: str | None = None
) -> None:
    """Every download of a studied document or case is audited with its digest (the access
    check is the caller's)."""
    record_event(
        action=AuditAction.ATTACHMENT_DOWNLOADED,
        actor=actor,
        unit=meeting.unit,
        target=meeting,
        ip_address=ip_address,
        details={"material_id": material.pk, "sha256": material.sha256},
    )
