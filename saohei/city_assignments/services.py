"""Every change of the city's assignments: one transaction each, checked, audited (0062)."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from saohei.audit.models import AuditAction
from saohei.audit.services import record_event
from saohei.city_assignments import access
from saohei.city_assignments.models import (
    ASSIGNABLE_SOURCES,
    AssignedTown,
    CityAssignment,
    Progress,
    Verdict,
)
from saohei.city_assignments.queries import progress_of
from saohei.common.dates import DateKind, check_date
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.common.validation import checked_text
from saohei.leads import services as lead_services
from saohei.leads.models import Channel, Lead
from saohei.leads.notices import lead_label, lead_url, leaders_for, office_staff_for, unique
from saohei.notifications.models import NotificationKind
from saohei.notifications.services import notify
from saohei.organisations.models import Unit, User
from saohei.workdays.calendar import add_working_days

NOT_THE_CITY = "只有本市扫黑办的上级督导人员可以交办和审核反馈"

# A returned 反馈 is due again this many 工作日 after the return unless the city picks a date:
# two working weeks, the time a town takes for a 核查 of a lead it already knows.
RETURN_WORKING_DAYS = 10


@dataclass(frozen=True)
class AssignmentInput:
    towns: list[Unit]
    deadline: date
    instruction: str
    summary: str
    source: str
    subject_name: str = ""
    # Typed when the city passes on a number it was given; empty: the next of the city's own.
    number: str = ""
    involves_official: bool = False


def _next_number(city: Unit, year: int) -> str:
    """RC-JB-2026-003: the city's own numbers, counted under the lock on the city's row."""
    prefix = f"{city.code or f'U{city.pk}'}-JB-{year}-"
    taken = CityAssignment.objects.filter(city=city, number__startswith=prefix).count()
    number = taken + 1
    while CityAssignment.objects.filter(city=city, number=f"{prefix}{number:03d}").exists():
        number += 1
    return f"{prefix}{number:03d}"


def _audit(action: AuditAction, actor: User, target: Any, unit: Unit, **details: Any) -> None:
    record_event(action=action, actor=actor, unit=unit, target=target, details=details)


@transaction.atomic
def assign_to_towns(*, actor: User, city: Unit, data: AssignmentInput) -> CityAssignment:
    """交办: one lead registered in each chosen town, with the city's deadline as its
    上级要求办结日期 (it drives the lead's 办理时限 and reminders); each town's office is told."""
    if not access.is_city_supervisor(actor, city):
        raise ActionNotAllowed(NOT_THE_CITY)
    if data.source not in ASSIGNABLE_SOURCES:
        raise ServiceError("来源须为上级交办或12337平台下发", field="source")
    towns = list({town.pk: town for town in data.towns}.values())
    if not towns:
        raise ServiceError("请选择至少一个镇（街道）", field="towns")
    allowed = {town.pk for town in access.assignable_towns(city)}
    if any(town.pk not in allowed for town in towns):
        raise ServiceError("只能交办给本市所辖的镇（街道）", field="towns")
    summary = checked_text(
        data.summary, field="summary", label="问题内容", limit=500, required=True
    )
    instruction = checked_text(
        data.instruction, field="instruction", label="交办意见", limit=2000, required=True
    )
    subject_name = checked_text(data.subject_name, field="subject_name", label="被反映人", limit=50)
    number = checked_text(data.number, field="number", label="交办编号", limit=100)
    check_date(data.deadline, kind=DateKind.DEADLINE, label="反馈期限", field="deadline")
    if data.deadline < timezone.localdate():
        raise ServiceError("反馈期限不能早于今天", field="deadline")
    # Numbers of one city are counted and checked one assignment at a time.
    Unit.objects.select_for_update(no_key=True).filter(pk=city.pk).first()
    now = timezone.now()
    if not number:
        number = _next_number(city, timezone.localdate(now).year)
    elif CityAssignment.objects.filter(city=city, number=number).exists():
        raise ServiceError("该交办编号已经使用过，请核对", field="number")
    assignment = CityAssignment.objects.create(
        city=city,
        number=number,
        source=data.source,
        summary=summary,
        subject_name=subject_name,
        instruction=instruction,
        deadline=data.deadline,
        involves_official=data.involves_official,
        assigned_at=now,
        created_by=actor,
    )
    subjects = [lead_services.SubjectInput(name=subject_name)] if subject_name else []
    for town in sorted(towns, key=lambda town: town.path):
        lead = lead_services.register_lead(
            actor=actor,
            unit=town,
            data=lead_services.LeadInput(
                received_at=now,
                channel=Channel.PLATFORM,
                source=data.source,
                summary=summary,
                narrative=f"{city.name}交办意见：{instruction}",
                involves_official=data.involves_official,
                upstream_office=city.name,
                upstream_reference=number,
                upstream_deadline=data.deadline,
                subjects=subjects,
            ),
        )
        AssignedTown.objects.create(assignment=assignment, town=town, lead=lead)
        _notify_town(lead, title=f"{city.name}交办线索：{lead_label(lead)}", deadline=data.deadline)
    _audit(
        AuditAction.CITY_ASSIGNED,
        actor,
        assignment,
        city,
        towns=[town.pk for town in towns],
        source=data.source,
    )
    return assignment


def _notify_town(lead: Lead, *, title: str, deadline: date) -> None:
    # The town's office who may open the lead (a lead about an official: its leaders only).
    notify(
        recipients=unique(office_staff_for(lead) + leaders_for(lead)),
        title=title,
        body=f"反馈期限 {deadline:%Y-%m-%d}",
        url=lead_url(lead),
        kind=NotificationKind.ASSIGNMENT,
    )


def _judgeable(actor: User, row: AssignedTown) -> None:
    if not access.is_city_supervisor(actor, row.assignment.city):
        raise ActionNotAllowed(NOT_THE_CITY)
    if not access.may_judge(actor, row):
        raise ActionNotAllowed("该线索涉及公职人员，您无权查看其反馈，不能审核")


def _lock_row(row: AssignedTown) -> tuple[AssignedTown, Lead]:
    """Row and lead re-read under a lock, and the 反馈 now waiting for a verdict."""
    locked = AssignedTown.objects.select_for_update().select_related("lead").get(pk=row.pk)
    lead = locked.lead
    latest = lead.feedbacks.order_by("-created_at", "-id").first()
    if latest is None or progress_of(locked, latest) != Progress.SUBMITTED:
        raise ServiceError("该镇没有待审核的反馈（尚未反馈、已审核或已退回）")
    locked.judged_feedback = latest
    return locked, lead


@transaction.atomic
def accept_feedback(*, actor: User, row: AssignedTown) -> AssignedTown:
    """采纳: the town's latest 反馈 is accepted; the lead's history says so."""
    _judgeable(actor, row)
    locked, lead = _lock_row(row)
    lead_services.accept_feedback(actor=actor, lead=lead)
    locked.verdict = Verdict.ACCEPTED
    locked.return_reason = ""
    locked.reviewed_by = actor
    locked.reviewed_at = timezone.now()
    locked.save(
        update_fields=["verdict", "judged_feedback", "return_reason", "reviewed_by", "reviewed_at"]
    )
    _audit(
        AuditAction.CITY_FEEDBACK_ACCEPTED,
        actor,
        locked.assignment,
        locked.assignment.city,
        town_id=locked.town_id,
        lead_id=lead.pk,
    )
    return locked


def default_return_deadline(today: date | None = None) -> date:
    """The 反馈期限 a return proposes: `RETURN_WORKING_DAYS` 工作日 after today (0062 addendum)."""
    return add_working_days(today or timezone.localdate(), RETURN_WORKING_DAYS)


@transaction.atomic
def return_feedback(
    *, actor: User, row: AssignedTown, reason: str, deadline: date | None = None
) -> AssignedTown:
    """退回重查: the town's lead goes back to 核查 with the reason in its history and a new
    反馈期限 (by default `default_return_deadline()`), which becomes the lead's 办理时限 and
    drives its reminders; the town's office is told, and concludes and reports back again."""
    _judgeable(actor, row)
    reason = checked_text(reason, field="reason", label="退回理由", limit=1000, required=True)
    deadline = deadline or default_return_deadline()
    # Checked before anything is locked or written: a refused date writes nothing.
    lead_services.check_return_deadline(deadline)
    locked, lead = _lock_row(row)
    previous_deadline = lead.due_on
    lead_services.return_feedback(actor=actor, lead=lead, reason=reason, new_deadline=deadline)
    locked.verdict = Verdict.RETURNED
    locked.return_reason = reason
    locked.return_deadline = deadline
    locked.reviewed_by = actor
    locked.reviewed_at = timezone.now()
    locked.save(
        update_fields=[
            "verdict",
            "judged_feedback",
            "return_reason",
            "return_deadline",
            "reviewed_by",
            "reviewed_at",
        ]
    )
    _audit(
        AuditAction.CITY_FEEDBACK_RETURNED,
        actor,
        locked.assignment,
        locked.assignment.city,
        town_id=locked.town_id,
        lead_id=lead.pk,
        deadline={
            "before": previous_deadline.isoformat() if previous_deadline else None,
            "after": deadline.isoformat(),
        },
    )
    return locked


@transaction.atomic
def record_export(*, actor: User, city_ids: list[int], rows: int, ip_address: str | None) -> None:
    """Every export of the 反馈表 is audited, like every ledger's."""
    record_event(
        action=AuditAction.CITY_ASSIGNMENTS_EXPORTED,
        actor=actor,
        ip_address=ip_address,
        details={"cities": city_ids, "rows": rows},
    )
