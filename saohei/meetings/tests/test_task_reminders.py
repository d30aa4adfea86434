"""The hourly ladder over meeting tasks: T-3/T-0 to the assignee, 催办, 督办; never twice."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from saohei.audit.models import AuditAction, AuditEvent
from saohei.jobs.tasks import send_deadline_reminders
from saohei.meetings import services
from saohei.meetings.deadlines import run_task_reminders
from saohei.meetings.models import Task, TaskStatus
from saohei.meetings.tests.conftest import MakeTask
from saohei.notifications.models import Notification
from saohei.organisations.models import User
from saohei.workdays.calendar import WorkingCalendar

pytestmark = pytest.mark.django_db


def titles(username: str) -> list[str]:
    """What each notice says, without the task it names (every title ends "：会议任务N号…")."""
    notices = Notification.objects.filter(recipient__username=username).order_by("id")
    return [title.split("：")[0] for title in notices.values_list("title", flat=True)]


def test_due_today_reminds_the_assignee_once(make_task: MakeTask) -> None:
    task = make_task()
    today = task.due_on
    first = run_task_reminders(today=today)
    again = run_task_reminders(today=today)
    assert (first.reminded, again.reminded) == (1, 0)
    assert titles("cun02").count("今日到期") == 1


def test_the_hourly_command_says_how_many_meeting_tasks_it_reminded(make_task: MakeTask) -> None:
    make_task(due_on=timezone.localdate())
    output = io.StringIO()
    call_command("daily_jobs", stdout=output)
    assert "会议任务：提醒 1 条，催办 0 条，督办 0 条" in output.getvalue()
    assert titles("cun02").count("今日到期") == 1


def test_every_task_notice_names_the_task_and_its_decision(make_task: MakeTask) -> None:
    task = make_task()
    run_task_reminders(today=task.due_on)

    for notice in Notification.objects.filter(recipient__username="cun02"):
        assert f"会议任务{task.pk}号" in notice.title
        assert task.decision.text[:10] in notice.title
        assert notice.url == f"/meetings/tasks/{task.pk}/"


def test_three_working_days_ahead_reminds_the_assignee(make_task: MakeTask) -> None:
    today = timezone.localdate()
    make_task(due_on=WorkingCalendar().add_working_days(today, 3))
    assert run_task_reminders(today=today).reminded == 1
    assert titles("cun02").count("还有3个工作日到期") == 1


def test_overdue_task_is_urged_then_supervised_with_the_leaders(make_task: MakeTask) -> None:
    task = make_task()
    calendar = WorkingCalendar()
    one_day_late = calendar.add_working_days(task.due_on, 1)
    urged = run_task_reminders(today=one_day_late)
    assert urged.urged == 1
    assert "【催办】已逾期" in titles("cun02")
    assert "【催办】已逾期" in titles("banshi")  # who handed the task on
    assert "【催办】已逾期" not in titles("shuji")

    week_late = calendar.add_working_days(task.due_on, 6)
    supervised = run_task_reminders(today=week_late)
    assert supervised.supervised == 1
    assert "【督办】已逾期" in titles("shuji")
    levels = [
        event.details["level"]
        for event in AuditEvent.objects.filter(action=AuditAction.MEETING_TASK_ESCALATED).order_by(
            "id"
        )
    ]
    assert levels == ["催办", "督办"]


def test_done_tasks_are_not_chased(make_task: MakeTask) -> None:
    task = make_task()
    services.complete_task(actor=User.objects.get(username="cun02"), task=task, result="已完成")
    assert Task.objects.get(pk=task.pk).status == TaskStatus.DONE
    late = WorkingCalendar().add_working_days(task.due_on, 6)
    run = run_task_reminders(today=late)
    assert (run.reminded, run.urged, run.supervised) == (0, 0, 0)


def test_the_hourly_job_includes_tasks(make_task: MakeTask) -> None:
    make_task()
    result = send_deadline_reminders.call()
    assert {"tasks_reminded", "tasks_urged", "tasks_supervised"} <= set(result)
