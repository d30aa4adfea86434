from datetime import date
from typing import Any

from django import forms

from saohei.common.forms import StyledForm
from saohei.leads.models import Lead
from saohei.village_reports.models import LAST_DUE_DAY, ZERO_REPORT_TEXT, ReportKind


class LeadChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Lead) -> str:  # type: ignore[override]
        return f"{obj.number} {obj.summary[:30]}"


class ReportForm(StyledForm):
    month = forms.TypedChoiceField(label="报告月份", coerce=date.fromisoformat)
    kind = forms.ChoiceField(label="本月情况", choices=ReportKind.choices, widget=forms.RadioSelect)
    zero_confirmed = forms.BooleanField(
        label=f"我确认：{ZERO_REPORT_TEXT}", required=False, help_text="报送零报告时必须勾选"
    )
    leads = LeadChoices(
        label="本月发现的线索",
        queryset=Lead.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="本村本月已登记、您可查看的线索",
    )
    note = forms.CharField(
        label="情况说明",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="发现的线索尚未登记的，请写明情况",
    )

    def __init__(self, *args: Any, months: list[date], leads: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        month_field = self.fields["month"]
        assert isinstance(month_field, forms.TypedChoiceField)
        month_field.choices = [(month.isoformat(), f"{month:%Y年%m月}") for month in months]
        leads_field = self.fields["leads"]
        assert isinstance(leads_field, forms.ModelMultipleChoiceField)
        leads_field.queryset = leads


class DueDayForm(StyledForm):
    due_day = forms.IntegerField(
        label="次月报送截止日",
        min_value=1,
        max_value=LAST_DUE_DAY,
        error_messages={
            key: f"截止日须为1至{LAST_DUE_DAY}之间的整数"
            for key in ("required", "invalid", "min_value", "max_value")
        },
    )
