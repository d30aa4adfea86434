import datetime
from typing import Any

from django import forms

from saohei.common.dates import DateKind
from saohei.common.forms import DATE_INPUT, StyledForm
from saohei.meetings.models import MeetingKind
from saohei.organisations.models import Unit
from saohei.reports.statistics import Period, PeriodKind

# A report's year: from the floor of the dates the platform reasons about (common.dates).
EARLIEST_YEAR = DateKind.PERIOD.value.floor.year


class LedgerFilterForm(StyledForm):
    """The 台账中心 filters: a period and a village, applied to each ledger where it makes sense."""

    date_from = forms.DateField(label="起始日期", required=False, widget=DATE_INPUT)
    date_to = forms.DateField(label="截止日期", required=False, widget=DATE_INPUT)
    village = forms.ModelChoiceField(
        label="村（社区）", queryset=Unit.objects.none(), required=False, empty_label="全部村"
    )
    kind = forms.ChoiceField(
        label="会议类型",
        required=False,
        choices=[("", "全部会议"), *MeetingKind.choices],
    )

    def __init__(self, *args: Any, villages: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_queryset("village", villages)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", "截止日期不能早于起始日期")
        return cleaned


class PeriodForm(StyledForm):
    """月报 or 季报 and which month or quarter."""

    period_kind = forms.ChoiceField(
        label="报表",
        choices=[(PeriodKind.MONTH, "月报"), (PeriodKind.QUARTER, "季报")],
    )
    year = forms.IntegerField(label="年份", min_value=EARLIEST_YEAR, max_value=2100)
    month = forms.TypedChoiceField(
        label="月份",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—"), *((number, f"{number}月") for number in range(1, 13))],
    )
    quarter = forms.TypedChoiceField(
        label="季度",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—"), *((number, f"第{number}季度") for number in range(1, 5))],
    )

    def __init__(self, *args: Any, today: datetime.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        kind, year = cleaned.get("period_kind"), cleaned.get("year")
        if not kind or year is None:
            return cleaned
        field = "month" if kind == PeriodKind.MONTH else "quarter"
        number = cleaned.get(field)
        if number is None:
            self.add_error(field, "请选择月份" if field == "month" else "请选择季度")
            return cleaned
        period = Period(kind, year, number)
        if period.date_from > self.today:
            self.add_error(field, "统计期间尚未开始，请选择本期或以前的期间")
            return cleaned
        cleaned["period"] = period
        return cleaned
