"""A tip handled by someone else since it was loaded is not handled again (decision 0044)."""

from collections.abc import Callable

import pytest

from saohei.audit.models import AuditAction, AuditEvent
from saohei.common.errors import ServiceError
from saohei.leads.models import Lead
from saohei.organisations.models import User
from saohei.tips import services
from saohei.tips.models import Tip, TipStatus
from saohei.tips.services import SubmittedTip

pytestmark = pytest.mark.django_db

Submit = Callable[..., SubmittedTip]
MOVED_ON = "该举报已被他人处理，请刷新后重试"


def _banshi() -> User:
    return User.objects.get(username="banshi")


def _events(*actions: AuditAction) -> int:
    return AuditEvent.objects.filter(action__in=actions).count()


def test_accepting_a_tip_marked_as_spam_meanwhile_is_refused(submit: Submit):
    tip = submit().tip
    stale = Tip.objects.get(pk=tip.pk)
    services.mark_spam(actor=User.objects.get(username="shuji"), tip=tip, reason="广告信息")

    with pytest.raises(ServiceError, match=MOVED_ON):
        services.accept_tip(actor=_banshi(), tip=stale)

    saved = Tip.objects.get(pk=tip.pk)
    assert (saved.status, saved.spam_reason, saved.lead) == (TipStatus.SPAM, "广告信息", None)
    assert Lead.objects.count() == 0
    assert _events(AuditAction.TIP_ACCEPTED) == 0


def test_marking_a_tip_accepted_meanwhile_as_spam_is_refused(submit: Submit):
    tip = submit().tip
    stale = Tip.objects.get(pk=tip.pk)
    lead = services.accept_tip(actor=_banshi(), tip=tip)

    with pytest.raises(ServiceError, match=MOVED_ON):
        services.mark_spam(actor=User.objects.get(username="shuji"), tip=stale, reason="广告信息")

    saved = Tip.objects.get(pk=tip.pk)
    assert (saved.status, saved.lead) == (TipStatus.ACCEPTED, lead)
    assert _events(AuditAction.TIP_MARKED_SPAM) == 0


def test_restoring_a_tip_restored_meanwhile_is_refused(submit: Submit):
    tip = submit().tip
    services.mark_spam(actor=_banshi(), tip=tip, reason="广告信息")
    stale = Tip.objects.get(pk=tip.pk)
    services.restore_from_spam(actor=_banshi(), tip=tip)

    with pytest.raises(ServiceError, match=MOVED_ON):
        services.restore_from_spam(actor=User.objects.get(username="shuji"), tip=stale)

    assert Tip.objects.get(pk=tip.pk).decided_by == _banshi()
    assert _events(AuditAction.TIP_RESTORED) == 1
