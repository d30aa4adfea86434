"""Every state change of meetings, schedules and self-inspections: one transaction each, audited.

Decisions and self-inspection problems reach the ledger through `rectifications.services`, in the
same transaction as the link kept here.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from saohei.audit.models import AuditAction
from saohei.audit.services import record_event
from saohei.common.dates import DateKind, check_date
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.common.uploads import CheckedUpload, store_upload
from saohei.leads.access import visible_leads
from saohei.leads.models import Lead
from saohei.meetings import access
from saohei.meetings.models import (
    Assessment,
    Frequency,
    MaterialKind,
    Meeting,
    MeetingDecision,
    MeetingKind,
    MeetingLeadOpinion,
    MeetingMaterial,
    MeetingSchedule,
    Requirement,
    SelfInspection,
    SelfInspectionProblem,
    Task,
    TaskStatus,
)
from saohei.meetings.queries import decision_lock_reason, meeting_url, task_of
from saohei.notifications.models import NotificationKind
from saohei.notifications.services import notify
from saohei.notifications.wording import name_item
from saohei.organisations.models import Unit, UnitKind, User
from saohei.organisations.queries import is_case_worker_under, is_office_member
from saohei.rectifications import services as rectifications
from saohei.rectifications.models import RectificationItem, SourceKind
from saohei.workdays.calendar import add_working_days

TEXT_LIMIT = 5000
NOT_OFFICE = "只有本镇扫黑办工作人员或领导小组组长、副组长可以登记"
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


def self_inspection_url(inspection: SelfInspection) -> str:
    return reverse("meetings:self_inspection", args=[inspection.pk])


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


def _text(
    value: str, field: str, label: str, *, required: bool = True, limit: int = TEXT_LIMIT
) -> str:
    value = value.strip()
    if required and not value:
        raise ServiceError(f"请填写{label}", field=field)
    if len(value) > limit:
        raise ServiceError(f"{label}不能超过{limit}个字", field=field)
    return value


def _require_office(actor: User, unit: Unit) -> None:
    if unit.kind != UnitKind.TOWN:
        raise ServiceError("应登记在镇（街道）", field="unit")
    if not is_office_member(actor, unit):
        raise ActionNotAllowed(NOT_OFFICE)


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
        title=_text(material.title, "materials", "材料标题", limit=200),
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


@transaction.atomic
def record_meeting(
    *,
    actor: User,
    unit: Unit,
    kind: str,
    title: str,
    held_on: date,
    place: str,
    chair: User,
    recorder: User,
    attendees: list[User],
    topics: str,
    reported: str = "",
    minutes: str = "",
    materials: list[MaterialIn] | None = None,
) -> Meeting:
    """登记会议: the town's office or leaders record a meeting held (not one in the future)."""
    _require_office(actor, unit)
    if kind not in MeetingKind.values:
        raise ServiceError("会议类型不正确", field="kind")
    check_date(held_on, kind=DateKind.EVENT, label="会议时间", field="held_on")
    _check_people(unit, chair, recorder, attendees)
    meeting = Meeting.objects.create(
        unit=unit,
        kind=kind,
        title=_text(title, "title", "会议名称", limit=200),
        held_on=held_on,
        place=_text(place, "place", "地点", limit=200),
        chair=chair,
        recorder=recorder,
        topics=_text(topics, "topics", "议题"),
        reported=_text(reported, "reported", "通报情况", required=False),
        minutes=_text(minutes, "minutes", "会议纪要", required=False),
        created_by=actor,
    )
    meeting.attendees.set(attendees)
    for material in materials or []:
        _add_material(meeting, material)
    record_event(
        action=AuditAction.MEETING_RECORDED,
        actor=actor,
        unit=unit,
        target=meeting,
        details={"kind": kind, "held_on": held_on.isoformat(), "materials": len(materials or [])},
    )
    return meeting


@transaction.atomic
def update_meeting(
    *,
    actor: User,
    meeting: Meeting,
    title: str,
    held_on: date,
    place: str,
    chair: User,
    recorder: User,
    attendees: list[User],
    topics: str,
    reported: str = "",
    minutes: str = "",
    materials: list[MaterialIn] | None = None,
) -> Meeting:
    """修改会议记录: the office corrects the record; the kind stays what it was."""
    _require_office(actor, meeting.unit)
    check_date(held_on, kind=DateKind.EVENT, label="会议时间", field="held_on")
    _check_people(meeting.unit, chair, recorder, attendees)
    before = _meeting_snapshot(meeting)
    meeting.title = _text(title, "title", "会议名称", limit=200)
    meeting.held_on = held_on
    meeting.place = _text(place, "place", "地点", limit=200)
    meeting.chair = chair
    meeting.recorder = recorder
    meeting.topics = _text(topics, "topics", "议题")
    meeting.reported = _text(reported, "reported", "通报情况", required=False)
    meeting.minutes = _text(minutes, "minutes", "会议纪要", required=False)
    meeting.save()
    meeting.attendees.set(attendees)
    for material in materials or []:
        _add_material(meeting, material)
    after = _meeting_snapshot(meeting)
    record_event(
        action=AuditAction.MEETING_UPDATED,
        actor=actor,
        unit=meeting.unit,
        target=meeting,
        details={
            "changed": [name for name in after if after[name] != before[name]],
            "materials": len(materials or []),
        },
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
def add_decision(
    *,
    actor: User,
    meeting: Meeting,
    text: str,
    owner: User,
    due_on: date | None = None,
    working_days: int | None = None,
) -> MeetingDecision:
    """决定事项 with owner and deadline (a date, or working days from the meeting); the owner
    is told."""
    _require_office(actor, meeting.unit)
    if not _in_town(owner, meeting.unit):
        raise ServiceError("责任人须为本镇在岗人员（三员、举报信息保管员除外）", field="owner")
    due_on = _decision_due(meeting, due_on, working_days)
    decision = MeetingDecision.objects.create(
        meeting=meeting, text=_text(text, "text", "决定事项"), owner=owner, due_on=due_on
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
    *,
    actor: User,
    decision: MeetingDecision,
    text: str,
    owner: User,
    due_on: date | None = None,
    working_days: int | None = None,
) -> MeetingDecision:
    """修改决定事项: the office corrects text, owner or deadline until it became a task or an
    item of the ledger; from then on the task or item is what is followed."""
    meeting = decision.meeting
    _require_office(actor, meeting.unit)
    locked = _locked_decision(decision)
    reason = decision_lock_reason(locked)
    if reason:
        raise ServiceError(reason)
    if not _in_town(owner, meeting.unit):
        raise ServiceError("责任人须为本镇在岗人员（三员、举报信息保管员除外）", field="owner")
    new_text = _text(text, "text", "决定事项")
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
    locked.save(update_fields=["text", "owner", "due_on"])
    decision.text, decision.owner, decision.due_on = new_text, owner, new_due
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
    _require_office(actor, meeting.unit)
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
    locked = Task.objects.select_for_update().get(pk=task.pk)
    if locked.status != TaskStatus.OPEN:
        raise ServiceError("任务已办结，不能重复办结")
    result = _text(result, "result", "办理结果")
    now = timezone.now()
    Task.objects.filter(pk=task.pk).update(
        status=TaskStatus.DONE, result=result, done_by=actor, done_at=now
    )
    task.status, task.result, task.done_by, task.done_at = TaskStatus.DONE, result, actor, now
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
    _require_office(actor, meeting.unit)
    locked = _locked_decision(decision)
    if locked.rectification_item_id is not None:
        raise ServiceError("该决定事项已列入整改台账")
    if task_of(locked) is not None:
        raise ServiceError("该决定事项已转为任务，不能再列入整改台账")
    today = timezone.localdate()
    item = rectifications.open_item(
        actor=actor,
        unit=meeting.unit,
        village=village,
        source_kind=SourceKind.MEETING,
        source_label=f"{meeting.get_kind_display()}：{meeting.title}（{meeting.held_on:%Y-%m-%d}）"[
            :200
        ],
        source_url=meeting_url(meeting),
        description=locked.text,
        measures=measures,
        responsible_leader=responsible_leader,
        responsible_unit=village or meeting.unit,
        responsible_person=locked.owner,
        due_on=locked.due_on if locked.due_on >= today else None,
        # The owner was told of the decision; the notice naming the item replaces that one.
        notice_topic=decision_topic(locked),
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
    _require_office(actor, meeting.unit)
    if meeting.kind != MeetingKind.ANALYSIS:
        raise ServiceError("只有研判会可以关联线索")
    if not visible_leads(actor).filter(pk=lead.pk).exists():
        raise ServiceError("线索不存在或您无权查看", field="lead")
    if meeting.lead_opinions.filter(lead=lead).exists():
        raise ServiceError("该线索已有研判意见", field="lead")
    entry = MeetingLeadOpinion.objects.create(
        meeting=meeting, lead=lead, opinion=_text(opinion, "opinion", "研判意见")
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
def set_schedule(
    *,
    actor: User,
    unit: Unit,
    kind: str,
    frequency: str,
    interval: int,
    day: int,
    starts_on: date,
    is_active: bool = True,
) -> MeetingSchedule:
    """例会安排: one schedule per meeting kind and town, replaced when set again."""
    _require_office(actor, unit)
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
def record_self_inspection(
    *,
    actor: User,
    unit: Unit,
    document_title: str,
    document_number: str,
    document_on: date,
    inspected_on: date,
    requirements: list[str],
) -> SelfInspection:
    """自查自纠: the office lists the upper document's requirements to assess one by one."""
    _require_office(actor, unit)
    texts = [text.strip() for text in requirements if text.strip()]
    if not texts:
        raise ServiceError("请至少列出一项上级要求", field="requirements")
    check_date(inspected_on, kind=DateKind.EVENT, label="自查日期", field="inspected_on")
    check_date(document_on, kind=DateKind.HISTORY, label="发文日期", field="document_on")
    if inspected_on < document_on:
        raise ServiceError("自查日期不能早于发文日期", field="inspected_on")
    inspection = SelfInspection.objects.create(
        unit=unit,
        document_title=_text(document_title, "document_title", "上级文件", limit=200),
        document_number=_text(
            document_number, "document_number", "文号", required=False, limit=100
        ),
        document_on=document_on,
        inspected_on=inspected_on,
        created_by=actor,
    )
    Requirement.objects.bulk_create(
        Requirement(inspection=inspection, position=index, text=_text(text, "requirements", "要求"))
        for index, text in enumerate(texts, start=1)
    )
    record_event(
        action=AuditAction.SELF_INSPECTION_RECORDED,
        actor=actor,
        unit=unit,
        target=inspection,
        details={"requirements": len(texts)},
    )
    return inspection


@transaction.atomic
def assess_requirement(
    *, actor: User, requirement: Requirement, assessment: str, note: str = ""
) -> Requirement:
    """自评 of one requirement; anything short of 达标 needs a note saying why."""
    inspection = requirement.inspection
    _require_office(actor, inspection.unit)
    if assessment not in Assessment.values:
        raise ServiceError("请选择自评结果", field="assessment")
    note = _text(note, "note", "说明", required=assessment != Assessment.MET)
    requirement.assessment = assessment
    requirement.note = note
    requirement.assessed_by = actor
    requirement.assessed_at = timezone.now()
    requirement.save(update_fields=["assessment", "note", "assessed_by", "assessed_at"])
    record_event(
        action=AuditAction.SELF_INSPECTION_ASSESSED,
        actor=actor,
        unit=inspection.unit,
        target=inspection,
        details={"requirement": requirement.pk, "assessment": assessment},
    )
    return requirement


@transaction.atomic
def record_problem(
    *,
    actor: User,
    inspection: SelfInspection,
    requirement: Requirement | None,
    description: str,
    measures: str,
    responsible_leader: User,
    responsible_person: User,
    village: Unit | None = None,
    due_on: date | None = None,
    working_days: int | None = None,
) -> SelfInspectionProblem:
    """A problem found by the self-inspection, put on the ledger in the same step."""
    _require_office(actor, inspection.unit)
    if requirement is not None and requirement.inspection_id != inspection.pk:
        raise ServiceError("要求不属于本次自查", field="requirement")
    extra: dict[str, Any] = {"due_on": due_on, "working_days": working_days}
    item = rectifications.open_item(
        actor=actor,
        unit=inspection.unit,
        village=village,
        source_kind=SourceKind.SELF_INSPECTION,
        source_label=f"对照《{inspection.document_title}》自查自纠"[:200],
        source_url=self_inspection_url(inspection),
        description=description,
        measures=measures,
        responsible_leader=responsible_leader,
        responsible_unit=village or inspection.unit,
        responsible_person=responsible_person,
        **extra,
    )
    problem = SelfInspectionProblem.objects.create(
        inspection=inspection,
        requirement=requirement,
        description=item.description,
        rectification_item=item,
    )
    record_event(
        action=AuditAction.SELF_INSPECTION_PROBLEM_TO_RECTIFICATION,
        actor=actor,
        unit=inspection.unit,
        target=inspection,
        details={"problem": problem.pk, "item": item.pk},
    )
    return problem


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
