from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone

from saohei.accountability.models import TalkKind, Topic
from saohei.common.dates import DateKind, date_field
from saohei.common.forms import StyledForm, version_field
from saohei.common.roles import Role
from saohei.organisations.models import Unit, User
from saohei.organisations.pickers import PeopleChoiceField, PersonChoiceField, people_for
from saohei.organisations.queries import users_holding


class _ServiceErrorMixin(StyledForm):
    """Refused service calls shown beside their field (StyledForm's, kept for the name)."""


class TalkForm(_ServiceErrorMixin):
    talked_on = date_field(
        DateKind.EVENT, label="谈话日期", widget=forms.DateInput(attrs={"type": "date"})
    )
    place = forms.CharField(label="谈话地点", max_length=100)
    interviewer = PersonChoiceField(label="谈话人")
    interviewees = PeopleChoiceField(label="谈话对象")
    recorder = PersonChoiceField(label="记录人", required=False)
    kind = forms.ChoiceField(label="谈话类型", choices=TalkKind.choices)
    topics = forms.MultipleChoiceField(
        label="谈话主题",
        choices=Topic.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    other_topics = forms.CharField(label="其他主题", max_length=200, required=False)
    content = forms.CharField(label="谈话内容", widget=forms.Textarea(attrs={"rows": 5}))
    follow_up = forms.CharField(
        label="后续跟进", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    problems = forms.CharField(
        label="发现问题",
        required=False,
        help_text="每行一个问题，每个问题列入整改台账",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    measures = forms.CharField(label="整改措施", required=False, help_text="适用于上列问题")
    problem_village = forms.ModelChoiceField(
        label="问题所属村", queryset=Unit.objects.none(), required=False
    )
    responsible_person = PersonChoiceField(label="整改责任人", required=False)
    leads = forms.CharField(
        label="发现线索",
        required=False,
        help_text="每行一条线索的简要内容，每条登记为“谈心谈话”来源的线索",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, town: Unit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = people_for(town)
        for name in ("interviewer", "interviewees", "recorder", "responsible_person"):
            self.fields[name].queryset = people  # type: ignore[attr-defined]
        self.fields["problem_village"].queryset = Unit.objects.filter(  # type: ignore[attr-defined]
            parent=town, is_active=True
        ).order_by("sort_order", "path")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("problems", "").strip():
            if not data.get("measures", "").strip():
                self.add_error("measures", "填写了发现问题，请填写整改措施")
            if data.get("responsible_person") is None:
                self.add_error("responsible_person", "填写了发现问题，请选择整改责任人")
        return data


class TalkEditForm(_ServiceErrorMixin):
    """更正谈话记录: what the office may correct after saving (not the interviewer)."""

    talked_on = date_field(
        DateKind.EVENT, label="谈话日期", widget=forms.DateInput(attrs={"type": "date"})
    )
    place = forms.CharField(label="谈话地点", max_length=100)
    interviewees = PeopleChoiceField(label="谈话对象")
    version = version_field()
    kind = forms.ChoiceField(label="谈话类型", choices=TalkKind.choices)
    topics = forms.MultipleChoiceField(
        label="谈话主题",
        choices=Topic.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    other_topics = forms.CharField(label="其他主题", max_length=200, required=False)
    content = forms.CharField(label="谈话内容", widget=forms.Textarea(attrs={"rows": 5}))
    follow_up = forms.CharField(
        label="后续跟进", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, town: Unit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_queryset("interviewees", people_for(town))

    @staticmethod
    def initial_for(talk: Any) -> dict[str, Any]:
        return {
            "talked_on": talk.talked_on,
            "place": talk.place,
            "interviewees": list(talk.interviewees.all()),
            "kind": talk.kind,
            "topics": talk.topics,
            "other_topics": talk.other_topics,
            "content": talk.content,
            "follow_up": talk.follow_up,
            "version": talk.version,
        }


def leaders_of(town: Unit) -> list[User]:
    return list(users_holding(Role.LEADER, on=town).order_by("pk"))


class ReviewForm(_ServiceErrorMixin):
    covers_until = date_field(
        DateKind.EVENT, label="梳理截至", widget=forms.DateInput(attrs={"type": "date"})
    )
    opinion = forms.CharField(label="梳理意见", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["covers_until"].initial = timezone.localdate()


class PeriodForm(StyledForm):
    start = forms.DateField(label="起", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="止", widget=forms.DateInput(attrs={"type": "date"}))

    @staticmethod
    def default_period() -> tuple[date, date]:
        today = timezone.localdate()
        return today - timedelta(days=365), today
