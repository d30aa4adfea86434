from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils import timezone

from saohei.cases import queries
from saohei.cases.importing import max_import_rows
from saohei.cases.models import Nature, PersonRole, ReviewConclusion
from saohei.common.dates import DateKind, date_field
from saohei.common.forms import (
    DATE_INPUT,
    PlatesField,
    SearchField,
    StyledForm,
    id_number_validator,
    mobile_validator,
)
from saohei.organisations.models import Unit


class CaseFilterForm(StyledForm):
    village = forms.ModelChoiceField(
        label="村", queryset=Unit.objects.none(), required=False, empty_label="全部村"
    )
    nature = forms.ChoiceField(
        label="性质", required=False, choices=[("", "全部性质"), *Nature.choices]
    )
    reviewed = forms.ChoiceField(
        label="倒查",
        required=False,
        choices=[("", "全部"), ("no", "未倒查"), ("yes", "已倒查")],
    )
    year = forms.IntegerField(
        label="发案年份",
        required=False,
        min_value=queries.EARLIEST_CASE_YEAR,
        max_value=queries.LATEST_CASE_YEAR,
    )
    q = SearchField(placeholder="案件编号、案由、涉案人员、车牌号、身份证号或手机号（可输后四位）")

    def __init__(self, *args: Any, villages: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_queryset("village", villages)
        self.fields["year"].widget.attrs["placeholder"] = "如 2015"


class ImportForm(StyledForm):
    unit = forms.ModelChoiceField(label="导入到", queryset=Unit.objects.none(), empty_label=None)
    sender = forms.CharField(
        label="来文单位",
        max_length=100,
        required=False,
        help_text=(
            "如 港西派出所。为某一来文单位保存的取值对照（如“主犯”对应“组织者”），"
            "以后同一来文单位的导入自动使用"
        ),
    )
    file = forms.FileField(
        label="案件文件",
        help_text=(
            "Excel 工作簿（.xlsx，含“案件”“涉案人员”两张工作表），或“案件”表的 CSV 文件；"
            "两表合计每次最多 {rows:,} 行，身份证号列须为文本格式"
        ),
    )
    persons_file = forms.FileField(
        label="涉案人员 CSV",
        required=False,
        help_text="仅在上传 CSV 时使用；Excel 工作簿中的涉案人员放在“涉案人员”工作表",
    )
    skip_rejected = forms.BooleanField(
        label="有错误的案件先不导入，其余照常导入",
        required=False,
        help_text=(
            "不勾选时，只要有一处错误就不导入任何数据。勾选后，有错误的案件（连同其涉案人员）"
            "退回，可下载改正后单独导入"
        ),
    )

    def __init__(self, *args: Any, towns: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_queryset("unit", towns)
        file = self.fields["file"]
        file.help_text = str(file.help_text).format(rows=max_import_rows())
        file.widget.attrs["accept"] = ".xlsx,.csv"
        self.fields["persons_file"].widget.attrs["accept"] = ".csv"


class ReviewForm(StyledForm):
    conclusion = forms.ChoiceField(label="倒查结论", choices=ReviewConclusion.choices)
    is_gang = forms.BooleanField(label="团伙作案", required=False)
    organiser = forms.CharField(
        label="纠集者", required=False, max_length=50, help_text="团伙作案时填写纠集者姓名"
    )
    reviewed_on = date_field(DateKind.EVENT, label="倒查日期", widget=DATE_INPUT)
    notes = forms.CharField(
        label="倒查意见",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="写明核查经过与依据；选“转为线索”将以“治安案件倒查”来源登记一条线索",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reviewed_on"].initial = timezone.localdate()


class CasePersonForm(StyledForm):
    """涉案人员 added by hand (`services.add_case_person`), pre-filled from a 识别建议."""

    name = forms.CharField(label="姓名", max_length=50)
    role = forms.ChoiceField(label="角色", choices=PersonRole.choices)
    id_number = forms.CharField(
        label="身份证号", max_length=20, required=False, validators=[id_number_validator]
    )
    phone = forms.CharField(
        label="手机号", max_length=20, required=False, validators=[mobile_validator]
    )
    address = forms.CharField(label="住址", max_length=200, required=False)
    plates = PlatesField()


class ValueMappingForm(StyledForm):
    """取值对照: one select per unknown word of an import (what it means). Field names are the
    word's place in the job's list, never the sender's text; the choices are what the column
    allows (the town's villages for 所属村)."""

    def __init__(
        self,
        *args: Any,
        words: list[dict[str, Any]],
        options: Mapping[str, Mapping[str, str]],
        labels: Mapping[str, str],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.words = words
        self.labels = labels
        for place, word in enumerate(words):
            self.add_field(
                f"value_{place}",
                forms.ChoiceField(
                    label=f"{labels.get(word['field'], '')}：{word['word']}",
                    choices=[("", "（暂不对照）"), *options.get(word["field"], {}).items()],
                    required=False,
                    error_messages={"invalid_choice": "请从列表中选择对应的值"},
                ),
            )

    def rows(self) -> list[tuple[str, dict[str, Any], Any]]:
        """(column label, the word with its row count, its select) per unknown word."""
        return [
            (self.labels.get(word["field"], ""), word, self[f"value_{place}"])
            for place, word in enumerate(self.words)
        ]

    def chosen(self) -> dict[int, str]:
        return {
            place: self.cleaned_data.get(f"value_{place}") or "" for place in range(len(self.words))
        }
