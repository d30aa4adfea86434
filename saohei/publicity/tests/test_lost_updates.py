"""A correction on a stale version is refused; a record voided meanwhile is not voided or
corrected again (decision 0044)."""

from decimal import Decimal

import pytest

from saohei.audit.models import AuditAction, AuditEvent
from saohei.common.errors import ServiceError
from saohei.organisations.models import User
from saohei.publicity import services
from saohei.publicity.models import PublicityActivity
from saohei.publicity.tests.conftest import Record
from saohei.publicity.tests.test_services import _input

pytestmark = pytest.mark.django_db


def _events(action: AuditAction) -> int:
    return AuditEvent.objects.filter(action=action).count()


def test_a_correction_on_a_stale_version_is_refused_and_the_first_kept(record: Record):
    activity = record()
    stale = PublicityActivity.objects.get(pk=activity.pk)
    services.correct_activity(
        actor=User.objects.get(username="cun02"),
        activity=activity,
        data=_input(activity, quantity=Decimal(25)),
        version=1,
    )

    with pytest.raises(ServiceError, match="该宣传活动在您打开之后已被"):
        services.correct_activity(
            actor=User.objects.get(username="banshi"),
            activity=stale,
            data=_input(stale, notes="另一人补充"),
            version=stale.version,
        )

    saved = PublicityActivity.objects.get(pk=activity.pk)
    assert (saved.quantity, saved.notes, saved.version) == (Decimal(25), "", 2)
    assert _events(AuditAction.PUBLICITY_CORRECTED) == 1


def test_voiding_a_record_voided_meanwhile_is_refused(record: Record):
    activity = record()
    stale = PublicityActivity.objects.get(pk=activity.pk)
    services.void_activity(
        actor=User.objects.get(username="cun02"), activity=activity, reason="重复"
    )

    with pytest.raises(ServiceError, match="该宣传活动已被他人处理，请刷新后重试"):
        services.void_activity(
            actor=User.objects.get(username="banshi"), activity=stale, reason="登记错误"
        )

    assert PublicityActivity.objects.get(pk=activity.pk).void_reason == "重复"
    assert _events(AuditAction.PUBLICITY_VOIDED) == 1


def test_correcting_a_record_voided_meanwhile_is_refused(record: Record):
    activity = record()
    stale = PublicityActivity.objects.get(pk=activity.pk)
    services.void_activity(
        actor=User.objects.get(username="cun02"), activity=activity, reason="重复"
    )

    with pytest.raises(ServiceError, match="该宣传活动已被他人处理"):
        services.correct_activity(
            actor=User.objects.get(username="cun02"),
            activity=stale,
            data=_input(stale, quantity=Decimal(30)),
            version=stale.version,
        )

    assert PublicityActivity.objects.get(pk=activity.pk).quantity == Decimal(20)
    assert _events(AuditAction.PUBLICITY_CORRECTED) == 0
