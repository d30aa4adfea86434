from typing import Any

from django import forms

from saohei.common.dates import DateKind, date_field
from saohei.common.forms import (
    DATE_INPUT,
    MultipleFileField,
    MultipleFileInput,
    SearchField,
    StyledForm,
    version_field,
)
from saohei.organisations.models import Unit
from saohei.organisations.pickers import (
    PersonChoiceField,
    UnitChoiceField,
    VillageFilterField,
    narrow_by_unit,
    people_for,
)
from saohei.organisations.queries import LEADER_ROLES, users_holding
from saohei.rectifications.models import SourceKind, Status


class FilterForm(StyledForm):
    town = forms.ModelChoiceField(
        label="镇（街道）", queryset=Unit.objects.none(), required=False, empty_label="全部"
    )
    village = VillageFilterField(
        label="所属村",
        queryset=Unit.objects.none(),
        required=False,
        empty_label="全部",
        no_village_label="镇本级",
    )
    source = forms.ChoiceField(
        label="问题来源", choices=[("", "全部"), *SourceKind.choices], required=False
    )
    status = forms.ChoiceField(
        label="状态", choices=[("", "全部"), *Status.choices], required=False
    )
    person = PersonChoiceField(label="责任人", required=False, empty_label="全部")
    due = forms.ChoiceField(
        label="时限",
        choices=[("", "全部"), ("soon", "即将到期"), ("overdue", "已逾期")],
        required=False,
    )
    q = SearchField(placeholder="问题描述、整改措施、来源、责任人")

    def __init__(self, *args: Any, towns: Any, villages: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only a viewer over several towns (上级督导) needs to pick one.
        if len(towns) > 1:
            self.set_queryset("town", towns)
        else:
            del self.fields["town"]
        self.set_queryset("village", villages)
        self.set_queryset("person", people)


class ItemForm(StyledForm):
    source_kind = forms.ChoiceField(label="问题来源", choices=SourceKind.choices)
    source_label = forms.CharField(
        label="来源记录",
        max_length=200,
        required=False,
        help_text="如：市督导组反馈意见（2026年第3期）",
    )
    village = UnitChoiceField(label="所属村", required=False, empty_label="镇本级")
    description = forms.CharField(
        label="问题描述", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
    measures = forms.CharField(
        label="整改措施", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
    responsible_leader = PersonChoiceField(label="责任领导")
    responsible_unit = UnitChoiceField(label="责任单位")
    responsible_person = PersonChoiceField(label="责任人", help_text="只列出所选责任单位的人员")
    working_days = forms.IntegerField(
        label="整改时限（工作日）",
        min_value=1,
        max_value=365,
        required=False,
        help_text="填写工作日数，或直接选择截止日期",
    )
    due_on = date_field(DateKind.DEADLINE, label="截止日期", required=False, widget=DATE_INPUT)

    def __init__(self, *args: Any, town: Unit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_queryset("village", Unit.objects.filter(parent=town).villages().active())
        self.set_queryset(
            "responsible_leader",
            users_holding(LEADER_ROLES, on=town, among=people_for(town)),
        )
        self.set_queryset(
            "responsible_unit", Unit.objects.subtree_of(town).active().order_by("path")
        )
        self.set_queryset("responsible_person", people_for(town))
        narrow_by_unit(self, person="responsible_person", unit="responsible_unit")


class ProgressForm(StyledForm):
    occurred_on = date_field(DateKind.EVENT, label="日期", widget=DATE_INPUT)
    content = forms.CharField(
        label="整改进展", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
    evidence = MultipleFileField(
        label="佐证材料（照片、文件）",
        widget=MultipleFileInput(attrs={"accept": "image/*,application/pdf,.docx,.xlsx"}),
    )


class MeasuresForm(StyledForm):
    measures = forms.CharField(
        label="整改措施", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
    version = version_field()


class ClosureRequestForm(StyledForm):
    note = forms.CharField(
        label="申请说明",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=5000,
        required=False,
    )


class VerifyForm(StyledForm):
    decision = forms.ChoiceField(
        label="审核意见", choices=[("accept", "同意销号"), ("return", "退回继续整改")]
    )
    reason = forms.CharField(
        label="意见/退回理由",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=5000,
        required=False,
    )


class RecheckForm(StyledForm):
    decision = forms.ChoiceField(
        label="复查结论", choices=[("passed", "复查通过"), ("reopen", "重新整改")]
    )
    reason = forms.CharField(
        label="复查意见",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=5000,
        required=False,
    )
    due_on = date_field(
        DateKind.DEADLINE, label="新整改时限（重新整改时）", required=False, widget=DATE_INPUT
    )
