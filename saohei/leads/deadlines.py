"""Deadline reminders and escalation (催办 → 督办), run by the hourly job; idempotent."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from django.db import IntegrityError, transaction

from saohei.audit.models import AuditAction
from saohei.audit.services import record_event
from saohei.leads.models import (
    OPEN_STATUSES,
    Lead,
    LeadEvent,
    LeadEventKind,
    ReminderKind,
    ReminderLog,
)
from saohei.leads.notices import (
    handling_side_for,
    lead_label,
    lead_url,
    leaders_for,
    office_staff_for,
    unique,
)
from saohei.notifications.models import NotificationKind
from saohei.notifications.services import notify
from saohei.workdays.calendar import WorkingCalendar

# Overdue this many working days, a 催办 becomes a 督办 to the leaders (configurable later).
SUPERVISE_AFTER_WORKING_DAYS = 5


@dataclass
class ReminderRun:
    reminded: int = 0
    urged: int = 0
    supervised: int = 0


Chased = TypeVar("Chased")


def climb_ladder(
    records: Iterable[Chased],
    *,
    due_on: Callable[[Chased], date],
    remind: Callable[[Chased, ReminderKind], bool],
    today: date,
    calendar: WorkingCalendar,
) -> ReminderRun:
    """The one reminder ladder of every deadline (leads, rectification items): T-3 and T-0
    reminders, then 催办 once overdue and 督办 after `SUPERVISE_AFTER_WORKING_DAYS`.

    `records` are those due within three working days or overdue; `remind` sends one step and
    answers False when that step was already sent for this deadline.
    """
    run = ReminderRun()
    in_three = calendar.add_working_days(today, 3)
    for record in records:
        due = due_on(record)
        if (due == in_three and remind(record, ReminderKind.THREE_DAYS)) or (
            due == today and remind(record, ReminderKind.DUE_TODAY)
        ):
            run.reminded += 1
        elif due < today:
            if calendar.working_days_between(due, today) >= SUPERVISE_AFTER_WORKING_DAYS:
                if remind(record, ReminderKind.SUPERVISE):
                    run.supervised += 1
            elif remind(record, ReminderKind.URGE):
                run.urged += 1
    return run


def _once(lead: Lead, kind: ReminderKind) -> bool:
    """Record the reminder; False when it was already sent for this deadline."""
    assert lead.due_on is not None
    try:
        with transaction.atomic():
            ReminderLog.objects.create(lead=lead, kind=kind, due_on=lead.due_on)
    except IntegrityError:
        return False
    return True


@transaction.atomic
def _remind(lead: Lead, kind: ReminderKind, today: date, calendar: WorkingCalendar) -> bool:
    if not _once(lead, kind):
        return False
    handler_side = handling_side_for(lead)
    if kind == ReminderKind.THREE_DAYS:
        notify(
            recipients=handler_side,
            title=f"还有3个工作日到期：线索 {lead_label(lead)}",
            body=f"办理时限 {lead.due_on:%Y-%m-%d}",
            url=lead_url(lead),
            kind=NotificationKind.REMINDER,
        )
        return True
    if kind == ReminderKind.DUE_TODAY:
        notify(
            recipients=handler_side,
            title=f"今日到期：线索 {lead_label(lead)}",
            body="请及时办结或申请延期",
            url=lead_url(lead),
            kind=NotificationKind.REMINDER,
        )
        return True
    level = 1 if kind == ReminderKind.URGE else 2
    recipients = handler_side + office_staff_for(lead) + (leaders_for(lead) if level == 2 else [])
    label = "催办" if level == 1 else "督办"
    notify(
        recipients=unique(recipients),
        title=f"【{label}】已逾期：线索 {lead_label(lead)}",
        body=f"办理时限 {lead.due_on:%Y-%m-%d}，已逾期 {calendar.working_days_between(lead.due_on, today)} 个工作日",  # type: ignore[arg-type]
        url=lead_url(lead),
        kind=NotificationKind.ESCALATION if level == 2 else NotificationKind.OVERDUE,
    )
    Lead.objects.filter(pk=lead.pk).update(escalation_level=level)
    LeadEvent.objects.create(
        lead=lead,
        kind=LeadEventKind.ESCALATED,
        from_status=lead.status,
        to_status=lead.status,
        note=f"系统{label}：已逾期",
    )
    record_event(
        action=AuditAction.LEAD_ESCALATED, unit=lead.unit, target=lead, details={"level": level}
    )
    return True


def run_deadline_reminders(*, today: date) -> ReminderRun:
    """T-3 and T-0 reminders to the handler; overdue → 催办 (handler and office) → 督办 (leaders)."""
    # One calendar for the whole run: its overrides are loaded once, not per lead.
    calendar = WorkingCalendar()
    in_three = calendar.add_working_days(today, 3)
    leads = Lead.objects.filter(
        status__in=OPEN_STATUSES, due_on__isnull=False, due_on__lte=in_three
    ).select_related("unit", "handler")
    return climb_ladder(
        leads.iterator(chunk_size=500),
        # The query excludes leads without a deadline.
        due_on=lambda lead: lead.due_on or today,
        remind=lambda lead, kind: _remind(lead, kind, today, calendar),
        today=today,
        calendar=calendar,
    )
