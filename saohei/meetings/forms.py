from typing import Any

from django import forms

from saohei.common.dates import DateKind, date_field
from saohei.common.forms import DATE_INPUT, StyledForm, version_field
from saohei.leads.models import Lead
from saohei.meetings.access import ASSIGNEE_ROLES
from saohei.meetings.models import Assessment, Frequency, MaterialKind, MeetingKind, Requirement
from saohei.meetings.queries import TASK_STATES
from saohei.organisations.models import Unit
from saohei.organisations.pickers import (
    PeopleChoiceField,
    PersonChoiceField,
    UnitChoiceField,
    people_for,
)


def town_people(town: Unit) -> Any:
    return people_for(town)


class MeetingForm(StyledForm):
    kind = forms.ChoiceField(label="会议类型", choices=MeetingKind.choices)
    title = forms.CharField(label="名称", max_length=200)
    held_on = date_field(DateKind.EVENT, label="时间", widget=DATE_INPUT)
    place = forms.CharField(label="地点", max_length=200)
    chair = PersonChoiceField(label="主持人")
    recorder = PersonChoiceField(label="记录人")
    attendees = PeopleChoiceField(label="参会人")
    topics = forms.CharField(label="议题", widget=forms.Textarea(attrs={"rows": 3}))
    reported = forms.CharField(
        label="通报情况", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    minutes = forms.CharField(
        label="会议纪要", required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    material_kind = forms.ChoiceField(
        label="学习材料类别", choices=MaterialKind.choices, required=False
    )
    material_title = forms.CharField(label="学习材料标题", max_length=200, required=False)
    material_file = forms.FileField(label="学习材料附件", required=False)

    def __init__(self, *args: Any, town: Unit, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = town_people(town)
        for name in ("chair", "recorder", "attendees"):
            self.set_queryset(name, people)
        if editing:
            del self.fields["kind"]
            self.fields["version"] = version_field()


def assignable_people(town: Unit) -> Any:
    return people_for(town, roles=ASSIGNEE_ROLES)


WORKING_DAYS_HELP = "日期和工作日数只填一项；工作日数按工作日历推算，跳过节假日"


class DecisionForm(StyledForm):
    text = forms.CharField(label="决定事项", widget=forms.Textarea(attrs={"rows": 2}))
    owner = PersonChoiceField(label="责任人")
    due_on = date_field(DateKind.DEADLINE, label="时限", widget=DATE_INPUT, required=False)
    working_days = forms.IntegerField(
        label="或：会后几个工作日内",
        required=False,
        min_value=1,
        max_value=365,
        help_text=WORKING_DAYS_HELP,
    )
    # Only read when an existing decision is edited.
    version = version_field()

    def __init__(self, *args: Any, town: Unit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_queryset("owner", town_people(town))


class ToTaskForm(StyledForm):
    assignee = PersonChoiceField(
        label="承办人",
        required=False,
        empty_label="（决定事项的责任人）",
    )
    due_on = date_field(DateKind.DEADLINE, label="完成时限", widget=DATE_INPUT, required=False)
    working_days = forms.IntegerField(
        label="或：几个工作日内完成",
        required=False,
        min_value=1,
        max_value=365,
        help_text="日期和工作日数只填一项；都不填则沿用决定事项的时限",
    )

    def __init__(self, *args: Any, town: Unit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_queryset("assignee", assignable_people(town))


class CompleteTaskForm(StyledForm):
    result = forms.CharField(label="办理结果", widget=forms.Textarea(attrs={"rows": 3}))


class TaskFilterForm(StyledForm):
    state = forms.ChoiceField(
        label="状态", choices=[("", "全部"), *TASK_STATES.items()], required=False
    )
    scope = forms.ChoiceField(
        label="范围",
        choices=[("mine", "我承办的"), ("all", "本镇全部")],
        required=False,
    )


class ToRectificationForm(StyledForm):
    measures = forms.CharField(label="整改措施", widget=forms.Textarea(attrs={"rows": 2}))
    responsible_leader = PersonChoiceField(label="责任领导")
    village = UnitChoiceField(label="所属村", required=False, empty_label="（不限）")

    def __init__(self, *args: Any, town: Unit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_queryset("responsible_leader", town_people(town))
        self.set_queryset("village", Unit.objects.filter(parent=town).order_by("path"))


class LeadOpinionForm(StyledForm):
    lead = forms.ModelChoiceField(label="线索", queryset=Lead.objects.none())
    opinion = forms.CharField(label="研判意见", widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, leads: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_queryset("lead", leads)


class SelfInspectionForm(StyledForm):
    document_title = forms.CharField(label="上级文件", max_length=200)
    document_number = forms.CharField(label="文号", max_length=100, required=False)
    document_on = date_field(DateKind.HISTORY, label="发文日期", widget=DATE_INPUT)
    inspected_on = date_field(DateKind.EVENT, label="自查日期", widget=DATE_INPUT)
    requirements = forms.CharField(
        label="上级要求",
        help_text="每行一项",
        widget=forms.Textarea(attrs={"rows": 6}),
    )


class AssessForm(StyledForm):
    assessment = forms.ChoiceField(label="自评", choices=Assessment.choices)
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ProblemForm(StyledForm):
    requirement = forms.ModelChoiceField(
        label="对应要求",
        queryset=Requirement.objects.none(),
        required=False,
        empty_label="（不限）",
    )
    description = forms.CharField(label="问题描述", widget=forms.Textarea(attrs={"rows": 2}))
    measures = forms.CharField(label="整改措施", widget=forms.Textarea(attrs={"rows": 2}))
    responsible_leader = PersonChoiceField(label="责任领导")
    responsible_person = PersonChoiceField(label="责任人")
    due_on = date_field(DateKind.DEADLINE, label="整改时限", widget=DATE_INPUT, required=False)

    def __init__(self, *args: Any, town: Unit, requirements: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = town_people(town)
        self.set_queryset("responsible_leader", people)
        self.set_queryset("responsible_person", people)
        self.set_queryset("requirement", requirements)


class ScheduleForm(StyledForm):
    kind = forms.ChoiceField(label="会议类型", choices=MeetingKind.choices)
    frequency = forms.ChoiceField(label="周期", choices=Frequency.choices)
    interval = forms.IntegerField(
        label="间隔（月）", min_value=1, max_value=12, initial=1, help_text="按月时每几个月一次"
    )
    day = forms.IntegerField(
        label="日",
        min_value=1,
        max_value=28,
        initial=10,
        help_text="按月：每月第几日；按周：星期几",
    )
    starts_on = date_field(DateKind.DEADLINE, label="起始日期", widget=DATE_INPUT)
    is_active = forms.BooleanField(label="启用", required=False, initial=True)
