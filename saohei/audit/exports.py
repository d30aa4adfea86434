"""The audit log as a watermarked .xlsx, written by the one ledger writer (common.ledgers).

A second sheet carries the signed checkpoint of the chain's head taken at export time, so that
the copy the 审计管理员 keeps can later prove the table's tail (`verify_audit --checkpoint-from`).
"""

import io
from collections.abc import Iterable
from typing import IO

from saohei.audit.checkpoints import (
    CHECKPOINT_COLUMNS,
    CHECKPOINT_SHEET,
    Checkpoint,
)
from saohei.audit.models import AuditEvent
from saohei.common import ledgers as common_ledgers

COLUMNS = [
    "序号",
    "时间",
    "操作人账号",
    "操作人姓名",
    "单位",
    "操作",
    "对象",
    "结果",
    "IP地址",
    "详情",
]
# The view passes at most this many events; the sheet says so when there were more.
EXPORT_LIMIT = 100_000


def write_events(
    events: Iterable[AuditEvent],
    output: IO[bytes],
    *,
    exported_by: str,
    filters: str,
    checkpoint: Checkpoint,
) -> int:
    """The events into `output` in constant memory, titled with `filters` in words, every cell
    text but the moment, and the checkpoint on its own sheet; returns the event rows written.

    序号 is the event's place in the hash chain, not a running number, so gaps show.
    """
    sheets = [
        common_ledgers.LedgerSheet(
            name="审计日志",
            columns=COLUMNS,
            rows=(_values(event) for event in events),
            noun="审计记录",
            limit=EXPORT_LIMIT,
            freeze_columns=2,
            numbered=False,
            title=common_ledgers.ledger_title("审计日志", filters),
            moment_format="yyyy-mm-dd hh:mm:ss",
        ),
        common_ledgers.LedgerSheet(
            name=CHECKPOINT_SHEET,
            columns=CHECKPOINT_COLUMNS,
            rows=[checkpoint.cells()],
            noun="检查点",
            numbered=False,
        ),
    ]
    return common_ledgers.write_tables(output, sheets=sheets, exported_by=exported_by)[0]


def events_to_xlsx(
    events: Iterable[AuditEvent], *, exported_by: str, filters: str, checkpoint: Checkpoint
) -> bytes:
    """An .xlsx of the events (see `write_events`) as bytes."""
    buffer = io.BytesIO()
    write_events(events, buffer, exported_by=exported_by, filters=filters, checkpoint=checkpoint)
    return buffer.getvalue()


def _values(event: AuditEvent) -> list[common_ledgers.Cell]:
    return [
        str(event.sequence),
        event.occurred_at,
        event.actor_username,
        event.actor_display,
        event.unit.name if event.unit else "",
        event.action_label,
        event.target_label,
        event.get_result_display(),
        event.ip_address or "",
        _details_text(event.shown_details),
    ]


def _details_text(details: dict) -> str:
    return "；".join(f"{key}={value}" for key, value in sorted(details.items()))
