from datetime import date
from typing import Any

from django import forms

from saohei.common.dates import DateKind, check_date
from saohei.common.errors import ServiceError
from saohei.common.forms import MISSING, StyledForm, version_field
from saohei.organisations.models import Unit


def parse_day(raw: str, label: str) -> date | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise ServiceError(
            f"{label}格式不正确，应为 YYYY-MM-DD（如 2026-01-31）：{raw[:20]}"
        ) from None
    check_date(day, kind=DateKind.PERIOD, label=label, field=label)
    return day


def parse_period(raw_from: str, raw_to: str) -> tuple[date | None, date | None]:
    """The period of a briefing from text (URL parameters, the command line)."""
    date_from = parse_day(raw_from, "起始日期")
    date_to = parse_day(raw_to, "截止日期")
    if date_from and date_to and date_from > date_to:
        raise ServiceError("起始日期不能晚于截止日期")
    return date_from, date_to


class BriefingForm(StyledForm):
    """Unit and period; the fields are named as in the URL (?unit=&from=&to=)."""

    unit = forms.ModelChoiceField(
        label="镇（街道）", queryset=Unit.objects.none(), empty_label=None
    )

    def __init__(self, *args: Any, towns: list[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(pk__in=[t.pk for t in towns]).order_by(  # type: ignore[attr-defined]
            "path"
        )
        for name, label in (("from", "起始日期"), ("to", "截止日期")):
            self.fields[name] = forms.DateField(
                label=label,
                required=False,
                widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
                error_messages={"invalid": f"{label}格式不正确，应为 YYYY-MM-DD"},
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("from") and data.get("to") and data["from"] > data["to"]:
            raise forms.ValidationError("起始日期不能晚于截止日期")
        return data


class DraftForm(StyledForm):
    title = forms.CharField(label="标题", max_length=200)
    version = version_field()

    def __init__(self, *args: Any, sections: list[dict[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.section_keys = []
        for section in sections:
            key = section["key"]
            self.section_keys.append(key)
            self.fields[f"section_{key}"] = forms.CharField(
                label=section.get("heading") or "导语",
                required=False,
                max_length=20000,
                widget=forms.Textarea(attrs={"rows": 8, "class": "form-control"}),
                initial=section.get("text", ""),
            )

    def texts(self) -> dict[str, str]:
        return {key: self.cleaned_data.get(f"section_{key}", "") for key in self.section_keys}

    def saved_value(self, saved: Any, name: str) -> Any:
        # A section's text lives in the draft's `sections` list, under its key.
        if name.startswith("section_"):
            key = name.removeprefix("section_")
            return next((s.get("text", "") for s in saved.sections if s.get("key") == key), MISSING)
        return super().saved_value(saved, name)


class BriefingSettingsForm(StyledForm):
    """版头、版记: who issues the town's briefing and to whom it goes."""

    issuing_unit = forms.CharField(
        label="编发单位",
        max_length=100,
        help_text="印在版头左侧，如“港西镇扫黑除恶专项斗争领导小组办公室”",
        error_messages={"required": "请填写编发单位"},
    )
    report_to = forms.CharField(
        label="报", max_length=300, required=False, help_text="上级机关，多个用顿号分隔"
    )
    copy_to = forms.CharField(label="送", max_length=300, required=False, help_text="同级机关")
    distribute_to = forms.CharField(
        label="发", max_length=300, required=False, help_text="下级单位，如“各村（社区）”"
    )
    copies = forms.IntegerField(
        label="共印份数",
        required=False,
        min_value=1,
        max_value=9999,
        help_text="留空则不印“共印N份”",
        error_messages={
            "invalid": "共印份数应为整数",
            "min_value": "共印份数至少为 1",
            "max_value": "共印份数不能超过 9999",
        },
    )
