"""The villages' monthly reports on the one reminder ladder (decision 0038): T-3 and T-0 to the
heads of villages that have not reported, 催办 once overdue (heads and the office), 督办 after
`SUPERVISE_AFTER_WORKING_DAYS` (the leaders too); idempotent.

A missing report has no row of its own, so the record the ladder logs is the village; the due
date tells one month from the next.
"""

from datetime import date
from functools import partial

from django.urls import reverse

from saohei.audit.models import AuditAction
from saohei.audit.services import record_event
from saohei.common.roles import Role
from saohei.deadlines.ladder import REMIND_AHEAD_WORKING_DAYS, ReminderRun, climb_ladder
from saohei.deadlines.models import ReminderKind
from saohei.deadlines.queries import list_leaders, list_office_staff
from saohei.notifications.models import NotificationKind
from saohei.notifications.services import notify
from saohei.organisations.models import Unit, UnitKind
from saohei.organisations.queries import list_people_granted
from saohei.village_reports import queries
from saohei.workdays.calendar import WorkingCalendar

HEADS = frozenset({Role.VILLAGE_HEAD})


def _remind(
    village: Unit,
    kind: ReminderKind,
    *,
    month: date,
    due: date,
    today: date,
    calendar: WorkingCalendar,
) -> None:
    """Send one step of the ladder about one village's month; the ladder has logged it."""
    town = village.parent
    assert town is not None
    heads = list_people_granted(unit=village, roles=HEADS)
    label = f"{village.name}{month:%Y年%m月}村月报"
    url = reverse("village_reports:submit", kwargs={"village_id": village.pk})
    if kind in (ReminderKind.THREE_DAYS, ReminderKind.DUE_TODAY):
        notify(
            recipients=heads,
            title=("还有3个工作日到期：" if kind == ReminderKind.THREE_DAYS else "今日到期：")
            + label,
            body=f"请于 {due:%Y-%m-%d} 前报送本月发现的线索或零报告",
            url=url,
            kind=NotificationKind.REMINDER,
        )
        return
    level = 1 if kind == ReminderKind.URGE else 2
    recipients = heads + list_office_staff(unit=town)
    if level == 2:
        recipients += list_leaders(unit=town)
    ladder = "催办" if level == 1 else "督办"
    overdue = calendar.working_days_between(due, today)
    notify(
        recipients=recipients,
        title=f"【{ladder}】未报送：{label}",
        body=f"报送截止 {due:%Y-%m-%d}，已逾期 {overdue} 个工作日",
        url=url,
        kind=NotificationKind.ESCALATION if level == 2 else NotificationKind.OVERDUE,
    )
    record_event(
        action=AuditAction.VILLAGE_REPORT_ESCALATED,
        unit=village,
        target=village,
        details={"month": f"{month:%Y-%m}", "level": level},
    )


def _same_day(due: date, village: Unit) -> date:
    return due


def run_village_report_reminders(*, today: date) -> ReminderRun:
    """Per town, the month being reported: its unreported villages climb the ladder."""
    calendar = WorkingCalendar()
    in_three = calendar.add_working_days(today, REMIND_AHEAD_WORKING_DAYS)
    total = ReminderRun()
    for town in Unit.objects.filter(kind=UnitKind.TOWN, is_active=True).order_by("path"):
        due_day = queries.due_day_of(town)
        # Last month (due this month, perhaps overdue) and this month, whose due day early next
        # month may be within three working days already.
        this_month = queries.first_of_month(today)
        for month in (queries.previous_month(this_month), this_month):
            due = queries.due_on(month, due_day=due_day)
            if due > in_three:
                continue
            run = climb_ladder(
                queries.list_unreported_villages(town=town, month=month),
                due_on=partial(_same_day, due),
                remind=partial(_remind, month=month, due=due, today=today, calendar=calendar),
                today=today,
                calendar=calendar,
            )
            total.reminded += run.reminded
            total.urged += run.urged
            total.supervised += run.supervised
    return total
