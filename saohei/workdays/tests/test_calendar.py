"""Concrete dates, checked against the State Council's notices as shipped in chinese_calendar."""

import datetime

import chinese_calendar
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from saohei.organisations.models import User
from saohei.workdays import calendar
from saohei.workdays.calendar import DayKind, WorkingCalendar
from saohei.workdays.models import CalendarOverride

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def clerk(db: None) -> User:
    return User.objects.create_user(username="clerk", password="x", real_name="录入员")


def _override(clerk: User, day: datetime.date, *, working: bool, reason: str = "测试") -> None:
    CalendarOverride.objects.create(
        day=day, is_working_day=working, reason=reason, created_by=clerk
    )


class TestThePackageIsWhatWeThinkItIs:
    def test_it_knows_2004_to_2026_and_refuses_other_years(self) -> None:
        assert chinese_calendar.is_workday(D(2004, 1, 2))
        assert chinese_calendar.is_workday(D(2026, 12, 31))
        for year in (2003, 2027):
            with pytest.raises(NotImplementedError):
                chinese_calendar.is_workday(D(year, 3, 1))

    def test_known_years(self) -> None:
        assert calendar.is_year_known(2004)
        assert calendar.is_year_known(2026)
        assert not calendar.is_year_known(2003)
        assert not calendar.is_year_known(2027)


class TestSpringFestival2026:
    @pytest.mark.parametrize("day", range(15, 24))
    def test_february_15_to_23_are_holidays(self, day: int) -> None:
        assert not calendar.is_working_day(D(2026, 2, day))

    def test_the_two_makeup_saturdays_are_working_days(self) -> None:
        assert D(2026, 2, 14).weekday() == 5
        assert D(2026, 2, 28).weekday() == 5
        assert calendar.is_working_day(D(2026, 2, 14))
        assert calendar.is_working_day(D(2026, 2, 28))

    def test_ordinary_days_around_it(self) -> None:
        assert calendar.is_working_day(D(2026, 2, 13))
        assert calendar.is_working_day(D(2026, 2, 24))
        assert not calendar.is_working_day(D(2026, 3, 1))  # Sunday

    def test_counting_across_the_holiday(self) -> None:
        assert calendar.add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)
        assert calendar.add_working_days(D(2026, 2, 14), 1) == D(2026, 2, 24)
        assert calendar.add_working_days(D(2026, 2, 13), 2) == D(2026, 2, 24)
        # 24, 25, 26, 27 and the make-up Saturday 28.
        assert calendar.add_working_days(D(2026, 2, 23), 5) == D(2026, 2, 28)
        assert calendar.add_working_days(D(2026, 2, 23), 6) == D(2026, 3, 2)

    def test_zero_days_is_the_next_working_day_during_the_holiday(self) -> None:
        assert calendar.add_working_days(D(2026, 2, 18), 0) == D(2026, 2, 24)
        assert calendar.add_working_days(D(2026, 2, 14), 0) == D(2026, 2, 14)

    def test_counting_backwards_across_the_holiday(self) -> None:
        assert calendar.add_working_days(D(2026, 2, 24), -1) == D(2026, 2, 14)
        assert calendar.add_working_days(D(2026, 2, 24), -2) == D(2026, 2, 13)
        assert calendar.add_working_days(D(2026, 2, 20), -1) == D(2026, 2, 14)

    def test_working_days_between(self) -> None:
        # 14, 24, 25, 26, 27, 28.
        assert calendar.working_days_between(D(2026, 2, 13), D(2026, 2, 28)) == 6
        assert calendar.working_days_between(D(2026, 2, 28), D(2026, 2, 13)) == -6
        assert calendar.working_days_between(D(2026, 2, 15), D(2026, 2, 23)) == 0
        assert calendar.working_days_between(D(2026, 2, 13), D(2026, 2, 13)) == 0

    def test_the_month_grid_names_the_holiday_and_the_makeup_days(self) -> None:
        weeks = WorkingCalendar().month_weeks(2026, 2)
        days = {cell.day: cell for week in weeks for cell in week}
        assert days[D(2026, 2, 16)].kind == DayKind.HOLIDAY
        assert days[D(2026, 2, 16)].name == "春节"
        assert days[D(2026, 2, 14)].kind == DayKind.MAKEUP_WORKDAY
        assert days[D(2026, 2, 14)].name == "春节"
        assert days[D(2026, 2, 7)].kind == DayKind.REST_DAY
        assert days[D(2026, 2, 24)].kind == DayKind.WORKDAY
        assert all(len(week) == 7 and week[0].day.weekday() == 0 for week in weeks)
        assert not any(cell.is_estimated for cell in days.values())


class TestNationalDay:
    def test_2025_holiday_and_its_makeup_sunday_and_saturday(self) -> None:
        assert calendar.is_working_day(D(2025, 9, 28))  # Sunday
        assert calendar.is_working_day(D(2025, 10, 11))  # Saturday
        assert not any(calendar.is_working_day(D(2025, 10, day)) for day in range(1, 9))
        assert calendar.is_working_day(D(2025, 10, 9))

    def test_2025_deadlines(self) -> None:
        assert calendar.add_working_days(D(2025, 9, 26), 1) == D(2025, 9, 28)
        assert calendar.add_working_days(D(2025, 9, 30), 1) == D(2025, 10, 9)
        assert calendar.add_working_days(D(2025, 10, 9), -1) == D(2025, 9, 30)
        # 9, 10 and the make-up Saturday 11.
        assert calendar.working_days_between(D(2025, 9, 30), D(2025, 10, 12)) == 3

    def test_2026_holiday_with_mid_autumn_a_week_before(self) -> None:
        assert calendar.is_working_day(D(2026, 9, 20))  # Sunday
        assert not any(calendar.is_working_day(D(2026, 9, day)) for day in (25, 26, 27))
        assert not any(calendar.is_working_day(D(2026, 10, day)) for day in range(1, 8))
        assert calendar.is_working_day(D(2026, 10, 10))  # Saturday

    def test_2026_ten_working_days_from_friday_18_september(self) -> None:
        # 20, 21, 22, 23, 24, 28, 29, 30 September, then 8 and 9 October.
        assert calendar.add_working_days(D(2026, 9, 18), 10) == D(2026, 10, 9)
        assert calendar.working_days_between(D(2026, 9, 18), D(2026, 10, 9)) == 10
        assert calendar.add_working_days(D(2026, 10, 9), -10) == D(2026, 9, 18)


class TestOverrides:
    def test_an_override_beats_the_package_both_ways(self, clerk: User) -> None:
        _override(clerk, D(2026, 2, 24), working=False, reason="更正")
        _override(clerk, D(2026, 2, 21), working=True, reason="加班")
        assert not calendar.is_working_day(D(2026, 2, 24))
        assert calendar.is_working_day(D(2026, 2, 21))
        assert calendar.add_working_days(D(2026, 2, 14), 1) == D(2026, 2, 21)
        assert calendar.add_working_days(D(2026, 2, 14), 2) == D(2026, 2, 25)

    def test_the_grid_shows_the_overrides_reason(self, clerk: User) -> None:
        _override(clerk, D(2026, 2, 24), working=False, reason="更正")
        cell = WorkingCalendar().describe(D(2026, 2, 24))
        assert (cell.kind, cell.name, cell.is_override) == (DayKind.HOLIDAY, "更正", True)

    def test_overrides_enter_an_unknown_year(self, clerk: User) -> None:
        _override(clerk, D(2027, 2, 8), working=False, reason="2027年春节")
        _override(clerk, D(2027, 2, 20), working=True, reason="2027年春节调休")
        assert calendar.is_year_known(2027)
        assert not calendar.is_working_day(D(2027, 2, 8))
        assert calendar.is_working_day(D(2027, 2, 20))  # Saturday
        assert calendar.add_working_days(D(2027, 2, 5), 1) == D(2027, 2, 9)
        assert calendar.deadline_warning(D(2027, 6, 1)) == ""


class TestUnknownYear:
    def test_it_falls_back_to_monday_to_friday(self) -> None:
        assert calendar.is_working_day(D(2027, 2, 8))  # Monday, probably 春节 in reality
        assert not calendar.is_working_day(D(2027, 2, 6))  # Saturday
        assert calendar.add_working_days(D(2027, 1, 1), 5) == D(2027, 1, 8)
        assert calendar.working_days_between(D(2027, 1, 1), D(2027, 1, 31)) == 20
        assert calendar.is_working_day(D(2003, 10, 1))  # before the package's data

    def test_it_warns_in_chinese(self) -> None:
        assert calendar.deadline_warning(D(2027, 3, 1)) == (
            "2027年的法定节假日尚未录入，期限按周一至周五推算，请核对"
        )
        assert calendar.deadline_warning(D(2026, 12, 31)) == ""

    def test_the_grid_marks_its_days_as_estimated(self) -> None:
        weeks = WorkingCalendar().month_weeks(2027, 2)
        assert all(cell.is_estimated for week in weeks for cell in week)

    def test_an_override_in_another_unknown_year_does_not_make_this_one_known(
        self, clerk: User
    ) -> None:
        _override(clerk, D(2028, 1, 3), working=False)
        assert calendar.is_year_known(2028)
        assert not calendar.is_year_known(2027)


class TestQueries:
    def test_a_long_walk_reads_the_overrides_in_one_query(self, clerk: User) -> None:
        for day in range(8, 13):
            _override(clerk, D(2027, 2, day), working=False, reason="2027年春节")
        with CaptureQueriesContext(connection) as queries:
            result = calendar.add_working_days(D(2027, 1, 1), 250)
        assert len(queries) == 1
        assert result == WorkingCalendar(
            overrides={D(2027, 2, day): False for day in range(8, 13)}
        ).add_working_days(D(2027, 1, 1), 250)

    def test_counting_across_years_reads_the_overrides_in_one_query(self) -> None:
        with CaptureQueriesContext(connection) as queries:
            result = calendar.working_days_between(D(2024, 1, 1), D(2028, 12, 31))
        assert len(queries) == 1
        assert result == WorkingCalendar(overrides={}).working_days_between(
            D(2024, 1, 1), D(2028, 12, 31)
        )

    def test_a_walk_past_its_estimate_fetches_more_and_stays_right(self, clerk: User) -> None:
        # Ninety days off in a row: far beyond the estimate of a 3-day walk.
        holiday = [D(2027, 3, 1) + datetime.timedelta(days=offset) for offset in range(90)]
        CalendarOverride.objects.bulk_create(
            CalendarOverride(day=day, is_working_day=False, reason="停工", created_by=clerk)
            for day in holiday
        )
        with CaptureQueriesContext(connection) as queries:
            result = calendar.add_working_days(D(2027, 2, 26), 3)
        assert result == D(2027, 6, 2)  # 29 May is the 90th day off; 31 May, 1 and 2 June work
        assert len(queries) <= 3

    def test_a_month_grid_is_at_most_two_queries(self) -> None:
        with CaptureQueriesContext(connection) as queries:
            weeks = WorkingCalendar().month_weeks(2027, 2)
        assert len(queries) <= 2
        # February 2027 begins on a Monday and has 28 days: exactly four weeks.
        assert [week[0].day for week in weeks] == [D(2027, 2, day) for day in (1, 8, 15, 22)]


def test_walking_off_the_end_of_the_calendar_is_a_clear_error(db: None) -> None:
    with pytest.raises(ValueError, match="超出"):
        calendar.add_working_days(datetime.date.max - datetime.timedelta(days=3), 10)
