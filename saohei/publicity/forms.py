from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone

from saohei.common.dates import DateKind, date_field
from saohei.common.forms import (
    MultipleFileField,
    MultipleFileInput,
    SearchField,
    StyledForm,
    version_field,
)
from saohei.organisations.models import Unit, User
from saohei.organisations.pickers import PersonChoiceField, UnitChoiceField
from saohei.organisations.queries import is_office_member
from saohei.publicity.models import PlaceType, PublicityKind
from saohei.publicity.queries import ORIGIN_CHOICES, ActivityFilters
from saohei.publicity.services import ScheduleInput

DATE_FORMAT = "%Y-%m-%d"
DATE_ERRORS = {"invalid": "日期格式应为 YYYY-MM-DD，如 2026-03-01"}


def day_field(label: str, kind: DateKind, *, required: bool = False) -> forms.DateField:
    return date_field(
        kind,
        label=label,
        required=required,
        input_formats=[DATE_FORMAT],
        widget=forms.DateInput(attrs={"type": "date"}, format=DATE_FORMAT),
        error_messages=DATE_ERRORS,
    )


class FilterForm(StyledForm):
    """The list/export/API filter contract; a bad value is a Chinese message beside its field."""

    kind = forms.ChoiceField(
        label="形式",
        required=False,
        error_messages={"invalid_choice": "没有代码为“%(value)s”的宣传形式"},
    )
    village = forms.TypedChoiceField(
        label="村（社区）",
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": "村（社区）“%(value)s”不存在或不在您的查看范围内"},
    )
    place_type = forms.ChoiceField(
        label="地点类型",
        required=False,
        choices=[("", "全部"), *PlaceType.choices],
        error_messages={"invalid_choice": "地点类型“%(value)s”不正确"},
    )
    date_from = day_field("日期起", DateKind.PERIOD)
    date_to = day_field("日期止", DateKind.PERIOD)
    origin = forms.ChoiceField(
        label="来源",
        required=False,
        choices=[("", "全部"), *ORIGIN_CHOICES],
        error_messages={"invalid_choice": "来源“%(value)s”不正确"},
    )
    q = SearchField(placeholder="地点、备注、形式、村、经办人")

    def __init__(
        self, *args: Any, kinds: list[PublicityKind], villages: list[Unit], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "全部"), *[(kind.code, kind.name) for kind in kinds]]  # type: ignore[attr-defined]
        self.fields["village"].choices = [  # type: ignore[attr-defined]
            ("", "全部"),
            *[(str(village.pk), village.name) for village in villages],
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "日期止不能早于日期起")
        return data

    def filters(self) -> ActivityFilters:
        data = self.cleaned_data
        return ActivityFilters(
            kind_code=data.get("kind") or "",
            village_id=data.get("village"),
            place_type=data.get("place_type") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            origin=data.get("origin") or "",
            text=data.get("q") or "",
        )

    def error_text(self) -> str:
        return "；".join(
            f"{self.fields[name].label if name in self.fields else ''}：{error}"
            for name, errors in self.errors.items()
            for error in errors
        )


class ActivityForm(StyledForm):
    occurred_on = day_field("日期", DateKind.EVENT, required=True)
    kind = forms.ModelChoiceField(
        label="形式", queryset=PublicityKind.objects.none(), empty_label="请选择"
    )
    village = UnitChoiceField(label="村（社区）", required=False, empty_label="镇本级")
    place_type = forms.ChoiceField(label="地点类型", choices=PlaceType.choices)
    place = forms.CharField(
        label="具体地点", max_length=200, required=False, help_text="如：村委会门前、镇政府广场"
    )
    quantity = forms.DecimalField(
        label="数量",
        min_value=Decimal("0.1"),
        max_digits=12,
        decimal_places=1,
        help_text="按所选形式的单位填写：标语/横幅 条、宣传板 张、宣传车 次、明白纸 份……",
    )
    hours = forms.DecimalField(
        label="时长（小时）",
        required=False,
        min_value=Decimal("0.1"),
        max_digits=12,
        decimal_places=1,
        help_text="宣传车、IP 广播等填写",
    )
    reach = forms.IntegerField(
        label="覆盖人数 / 阅读量 / 参与人数",
        required=False,
        min_value=0,
        max_value=99_999_999,
    )
    handler = PersonChoiceField(label="经办人")
    notes = forms.CharField(
        label="备注", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    photos = MultipleFileField(
        label="照片",
        widget=MultipleFileInput(attrs={"accept": "image/*"}),
        help_text="可选多张，每张不超过 20MB",
    )

    def __init__(
        self,
        *args: Any,
        kinds: Any,
        villages: list[Unit],
        allow_town_level: bool,
        handlers: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.set_queryset("kind", kinds)
        self.set_queryset("village", Unit.objects.filter(pk__in=[v.pk for v in villages]))
        village_field = self.fields["village"]
        assert isinstance(village_field, forms.ModelChoiceField)
        village_field.required = not allow_town_level
        if not allow_town_level:
            village_field.empty_label = None
        self.set_queryset("handler", handlers)
        for name in ("quantity", "hours", "reach"):
            self.fields[name].widget.attrs["inputmode"] = (
                "decimal" if name != "reach" else "numeric"
            )


class CorrectionForm(ActivityForm):
    reason = forms.CharField(label="更正说明", required=False, max_length=200)
    version = version_field()


class VoidForm(StyledForm):
    reason = forms.CharField(label="作废原因", max_length=200)


class KindForm(StyledForm):
    name = forms.CharField(label="形式名称", max_length=50)
    unit_label = forms.CharField(label="计量单位", max_length=10, help_text="如：条、张、次、份")
    hours_label = forms.CharField(
        label="另记时长", max_length=10, required=False, help_text="另记时长时填“小时”，否则留空"
    )
    reach_label = forms.CharField(
        label="覆盖口径", max_length=10, required=False, help_text="如：覆盖人数、阅读量、参与人数"
    )
    counted_in_hours = forms.BooleanField(label="数量本身按小时计（如 LED 屏）", required=False)
    order = forms.IntegerField(label="排序", min_value=0, max_value=10_000, initial=100)
    active = forms.BooleanField(label="启用", required=False, initial=True)


class ScheduleForm(StyledForm):
    kind = forms.ModelChoiceField(
        label="形式", queryset=PublicityKind.objects.none(), empty_label="请选择"
    )
    village = UnitChoiceField(label="村（社区）", required=False, empty_label="镇本级")
    place_type = forms.ChoiceField(label="地点类型", choices=PlaceType.choices)
    place = forms.CharField(label="地点", max_length=200, help_text="如：镇政府门前 LED 屏")
    description = forms.CharField(label="播放内容", max_length=200, required=False)
    hours_per_day = forms.DecimalField(
        label="每屏每天小时数", min_value=Decimal("0.1"), max_value=24, decimal_places=1
    )
    screens = forms.IntegerField(label="屏幕/终端数", min_value=1, max_value=1000, initial=1)
    starts_on = day_field("开始日期", DateKind.DEADLINE, required=True)
    ends_on = day_field("结束日期（不填则长期）", DateKind.DEADLINE)
    handler = PersonChoiceField(label="经办人")

    def __init__(self, *args: Any, kinds: Any, villages: Any, handlers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_queryset("kind", kinds)
        self.set_queryset("village", villages)
        self.set_queryset("handler", handlers)


class StopForm(StyledForm):
    ends_on = day_field("停止日期（最后播放日）", DateKind.DEADLINE, required=True)
    reason = forms.CharField(label="原因", max_length=200, required=False)


def handlers_for(user: User, town: Unit, villages: list[Unit]) -> Any:
    """Who may be named 经办人: the town's case workers for its office, else the villages' and
    oneself (the pages' and the API's choice)."""
    people = User.objects.filter(is_active=True).case_workers().select_related("unit")
    if is_office_member(user, town):
        people = people.filter(unit__path__startswith=town.path)
    else:
        people = people.filter(Q(unit__in=villages) | Q(pk=user.pk))
    return people.order_by("unit__path", "real_name", "username")


def schedule_kinds() -> Any:
    """Kinds a 常态化宣传 accrues: those counted in hours or that also count hours."""
    return PublicityKind.objects.filter(active=True).filter(
        Q(counted_in_hours=True) | ~Q(hours_label="")
    )


def schedule_form(user: User, town: Unit, data: Any) -> ScheduleForm:
    """The 常态化宣传 form of the town's office: its kinds, villages and handlers."""
    return ScheduleForm(
        data,
        initial={"starts_on": timezone.localdate(), "handler": user.pk, "screens": 1},
        kinds=schedule_kinds(),
        villages=Unit.objects.filter(parent=town).villages().active().order_by("path"),
        handlers=handlers_for(user, town, []),
    )


def schedule_input(data: dict[str, Any]) -> ScheduleInput:
    """A valid `ScheduleForm`'s values as the service takes them."""
    return ScheduleInput(
        village=data["village"],
        kind=data["kind"],
        place_type=data["place_type"],
        place=data["place"],
        description=data["description"],
        hours_per_day=data["hours_per_day"],
        screens=data["screens"],
        starts_on=data["starts_on"],
        ends_on=data["ends_on"],
        handler=data["handler"],
    )
