"""A rectification item moved on by someone else since it was loaded is not moved again, and
measures saved on a stale version are refused (decision 0044)."""

import pytest
from django.urls import reverse

from saohei.audit.models import AuditAction, AuditEvent
from saohei.common.errors import ServiceError
from saohei.organisations.models import User
from saohei.rectifications import services
from saohei.rectifications.models import RectificationItem, Status
from saohei.rectifications.tests.conftest import OpenItem, closed, requested, with_evidence
from saohei.testing.races import race

pytestmark = pytest.mark.django_db

MOVED_ON = "该整改事项已被他人处理，请刷新后重试"


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _fresh(item: RectificationItem) -> RectificationItem:
    return RectificationItem.objects.get(pk=item.pk)


def _events(action: AuditAction) -> int:
    return AuditEvent.objects.filter(action=action).count()


def test_a_closure_requested_meanwhile_is_not_requested_again(open_item: OpenItem):
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


CHANGED = "该整改事项在您打开之后已被"


def test_measures_saved_on_a_stale_version_are_refused_and_the_first_kept(open_item: OpenItem):
    item = open_item()
    stale = _fresh(item)
    services.edit_measures(actor=_user("banshi"), item=item, measures="补齐零报告", version=1)
    # Someone else's progress update meanwhile is not what the second clerk is refused for.
    with_evidence(item)

    with pytest.raises(ServiceError, match=CHANGED):
        services.edit_measures(
            actor=_user("shuji"), item=stale, measures="补齐并公示", version=stale.version
        )

    saved = _fresh(item)
    assert (saved.measures, saved.version) == ("补齐零报告", 2)
    assert saved.progress_updates.count() == 1
    assert _events(AuditAction.RECTIFICATION_MEASURES_EDITED) == 1


def test_measures_are_edited_by_the_office_only_and_audited(open_item: OpenItem):
    item = open_item()
    with pytest.raises(ServiceError):
        services.edit_measures(actor=_user("cun02"), item=item, measures="村里自己改")

    services.edit_measures(actor=_user("banshi"), item=item, measures="补齐零报告并公示")

    event = AuditEvent.objects.get(action=AuditAction.RECTIFICATION_MEASURES_EDITED)
    assert event.details["before"] == "补齐零报告并签字"
    assert event.details["after"] == "补齐零报告并公示"
    assert item.events.filter(kind="measures_edited").count() == 1


def test_two_clerks_posting_the_measures_form_the_second_sees_the_message(
    open_item: OpenItem, client_as
):
    item = open_item()
    url = reverse("rectifications:measures", args=[item.pk])
    page = client_as("banshi").get(reverse("rectifications:detail", args=[item.pk]))
    assert 'name="version" value="1"' in page.content.decode()

    first = client_as("banshi").post(url, {"measures": "补齐零报告", "version": 1})
    second = client_as("shuji").post(url, {"measures": "补齐并公示", "version": 1})

    assert first.status_code == 302
    assert second.status_code == 400
    assert CHANGED in second.content.decode()
    assert _fresh(item).measures == "补齐零报告"


def test_a_stale_measures_form_lists_both_texts_and_keeps_the_second(
    open_item: OpenItem, client_as
):
    item = open_item()
    url = reverse("rectifications:measures", args=[item.pk])
    client_as("banshi").post(url, {"measures": "补齐零报告", "version": 1})

    refused = client_as("shuji").post(url, {"measures": "补齐并公示", "version": 1})

    assert refused.status_code == 400
    rows = refused.context["measures_form"].stale_changes
    assert [(row.label, row.saved, row.submitted) for row in rows] == [
        ("整改措施", "补齐零报告", "补齐并公示")
    ]
    page = refused.content.decode()
    assert 'data-testid="stale-change"' in page
    assert "补齐并公示</textarea>" in page and 'name="version" value="2"' in page
    assert _fresh(item).measures == "补齐零报告"


@pytest.mark.django_db(transaction=True)
def test_two_clerks_saving_the_measures_at_once_one_is_refused(open_item: OpenItem):
    item = open_item()
    first, second = _fresh(item), _fresh(item)

    outcomes = race(
        lambda: services.edit_measures(
            actor=_user("banshi"), item=first, measures="补齐零报告", version=1
        ),
        lambda: services.edit_measures(
            actor=_user("shuji"), item=second, measures="补齐并公示", version=1
        ),
    )

    refusals = [outcome for outcome in outcomes if isinstance(outcome, ServiceError)]
    assert len(refusals) == 1 and CHANGED in refusals[0].message
    assert _fresh(item).version == 2
    assert _events(AuditAction.RECTIFICATION_MEASURES_EDITED) == 1
