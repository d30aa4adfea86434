"""Deadline reminders and escalation (催办 → 督办) for rectification items; idempotent.

The same ladder as leads (`leads.deadlines`): T-3 and T-0 to the responsible person; overdue →
催办 to them and the office; after `SUPERVISE_AFTER_WORKING_DAYS` → 督办 to the leaders too.
Only items still 整改中 are chased: one awaiting verification waits on the office, not its owner.
"""

from datetime import date

from django.db import IntegrityError, transaction

from saohei.audit.models import AuditAction
from saohei.audit.services import record_event
from saohei.common.roles import Role
from saohei.leads.deadlines import ReminderRun, climb_ladder
from saohei.leads.models import ReminderKind
from saohei.notifications.models import NotificationKind
from saohei.notifications.services import notify
from saohei.organisations.models import User
from saohei.organisations.queries import list_people_granted
from saohei.rectifications.models import (
    EventKind,
    RectificationEvent,
    RectificationItem,
    ReminderLog,
    Status,
)
from saohei.rectifications.services import item_label, item_url, office_staff_of
from saohei.workdays.calendar import WorkingCalendar


def _leaders(item: RectificationItem) -> list[User]:
    return list_people_granted(unit=item.unit, roles=frozenset({Role.LEADER, Role.DEPUTY_LEADER}))


def _once(item: RectificationItem, kind: ReminderKind) -> bool:
    """Record the reminder; False when it was already sent for this deadline."""
    try:
        with transaction.atomic():
            ReminderLog.objects.create(item=item, kind=kind, due_on=item.due_on)
    except IntegrityError:
        return False
    return True


@transaction.atomic
def _remind(
    item: RectificationItem, kind: ReminderKind, today: date, calendar: WorkingCalendar
) -> bool:
    if not _once(item, kind):
        return False
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
        return True
    level = 1 if kind == ReminderKind.URGE else 2
    recipients = owner + office_staff_of(item)
    if level == 2:
        recipients += [*_leaders(item), item.responsible_leader]
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
    return True


def run_rectification_reminders(*, today: date) -> ReminderRun:
    """T-3 and T-0 reminders to the responsible person; overdue → 催办 → 督办."""
    calendar = WorkingCalendar()
    in_three = calendar.add_working_days(today, 3)
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
