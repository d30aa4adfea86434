from typing import Any

from django import forms

from saohei.common.forms import StyledForm
from saohei.leads.models import DictionaryEntry, DictionaryKind, SubjectRole
from saohei.organisations.models import Unit


class AcceptForm(StyledForm):
    summary = forms.CharField(
        label="线索简要内容",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="登记为线索时的简要内容，可修改",
    )
    target_category = forms.ModelChoiceField(
        label="线索类别", queryset=DictionaryEntry.objects.none(), required=False, empty_label="—"
    )
    village = forms.ModelChoiceField(
        label="所属村", queryset=Unit.objects.none(), required=False, empty_label="—"
    )

    def __init__(self, *args: Any, town: Unit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_queryset(
            "target_category",
            DictionaryEntry.objects.filter(kind=DictionaryKind.TARGET_CATEGORY, is_active=True),
        )
        self.set_queryset("village", Unit.objects.filter(parent=town).villages().active())


class SpamForm(StyledForm):
    reason = forms.CharField(
        label="理由", max_length=200, help_text="如：广告、无实际内容、重复提交"
    )


class MessageForm(StyledForm):
    body = forms.CharField(
        label="给举报人的留言",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="举报人凭查询码可见；不要写入承办人姓名、被举报人信息或内部意见",
    )


class TipPersonForm(StyledForm):
    """被举报人 added by the intake handler (`services.add_tip_person`), pre-filled from a
    识别建议. Identifiers have no place on a tip: they go on the lead after 受理."""

    name = forms.CharField(label="姓名", max_length=50, required=False)
    alias = forms.CharField(label="绰号", max_length=50, required=False)
    village = forms.ModelChoiceField(
        label="所在村（社区）", queryset=Unit.objects.none(), required=False, empty_label="—"
    )
    role = forms.ChoiceField(
        label="身份",
        choices=SubjectRole.choices,
        initial=SubjectRole.REPORTED,
        help_text="选村干部或公职人员后，该举报仅限组长、副组长处理",
    )

    def __init__(self, *args: Any, town: Unit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_queryset("village", Unit.objects.filter(parent=town).villages().active())
