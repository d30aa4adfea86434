"""Deadline reminders and escalation (催办 → 督办) of leads, on the one ladder
(`deadlines.ladder`); run by the hourly job, idempotent."""

from datetime import date

from saohei.audit.models import AuditAction
from saohei.audit.services import record_event
from saohei.deadlines.ladder import REMIND_AHEAD_WORKING_DAYS, ReminderRun, climb_ladder
from saohei.deadlines.models import ReminderKind
from saohei.leads.models import (
    OPEN_STATUSES,
    Lead,
    LeadEvent,
    LeadEventKind,
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


def _remind(lead: Lead, kind: ReminderKind, today: date, calendar: WorkingCalendar) -> None:
    """Send one step of the ladder to the lead's people; the ladder has logged it."""
    handler_side = handling_side_for(lead)
    if kind == ReminderKind.THREE_DAYS:
        notify(
            recipients=handler_side,
            title=f"还有3个工作日到期：线索 {lead_label(lead)}",
            body=f"办理时限 {lead.due_on:%Y-%m-%d}",
            url=lead_url(lead),
            kind=NotificationKind.REMINDER,
        )
        return
    if kind == ReminderKind.DUE_TODAY:
        notify(
            recipients=handler_side,
            title=f"今日到期：线索 {lead_label(lead)}",
            body="请及时办结或申请延期",
            url=lead_url(lead),
            kind=NotificationKind.REMINDER,
        )
        return
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


def run_deadline_reminders(*, today: date) -> ReminderRun:
    """T-3 and T-0 reminders to the handler; overdue → 催办 (handler and office) → 督办 (leaders)."""
    # One calendar for the whole run: its overrides are loaded once, not per lead.
    calendar = WorkingCalendar()
    in_three = calendar.add_working_days(today, REMIND_AHEAD_WORKING_DAYS)
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
