from django import forms

from saohei.common.forms import StyledForm


def _to_bool(value: str) -> bool:
    return value == "1"


class OverrideForm(StyledForm):
    day = forms.DateField(
        label="日期",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "请输入有效的日期，如 2027-02-08"},
    )
    is_working_day = forms.TypedChoiceField(
        label="调整为",
        choices=[("0", "放假（休息）"), ("1", "上班（调休工作日）")],
        coerce=_to_bool,
    )
    reason = forms.CharField(label="原因", max_length=100, help_text="如：2027年春节")
