from typing import Any

from django import forms

from saohei.common.dates import DateKind, date_field
from saohei.common.forms import StyledForm

DATE_INPUT = forms.DateInput(attrs={"type": "date"})


class ChartWindowForm(StyledForm):
    """The link chart's date window, as GET `from` and `to` (both optional)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # `from` is a Python keyword: the fields are named here, not declared.
        self.add_field(
            "from", date_field(DateKind.PERIOD, label="起始日期", required=False, widget=DATE_INPUT)
        )
        self.add_field(
            "to", date_field(DateKind.PERIOD, label="截止日期", required=False, widget=DATE_INPUT)
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("from"), cleaned.get("to")
        if start and end and start > end:
            self.add_error("to", "截止日期不能早于起始日期")
        return cleaned
