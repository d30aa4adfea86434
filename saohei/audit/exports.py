"""The audit log as a watermarked .xlsx, written by the one ledger writer (common.ledgers)."""

import io
from collections.abc import Iterable
from typing import IO

from saohei.audit.models import AuditEvent
from saohei.common import ledgers as common_ledgers
from saohei.common.dates import format_date

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
WIDTHS = [8, 20, 14, 12, 16, 20, 24, 8, 16, 50]
# The view passes at most this many events; the sheet says so when there were more.
EXPORT_LIMIT = 100_000


def write_events(events: Iterable[AuditEvent], output: IO[bytes], *, exported_by: str) -> int:
    """The events into `output` in constant memory, every cell text; returns the rows written.

    序号 is the event's place in the hash chain, not a running number, so gaps show.
    """
    return common_ledgers.write_ledger(
        output,
        sheet_name="审计日志",
        columns=COLUMNS,
        widths=WIDTHS,
        rows=(_values(event) for event in events),
        exported_by=exported_by,
        noun="审计记录",
        limit=EXPORT_LIMIT,
        freeze_columns=2,
        numbered=False,
    )


def events_to_xlsx(events: Iterable[AuditEvent], *, exported_by: str) -> bytes:
    """An .xlsx of the events (see `write_events`) as bytes."""
    buffer = io.BytesIO()
    write_events(events, buffer, exported_by=exported_by)
    return buffer.getvalue()


def _values(event: AuditEvent) -> list[str]:
    return [
        str(event.sequence),
        format_date(event.occurred_at, "Y-m-d H:i:s"),
        event.actor_username,
        event.actor_display,
        event.unit.name if event.unit else "",
        event.action_label,
        event.target_label,
        event.get_result_display(),
        event.ip_address or "",
        _details_text(event.details),
    ]


def _details_text(details: dict) -> str:
    return "；".join(f"{key}={value}" for key, value in sorted(details.items()))
