from typing import Any

from django import forms

from saohei.common.dates import DateKind, date_field
from saohei.common.forms import MultipleFileField, MultipleFileInput, StyledForm
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


# A refused checklist row names the service's field; the page shows it beside that row's input.
CHECKLIST_FIELDS = {"result": "result", "folder": "result", "note": "note", "photos": "photos"}


class ChecklistForm(_ServiceErrorMixin):
    """检查清单: one row per folder still to record, 合格 unless marked; note and photos per row."""

    def __init__(self, *args: Any, folders: list[ArchiveFolder], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.folders = folders
        for folder in folders:
            self.add_field(
                self.row_field("result", folder),
                forms.ChoiceField(
                    label=folder.name,
                    choices=Result.choices,
                    initial=Result.PASSED,
                    widget=forms.RadioSelect,
                ),
            )
            self.add_field(
                self.row_field("note", folder),
                forms.CharField(
                    label=f"{folder.name}说明",
                    required=False,
                    max_length=2000,
                    widget=forms.TextInput(attrs={"placeholder": "不合格时必填：问题所在"}),
                ),
            )
            self.add_field(
                self.row_field("photos", folder),
                MultipleFileField(
                    label=f"{folder.name}照片",
                    widget=MultipleFileInput(attrs={"accept": "image/*", "capture": "environment"}),
                ),
            )

    @staticmethod
    def row_field(kind: str, folder: ArchiveFolder) -> str:
        return f"{CHECKLIST_FIELDS.get(kind, 'result')}_{folder.pk}"

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "folder": folder,
                "result": self[self.row_field("result", folder)],
                "note": self[self.row_field("note", folder)],
                "photos": self[self.row_field("photos", folder)],
            }
            for folder in self.folders
        ]


class FindingEditForm(_ServiceErrorMixin):
    """更正检查结果: result and note; photos are added beside the form (input name "photos")."""

    result = forms.ChoiceField(label="检查结果", choices=Result.choices)
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class FolderForm(_ServiceErrorMixin):
    name = forms.CharField(label="档案类别", max_length=100)
    sort_order = forms.IntegerField(label="排序", min_value=0, max_value=10000)
    is_active = forms.BooleanField(label="启用", required=False, initial=True)
