from django import forms

from saohei.audit.models import AuditAction, AuditResult
from saohei.common.forms import StyledForm


class AuditFilterForm(StyledForm):
    date_from = forms.DateField(
        label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    actor = forms.CharField(label="操作人", max_length=50, required=False)
    action = forms.ChoiceField(
        label="操作", choices=[("", "全部操作"), *AuditAction.choices], required=False
    )
    result = forms.ChoiceField(
        label="结果", choices=[("", "全部结果"), *AuditResult.choices], required=False
    )
    text = forms.CharField(label="对象", max_length=100, required=False)

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:  # type: ignore[operator]
            self.add_error("date_to", "截止日期不能早于起始日期")
        return cleaned
