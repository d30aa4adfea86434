from datetime import timedelta

import pytest
from django.utils import timezone

from saohei.audit.models import AuditAction, AuditEvent, FailureTally
from saohei.audit.queries import verify_chain
from saohei.audit.services import record_failure, summarize_failures, take_checkpoint

pytestmark = pytest.mark.django_db


def _fail(address: str | None, *, store_address: bool = True, times: int = 1) -> None:
    for _ in range(times):
        record_failure(
            action=AuditAction.API_TOKEN_REJECTED,
            address=address,
            store_address=store_address,
            details={"reason": "unknown"},
        )


def _end_the_minute() -> None:
    FailureTally.objects.update(minute=timezone.now() - timedelta(minutes=2))


def test_a_flood_from_one_address_writes_one_event_in_a_minute() -> None:
    _fail("192.0.2.7", times=200)
    events = AuditEvent.objects.filter(action=AuditAction.API_TOKEN_REJECTED)
    assert events.count() == 1
    assert events.get().ip_address == "192.0.2.7"
    assert FailureTally.objects.get().count == 200


def test_each_address_gets_its_own_first_event() -> None:
    _fail("192.0.2.7", times=3)
    _fail("192.0.2.8", times=3)
    assert AuditEvent.objects.filter(action=AuditAction.API_TOKEN_REJECTED).count() == 2


def test_an_ipv6_address_counts_with_its_64_network() -> None:
    _fail("2001:db8:1:2::1")
    _fail("2001:db8:1:2:ffff::9")
    assert AuditEvent.objects.count() == 1


def test_the_count_of_an_ended_minute_becomes_one_summary_event() -> None:
    _fail("192.0.2.7", times=50)
    _end_the_minute()
    assert summarize_failures() == 1
    summary = AuditEvent.objects.get(action=AuditAction.FAILURES_SUMMARIZED)
    assert summary.details["failures"] == 50
    assert summary.details["action"] == AuditAction.API_TOKEN_REJECTED
    assert summary.ip_address == "192.0.2.7"
    assert not FailureTally.objects.exists()
    assert verify_chain().is_intact


def test_a_single_failure_needs_no_summary() -> None:
    _fail("192.0.2.7")
    _end_the_minute()
    assert summarize_failures() == 0
    assert not FailureTally.objects.exists()
    assert AuditEvent.objects.count() == 1


def test_the_current_minute_is_left_to_count_on() -> None:
    _fail("192.0.2.7", times=5)
    assert summarize_failures() == 0
    assert FailureTally.objects.get().count == 5


def test_without_store_address_the_address_is_nowhere() -> None:
    _fail("198.51.100.23", store_address=False, times=3)
    tally = FailureTally.objects.get()
    assert tally.ip_address is None and "198.51.100.23" not in tally.address_key
    _end_the_minute()
    summarize_failures()
    assert not AuditEvent.objects.filter(ip_address__isnull=False).exists()
    assert "198.51.100.23" not in str(list(AuditEvent.objects.values_list("details", flat=True)))


def test_the_address_key_does_not_link_minutes(monkeypatch: pytest.MonkeyPatch) -> None:
    _fail("192.0.2.7")
    later = timezone.now() + timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    _fail("192.0.2.7")
    assert FailureTally.objects.values("address_key").distinct().count() == 2
    assert AuditEvent.objects.count() == 2


def test_the_hourly_checkpoint_covers_the_summaries() -> None:
    _fail("192.0.2.7", times=4)
    _end_the_minute()
    taken = take_checkpoint()
    head = AuditEvent.objects.order_by("-sequence").first()
    assert head is not None and head.action == AuditAction.FAILURES_SUMMARIZED
    assert taken.summaries == 1 and taken.checkpoint.sequence == head.sequence
