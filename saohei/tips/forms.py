from typing import Any

from django import forms

from saohei.common.forms import StyledForm
from saohei.leads.models import DictionaryEntry, DictionaryKind
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
