"""Deadline reminders and escalation (催办 → 督办) for rectification items; idempotent.

The one ladder of every deadline (`deadlines.ladder`): T-3 and T-0 to the responsible person; overdue →
催办 to them and the office; after `SUPERVISE_AFTER_WORKING_DAYS` → 督办 to the leaders too.
Only items still 整改中 are chased: one awaiting verification waits on the office, not its owner.
"""

from datetime import date

from saohei.audit.models import AuditAction
from saohei.audit.services import record_event
from saohei.deadlines.ladder import REMIND_AHEAD_WORKING_DAYS, ReminderRun, climb_ladder
from saohei.deadlines.models import ReminderKind
from saohei.deadlines.queries import list_leaders
from saohei.notifications.models import NotificationKind
from saohei.notifications.services import notify
from saohei.rectifications.models import (
    EventKind,
    RectificationEvent,
    RectificationItem,
    Status,
)
from saohei.rectifications.services import item_label, item_url, office_staff_of
from saohei.workdays.calendar import WorkingCalendar


def _remind(
    item: RectificationItem, kind: ReminderKind, today: date, calendar: WorkingCalendar
) -> None:
    """Send one step of the ladder to the item's people; the ladder has logged it."""
    owner = [item.responsible_person]
    label = item_label(item)
    if kind in (ReminderKind.THREE_DAYS, ReminderKind.DUE_TODAY):
        notify(
            recipients=owner,
            title=("还有3个工作日到期：" if kind == ReminderKind.THREE_DAYS else "今日到期：")
            + label,
            body=f"整改时限 {item.due_on:%Y-%m-%d}，请及时填报进展、申请销号",
            url=item_url(item),
            kind=NotificationKind.REMINDER,
        )
        return
    level = 1 if kind == ReminderKind.URGE else 2
    recipients = owner + office_staff_of(item)
    if level == 2:
        recipients += [*list_leaders(unit=item.unit), item.responsible_leader]
    ladder = "催办" if level == 1 else "督办"
    overdue = calendar.working_days_between(item.due_on, today)
    notify(
        recipients=recipients,
        title=f"【{ladder}】已逾期：{label}",
        body=f"整改时限 {item.due_on:%Y-%m-%d}，已逾期 {overdue} 个工作日",
        url=item_url(item),
        kind=NotificationKind.ESCALATION if level == 2 else NotificationKind.OVERDUE,
    )
    RectificationItem.objects.filter(pk=item.pk).update(escalation_level=level)
    RectificationEvent.objects.create(
        item=item, kind=EventKind.ESCALATED, note=f"系统{ladder}：已逾期"
    )
    record_event(
        action=AuditAction.RECTIFICATION_ESCALATED,
        unit=item.unit,
        target=item,
        details={"level": level},
    )


def run_rectification_reminders(*, today: date) -> ReminderRun:
    """T-3 and T-0 reminders to the responsible person; overdue → 催办 → 督办."""
    calendar = WorkingCalendar()
    in_three = calendar.add_working_days(today, REMIND_AHEAD_WORKING_DAYS)
    items = RectificationItem.objects.filter(
        status=Status.OPEN, due_on__lte=in_three
    ).select_related("unit", "village", "responsible_person", "responsible_leader")
    return climb_ladder(
        items.iterator(chunk_size=500),
        due_on=lambda item: item.due_on,
        remind=lambda item, kind: _remind(item, kind, today, calendar),
        today=today,
        calendar=calendar,
    )
