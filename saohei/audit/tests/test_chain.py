import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, transaction

from saohei.audit.models import AuditAction, AuditEvent, AuditResult
from saohei.audit.queries import verify_chain
from saohei.audit.services import record_event
from saohei.audit.tests.tampering import without_triggers

pytestmark = pytest.mark.django_db

# SQLite raises IntegrityError, PostgreSQL ProgrammingError: both are DatabaseErrors.
TRIGGER_ERRORS = DatabaseError


def _events(count: int) -> list[AuditEvent]:
    return [
        record_event(action=AuditAction.LOGIN_FAILED, result=AuditResult.FAILURE, details={"n": n})
        for n in range(count)
    ]


def test_events_form_an_intact_chain() -> None:
    events = _events(5)
    assert [e.sequence for e in events] == [1, 2, 3, 4, 5]
    assert events[1].previous_hash == events[0].chain_hash
    report = verify_chain()
    assert report.is_intact
    assert report.checked == 5


def test_verify_audit_command_succeeds_on_intact_chain(capsys: pytest.CaptureFixture[str]) -> None:
    _events(3)
    call_command("verify_audit")
    assert "已校验 3 条" in capsys.readouterr().out


def test_edited_row_is_detected() -> None:
    events = _events(4)
    without_triggers(
        "UPDATE audit_auditevent SET target_label = %s WHERE id = %s", ["改过", events[2].pk]
    )
    report = verify_chain()
    assert report.broken_at_sequence == 3
    assert "篡改" in report.problem
    with pytest.raises(CommandError, match="第 3 条"):
        call_command("verify_audit")


def test_edited_details_are_detected() -> None:
    events = _events(3)
    without_triggers(
        "UPDATE audit_auditevent SET result = %s WHERE id = %s", ["success", events[0].pk]
    )
    assert verify_chain().broken_at_sequence == 1


def test_deleted_row_is_detected() -> None:
    events = _events(4)
    without_triggers("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk])
    report = verify_chain()
    assert report.broken_at_sequence == 3
    with pytest.raises(CommandError):
        call_command("verify_audit")


def test_row_inserted_out_of_order_is_detected() -> None:
    events = _events(3)
    # Make room at sequence 2 by renumbering, then insert a forged event there.
    without_triggers(
        "UPDATE audit_auditevent SET sequence = sequence + 100 WHERE sequence >= 2", []
    )
    forged = events[1]
    without_triggers(
        "INSERT INTO audit_auditevent (sequence, occurred_at, actor_username, actor_display, action,"
        " target_type, target_id, target_label, result, details, previous_hash, chain_hash)"
        " VALUES (2, %s, '', '', 'logout', '', '', '', 'success', '{}', %s, %s)",
        [forged.occurred_at, events[0].chain_hash, "f" * 64],
    )
    without_triggers(
        "UPDATE audit_auditevent SET sequence = sequence - 99 WHERE sequence >= 100", []
    )
    report = verify_chain()
    assert report.broken_at_sequence == 2


def test_triggers_refuse_update() -> None:
    event = _events(1)[0]
    with pytest.raises(TRIGGER_ERRORS), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(target_label="x")
    event.refresh_from_db()
    assert event.target_label == ""


def test_triggers_refuse_delete() -> None:
    event = _events(1)[0]
    with pytest.raises(TRIGGER_ERRORS), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_secrets_are_refused_in_details() -> None:
    with pytest.raises(ValueError, match="敏感"):
        record_event(action=AuditAction.LOGIN_FAILED, details={"password": "x"})
    assert not AuditEvent.objects.exists()


def test_event_is_rolled_back_with_the_change_it_records() -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        record_event(action=AuditAction.LOGOUT)
        raise RuntimeError("the change failed")
    assert not AuditEvent.objects.exists()
    record_event(action=AuditAction.LOGOUT)
    assert verify_chain().is_intact
