"""Every service: who may, who may not, the audit event, nothing written when refused."""

from datetime import timedelta

import pytest
from django.utils import timezone

from saohei.audit.models import AuditAction, AuditEvent
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.notifications.models import Notification
from saohei.organisations.models import Unit, User
from saohei.rectifications import services
from saohei.rectifications.models import (
    Evidence,
    RecheckResult,
    RectificationItem,
    RectificationProgress,
    Status,
)
from saohei.rectifications.tests.conftest import OpenItem, closed, photo, requested, with_evidence
from saohei.workdays.calendar import add_working_days

pytestmark = pytest.mark.django_db


def events(action: AuditAction) -> int:
    return AuditEvent.objects.filter(action=action).count()


def test_office_opens_an_item_with_a_working_day_deadline(open_item: OpenItem) -> None:
    item = open_item(working_days=10)

    assert item.status == Status.OPEN
    assert item.due_on == add_working_days(timezone.localdate(), 10)
    assert events(AuditAction.RECTIFICATION_OPENED) == 1
    assert Notification.objects.filter(recipient=item.responsible_person).exists()


def test_leader_opens_an_item_with_an_explicit_deadline(open_item: OpenItem) -> None:
    due_on = timezone.localdate() + timedelta(days=30)
    item = open_item(actor="shuji", due_on=due_on)
    assert item.due_on == due_on


@pytest.mark.parametrize("username", ["cun02", "minjing", "shiban", "xitong"])
def test_only_the_towns_office_opens_items(open_item: OpenItem, username: str) -> None:
    with pytest.raises(ActionNotAllowed):
        open_item(actor=username)
    assert not RectificationItem.objects.exists()
    assert events(AuditAction.RECTIFICATION_OPENED) == 0


def test_opening_refuses_a_village_of_another_town_and_a_past_deadline(
    open_item: OpenItem, town: Unit
) -> None:
    with pytest.raises(ServiceError):
        open_item(village=town)
    with pytest.raises(ServiceError):
        open_item(due_on=timezone.localdate() - timedelta(days=1))
    with pytest.raises(ServiceError):
        open_item(responsible_leader=User.objects.get(username="banshi"))
    with pytest.raises(ServiceError):
        open_item(description="  ")
    assert not RectificationItem.objects.exists()


@pytest.mark.parametrize("username", ["cun02", "banshi"])
def test_village_head_and_office_record_progress_with_evidence(
    open_item: OpenItem, username: str
) -> None:
    item = open_item()
    services.record_progress(
        actor=User.objects.get(username=username),
        item=item,
        occurred_on=timezone.localdate(),
        content="已补齐",
        evidence=photo(),
    )
    evidence = Evidence.objects.get()
    assert str(evidence.file.name).startswith(f"rectifications/{item.pk}/{evidence.sha256}")
    assert events(AuditAction.RECTIFICATION_PROGRESS) == 1


@pytest.mark.parametrize("username", ["cun04", "minjing", "shiban"])
def test_others_cannot_record_progress(open_item: OpenItem, username: str) -> None:
    item = open_item()
    with pytest.raises(ActionNotAllowed):
        services.record_progress(
            actor=User.objects.get(username=username),
            item=item,
            occurred_on=timezone.localdate(),
            content="x",
            evidence=photo(),
        )
    assert not RectificationProgress.objects.exists()
    assert not Evidence.objects.exists()
    assert events(AuditAction.RECTIFICATION_PROGRESS) == 0


def test_closure_request_needs_evidence(open_item: OpenItem) -> None:
    item = open_item()
    head = User.objects.get(username="cun02")
    services.record_progress(
        actor=head, item=item, occurred_on=timezone.localdate(), content="口头说明，无材料"
    )
    with pytest.raises(ServiceError):
        services.request_closure(actor=head, item=item)
    item.refresh_from_db()
    assert item.status == Status.OPEN
    assert events(AuditAction.RECTIFICATION_REQUESTED) == 0


def test_village_head_requests_closure(open_item: OpenItem) -> None:
    item = requested(open_item())
    item.refresh_from_db()
    assert item.status == Status.REQUESTED
    assert item.requested_by == User.objects.get(username="cun02")
    assert events(AuditAction.RECTIFICATION_REQUESTED) == 1
    assert Notification.objects.filter(recipient__username="banshi").exists()


def test_other_village_head_cannot_request_closure(open_item: OpenItem) -> None:
    item = with_evidence(open_item())
    with pytest.raises(ActionNotAllowed):
        services.request_closure(actor=User.objects.get(username="cun04"), item=item)
    assert RectificationItem.objects.get().status == Status.OPEN


@pytest.mark.parametrize("username", ["banshi", "shuji", "fushuji"])
def test_office_or_leaders_verify_closure(open_item: OpenItem, username: str) -> None:
    item = requested(open_item())
    services.verify_closure(actor=User.objects.get(username=username), item=item, accept=True)
    item.refresh_from_db()
    assert item.status == Status.CLOSED
    assert item.closed_at is not None
    assert item.is_verification_accepted is True
    assert events(AuditAction.RECTIFICATION_VERIFIED) == 1


@pytest.mark.parametrize("username", ["cun02", "cun04", "minjing", "shiban"])
def test_village_head_cannot_verify_own_item_nor_can_outsiders(
    open_item: OpenItem, username: str
) -> None:
    item = requested(open_item())
    with pytest.raises(ActionNotAllowed):
        services.verify_closure(actor=User.objects.get(username=username), item=item, accept=True)
    item.refresh_from_db()
    assert item.status == Status.REQUESTED
    assert item.verified_by is None
    assert events(AuditAction.RECTIFICATION_VERIFIED) == 0


def test_responsible_office_member_cannot_verify_own_item(open_item: OpenItem) -> None:
    item = open_item(village=None)  # banshi responsible
    requested(item, actor="banshi")
    with pytest.raises(ActionNotAllowed):
        services.verify_closure(actor=User.objects.get(username="banshi"), item=item, accept=True)
    services.verify_closure(actor=User.objects.get(username="shuji"), item=item, accept=True)


def test_return_needs_a_reason_and_goes_back_to_open(open_item: OpenItem) -> None:
    item = requested(open_item())
    office = User.objects.get(username="banshi")
    with pytest.raises(ServiceError):
        services.verify_closure(actor=office, item=item, accept=False, reason=" ")
    assert RectificationItem.objects.get().status == Status.REQUESTED

    services.verify_closure(actor=office, item=item, accept=False, reason="照片不清晰，请补充")
    item.refresh_from_db()
    assert item.status == Status.OPEN
    assert item.verification_reason == "照片不清晰，请补充"
    assert events(AuditAction.RECTIFICATION_RETURNED) == 1
    assert item.events.filter(kind="returned", note="照片不清晰，请补充").exists()


def test_verification_only_of_a_request(open_item: OpenItem) -> None:
    item = open_item()
    with pytest.raises(ServiceError):
        services.verify_closure(actor=User.objects.get(username="banshi"), item=item, accept=True)


def test_recheck_confirms_a_closed_item(open_item: OpenItem) -> None:
    item = closed(open_item())
    services.recheck(actor=User.objects.get(username="shuji"), item=item, passed=True)
    item.refresh_from_db()
    assert item.status == Status.CLOSED
    assert item.recheck_result == RecheckResult.PASSED
    assert events(AuditAction.RECTIFICATION_RECHECKED) == 1


def test_recheck_reopens_with_a_reason_and_new_deadline(open_item: OpenItem) -> None:
    item = closed(open_item())
    leader = User.objects.get(username="shuji")
    with pytest.raises(ServiceError):
        services.recheck(actor=leader, item=item, passed=False)
    due_on = timezone.localdate() + timedelta(days=20)
    services.recheck(actor=leader, item=item, passed=False, reason="问题反弹", due_on=due_on)
    item.refresh_from_db()
    assert item.status == Status.OPEN
    assert item.due_on == due_on
    assert item.closed_at is None
    assert item.recheck_result == RecheckResult.REOPENED


def test_village_head_cannot_recheck(open_item: OpenItem) -> None:
    item = closed(open_item())
    with pytest.raises(ActionNotAllowed):
        services.recheck(actor=User.objects.get(username="cun02"), item=item, passed=True)
    assert events(AuditAction.RECTIFICATION_RECHECKED) == 0


def test_recheck_only_of_a_closed_item(open_item: OpenItem) -> None:
    with pytest.raises(ServiceError):
        services.recheck(actor=User.objects.get(username="shuji"), item=open_item(), passed=True)


def test_every_notice_of_an_item_names_its_number_village_and_problem(
    open_item: OpenItem, village: Unit
) -> None:
    item = requested(with_evidence(open_item()))
    services.verify_closure(
        actor=User.objects.get(username="banshi"), item=item, accept=False, reason="佐证不足"
    )

    notices = list(Notification.objects.all())
    assert {notice.title.split("：")[0] for notice in notices} >= {
        "新的整改事项已列入台账",
        "申请销号，请审核",
        "销号申请被退回",
    }
    for notice in notices:
        assert f"整改事项{item.pk}号" in notice.title and village.name in notice.title
        assert item.description[:10] in notice.title
        assert notice.url == f"/rectifications/{item.pk}/"
