"""The 反馈 of a 交办清单 in the sender's own layout, and the zip of its 办结报告.

The sheet repeats the list as it came (title rows, header, merged cells, every row and column
in their places) and adds 核查情况, 核查结论, 办结时间 and 反馈人 after the last column, so the
sender reads its own sheet back. The exporter's stamp goes in the printed page header and the
file's properties, not in a row: a row above would move the sender's layout (decision 0061).
"""

import io
import zipfile
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from saohei.common.documents import export_stamp
from saohei.leads.access import visible_leads
from saohei.leads.documents import feedback_docx
from saohei.leads.models import Feedback, InvestigationEntry, Lead
from saohei.organisations.models import User

from .models import AssignedList, AssignedListRow

FEEDBACK_COLUMNS = ("核查情况", "核查结论", "办结时间", "反馈人")
RESTRICTED = "（受限线索，请由组长、副组长导出）"


def _investigation(entries: Iterable[InvestigationEntry]) -> str:
    return "\n".join(f"{entry.occurred_on:%Y-%m-%d} {entry.content}" for entry in entries)


def feedback_values(lead: Lead | None) -> list[str]:
    """核查情况, 核查结论, 办结时间, 反馈人 of a row's lead; a lead not concluded says so."""
    if lead is None:
        return [RESTRICTED, "", "", ""]
    entries = sorted(
        lead.investigation_entries.all(), key=lambda entry: (entry.occurred_on, entry.pk)
    )
    feedbacks = sorted(lead.feedbacks.all(), key=lambda feedback: feedback.pk)
    if lead.concluded_at is None:
        return [_investigation(entries), f"尚未办结（{lead.get_status_display()}）", "", ""]
    conclusion = lead.get_conclusion_display() or lead.get_status_display()
    if lead.conclusion_basis:
        conclusion = f"{conclusion}：{lead.conclusion_basis}"
    author = feedbacks[-1].author.real_name if feedbacks else ""
    return [
        _investigation(entries),
        conclusion,
        f"{timezone.localtime(lead.concluded_at):%Y-%m-%d}",
        author,
    ]


def _rows_with_leads(
    assigned: AssignedList, user: User
) -> list[tuple[AssignedListRow, Lead | None]]:
    rows = list(assigned.rows.order_by("position"))
    visible = {
        lead.pk: lead
        for lead in visible_leads(user)
        .filter(pk__in=[row.lead_id for row in rows])
        .prefetch_related("investigation_entries", "feedbacks__author")
    }
    return [(row, visible.get(row.lead_id)) for row in rows]


def _text(sheet: Any, row: int, column: int, value: str) -> Any:
    """A cell holding `value` as text: openpyxl makes a formula of any text starting with "=",
    and a sender's cell (or a hostile one) must come back as the words it was, never run."""
    cell = sheet.cell(row, column, value)
    cell.data_type = "s"
    return cell


def feedback_xlsx(assigned: AssignedList, *, user: User) -> bytes:
    """The list in its own layout plus the four 反馈 columns."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "反馈"
    stamp = export_stamp(str(user))
    sheet.oddHeader.right.text = stamp
    workbook.properties.creator = stamp
    for number, values in enumerate(assigned.top_rows, start=1):
        for column, value in enumerate(values, start=1):
            if value:
                _text(sheet, number, column, value)
    for first_row, first_column, last_row, last_column in assigned.merges:
        sheet.merge_cells(
            start_row=first_row,
            start_column=first_column,
            end_row=last_row,
            end_column=last_column,
        )
    extra = assigned.column_count + 1
    header_row, depth = assigned.header_row, assigned.header_depth
    bold = Font(bold=True)
    for offset, title in enumerate(FEEDBACK_COLUMNS):
        cell = _text(sheet, header_row, extra + offset, title)
        cell.font = bold
        if depth > 1:
            sheet.merge_cells(
                start_row=header_row,
                start_column=extra + offset,
                end_row=header_row + depth - 1,
                end_column=extra + offset,
            )
        sheet.column_dimensions[get_column_letter(extra + offset)].width = 30 if offset < 2 else 14
    wrap = Alignment(wrap_text=True, vertical="top")
    for row, lead in _rows_with_leads(assigned, user):
        # Each row back in its own place: a blank row the sender left stays blank.
        number = row.row_number
        for column, value in enumerate(row.values, start=1):
            if value:
                _text(sheet, number, column, value)
        for offset, value in enumerate(feedback_values(lead)):
            if value:
                _text(sheet, number, extra + offset, value).alignment = wrap
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def reports_zip(assigned: AssignedList, *, user: User) -> tuple[bytes, int]:
    """One 办结反馈报告 .docx per concluded lead of the list (the lead's last 反馈, or one drawn
    up now from its conclusion), and a note naming the rows without one; (zip, reports)."""
    output = io.BytesIO()
    missing: list[str] = []
    written = 0
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        for row, lead in _rows_with_leads(assigned, user):
            if lead is None:
                missing.append(f"{row.upstream_reference}：{RESTRICTED}")
                continue
            feedbacks = sorted(lead.feedbacks.all(), key=lambda feedback: feedback.pk)
            if feedbacks:
                feedback = feedbacks[-1]
            elif lead.concluded_at is not None:
                feedback = Feedback(
                    lead=lead,
                    fed_back_on=date.today(),
                    recipient=assigned.sender,
                    content=lead.conclusion_basis,
                    author=user,
                )
            else:
                missing.append(f"{row.upstream_reference}：尚未办结（{lead.get_status_display()}）")
                continue
            name = f"{row.position:03d}-{_safe(row.upstream_reference)}-{lead.number}.docx"
            archive.writestr(name, feedback_docx(feedback, exported_by=str(user)))
            written += 1
        if missing:
            archive.writestr("未附报告的线索.txt", "\n".join(missing).encode("utf-8"))
    return output.getvalue(), written


def _safe(text: str) -> str:
    return "".join(character for character in text if character not in '\\/:*?"<>|')[:40]
