import io
from collections.abc import Iterable

import xlsxwriter
from django.utils import timezone

from saohei.audit.models import AuditEvent

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


def events_to_xlsx(events: Iterable[AuditEvent], *, exported_by: str) -> bytes:
    """An .xlsx of the events, every cell text, with who exported it and when in the header."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"constant_memory": True, "in_memory": True})
    sheet = workbook.add_worksheet("审计日志")
    bold = workbook.add_format({"bold": True})
    sheet.write_string(
        0,
        0,
        f"审计日志导出 · 导出人：{exported_by} · 导出时间：{timezone.localtime():%Y-%m-%d %H:%M}",
    )
    for column, title in enumerate(COLUMNS):
        sheet.write_string(1, column, title, bold)
    for row, event in enumerate(events, start=2):
        values = [
            str(event.sequence),
            f"{timezone.localtime(event.occurred_at):%Y-%m-%d %H:%M:%S}",
            event.actor_username,
            event.actor_display,
            event.unit.name if event.unit else "",
            event.action_label,
            event.target_label,
            event.get_result_display(),
            event.ip_address or "",
            _details_text(event.details),
        ]
        for column, value in enumerate(values):
            sheet.write_string(row, column, value)
    workbook.close()
    return buffer.getvalue()


def _details_text(details: dict) -> str:
    return "；".join(f"{key}={value}" for key, value in sorted(details.items()))
