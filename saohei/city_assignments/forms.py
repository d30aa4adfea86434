from collections.abc import Mapping
from typing import Any

from django import forms

from saohei.city_assignments import access
from saohei.city_assignments.models import ASSIGNABLE_SOURCES, ListStatus
from saohei.common.dates import DateKind, date_field
from saohei.common.forms import DATE_INPUT, StyledForm
from saohei.organisations.models import Unit, User


class AssignmentForm(StyledForm):
    towns = forms.ModelMultipleChoiceField(
        label="交办镇（街道）", queryset=Unit.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    deadline = date_field(DateKind.DEADLINE, label="反馈期限", widget=DATE_INPUT)
    instruction = forms.CharField(
        label="交办意见", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    summary = forms.CharField(
        label="问题内容", widget=forms.Textarea(attrs={"rows": 4}), max_length=500
    )
    subject_name = forms.CharField(label="被反映人", max_length=50, required=False)
    source = forms.ChoiceField(
        label="来源", choices=[(source.value, source.label) for source in ASSIGNABLE_SOURCES]
    )
    number = forms.CharField(
        label="交办编号",
        max_length=100,
        required=False,
        help_text="上级或12337平台已编号的照填；留空则按本市顺序自动编号",
    )
    involves_official = forms.BooleanField(
        label="涉及公职人员（保护伞）",
        required=False,
        help_text="勾选后镇里只有领导小组组长、副组长能看到该线索",
    )

    def __init__(self, *args: Any, towns: list[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["towns"].queryset = Unit.objects.filter(  # type: ignore[attr-defined]
            pk__in=[town.pk for town in towns]
        ).order_by("sort_order", "path")


class ReturnForm(StyledForm):
    reason = forms.CharField(
        label="退回理由", widget=forms.Textarea(attrs={"rows": 2}), max_length=1000
    )
    # Proposed as `services.default_return_deadline()`; the service refuses a past date.
    deadline = date_field(
        DateKind.DEADLINE,
        label="新的反馈期限",
        widget=DATE_INPUT,
        help_text="镇里须在此日期前重新办结并反馈；催办按新期限计算",
    )


class AssignmentFilterForm(StyledForm):
    """The city clerk's filters; a town among the cities' own (another id: a field error)."""

    status = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部"), *ListStatus.choices]
    )
    town = forms.ModelChoiceField(
        label="镇（街道）", required=False, queryset=Unit.objects.none(), empty_label="全部"
    )

    def __init__(self, *args: Any, towns: list[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["town"].queryset = Unit.objects.filter(  # type: ignore[attr-defined]
            pk__in=[town.pk for town in towns]
        ).order_by("sort_order", "path")


def assignment_filters(
    user: User, data: Mapping[str, Any] | None
) -> tuple[AssignmentFilterForm, dict[str, Any] | None]:
    """The clerk's filters over the towns of the cities they supervise (the list page's and
    the API's); None when invalid."""
    towns = [
        town for city in access.supervised_cities(user) for town in access.assignable_towns(city)
    ]
    form = AssignmentFilterForm(data or None, towns=towns)
    if not form.is_bound:
        return form, {"status": "", "town": None}
    if not form.is_valid():
        return form, None
    return form, {"status": form.cleaned_data["status"], "town": form.cleaned_data["town"]}
