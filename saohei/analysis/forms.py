from typing import Any

from django import forms

from saohei.analysis.vetting import MAX_CANDIDATES
from saohei.common.forms import StyledForm
from saohei.organisations.models import Unit


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
