"""Date bounds and date formatting, one definition for forms, the API, imports and services.

Every date or datetime that enters the platform has a kind; the kind fixes its floor and ceiling
(see docs/decisions/0007). Every date that leaves it (pages, .xlsx ledgers, the API) goes through
`format_date`, which renders a value that cannot be shown as `INVALID_DATE_MARK` and logs it, so
one bad stored row cannot break a page for everyone.
"""

import datetime
import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.widgets import DateTimeBaseInput
from django.utils import dateformat, timezone
from pydantic import AfterValidator, WithJsonSchema, WrapSerializer
from pydantic_core import PydanticCustomError

from saohei.common.errors import ServiceError

logger = logging.getLogger(__name__)

INVALID_DATE_MARK = "日期异常"

# The widest span any date on the platform may have; outside it a stored value is shown marked.
DISPLAY_FLOOR = datetime.date(1900, 1, 1)
DISPLAY_CEILING = datetime.date(2099, 12, 31)
# A "received/happened" moment may be ahead of the server's clock by this much (a client's clock).
CLOCK_SKEW = datetime.timedelta(minutes=10)


@dataclass(frozen=True)
class Bounds:
    floor: datetime.date
    # Ceiling: a fixed date, or days from today (evaluated when checked, never at import).
    ceiling: datetime.date | None = None
    days_ahead: int | None = None
    # Moments of this kind may not lie in the future beyond `CLOCK_SKEW`.
    not_in_future: bool = False

    def latest(self, today: datetime.date) -> datetime.date:
        if self.days_ahead is not None:
            return today + datetime.timedelta(days=self.days_ahead)
        assert self.ceiling is not None
        return self.ceiling


class DateKind(enum.Enum):
    """What a date records, which decides how far back and ahead it may lie."""

    # 出生日期: people alive and on record.
    BIRTH = Bounds(floor=datetime.date(1900, 1, 1), days_ahead=0, not_in_future=True)
    # Police cases and documents from the past (倒查 reaches back to the founding of the state).
    HISTORY = Bounds(floor=datetime.date(1949, 10, 1), days_ahead=0, not_in_future=True)
    # What the office records as having happened (受理, 走访, 谈话, 会议, 检查, 发放 …).
    EVENT = Bounds(floor=datetime.date(2000, 1, 1), days_ahead=0, not_in_future=True)
    # Deadlines and plans: 办理时限, 整改时限, schedules; up to five years ahead.
    DEADLINE = Bounds(floor=datetime.date(2000, 1, 1), days_ahead=5 * 366)
    # Filters, report periods, calendar days: anything the platform can reason about.
    PERIOD = Bounds(floor=datetime.date(2000, 1, 1), ceiling=datetime.date(2099, 12, 31))


def chinese_date(value: datetime.date) -> str:
    """2026年1月5日: how documents and messages write a day."""
    return f"{value.year}年{value.month}月{value.day}日"


def _local_day(value: datetime.date | datetime.datetime) -> datetime.date:
    """The calendar day in Beijing time; an aware moment too extreme to convert keeps its own."""
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            try:
                return timezone.localtime(value).date()
            except OverflowError:
                return value.date()
        return value.date()
    return value


def date_problem(value: datetime.date | datetime.datetime, kind: DateKind) -> str | None:
    """Why `value` is out of bounds for its kind (a Chinese phrase), or None when it is fine."""
    bounds = kind.value
    day = _local_day(value)
    today = timezone.localdate()
    if day < bounds.floor:
        return f"不能早于{chinese_date(bounds.floor)}"
    latest = bounds.latest(today)
    if day > latest:
        return "不能晚于今天" if bounds.not_in_future else f"不能晚于{chinese_date(latest)}"
    if bounds.not_in_future and isinstance(value, datetime.datetime):
        moment = value if timezone.is_aware(value) else timezone.make_aware(value)
        if moment > timezone.now() + CLOCK_SKEW:
            return "不能晚于当前时间"
    return None


def check_date(
    value: datetime.date | datetime.datetime | None, *, kind: DateKind, label: str, field: str
) -> None:
    """Refuse a date outside its kind's bounds (services: defence behind forms and the API)."""
    if value is None:
        return
    problem = date_problem(value, kind)
    if problem:
        raise ServiceError(f"{label}{problem}", field=field)


# Forms: StyledForm bounds every DateField and DateTimeField it holds; `date_kind` picks the kind.


BROWSER_FORMATS = {"date": "%Y-%m-%d", "datetime-local": "%Y-%m-%dT%H:%M"}


def bound_form_field(field: forms.Field, kind: DateKind) -> None:
    """Give a form's date field its kind's validator and the browser's min/max hints."""

    def validate(value: datetime.date | datetime.datetime) -> None:
        problem = date_problem(value, kind)
        if problem:
            raise ValidationError(f"{field.label or '日期'}{problem}", code="date_out_of_range")

    field.validators.append(validate)
    field.date_bounded = True  # type: ignore[attr-defined]
    # The browser's date boxes read ISO 8601 only: a date in the locale's format (2026/12/05)
    # shows as an empty box, and the form comes back refused for a date the user never cleared.
    widget = field.widget
    if isinstance(widget, DateTimeBaseInput) and widget.input_type in BROWSER_FORMATS:
        widget.format = BROWSER_FORMATS[widget.input_type]
    bounds = kind.value
    if isinstance(field, forms.DateTimeField):
        field.widget.attrs.setdefault("min", f"{bounds.floor.isoformat()}T00:00")
    else:
        field.widget.attrs.setdefault("min", bounds.floor.isoformat())
        if not bounds.not_in_future:
            field.widget.attrs.setdefault("max", bounds.latest(timezone.localdate()).isoformat())


def date_field(kind: DateKind, **kwargs: Any) -> forms.DateField:
    """A form DateField of the given kind (StyledForm applies the bounds)."""
    field = forms.DateField(**kwargs)
    field.date_kind = kind  # type: ignore[attr-defined]
    return field


def datetime_field(kind: DateKind, **kwargs: Any) -> forms.DateTimeField:
    """A form DateTimeField of the given kind (StyledForm applies the bounds)."""
    field = forms.DateTimeField(**kwargs)
    field.date_kind = kind  # type: ignore[attr-defined]
    return field


# The API: `Annotated` types for django-ninja schemas, refused with a 422 and the Chinese message.


def _api_validator(kind: DateKind) -> Callable[[Any], Any]:
    def validate(value: datetime.date | datetime.datetime) -> datetime.date | datetime.datetime:
        problem = date_problem(value, kind)
        if problem:
            raise PydanticCustomError("date_out_of_range", "日期" + problem)
        return value

    return validate


def _api_serialize(value: datetime.date | datetime.datetime, serialize: Any) -> Any:
    if not is_displayable(value):
        return format_date(value)  # the mark, logged
    return serialize(value)


EventDay = Annotated[datetime.date, AfterValidator(_api_validator(DateKind.EVENT))]
EventMoment = Annotated[datetime.datetime, AfterValidator(_api_validator(DateKind.EVENT))]
HistoryDay = Annotated[datetime.date, AfterValidator(_api_validator(DateKind.HISTORY))]
DeadlineDay = Annotated[datetime.date, AfterValidator(_api_validator(DateKind.DEADLINE))]
PeriodDay = Annotated[datetime.date, AfterValidator(_api_validator(DateKind.PERIOD))]
# Output: as pydantic writes it, or the mark when a stored value cannot be shown.
# The schema says so: a client validating formats must accept the mark, not fail on it.
_OR_THE_MARK = {"type": "string", "const": INVALID_DATE_MARK}
ShownDay = Annotated[
    datetime.date,
    WrapSerializer(_api_serialize),
    WithJsonSchema({"anyOf": [{"type": "string", "format": "date"}, _OR_THE_MARK]}),
]
ShownMoment = Annotated[
    datetime.datetime,
    WrapSerializer(_api_serialize),
    WithJsonSchema({"anyOf": [{"type": "string", "format": "date-time"}, _OR_THE_MARK]}),
]


# Output: one formatter for templates (the `safe_date` filter), ledgers and the API.


def is_displayable(value: datetime.date | datetime.datetime) -> bool:
    try:
        if isinstance(value, datetime.datetime) and timezone.is_aware(value):
            value = timezone.localtime(value)
    except OverflowError:
        return False
    day = value.date() if isinstance(value, datetime.datetime) else value
    return DISPLAY_FLOOR <= day <= DISPLAY_CEILING


def format_date(value: datetime.date | datetime.datetime | None, pattern: str = "Y-m-d") -> str:
    """`value` in Beijing time with Django's date-format `pattern`, or the mark when it cannot be
    shown (logged with the value only: no record, no person)."""
    if not isinstance(value, datetime.date):
        return ""  # like Django's `date` filter: nothing to show
    if not is_displayable(value):
        logger.warning("stored date cannot be shown: %r", value)
        return INVALID_DATE_MARK
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return dateformat.format(value, pattern)


def format_moment(value: datetime.datetime | None) -> str:
    """A moment as the ledgers show it: `2026-12-04 14:30`."""
    return format_date(value, "Y-m-d H:i")
