"""Laws of working-day arithmetic, for any start, any count and any set of overrides."""

import datetime

import chinese_calendar
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from saohei.organisations.models import User
from saohei.workdays import calendar
from saohei.workdays.calendar import WorkingCalendar
from saohei.workdays.models import CalendarOverride

# 2000–2003 and 2027–2030 are years the package does not know; 2004–2026 it does.
days = st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2030, 12, 31))
counts = st.integers(min_value=-400, max_value=400)
overrides = st.dictionaries(
    st.dates(min_value=datetime.date(2025, 6, 1), max_value=datetime.date(2028, 6, 30)),
    st.booleans(),
    max_size=40,
)
fast = settings(max_examples=200, deadline=None)
with_database = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@fast
@given(start=days, n=counts, entries=overrides)
def test_the_result_is_always_a_working_day(
    start: datetime.date, n: int, entries: dict[datetime.date, bool]
) -> None:
    working = WorkingCalendar(overrides=entries)
    assert working.is_working_day(working.add_working_days(start, n))


@fast
@given(start=days, n=counts, entries=overrides)
def test_counting_the_days_between_gives_back_n(
    start: datetime.date, n: int, entries: dict[datetime.date, bool]
) -> None:
    assume(n != 0)
    working = WorkingCalendar(overrides=entries)
    assert working.working_days_between(start, working.add_working_days(start, n)) == n


@fast
@given(start=days, entries=overrides)
def test_zero_days_is_the_start_or_the_first_working_day_after_it(
    start: datetime.date, entries: dict[datetime.date, bool]
) -> None:
    working = WorkingCalendar(overrides=entries)
    result = working.add_working_days(start, 0)
    if working.is_working_day(start):
        assert result == start
    else:
        assert result > start
        assert working.working_days_between(start, result) == 1
        assert result == working.add_working_days(start, 1)


@fast
@given(start=days, n=counts, m=counts, entries=overrides)
def test_more_days_never_end_earlier(
    start: datetime.date, n: int, m: int, entries: dict[datetime.date, bool]
) -> None:
    assume(n < m)
    working = WorkingCalendar(overrides=entries)
    earlier, later = working.add_working_days(start, n), working.add_working_days(start, m)
    assert earlier <= later
    # Only 0 and 1 may coincide: when start is not a working day, both are the next one.
    if (n, m) != (0, 1):
        assert earlier < later


@fast
@given(start=days, n=counts, entries=overrides)
def test_going_back_the_same_number_of_days_returns_to_a_working_start(
    start: datetime.date, n: int, entries: dict[datetime.date, bool]
) -> None:
    working = WorkingCalendar(overrides=entries)
    assume(working.is_working_day(start))
    assert working.add_working_days(working.add_working_days(start, n), -n) == start


@fast
@given(a=days, b=days, c=days, entries=overrides)
def test_counts_add_up_along_the_way(
    a: datetime.date, b: datetime.date, c: datetime.date, entries: dict[datetime.date, bool]
) -> None:
    a, b, c = sorted([a, b, c])
    working = WorkingCalendar(overrides=entries)
    assert working.working_days_between(a, c) == (
        working.working_days_between(a, b) + working.working_days_between(b, c)
    )
    span = working.working_days_between(a, c)
    assert 0 <= span <= (c - a).days
    assert working.working_days_between(c, a) <= 0


@fast
@given(day=days)
def test_without_overrides_it_agrees_with_the_package_or_the_weekday(day: datetime.date) -> None:
    working = WorkingCalendar(overrides={})
    if 2004 <= day.year <= 2026:
        assert working.is_working_day(day) == chinese_calendar.is_workday(day)
        assert working.is_year_known(day.year)
    else:
        assert working.is_working_day(day) == (day.weekday() < 5)
        assert not working.is_year_known(day.year)
        assert str(day.year) in working.deadline_warning(day)


@fast
@given(day=days, entries=overrides)
def test_an_override_always_wins(day: datetime.date, entries: dict[datetime.date, bool]) -> None:
    for overridden, is_working in entries.items():
        assert WorkingCalendar(overrides=entries).is_working_day(overridden) is is_working
    assert WorkingCalendar(overrides={day: True}).is_working_day(day)
    assert not WorkingCalendar(overrides={day: False}).is_working_day(day)


@pytest.fixture
def stored_overrides(db: None) -> dict[datetime.date, bool]:
    """A dense set of overrides in an unknown year, 2027, and a few corrections in 2026."""
    clerk = User.objects.create_user(username="clerk", password="x", real_name="录入员")
    entries = {
        datetime.date(2027, 1, 1) + datetime.timedelta(days=7 * week): False for week in range(52)
    }
    entries |= {datetime.date(2027, 2, day): False for day in range(8, 13)}
    entries |= {datetime.date(2027, 2, 20): True, datetime.date(2026, 2, 24): False}
    entries |= {datetime.date(2026, 2, 22): True, datetime.date(2029, 10, 1): False}
    CalendarOverride.objects.bulk_create(
        CalendarOverride(day=day, is_working_day=working, reason="测试", created_by=clerk)
        for day, working in entries.items()
    )
    return entries


@pytest.mark.django_db
@with_database
@given(
    start=st.dates(min_value=datetime.date(2024, 1, 1), max_value=datetime.date(2030, 12, 31)),
    n=st.integers(min_value=-1500, max_value=1500),
)
def test_the_database_calendar_agrees_with_the_same_overrides_in_memory(
    stored_overrides: dict[datetime.date, bool], start: datetime.date, n: int
) -> None:
    in_memory = WorkingCalendar(overrides=stored_overrides)
    end = calendar.add_working_days(start, n)
    assert end == in_memory.add_working_days(start, n)
    assert calendar.working_days_between(start, end) == in_memory.working_days_between(start, end)
    assert calendar.is_working_day(start) == in_memory.is_working_day(start)
    assert calendar.is_year_known(start.year) == in_memory.is_year_known(start.year)
