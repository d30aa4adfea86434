"""Deadline reminders for meeting tasks (任务), on the one ladder of every deadline
(`deadlines.ladder`); idempotent.

T-3 and T-0 to the assignee; once overdue a 催办 to the assignee and whoever handed the task on;
after `SUPERVISE_AFTER_WORKING_DAYS` a 督办 to the town's leaders as well. Done tasks are not
chased.
"""

from datetime import date

from saohei.audit.models import AuditAction
from saohei.audit.services import record_event
from saohei.deadlines.ladder import REMIND_AHEAD_WORKING_DAYS, ReminderRun, climb_ladder
from saohei.deadlines.models import ReminderKind
from saohei.deadlines.queries import list_leaders
from saohei.meetings.models import Task, TaskStatus
from saohei.meetings.services import task_label, task_url
from saohei.notifications.models import NotificationKind
from saohei.notifications.services import notify
from saohei.workdays.calendar import WorkingCalendar


def _remind(task: Task, kind: ReminderKind, today: date, calendar: WorkingCalendar) -> None:
    """Send one step of the ladder to the task's people; the ladder has logged it."""
    subject = task.decision.text[:40]
    if kind in (ReminderKind.THREE_DAYS, ReminderKind.DUE_TODAY):
        notify(
            recipients=[task.assignee],
            title=("还有3个工作日到期：" if kind == ReminderKind.THREE_DAYS else "今日到期：")
            + task_label(task),
            body=f"{subject}；完成时限 {task.due_on:%Y-%m-%d}",
            url=task_url(task),
            kind=NotificationKind.REMINDER,
        )
        return
    supervise = kind == ReminderKind.SUPERVISE
    recipients = [
        task.assignee,
        task.created_by,
        *(list_leaders(unit=task.unit) if supervise else []),
    ]
    label = "督办" if supervise else "催办"
    notify(
        recipients=recipients,
        title=f"【{label}】已逾期：{task_label(task)}",
        body=f"{subject}；完成时限 {task.due_on:%Y-%m-%d}，已逾期 "
        f"{calendar.working_days_between(task.due_on, today)} 个工作日",
        url=task_url(task),
        kind=NotificationKind.ESCALATION if supervise else NotificationKind.OVERDUE,
    )
    record_event(
        action=AuditAction.MEETING_TASK_ESCALATED,
        unit=task.unit,
        target=task.decision.meeting,
        details={"task": task.pk, "level": label},
    )


def run_task_reminders(*, today: date) -> ReminderRun:
    """The ladder over every open task due within three working days or overdue."""
    calendar = WorkingCalendar()
    in_three = calendar.add_working_days(today, REMIND_AHEAD_WORKING_DAYS)
    tasks = Task.objects.filter(status=TaskStatus.OPEN, due_on__lte=in_three).select_related(
        "unit", "assignee", "created_by", "decision__meeting"
    )
    return climb_ladder(
        tasks.iterator(chunk_size=500),
        due_on=lambda task: task.due_on,
        remind=lambda task, kind: _remind(task, kind, today, calendar),
        today=today,
        calendar=calendar,
    )
