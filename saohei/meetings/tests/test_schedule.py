"""Due and missed periods on a known data set (pure function, then through the query)."""

from datetime import date

import pytest

from saohei.meetings import queries
from saohei.meetings.models import Frequency, MeetingKind, MeetingSchedule
from saohei.meetings.tests.conftest import RecordMeeting
from saohei.organisations.models import Unit


def monthly(day: int = 10, interval: int = 1) -> MeetingSchedule:
    return MeetingSchedule(
        kind=MeetingKind.ANALYSIS,
        frequency=Frequency.MONTHLY,
        interval=interval,
        day=day,
        starts_on=date(2026, 6, 1),
    )


def test_monthly_schedule_lists_the_missed_month_and_is_due() -> None:
    held = [date(2026, 6, 10), date(2026, 7, 12), date(2026, 9, 9), date(2026, 10, 10)]
    status = queries.schedule_status(monthly(), today=date(2026, 11, 15), held=held)
    assert [period.starts_on for period in status.missed] == [date(2026, 8, 1)]
    assert status.current.starts_on == date(2026, 11, 1)
    assert status.current.scheduled_on == date(2026, 11, 10)
    assert status.is_due and not status.is_held


def test_not_due_before_the_scheduled_day_nor_once_held() -> None:
    assert not queries.schedule_status(monthly(), today=date(2026, 6, 5), held=[]).is_due
    status = queries.schedule_status(monthly(), today=date(2026, 6, 20), held=[date(2026, 6, 3)])
    assert status.is_held and not status.is_due and not status.missed


def test_every_two_months_counts_two_month_periods() -> None:
    status = queries.schedule_status(
        monthly(interval=2), today=date(2026, 11, 20), held=[date(2026, 7, 30)]
    )
    assert [period.starts_on for period in status.missed] == [date(2026, 8, 1)]
    assert status.current.starts_on == date(2026, 10, 1)
    assert status.current.ends_on == date(2026, 12, 1)


def test_weekly_schedule() -> None:
    schedule = MeetingSchedule(
        kind=MeetingKind.STUDY,
        frequency=Frequency.WEEKLY,
        interval=1,
        day=3,
        starts_on=date(2026, 11, 4),  # a Wednesday
    )
    status = queries.schedule_status(schedule, today=date(2026, 11, 19), held=[date(2026, 11, 5)])
    assert [period.starts_on for period in status.missed] == [date(2026, 11, 9)]
    assert status.current.scheduled_on == date(2026, 11, 18)
    assert status.is_due


def test_schedule_not_started_is_neither_due_nor_missed() -> None:
    status = queries.schedule_status(monthly(), today=date(2026, 5, 20), held=[])
    assert not status.is_due and not status.missed


@pytest.mark.django_db
def test_list_page_shows_due_and_missed(
    client_as: object, record_meeting: RecordMeeting, town: Unit
) -> None:
    from django.utils import timezone

    from saohei.meetings import services
    from saohei.organisations.models import User

    today = timezone.localdate()
    start = date(today.year - 1, today.month, 1)
    services.set_schedule(
        actor=User.objects.get(username="banshi"),
        unit=town,
        data=services.ScheduleInput(
            kind=MeetingKind.ANALYSIS,
            frequency=Frequency.MONTHLY,
            interval=1,
            day=1,
            starts_on=start,
        ),
    )
    record_meeting(held_on=start)
    statuses = queries.list_schedule_statuses(User.objects.get(username="banshi"), today=today)
    assert len(statuses) == 1
    assert len(statuses[0].missed) == 11
    assert statuses[0].is_due
    assert queries.list_schedule_statuses(User.objects.get(username="cun02"), today=today) == []
    page = client_as("banshi").get("/meetings/")  # type: ignore[operator]
    assert 'data-testid="schedule-due"' in page.content.decode()
    assert 'data-testid="schedule-missed"' in page.content.decode()
