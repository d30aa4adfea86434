"""A rectification item moved on by someone else since it was loaded is not moved again
(decision 0044)."""

import pytest

from saohei.audit.models import AuditAction, AuditEvent
from saohei.common.errors import ServiceError
from saohei.organisations.models import User
from saohei.rectifications import services
from saohei.rectifications.models import RectificationItem, Status
from saohei.rectifications.tests.conftest import OpenItem, closed, requested, with_evidence

pytestmark = pytest.mark.django_db

MOVED_ON = "该整改事项已被他人处理，请刷新后重试"


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _fresh(item: RectificationItem) -> RectificationItem:
    return RectificationItem.objects.get(pk=item.pk)


def _events(action: AuditAction) -> int:
    return AuditEvent.objects.filter(action=action).count()


def test_a_closure_requested_twice_at_once_is_requested_once(open_item: OpenItem):
    item = with_evidence(open_item())
    stale = _fresh(item)
    services.request_closure(actor=_user("cun02"), item=item, note="已整改到位")

    with pytest.raises(ServiceError, match=MOVED_ON):
        services.request_closure(actor=_user("banshi"), item=stale, note="另一人申请")

    assert _fresh(item).closure_note == "已整改到位"
    assert _events(AuditAction.RECTIFICATION_REQUESTED) == 1


def test_accepting_a_closure_returned_meanwhile_is_refused(open_item: OpenItem):
    item = requested(open_item())
    stale = _fresh(item)
    services.verify_closure(actor=_user("banshi"), item=item, accept=False, reason="佐证不足")

    with pytest.raises(ServiceError, match=MOVED_ON):
        services.verify_closure(actor=_user("shuji"), item=stale, accept=True, reason="同意")

    saved = _fresh(item)
    assert (saved.status, saved.verification_reason) == (Status.OPEN, "佐证不足")
    assert _events(AuditAction.RECTIFICATION_VERIFIED) == 0
    assert _events(AuditAction.RECTIFICATION_RETURNED) == 1


def test_a_recheck_of_an_item_reopened_meanwhile_is_refused(open_item: OpenItem):
    item = closed(open_item())
    stale = _fresh(item)
    services.recheck(actor=_user("shuji"), item=item, passed=False, reason="问题反弹")

    with pytest.raises(ServiceError, match=MOVED_ON):
        services.recheck(actor=_user("zhenzhang"), item=stale, passed=True)

    saved = _fresh(item)
    assert (saved.status, saved.recheck_reason) == (Status.OPEN, "问题反弹")
    assert _events(AuditAction.RECTIFICATION_RECHECKED) == 1
