"""Standing schedules: each ended day once, resumable, stopping at ends_on, never the future."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from saohei.audit.models import AuditAction, AuditEvent
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.organisations.models import Unit, User
from saohei.publicity import services
from saohei.publicity.models import PlaceType, PublicityActivity, PublicitySchedule
from saohei.publicity.tests.conftest import kind

pytestmark = pytest.mark.django_db

START = date(2026, 3, 1)


def _schedule(
    town: Unit,
    *,
    code: str = "led",
    starts_on: date = START,
    ends_on: date | None = None,
    hours: str = "10",
    screens: int = 3,
) -> PublicitySchedule:
    office = User.objects.get(username="banshi")
    return services.create_schedule(
        actor=office,
        town=town,
        data=services.ScheduleInput(
            village=None,
            kind=kind(code),
            place_type=PlaceType.TOWN_CENTRE,
            place="镇政府广场 LED 屏",
            description="扫黑除恶宣传标语",
            hours_per_day=Decimal(hours),
            screens=screens,
            starts_on=starts_on,
            ends_on=ends_on,
            handler=office,
        ),
    )


def _rows(schedule: PublicitySchedule) -> list[PublicityActivity]:
    return list(schedule.activities.order_by("occurred_on"))


def test_each_ended_day_becomes_one_activity_of_hours_times_screens(town: Unit) -> None:
    schedule = _schedule(town)
    result = services.accrue_schedules(today=START + timedelta(days=5))
    rows = _rows(schedule)
    assert result.days == 5
    assert [row.occurred_on for row in rows] == [START + timedelta(days=n) for n in range(5)]
    assert {row.quantity for row in rows} == {Decimal(30)}
    assert {row.hours for row in rows} == {None}
    schedule.refresh_from_db()
    assert schedule.accrued_through == START + timedelta(days=4)
    event = AuditEvent.objects.get(action=AuditAction.PUBLICITY_SCHEDULE_ACCRUED)
    assert event.details["days"] == 5 and event.actor is None


def test_accrual_is_idempotent(town: Unit) -> None:
    schedule = _schedule(town)
    today = START + timedelta(days=3)
    services.accrue_schedules(today=today)
    events = AuditEvent.objects.count()
    again = services.accrue_schedules(today=today)
    assert again.days == 0
    assert len(_rows(schedule)) == 3
    assert AuditEvent.objects.count() == events


def test_accrual_resumes_after_the_last_accrued_day(town: Unit) -> None:
    schedule = _schedule(town)
    services.accrue_schedules(today=START + timedelta(days=2))
    services.accrue_schedules(today=START + timedelta(days=7))
    rows = _rows(schedule)
    assert len(rows) == 7
    assert len({row.occurred_on for row in rows}) == 7


def test_accrual_skips_a_day_already_present(town: Unit) -> None:
    """If accrued_through was lost, the existing day is not written twice."""
    schedule = _schedule(town)
    services.accrue_schedules(today=START + timedelta(days=2))
    PublicitySchedule.objects.filter(pk=schedule.pk).update(accrued_through=None)
    result = services.accrue_schedules(today=START + timedelta(days=4))
    assert result.days == 2
    assert len(_rows(schedule)) == 4


def test_accrual_stops_at_the_end_date(town: Unit) -> None:
    schedule = _schedule(town, ends_on=START + timedelta(days=9))
    services.accrue_schedules(today=START + timedelta(days=60))
    assert len(_rows(schedule)) == 10
    assert services.accrue_schedules(today=START + timedelta(days=61)).days == 0


def test_accrual_never_writes_today_or_the_future(town: Unit) -> None:
    schedule = _schedule(town, starts_on=START)
    assert services.accrue_schedules(today=START).days == 0
    services.accrue_schedules(today=START + timedelta(days=1))
    assert [row.occurred_on for row in _rows(schedule)] == [START]


def test_broadcast_counts_one_time_per_terminal_and_hours(town: Unit) -> None:
    schedule = _schedule(town, code="broadcast", hours="1.5", screens=4)
    services.accrue_schedules(today=START + timedelta(days=1))
    row = _rows(schedule)[0]
    assert (row.quantity, row.hours) == (Decimal(4), Decimal(6))


def test_kinds_without_hours_cannot_be_scheduled(town: Unit) -> None:
    with pytest.raises(ServiceError, match="不按时长计量"):
        _schedule(town, code="slogan")
    assert not PublicitySchedule.objects.exists()


def test_stopping_earlier_voids_the_days_already_accrued_after_it(town: Unit) -> None:
    schedule = _schedule(town)
    services.accrue_schedules(today=START + timedelta(days=10))
    services.stop_schedule(
        actor=User.objects.get(username="banshi"),
        schedule=schedule,
        ends_on=START + timedelta(days=5),
        reason="屏幕故障",
    )
    schedule.refresh_from_db()
    assert schedule.ends_on == START + timedelta(days=5)
    assert schedule.accrued_through == START + timedelta(days=5)
    assert schedule.activities.current().count() == 6
    assert schedule.activities.filter(voided_at__isnull=False).count() == 4
    assert services.accrue_schedules(today=START + timedelta(days=30)).days == 0
    event = AuditEvent.objects.get(action=AuditAction.PUBLICITY_SCHEDULE_STOPPED)
    assert event.details["voided_days"] == 4


def test_stop_date_before_the_start_is_refused(town: Unit) -> None:
    schedule = _schedule(town)
    with pytest.raises(ServiceError):
        services.stop_schedule(
            actor=User.objects.get(username="banshi"),
            schedule=schedule,
            ends_on=START - timedelta(days=1),
        )


@pytest.mark.parametrize("username", ["cun02", "shiban", "minjing"])
def test_only_the_office_runs_schedules(town: Unit, username: str) -> None:
    schedule = _schedule(town)
    actor = User.objects.get(username=username)
    with pytest.raises(ActionNotAllowed):
        services.stop_schedule(actor=actor, schedule=schedule, ends_on=START)
    with pytest.raises(ActionNotAllowed):
        services.accrue_schedules(today=START + timedelta(days=3), actor=actor, town=town)
    assert not schedule.activities.exists()


def test_the_hourly_job_accrues_the_schedules(town: Unit) -> None:
    from saohei.jobs.tasks import send_deadline_reminders

    schedule = _schedule(town, starts_on=timezone.localdate() - timedelta(days=3))
    outcome = send_deadline_reminders.call()
    assert outcome["publicity_days_accrued"] == len(_rows(schedule)) >= 2
