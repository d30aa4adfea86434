from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

from saohei.analysis.models import AnalysisSettings, FailedElement
from saohei.analysis.queries import MAX_QUERY_LENGTH, PersonQuery, parse_person_query
from saohei.analysis.services import REASON_MAX_LENGTH, SETTING_BOUNDS, SettingsInput
from saohei.analysis.vetting import MAX_CANDIDATES
from saohei.common.dates import DateKind, date_field
from saohei.common.errors import ServiceError
from saohei.common.forms import DATE_INPUT, StyledForm, mobile_validator
from saohei.meetings.models import Meeting
from saohei.organisations.models import Unit


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


class ConfirmPromptForm(StyledForm):
    meeting = forms.ModelChoiceField(label="研判会", queryset=Meeting.objects.none())
    note = forms.CharField(label="研判意见", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, meetings: Any, **kwargs: Any) -> None:
        # Both decision forms stand on one page: their ids must differ (the names may not).
        super().__init__(*args, auto_id="confirm_%s", **kwargs)
        self.set_queryset("meeting", meetings)


class DismissPromptForm(StyledForm):
    meeting = forms.ModelChoiceField(label="研判会", queryset=Meeting.objects.none())
    failed_element = forms.ChoiceField(label="不符合的认定要素", choices=FailedElement.choices)
    reason = forms.CharField(label="排除理由", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, meetings: Any, **kwargs: Any) -> None:
        super().__init__(*args, auto_id="dismiss_%s", **kwargs)
        self.set_queryset("meeting", meetings)


def _bounded(name: str) -> forms.IntegerField:
    low, high = SETTING_BOUNDS[name]
    field = AnalysisSettings._meta.get_field(name)
    assert isinstance(field, models.Field)
    return forms.IntegerField(
        label=str(field.verbose_name),
        min_value=low,
        max_value=high,
        help_text=str(field.help_text or f"{low}—{high}"),
        error_messages={
            "required": "请填写此项",
            "invalid": "请输入整数",
            "min_value": f"不能小于 {low}",
            "max_value": f"不能大于 {high}",
        },
    )


class SettingsForm(StyledForm):
    window_days = _bounded("window_days")
    min_members = _bounded("min_members")
    min_incidents = _bounded("min_incidents")
    min_criminal = _bounded("min_criminal")
    min_recurring_members = _bounded("min_recurring_members")
    group_min_criminal = _bounded("group_min_criminal")
    heijie_min_members = _bounded("heijie_min_members")
    heijie_note_members = _bounded("heijie_note_members")
    identifier_share_cap = _bounded("identifier_share_cap")
    common_names = forms.CharField(
        label="常见姓名（不按姓名提示疑似同一人）",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="每行一个或以顿号分隔",
    )

    def settings_input(self) -> SettingsInput:
        """The thresholds of a valid form, for `services.update_settings` (page and API)."""
        data = self.cleaned_data
        return SettingsInput(
            identifier_share_cap=data["identifier_share_cap"],
            window_days=data["window_days"],
            min_members=data["min_members"],
            min_incidents=data["min_incidents"],
            min_criminal=data["min_criminal"],
            min_recurring_members=data["min_recurring_members"],
            group_min_criminal=data["group_min_criminal"],
            heijie_min_members=data["heijie_min_members"],
            heijie_note_members=data["heijie_note_members"],
            common_names=data["common_names"],
        )


class PersonSearchForm(StyledForm):
    q = forms.CharField(
        label="查找人员",
        required=False,
        max_length=MAX_QUERY_LENGTH,
        error_messages={"max_length": f"查询内容过长：最多 {MAX_QUERY_LENGTH} 个字"},
        widget=forms.TextInput(
            attrs={"placeholder": "姓名、身份证号（或 370982********1234、后四位）、手机号、车牌号"}
        ),
    )

    def clean_q(self) -> PersonQuery | None:
        try:
            return parse_person_query(self.cleaned_data["q"])
        except ServiceError as error:
            raise ValidationError(error.message, code="invalid") from error


def _reason_field(*, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label="理由",
        required=required,
        max_length=REASON_MAX_LENGTH,
        error_messages={
            "required": "请填写理由",
            "max_length": f"理由不能超过 {REASON_MAX_LENGTH} 个字",
        },
    )


class ReasonForm(StyledForm):
    reason = _reason_field()


class OptionalReasonForm(StyledForm):
    reason = _reason_field(required=False)


class MergeForm(StyledForm):
    other = forms.IntegerField(
        label="合并对象",
        min_value=1,
        max_value=2**63 - 1,
        error_messages={"required": "请选择要合并的人员", "invalid": "请选择要合并的人员"},
    )
    reason = _reason_field()


class ExclusionForm(StyledForm):
    mobile = forms.CharField(
        label="手机号",
        max_length=20,
        error_messages={"required": "请填写手机号", "max_length": "手机号应为以1开头的11位数字"},
        # The service's own check, so that a wrong number is marked where it was typed.
        validators=[mobile_validator],
    )
    reason = _reason_field()
