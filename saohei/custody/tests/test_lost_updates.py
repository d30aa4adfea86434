"""A reward decided or paid by someone else since it was loaded is not decided or paid again
(decision 0044)."""

from decimal import Decimal

import pytest
from django.utils import timezone

from saohei.audit.models import AuditAction, AuditEvent
from saohei.common.errors import ServiceError
from saohei.custody import services
from saohei.custody.models import PaymentMethod, RewardCase, RewardStatus
from saohei.custody.tests.conftest import user
from saohei.leads.models import Lead

pytestmark = pytest.mark.django_db

MOVED_ON = "该奖励已被他人处理，请刷新后重试"


def _proposed(lead: Lead) -> RewardCase:
    return services.propose_reward(
        actor=user("baoguan"),
        lead=lead,
        is_eligible=True,
        reason="举报内容经查属实，已立案侦查",
        amount=Decimal(5000),
    )


def _pay(reward: RewardCase, reference: str) -> RewardCase:
    return services.record_reward_payment(
        actor=user("baoguan"),
        reward=reward,
        paid_on=timezone.localdate(),
        method=PaymentMethod.CASH,
        reference=reference,
    )


def test_approving_a_reward_returned_meanwhile_is_refused(concluded_lead: Lead):
    reward = _proposed(concluded_lead)
    stale = RewardCase.objects.get(pk=reward.pk)
    services.decide_reward(actor=user("zhenzhang"), reward=reward, approve=False, note="金额偏高")

    with pytest.raises(ServiceError, match=MOVED_ON):
        services.decide_reward(actor=user("shuji"), reward=stale, approve=True)

    saved = RewardCase.objects.get(pk=reward.pk)
    assert (saved.status, saved.decision_note) == (RewardStatus.RETURNED, "金额偏高")
    assert AuditEvent.objects.filter(action=AuditAction.REWARD_APPROVED).count() == 0


def test_a_payment_recorded_meanwhile_is_not_recorded_again(concluded_lead: Lead):
    reward = _proposed(concluded_lead)
    services.decide_reward(actor=user("shuji"), reward=reward, approve=True)
    stale = RewardCase.objects.get(pk=reward.pk)
    _pay(reward, "QS-1")

    with pytest.raises(ServiceError, match=MOVED_ON):
        _pay(stale, "QS-2")

    assert RewardCase.objects.get(pk=reward.pk).payment_reference == "QS-1"
    assert AuditEvent.objects.filter(action=AuditAction.REWARD_PAID).count() == 1
