import io
import json
import stat
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from saohei.audit.checkpoints import CHECKPOINT_SHEET, write_checkpoint
from saohei.audit.models import AuditAction, AuditEvent, AuditResult
from saohei.audit.services import record_event
from saohei.audit.tests.tampering import without_triggers

pytestmark = pytest.mark.django_db


def _events(count: int) -> list[AuditEvent]:
    return [
        record_event(action=AuditAction.LOGIN_FAILED, result=AuditResult.FAILURE, details={"n": n})
        for n in range(count)
    ]


def _checkpoint_file() -> Path:
    return Path(settings.SAOHEI_AUDIT_CHECKPOINT_FILE)


def _delete_from(sequence: int) -> None:
    without_triggers("DELETE FROM audit_auditevent WHERE sequence >= %s", [sequence])


def _verify(*args: str) -> str:
    output = io.StringIO()
    call_command("verify_audit", *args, stdout=output)
    return output.getvalue()


def test_deleting_the_last_event_after_a_checkpoint_is_named() -> None:
    _events(5)
    call_command("audit_checkpoint", stdout=io.StringIO())
    _delete_from(5)
    with pytest.raises(CommandError, match="缺失第 5 条") as refused:
        _verify()
    assert "表中只到第 4 条" in str(refused.value)


def test_deleting_the_last_five_events_after_a_checkpoint_is_named() -> None:
    _events(8)
    call_command("audit_checkpoint", stdout=io.StringIO())
    _delete_from(4)
    with pytest.raises(CommandError, match="缺失第 4–8 条"):
        _verify()


def test_deleting_every_event_after_a_checkpoint_is_named() -> None:
    _events(5)
    write_checkpoint()
    _delete_from(1)
    with pytest.raises(CommandError, match="缺失第 1–5 条"):
        _verify()


def test_a_tail_cut_below_the_checkpoint_is_named_up_to_the_checkpoint() -> None:
    _events(5)
    write_checkpoint()
    _events(3)
    # Events 6–8 came after the checkpoint; what it proves is that 4 and 5 existed.
    _delete_from(4)
    with pytest.raises(CommandError, match="缺失第 4–5 条"):
        _verify()


def test_events_after_the_checkpoint_verify_as_intact() -> None:
    _events(3)
    write_checkpoint()
    _events(2)
    assert "一致" in _verify() and "已校验 5 条" in _verify()


def test_a_head_rewritten_after_a_checkpoint_is_named() -> None:
    # As after restoring an older backup: the chain is valid again from the restored head on.
    _events(5)
    write_checkpoint()
    _delete_from(5)
    record_event(action=AuditAction.LOGOUT)
    with pytest.raises(CommandError, match="第 5 条与检查点不符") as refused:
        _verify()
    assert "断裂" not in str(refused.value)


def test_a_forged_checkpoint_is_refused() -> None:
    _events(5)
    write_checkpoint()
    _delete_from(4)
    forged = {
        "sequence": 3,
        "chain_hash": AuditEvent.objects.get(sequence=3).chain_hash,
        "written_at": "2099-01-01T00:00:00+00:00",
        "signature": "0" * 64,
    }
    with _checkpoint_file().open("a") as handle:
        handle.write(json.dumps(forged) + "\n")
    with pytest.raises(CommandError, match="第 2 行签名无效"):
        _verify()


def test_a_checkpoint_with_an_edited_sequence_is_refused() -> None:
    _events(5)
    write_checkpoint()
    _delete_from(4)
    line = json.loads(_checkpoint_file().read_text())
    line["sequence"] = 3
    _checkpoint_file().write_text(json.dumps(line) + "\n")
    with pytest.raises(CommandError, match="签名无效"):
        _verify()


def test_an_unreadable_checkpoint_line_is_refused_not_a_crash() -> None:
    _events(1)
    _checkpoint_file().parent.mkdir(parents=True)
    _checkpoint_file().write_text("{not json\n")
    with pytest.raises(CommandError, match="第 1 行无法读取"):
        _verify()


def test_without_a_checkpoint_verification_passes_and_says_what_it_cannot_see() -> None:
    _events(2)
    assert "尚无检查点" in _verify()


def test_checkpoints_are_appended_to_a_private_file() -> None:
    _events(1)
    write_checkpoint()
    _events(1)
    write_checkpoint()
    path = _checkpoint_file()
    assert [json.loads(line)["sequence"] for line in path.read_text().splitlines()] == [1, 2]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_the_checkpoint_is_signed_apart_from_the_chain() -> None:
    event = _events(1)[0]
    checkpoint = write_checkpoint()
    assert checkpoint.chain_hash == event.chain_hash
    assert checkpoint.signature not in {event.chain_hash, event.previous_hash}


def _export(client: Client, path: Path) -> Path:
    response = client.get("/audit/export/")
    assert response.status_code == 200
    path.write_bytes(response.content)
    return path


def test_the_audit_export_carries_a_checkpoint_that_proves_the_tail(
    client_as: Callable[[str], Client], tmp_path: Path
) -> None:
    export = _export(client_as("shenji"), tmp_path / "audit.xlsx")
    sheet = openpyxl.load_workbook(export)[CHECKPOINT_SHEET]
    head = AuditEvent.objects.order_by("-sequence").first()
    assert head is not None and head.action == AuditAction.AUDIT_EXPORTED
    assert sheet.cell(3, 1).value == str(head.sequence)
    # The owner of the database and the var directory removes the tail and the checkpoint file.
    _delete_from(head.sequence - 1)
    _checkpoint_file().unlink()
    assert "尚无检查点" in _verify()
    with pytest.raises(CommandError, match=f"缺失第 {head.sequence - 1}–{head.sequence} 条"):
        _verify("--checkpoint-from", str(export))


def test_a_forged_checkpoint_in_an_export_is_refused(
    client_as: Callable[[str], Client], tmp_path: Path
) -> None:
    export = _export(client_as("shenji"), tmp_path / "audit.xlsx")
    workbook = openpyxl.load_workbook(export)
    cell = workbook[CHECKPOINT_SHEET].cell(3, 5)
    line = json.loads(str(cell.value))
    line["sequence"] = 1
    cell.value = json.dumps(line)
    workbook.save(export)
    with pytest.raises(CommandError, match="签名无效"):
        _verify("--checkpoint-from", str(export))


def test_a_file_that_is_not_an_export_gets_a_clear_message(tmp_path: Path) -> None:
    _events(1)
    not_a_workbook = tmp_path / "audit.xlsx"
    not_a_workbook.write_bytes(b"plain text")
    with pytest.raises(CommandError, match=r"不是有效的 \.xlsx"):
        _verify("--checkpoint-from", str(not_a_workbook))
    other = tmp_path / "other.xlsx"
    openpyxl.Workbook().save(other)
    with pytest.raises(CommandError, match="没有“校验点”工作表"):
        _verify("--checkpoint-from", str(other))
    with pytest.raises(CommandError, match="没有检查点"):
        _verify("--checkpoint-from", str(tmp_path / "missing.log"))


def test_the_chain_page_names_a_missing_tail(client_as: Callable[[str], Client]) -> None:
    client = client_as("shenji")
    write_checkpoint()
    head = AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True).first()
    assert head is not None and head > 1
    _delete_from(head)
    page = client.get("/audit/chain/").content.decode()
    assert f"缺失第 {head} 条" in page and "发现问题" in page


def test_an_export_still_carries_a_checkpoint_when_the_file_cannot_be_written(
    client_as: Callable[[str], Client], tmp_path: Path, settings: object
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    settings.SAOHEI_AUDIT_CHECKPOINT_FILE = blocker / "checkpoints.log"  # type: ignore[attr-defined]
    export = _export(client_as("shenji"), tmp_path / "audit.xlsx")
    assert "一致" in _verify("--checkpoint-from", str(export))


# Outside a test transaction: PostgreSQL cannot TRUNCATE inside one that has written rows.
@pytest.mark.django_db(transaction=True)
def test_flush_sets_the_checkpoint_file_aside_with_the_table() -> None:
    _events(3)
    write_checkpoint()
    call_command("flush", interactive=False, verbosity=0)
    assert "尚无检查点" in _verify()
    kept = list(_checkpoint_file().parent.glob("checkpoints.log.before-flush-*"))
    assert len(kept) == 1 and json.loads(kept[0].read_text())["sequence"] == 3
