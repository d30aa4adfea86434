"""The watermarked .xlsx ledger every context exports (DOMAIN.md §5), in constant memory."""

from collections.abc import Iterable
from typing import IO

import xlsxwriter

from saohei.common.documents import export_stamp


def write_ledger(
    output: IO[bytes],
    *,
    sheet_name: str,
    columns: list[str],
    widths: list[int],
    rows: Iterable[list[str]],
    exported_by: str,
    noun: str,
    limit: int,
    freeze_columns: int = 1,
    wrap: bool = False,
) -> int:
    """Write 序号 plus `rows` under `columns`; returns how many rows were written (≤ `limit`).

    Row 1 and every printed page header carry who exported it and when: a light watermark
    against leaks that government users expect.
    """
    workbook = xlsxwriter.Workbook(output, {"constant_memory": True})
    sheet = workbook.add_worksheet(sheet_name)
    bold = workbook.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    cell = workbook.add_format({"text_wrap": True, "valign": "top"}) if wrap else None
    watermark = workbook.add_format({"font_color": "#808080", "italic": True})
    stamp = export_stamp(exported_by)
    sheet.set_header("&R&8" + stamp.replace("&", "&&"))
    sheet.set_landscape()
    sheet.repeat_rows(1)
    for column, width in enumerate(widths):
        sheet.set_column(column, column, width)
    sheet.write_string(0, 0, stamp, watermark)
    for column, title in enumerate(columns):
        sheet.write_string(1, column, title, bold)
    sheet.freeze_panes(2, freeze_columns)
    count = 0
    for count, values in enumerate(rows, start=1):
        if count > limit:
            count = limit
            sheet.write_string(
                limit + 2,
                0,
                f"符合条件的{noun}超过 {limit} 条，仅导出前 {limit} 条，请缩小筛选范围。",
                watermark,
            )
            break
        sheet.write_number(count + 1, 0, count)
        for column, value in enumerate(values, start=1):
            sheet.write_string(count + 1, column, value, cell)
    workbook.close()
    return count
