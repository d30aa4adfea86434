from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.utils import timezone

from saohei.audit.models import AuditAction, AuditEvent
from saohei.deadlines.models import ReminderLog
from saohei.leads.deadlines import run_deadline_reminders
from saohei.leads.models import Lead
from saohei.notifications.models import Notification
from saohei.workdays.calendar import add_working_days

pytestmark = pytest.mark.django_db
Register = Callable[..., Lead]


def _due(lead: Lead, working_days_from_today: int) -> Lead:
    lead.due_on = add_working_days(timezone.localdate(), working_days_from_today)
    Lead.objects.filter(pk=lead.pk).update(due_on=lead.due_on)
    return lead


def test_three_days_before_the_handler_side_is_reminded_once(register: Register) -> None:
    _due(register(), 3)
    today = timezone.localdate()
    assert run_deadline_reminders(today=today).reminded == 1
    assert run_deadline_reminders(today=today).reminded == 0
    notification = Notification.objects.get()
    assert notification.recipient.username == "banshi"
    assert "3个工作日" in notification.title


def test_due_today_reminder(register: Register) -> None:
    lead = register()
    Lead.objects.filter(pk=lead.pk).update(due_on=timezone.localdate())
    run_deadline_reminders(today=timezone.localdate())
    assert Notification.objects.filter(title__contains="今日到期").exists()


def test_overdue_is_urged_then_supervised_to_the_leaders(register: Register) -> None:
    lead = _due(register(), -2)
    run = run_deadline_reminders(today=timezone.localdate())
    assert run.urged == 1
    lead.refresh_from_db()
    assert lead.escalation_level == 1
    assert not Notification.objects.filter(recipient__username="shuji").exists()
    _due(lead, -6)
    run = run_deadline_reminders(today=timezone.localdate())
    assert run.supervised == 1
    lead.refresh_from_db()
    assert lead.escalation_level == 2
    leaders = set(
        Notification.objects.filter(kind="escalation").values_list("recipient__username", flat=True)
    )
    assert {"shuji", "zhenzhang", "fushuji", "jiaodaoyuan"} <= leaders
    assert AuditEvent.objects.filter(action=AuditAction.LEAD_ESCALATED).count() == 2


def test_closed_leads_are_left_alone(register: Register) -> None:
    lead = _due(register(), -10)
    Lead.objects.filter(pk=lead.pk).update(status="concluded")
    assert run_deadline_reminders(today=timezone.localdate()).supervised == 0
    assert not ReminderLog.objects.exists()


def test_daily_jobs_command_runs_the_task(
    register: Register, capsys: pytest.CaptureFixture[str]
) -> None:
    _due(register(), 3)
    call_command("daily_jobs")
    assert "线索：提醒 1 条" in capsys.readouterr().out
