from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models

from saohei.leads.models import Lead

# 山东省举报奖励办法: up to ¥20,000 per matter, first reporter only. Override with the
# SAOHEI_REWARD_CAP setting where a province's scheme differs.
DEFAULT_REWARD_CAP = Decimal("20000")


class RevealReason(models.TextChoices):
    """Why the custodian opens an identity: a category others can read, plus a short note."""

    VERIFICATION = "verification", "核查需要"
    FOLLOW_UP = "follow_up", "回访"
    REWARD = "reward", "奖励"
    JUDICIAL_REQUEST = "judicial_request", "司法机关调取"
    OTHER = "other", "其他"


class RewardStatus(models.TextChoices):
    PROPOSED = "proposed", "待审批"
    RETURNED = "returned", "已退回"
    APPROVED = "approved", "已批准"
    PAID = "paid", "已发放"


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", "银行转账"
    CASH = "cash", "现金（当面签收）"
    OTHER = "other", "其他"


class RewardCaseQuerySet(models.QuerySet["RewardCase"]):
    def awaiting_decision(self) -> "RewardCaseQuerySet":
        return self.filter(status=RewardStatus.PROPOSED)


class RewardCase(models.Model):
    """举报奖励 for one matter: proposed by the custodian, approved by a leader, paid by the
    custodian. It names the lead only; who was paid is known to the custodian alone."""

    lead = models.OneToOneField(
        Lead, verbose_name="线索", on_delete=models.PROTECT, related_name="reward_case"
    )
    is_eligible = models.BooleanField("符合奖励条件")
    eligibility_reason = models.TextField("认定理由")
    amount = models.DecimalField(
        "奖励金额（元）",
        max_digits=9,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    status = models.CharField(
        "状态", max_length=16, choices=RewardStatus.choices, default=RewardStatus.PROPOSED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="提出人", on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField("提出时间")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审批人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decision_note = models.TextField("审批意见", blank=True)
    paid_on = models.DateField("发放日期", null=True, blank=True)
    payment_method = models.CharField(
        "发放方式", max_length=16, choices=PaymentMethod.choices, blank=True
    )
    payment_reference = models.CharField("支付凭证号", max_length=64, blank=True)
    payment_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发放登记人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RewardCaseQuerySet.as_manager()

    class Meta:
        verbose_name = "举报奖励"
        ordering = ["-proposed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="reward_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(is_eligible=True) | models.Q(amount=0),
                name="reward_ineligible_is_zero",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lead} 举报奖励"

    @property
    def is_payable(self) -> bool:
        return self.status == RewardStatus.APPROVED and self.is_eligible and self.amount > 0
