from typing import Any

from django import forms

from saohei.common.dates import DateKind, date_field
from saohei.common.forms import StyledForm
from saohei.inspections.models import ArchiveFolder, Result
from saohei.organisations.models import Unit, UnitKind
from saohei.organisations.pickers import PeopleChoiceField, people_for


class _ServiceErrorMixin(StyledForm):
    """Refused service calls shown beside their field (StyledForm's, kept for the name)."""


class RoundForm(_ServiceErrorMixin):
    title = forms.CharField(label="检查名称", max_length=200)
    deployed_by = forms.CharField(label="部署单位", max_length=100, required=False)
    inspected_on = date_field(
        DateKind.EVENT, label="检查日期", widget=forms.DateInput(attrs={"type": "date"})
    )
    inspectors = PeopleChoiceField(label="检查人员")
    villages = forms.ModelMultipleChoiceField(
        label="检查村居", queryset=Unit.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    working_days = forms.IntegerField(label="整改时限（工作日）", min_value=1, max_value=60)

    def __init__(self, *args: Any, town: Unit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_queryset("inspectors", people_for(town))
        self.fields["villages"].queryset = Unit.objects.filter(  # type: ignore[attr-defined]
            parent=town, is_active=True, kind__in=[UnitKind.VILLAGE, UnitKind.COMMUNITY]
        ).order_by("sort_order", "path")
        self.fields["working_days"].initial = 10


class FindingForm(_ServiceErrorMixin):
    village = forms.ModelChoiceField(label="村居", queryset=Unit.objects.none())
    folder = forms.ModelChoiceField(label="档案类别", queryset=ArchiveFolder.objects.none())
    result = forms.ChoiceField(label="检查结果", choices=Result.choices)
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, villages: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages  # type: ignore[attr-defined]
        self.fields["folder"].queryset = ArchiveFolder.objects.filter(  # type: ignore[attr-defined]
            is_active=True
        )


class FindingEditForm(_ServiceErrorMixin):
    """更正检查结果: result and note; photos are added beside the form (input name "photos")."""

    result = forms.ChoiceField(label="检查结果", choices=Result.choices)
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class FolderForm(_ServiceErrorMixin):
    name = forms.CharField(label="档案类别", max_length=100)
    sort_order = forms.IntegerField(label="排序", min_value=0, max_value=10000)
    is_active = forms.BooleanField(label="启用", required=False, initial=True)
