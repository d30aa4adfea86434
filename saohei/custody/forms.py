from decimal import Decimal

from django import forms

from saohei.common.dates import DateKind, date_field
from saohei.common.forms import DATE_INPUT, StyledForm
from saohei.custody.models import PaymentMethod, RevealReason
from saohei.custody.services import MAX_REVEAL_NOTE_LENGTH
from saohei.leads.models import Satisfaction

# A fixed list: free text here would invite a phone number into a record handlers read.
FOLLOW_UP_METHODS = [(label, label) for label in ("电话", "当面", "上门走访", "短信", "其他")]


class RevealForm(StyledForm):
    category = forms.ChoiceField(label="查看理由", choices=RevealReason.choices)
    note = forms.CharField(
        label="说明",
        required=False,
        max_length=MAX_REVEAL_NOTE_LENGTH,
        widget=forms.TextInput(),
        help_text=f"不超过{MAX_REVEAL_NOTE_LENGTH}个字，选择“其他”时必填；与理由一起记入审计日志。"
        "不得写举报人的姓名、电话、身份证号、住址或其片段。",
    )


class FollowUpForm(StyledForm):
    contacted_on = date_field(DateKind.EVENT, label="回访日期", widget=DATE_INPUT)
    method = forms.ChoiceField(label="回访方式", choices=FOLLOW_UP_METHODS)
    satisfaction = forms.ChoiceField(label="满意度", choices=Satisfaction.choices)


class RewardProposalForm(StyledForm):
    is_eligible = forms.BooleanField(label="符合奖励条件", required=False)
    reason = forms.CharField(
        label="认定理由",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="领导审批时可见，请勿写举报人的身份信息。",
    )
    amount = forms.DecimalField(
        label="奖励金额（元）",
        min_value=Decimal("0"),
        max_digits=9,
        decimal_places=2,
        initial=Decimal("0"),
    )


class RewardDecisionForm(StyledForm):
    decision = forms.ChoiceField(
        label="审批意见", choices=[("approve", "批准"), ("return", "退回")]
    )
    note = forms.CharField(
        label="说明", required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class PaymentForm(StyledForm):
    paid_on = date_field(DateKind.EVENT, label="发放日期", widget=DATE_INPUT)
    method = forms.ChoiceField(label="发放方式", choices=PaymentMethod.choices)
    reference = forms.CharField(
        label="支付凭证号",
        max_length=64,
        help_text="转账流水号或签收单编号；不得填写举报人的姓名、账号。",
    )
