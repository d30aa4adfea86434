"""Signed checkpoints of the chain's head, kept where the database owner cannot reach.

The hash chain shows that no row up to the newest one was changed, removed or inserted; it
cannot show that the newest rows were deleted, because nothing in the table records how long
the chain was. A checkpoint records the head (sequence and chain hash) at a moment, signed, in an
append-only file beside the application (and in every audit export the 审计管理员 keeps), so
that `verify_audit` can name a missing tail or a head that was rewritten (docs/decisions/0010).
"""

import json
import os
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from saohei.audit.chain import GENESIS_HASH
from saohei.audit.models import AuditEvent
from saohei.common.crypto import constant_time_equal, hmac_sm3_hex

CHECKPOINT_SHEET = "校验点"
CHECKPOINT_COLUMNS = ["链头序号", "链头哈希", "记录时间（UTC）", "签名", "校验串"]
CHECKPOINT_WIDTHS = [10, 66, 28, 66, 80]


class CheckpointError(Exception):
    """A checkpoint that cannot be trusted (forged, edited, unreadable): verification fails."""


@dataclass(frozen=True)
class Checkpoint:
    sequence: int
    chain_hash: str
    written_at: str
    signature: str

    def to_line(self) -> str:
        return json.dumps(
            {
                "sequence": self.sequence,
                "chain_hash": self.chain_hash,
                "written_at": self.written_at,
                "signature": self.signature,
            },
            sort_keys=True,
            separators=(",", ":"),
        )

    @property
    def written_at_display(self) -> str:
        moment = datetime.fromisoformat(self.written_at)
        return f"{timezone.localtime(moment):%Y-%m-%d %H:%M:%S}"

    def cells(self) -> list[str]:
        """The checkpoint as a row of the export's 校验点 sheet; the last cell is what is read."""
        return [
            str(self.sequence),
            self.chain_hash,
            self.written_at,
            self.signature,
            self.to_line(),
        ]


def _checkpoint_key() -> bytes:
    # Derived from the chain key rather than a second secret to deploy and back up: whoever holds
    # the chain key can rewrite the whole chain anyway. The label keeps a signature from ever
    # being a valid chain link, and the other way round.
    return bytes.fromhex(hmac_sm3_hex(settings.SAOHEI_AUDIT_KEY, b"saohei.audit.checkpoint"))


def _signature(sequence: int, chain_hash: str, written_at: str) -> str:
    return hmac_sm3_hex(_checkpoint_key(), f"{sequence}|{chain_hash}|{written_at}".encode())


def sign_current_head() -> Checkpoint:
    """A checkpoint of the committed head of the chain (sequence 0 for an empty log)."""
    head = AuditEvent.objects.order_by("-sequence").values("sequence", "chain_hash").first()
    sequence = head["sequence"] if head else 0
    chain_hash = head["chain_hash"] if head else GENESIS_HASH
    written_at = datetime.now(UTC).isoformat(timespec="seconds")
    return Checkpoint(
        sequence, chain_hash, written_at, _signature(sequence, chain_hash, written_at)
    )


def write_checkpoint(*, path: Path | None = None) -> Checkpoint:
    """Append a signed checkpoint of the committed head to the checkpoint file.

    Call it outside any transaction that writes events: a checkpoint of a head that is later
    rolled back would accuse an intact log.
    """
    path = path or Path(settings.SAOHEI_AUDIT_CHECKPOINT_FILE)
    checkpoint = sign_current_head()
    if not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.parent.chmod(0o700)
    # O_APPEND: every line is added at the end in one write, never over an earlier one.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (checkpoint.to_line() + "\n").encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    return checkpoint


def parse_checkpoint(text: str, *, where: str) -> Checkpoint:
    """One checkpoint line, its signature checked; `where` names it in the error."""
    try:
        data = json.loads(text)
        checkpoint = Checkpoint(
            sequence=int(data["sequence"]),
            chain_hash=str(data["chain_hash"]),
            written_at=str(data["written_at"]),
            signature=str(data["signature"]),
        )
        datetime.fromisoformat(checkpoint.written_at)
    except (ValueError, TypeError, KeyError) as error:
        raise CheckpointError(f"{where}无法读取（格式错误），不能作为校验依据") from error
    expected = _signature(checkpoint.sequence, checkpoint.chain_hash, checkpoint.written_at)
    if checkpoint.sequence < 0 or not constant_time_equal(checkpoint.signature, expected):
        raise CheckpointError(f"{where}签名无效：检查点被伪造或篡改，不能作为校验依据")
    return checkpoint


def read_latest_checkpoint(path: Path) -> Checkpoint | None:
    """The checkpoint with the highest sequence in the file; None when there is none yet.

    Every line must carry a valid signature: one forged line makes the whole file suspect.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise CheckpointError(f"检查点文件 {path} 无法读取：{error}") from error
    latest: Checkpoint | None = None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        checkpoint = parse_checkpoint(line, where=f"检查点文件第 {number} 行")
        if latest is None or checkpoint.sequence >= latest.sequence:
            latest = checkpoint
    return latest


def checkpoint_from_export(path: Path) -> Checkpoint:
    """The checkpoint carried in an audit export's 校验点 sheet."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (OSError, zipfile.BadZipFile, InvalidFileException, KeyError, ValueError) as error:
        raise CheckpointError(f"无法打开审计日志导出文件 {path}：不是有效的 .xlsx 文件") from error
    try:
        if CHECKPOINT_SHEET not in workbook.sheetnames:
            raise CheckpointError(f"{path} 中没有“{CHECKPOINT_SHEET}”工作表：不是审计日志导出文件")
        sheet = workbook[CHECKPOINT_SHEET]
        # Row 1 is the exporter's stamp, row 2 the header, row 3 the checkpoint.
        line = next(
            sheet.iter_rows(min_row=3, max_row=3, min_col=5, max_col=5, values_only=True),
            (None,),
        )[0]
    finally:
        workbook.close()
    if not isinstance(line, str):
        raise CheckpointError(f"{path} 的“{CHECKPOINT_SHEET}”工作表中没有检查点")
    return parse_checkpoint(line, where=f"导出文件 {path.name} 中的检查点")


def _missing(first: int, last: int) -> str:
    return f"缺失第 {first} 条" if first == last else f"缺失第 {first}–{last} 条"


def compare_with_checkpoint(checkpoint: Checkpoint) -> list[str]:
    """What the table lacks or has rewritten up to the checkpoint's head (empty when it holds).

    Rows appended after the checkpoint are covered only by a later checkpoint.
    """
    head = AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True).first() or 0
    when = f"{checkpoint.written_at_display} 的检查点记录链头为第 {checkpoint.sequence} 条"
    if head < checkpoint.sequence:
        return [
            f"{_missing(head + 1, checkpoint.sequence)}（{when}，表中只到第 {head} 条）："
            "末尾的记录被删除"
        ]
    if checkpoint.sequence == 0:
        return []
    stored = (
        AuditEvent.objects.filter(sequence=checkpoint.sequence)
        .values_list("chain_hash", flat=True)
        .first()
    )
    if stored is None:
        return [f"{_missing(checkpoint.sequence, checkpoint.sequence)}（{when}）"]
    if not constant_time_equal(stored, checkpoint.chain_hash):
        return [
            f"第 {checkpoint.sequence} 条与检查点不符（{when}）：链头被改写，"
            "此后的记录可能是删除后重写的"
        ]
    return []
