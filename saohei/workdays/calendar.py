"""Chinese working days, for deadlines counted in 工作日. Reads only.

The answer for a day comes from, in order:

1. a `CalendarOverride` entered by the office (a year the package does not know yet, or a
   correction);
2. `chinese_calendar`, which ships the State Council's 放假安排 — statutory holidays and the
   调休 weekends worked in exchange — for the years it knows (1.11: 2004–2026);
3. Monday to Friday, for any other year. `deadline_warning` says so, because such a deadline
   can be wrong by a whole holiday week.

A year is *known* when the package knows it or when the office has entered at least one
override for it. The State Council publishes a whole year's arrangement in one notice, so the
office enters it in one sitting and a first entry means the notice has been read; the calendar
page lists a year's entries so that a half-entered year is easy to spot.

Each public function builds one `WorkingCalendar`, which fetches the overrides of the range it
walks in one query (another only if a walk runs past the window it estimated).
"""

import calendar as stdlib_calendar
import datetime
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import NamedTuple

import chinese_calendar
from django.db import models
from django.db.models import Q

from saohei.workdays.models import CalendarOverride

ONE_DAY = datetime.timedelta(days=1)
# Fetched beyond a walk's estimated end, so that running past the loaded window is rare.
_MARGIN = datetime.timedelta(days=60)

HOLIDAY_NAMES: dict[str, str] = {
    chinese_calendar.Holiday.new_years_day.value: "元旦",
    chinese_calendar.Holiday.spring_festival.value: "春节",
    chinese_calendar.Holiday.tomb_sweeping_day.value: "清明节",
    chinese_calendar.Holiday.labour_day.value: "劳动节",
    chinese_calendar.Holiday.dragon_boat_festival.value: "端午节",
    chinese_calendar.Holiday.national_day.value: "国庆节",
    chinese_calendar.Holiday.mid_autumn_festival.value: "中秋节",
    chinese_calendar.Holiday.anti_fascist_70th_day.value: "抗战胜利70周年纪念日",
}


class DayKind(models.TextChoices):
    WORKDAY = "workday", "工作日"
    REST_DAY = "rest_day", "休息日"
    HOLIDAY = "holiday", "节假日"
    MAKEUP_WORKDAY = "makeup_workday", "调休上班"


@dataclass(frozen=True)
class CalendarDay:
    day: datetime.date
    is_working_day: bool
    kind: DayKind
    name: str  # the holiday's name or the override's reason; "" on an ordinary day
    is_override: bool
    is_estimated: bool  # neither the package nor an override knows this day's year


class _Entry(NamedTuple):
    is_working_day: bool
    reason: str


@cache
def package_knows_year(year: int) -> bool:
    try:
        chinese_calendar.is_workday(datetime.date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


# The package scans its whole table on every call; a deadline walk asks about the same days often.
@lru_cache(maxsize=16384)
def _package_is_workday(day: datetime.date) -> bool:
    return bool(chinese_calendar.is_workday(day))


def _shift(day: datetime.date, delta: datetime.timedelta) -> datetime.date:
    """`day + delta`, stopping at the ends of the calendar instead of overflowing."""
    try:
        return day + delta
    except OverflowError:
        return datetime.date.max if delta > datetime.timedelta(0) else datetime.date.min


def _step(day: datetime.date, delta: datetime.timedelta) -> datetime.date:
    try:
        return day + delta
    except OverflowError:
        raise ValueError("日期超出可推算的范围") from None


def _days(first: datetime.date, last: datetime.date) -> Iterator[datetime.date]:
    day = first
    while day <= last:
        yield day
        if day == datetime.date.max:
            return
        day += ONE_DAY


class WorkingCalendar:
    """Working-day answers for one computation, with the overrides it needs fetched in bulk.

    Given `overrides` (day → is working day), it never touches the database: for previews and
    for tests of the arithmetic alone.
    """

    def __init__(self, overrides: Mapping[datetime.date, bool] | None = None) -> None:
        self._from_database = overrides is None
        self._entries: dict[datetime.date, _Entry] = {
            day: _Entry(is_working, "") for day, is_working in (overrides or {}).items()
        }
        self._loaded: tuple[datetime.date, datetime.date] | None = None
        self._years_with_overrides: dict[int, bool] = {}

    def load(self, start: datetime.date, end: datetime.date) -> None:
        """Fetch the overrides from `start` to `end` (one query) unless already loaded."""
        if not self._from_database:
            return
        low, high = min(start, end), max(start, end)
        missing: list[tuple[datetime.date, datetime.date]] = []
        if self._loaded is None:
            missing.append((low, high))
            self._loaded = (low, high)
        else:
            loaded_low, loaded_high = self._loaded
            # Keep one contiguous loaded range; fetch only what lies outside it.
            if low < loaded_low:
                missing.append((low, loaded_low - ONE_DAY))
            if high > loaded_high:
                missing.append((loaded_high + ONE_DAY, high))
            self._loaded = (min(low, loaded_low), max(high, loaded_high))
        if not missing:
            return
        condition = Q()
        for first, last in missing:
            condition |= Q(day__range=(first, last))
        for day, is_working, reason in CalendarOverride.objects.filter(condition).values_list(
            "day", "is_working_day", "reason"
        ):
            self._entries[day] = _Entry(is_working, reason)

    def _entry(self, day: datetime.date) -> _Entry | None:
        if self._from_database and not (
            self._loaded is not None and self._loaded[0] <= day <= self._loaded[1]
        ):
            self.load(_shift(day, -_MARGIN), _shift(day, _MARGIN))
        return self._entries.get(day)

    def is_working_day(self, day: datetime.date) -> bool:
        entry = self._entry(day)
        if entry is not None:
            return entry.is_working_day
        if package_knows_year(day.year):
            return _package_is_workday(day)
        return day.weekday() < 5

    def is_year_known(self, year: int) -> bool:
        if package_knows_year(year):
            return True
        if year not in self._years_with_overrides:
            self._years_with_overrides[year] = self._has_overrides_in(year)
        return self._years_with_overrides[year]

    def _has_overrides_in(self, year: int) -> bool:
        first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
        covered = self._loaded is not None and self._loaded[0] <= first and last <= self._loaded[1]
        if not self._from_database or covered:
            return any(day.year == year for day in self._entries)
        return CalendarOverride.objects.in_year(year).exists()

    def describe(self, day: datetime.date) -> CalendarDay:
        entry = self._entry(day)
        is_working = self.is_working_day(day)
        is_weekend = day.weekday() >= 5
        known = package_knows_year(day.year)
        name = entry.reason if entry is not None else ""
        if not name and known:
            _, holiday = chinese_calendar.get_holiday_detail(day)
            name = HOLIDAY_NAMES.get(holiday, "法定节假日") if holiday else ""
        if is_working:
            kind = DayKind.MAKEUP_WORKDAY if is_weekend else DayKind.WORKDAY
        else:
            kind = DayKind.REST_DAY if is_weekend and not name else DayKind.HOLIDAY
        return CalendarDay(
            day=day,
            is_working_day=is_working,
            kind=kind,
            name=name,
            is_override=entry is not None,
            is_estimated=entry is None and not known and not self.is_year_known(day.year),
        )

    def add_working_days(self, start: datetime.date, days: int) -> datetime.date:
        """The day `days` working days after `start` (before it when negative); start not counted.

        With `days == 0`: `start` if it is a working day, else the next working day.
        """
        direction = ONE_DAY if days >= 0 else -ONE_DAY
        remaining = abs(days)
        # About five working days a week, plus room for a holiday week or two.
        estimate = datetime.timedelta(days=remaining * 7 // 5 + 30)
        self.load(start, _shift(start, estimate if days >= 0 else -estimate))
        day = start
        if remaining == 0:
            while not self.is_working_day(day):
                day = _step(day, ONE_DAY)
            return day
        while remaining:
            day = _step(day, direction)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: datetime.date, end: datetime.date) -> int:
        """Working days after `start` up to and including `end`; negative when `end` is earlier.

        Backwards it counts from `end` up to the day before `start`, so that
        `working_days_between(d, add_working_days(d, n)) == n` for every n ≠ 0.
        """
        if start == end:
            return 0
        self.load(start, end)
        if end > start:
            return sum(self.is_working_day(day) for day in _days(start + ONE_DAY, end))
        return -sum(self.is_working_day(day) for day in _days(end, start - ONE_DAY))

    def deadline_warning(self, day: datetime.date) -> str:
        if self.is_year_known(day.year):
            return ""
        return f"{day.year}年的法定节假日尚未录入，期限按周一至周五推算，请核对"

    def month_weeks(self, year: int, month: int) -> list[list[CalendarDay]]:
        """The weeks (Monday first) that cover one month, for the calendar page."""
        weeks = stdlib_calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
        self.load(weeks[0][0], weeks[-1][-1])
        return [[self.describe(day) for day in week] for week in weeks]


def is_working_day(day: datetime.date) -> bool:
    return WorkingCalendar().is_working_day(day)


def is_year_known(year: int) -> bool:
    """The package knows the year, or the office has entered at least one override for it."""
    return WorkingCalendar().is_year_known(year)


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    return WorkingCalendar().add_working_days(start, days)


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    return WorkingCalendar().working_days_between(start, end)


def deadline_warning(day: datetime.date) -> str:
    """ "" when the day's year is known; otherwise a Chinese warning to check the deadline."""
    return WorkingCalendar().deadline_warning(day)
