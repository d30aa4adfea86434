from collections.abc import Callable
from datetime import date

import pytest

from saohei.audit.models import AuditAction, AuditEvent
from saohei.notifications.models import Notification
from saohei.organisations.models import Unit, User
from saohei.village_reports import services
from saohei.village_reports.deadlines import run_village_report_reminders
from saohei.village_reports.models import ReportKind

pytestmark = pytest.mark.django_db
NOVEMBER = date(2026, 11, 1)
# November's reports are due on the 5th of December by default.
DUE = date(2026, 12, 5)


@pytest.fixture
def reported(user: Callable[[str], User], village_of: Callable[[str], Unit]) -> Unit:
    """cun02's village has sent November's 零报告; the others have not."""
    village = village_of("cun02")
    services.submit_village_report(
        actor=user("cun02"),
        village=village,
        data=services.ReportInput(month=NOVEMBER, kind=ReportKind.ZERO, zero_confirmed=True),
        today=date(2026, 12, 1),
    )
    return village


def _titles(username: str) -> list[str]:
    return list(
        Notification.objects.filter(recipient__username=username).values_list("title", flat=True)
    )


def test_heads_of_unreported_villages_are_reminded_on_the_due_day_once(reported: Unit) -> None:
    first = run_village_report_reminders(today=DUE)
    again = run_village_report_reminders(today=DUE)

    unreported = Unit.objects.villages().active().filter(parent=reported.parent).count() - 1
    assert first.reminded >= unreported > 0
    assert again.reminded == 0
    assert any("今日到期" in title and "2026年11月" in title for title in _titles("cun03"))
    assert _titles("cun02") == []


def test_an_overdue_report_is_urged_to_the_head_and_the_office(reported: Unit) -> None:
    run = run_village_report_reminders(today=date(2026, 12, 7))

    assert run.urged > 0
    assert any(title.startswith("【催办】未报送") for title in _titles("cun03"))
    assert any(title.startswith("【催办】未报送") for title in _titles("banshi"))
    assert AuditEvent.objects.filter(action=AuditAction.VILLAGE_REPORT_ESCALATED).exists()
    assert _titles("cun02") == []


def test_the_ladder_follows_the_towns_own_due_day(
    reported: Unit, user: Callable[[str], User]
) -> None:
    town = reported.parent
    assert town is not None
    services.set_due_day(actor=user("banshi"), town=town, due_day=7)

    # The default day passes quietly; the town's own day is the one reminded.
    assert run_village_report_reminders(today=DUE).reminded == 0
    assert run_village_report_reminders(today=date(2026, 12, 7)).reminded > 0
    assert any("今日到期" in title for title in _titles("cun03"))
