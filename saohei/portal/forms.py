"""Input shapes of the public pages. Every rule about a tip lives in `tips.services`."""

from typing import Any

from django import forms

from saohei.common.forms import (
    MultipleFileField,
    StyledForm,
    id_number_validator,
    mobile_validator,
)
from saohei.leads.models import DictionaryEntry, DictionaryKind, SubjectRole
from saohei.organisations.models import Unit, UnitQuerySet
from saohei.tips.services import MAX_TEXT_CHARS, MAX_TIP_FILE_BYTES, MAX_TIP_FILES, MAX_TIP_PERSONS

ANONYMOUS, REAL_NAME = "anonymous", "real_name"
REPORTER_FIELDS = ("reporter_name", "reporter_phone", "reporter_id_number", "reporter_address")
_ATTACHMENT_HELP = (
    f"可上传照片、录音或PDF，每个不超过 {MAX_TIP_FILE_BYTES // 1024 // 1024}MB，"
    f"最多 {MAX_TIP_FILES} 个。按文件内容识别类型。"
)


class VillageChoiceField(forms.ModelChoiceField):
    """With several towns the village name alone is ambiguous: show the town too."""

    def __init__(self, *args: Any, show_town: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.show_town = show_town

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.parent.name} · {obj.name}" if self.show_town else obj.name


def _villages(towns: list[Unit]) -> UnitQuerySet:
    return (
        Unit.objects.filter(parent__in=towns)
        .villages()
        .active()
        .select_related("parent")
        .order_by("parent__path", "sort_order", "name")
    )


class TipForm(StyledForm):
    town = forms.ModelChoiceField(
        label="举报事项所在镇（街道）", queryset=Unit.objects.none(), empty_label="请选择"
    )
    category = forms.ModelChoiceField(
        label="问题类别",
        queryset=DictionaryEntry.objects.none(),
        required=False,
        empty_label="不确定（可不选）",
    )
    village = VillageChoiceField(
        label="发生在哪个村（社区）",
        queryset=Unit.objects.none(),
        required=False,
        empty_label="不确定或不在村里",
    )
    occurred_when = forms.CharField(
        label="事发时间",
        max_length=100,
        required=False,
        help_text="记不清可以写大概，如：2026年夏天以来，多在夜间",
    )
    place = forms.CharField(label="事发地点", max_length=200, required=False)
    content = forms.CharField(
        label="主要问题",
        max_length=MAX_TEXT_CHARS,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="请写清：什么人、在什么时间和地点、做了什么、为什么、造成了什么后果。",
    )
    victims = forms.CharField(
        label="受害人及受害情况",
        max_length=MAX_TEXT_CHARS,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    witnesses = forms.CharField(
        label="知情人、证人",
        max_length=MAX_TEXT_CHARS,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="还有谁知道或看见过，可不填",
    )
    involves_official = forms.BooleanField(
        label="我认为有公职人员或村干部为其撑腰、包庇纵容（保护伞）", required=False
    )
    identity = forms.ChoiceField(
        label="举报方式",
        choices=[
            (ANONYMOUS, "匿名举报：不留姓名，凭查询码查看进度"),
            (REAL_NAME, "实名举报：留下姓名和电话，便于核实和回访"),
        ],
        initial=ANONYMOUS,
        widget=forms.RadioSelect,
    )
    reporter_name = forms.CharField(label="姓名", max_length=50, required=False)
    reporter_phone = forms.CharField(
        label="联系电话",
        max_length=20,
        required=False,
        validators=[mobile_validator],
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    reporter_id_number = forms.CharField(
        label="身份证号（可不填）",
        max_length=20,
        required=False,
        validators=[id_number_validator],
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    reporter_address = forms.CharField(label="住址（可不填）", max_length=200, required=False)
    attachments = MultipleFileField(label="证据材料", help_text=_ATTACHMENT_HELP)
    acknowledged = forms.BooleanField(
        label="我已阅读《举报须知》，所反映的是我了解的真实情况",
        error_messages={"required": "请阅读举报须知后勾选"},
    )
    challenge_token = forms.CharField(widget=forms.HiddenInput, required=False)
    challenge_answer = forms.CharField(label="验证题", max_length=10, required=False)
    # A field no person sees or fills; form-filling scripts do.
    homepage = forms.CharField(label="主页（请勿填写）", max_length=200, required=False)

    def __init__(self, *args: Any, towns: list[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_queryset("town", Unit.objects.filter(pk__in=[town.pk for town in towns]))
        if len(towns) == 1:
            self.fields["town"].widget = forms.HiddenInput()
            self.fields["town"].initial = towns[0].pk
        self.set_queryset(
            "category",
            DictionaryEntry.objects.filter(kind=DictionaryKind.TARGET_CATEGORY, is_active=True),
        )
        village = self.fields["village"]
        assert isinstance(village, VillageChoiceField)
        village.queryset = _villages(towns)
        village.show_town = len(towns) > 1
        self.fields["identity"].widget.attrs["class"] = "form-check-input"
        self.fields["homepage"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        village, town = cleaned.get("village"), cleaned.get("town")
        if village is not None and town is not None and village.parent_id != town.pk:
            self.add_error("village", "所选村（社区）不在该镇")
        gave_details = any(str(cleaned.get(name, "")).strip() for name in REPORTER_FIELDS)
        if cleaned.get("identity") == ANONYMOUS and gave_details:
            self.add_error(
                "identity",
                "您选择了匿名举报，却填写了个人信息。请改选实名举报，或清空个人信息。",
            )
        if cleaned.get("identity") == REAL_NAME:
            if not str(cleaned.get("reporter_name", "")).strip():
                self.add_error("reporter_name", "实名举报请填写姓名")
            if not str(cleaned.get("reporter_phone", "")).strip():
                self.add_error("reporter_phone", "实名举报请填写联系电话，以便我们联系您")
        return cleaned


class PersonForm(StyledForm):
    name = forms.CharField(label="姓名", max_length=50, required=False)
    alias = forms.CharField(label="绰号、外号", max_length=50, required=False)
    village = VillageChoiceField(
        label="所在村（社区）", queryset=Unit.objects.none(), required=False, empty_label="不清楚"
    )
    role = forms.ChoiceField(
        label="身份",
        choices=[
            (SubjectRole.REPORTED, "一般人员"),
            (SubjectRole.VILLAGE_CADRE, "村（社区）干部"),
            (SubjectRole.OFFICIAL, "公职人员（镇、站所、派出所等单位人员）"),
        ],
        initial=SubjectRole.REPORTED,
        required=False,
    )
    position = forms.CharField(label="职务（干部或公职人员填写）", max_length=100, required=False)
    description = forms.CharField(
        label="其他情况",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="年龄、体貌、住处、车辆、常去地点等",
    )

    def __init__(self, *args: Any, towns: list[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        village = self.fields["village"]
        assert isinstance(village, VillageChoiceField)
        village.queryset = _villages(towns)
        village.show_town = len(towns) > 1

    @property
    def is_filled(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return any(
            str(data.get(name) or "").strip()
            for name in ("name", "alias", "position", "description")
        ) or bool(data.get("village"))


PersonFormSet = forms.formset_factory(
    PersonForm, extra=MAX_TIP_PERSONS, max_num=MAX_TIP_PERSONS, validate_max=True
)


class ReceiptForm(StyledForm):
    receipt = forms.CharField(
        label="16位查询码",
        max_length=40,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "off",
                "autocapitalize": "off",
                "spellcheck": "false",
                "placeholder": "1234 5678 9012 3456",
            }
        ),
    )


class ReplyForm(StyledForm):
    receipt = forms.CharField(max_length=40, widget=forms.HiddenInput)
    body = forms.CharField(
        label="补充内容或回复",
        max_length=MAX_TEXT_CHARS,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    attachments = MultipleFileField(label="补充材料", help_text=_ATTACHMENT_HELP)
