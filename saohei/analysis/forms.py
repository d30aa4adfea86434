from typing import Any

from django import forms

from saohei.analysis.vetting import MAX_CANDIDATES
from saohei.common.dates import DateKind, date_field
from saohei.common.forms import StyledForm
from saohei.organisations.models import Unit

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


class VettingForm(StyledForm):
    unit = forms.ModelChoiceField(
        label="镇（街道）", queryset=Unit.objects.none(), empty_label=None
    )
    file = forms.FileField(
        label="候选人名单",
        help_text=(
            "Excel 工作簿（.xlsx）或 CSV 文件（UTF-8 或 GBK 编码），列为：村、姓名、身份证号、"
            f"拟任职务；每次最多 {MAX_CANDIDATES:,} 人，身份证号列须为文本格式"
        ),
    )

    def __init__(self, *args: Any, towns: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_queryset("unit", towns)
        self.fields["file"].widget.attrs["accept"] = ".xlsx,.csv"
