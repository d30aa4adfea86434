"""The watermarked .xlsx ledger every context exports (DOMAIN.md §5), in constant memory.

One writer: `write_ledger` for a one-sheet ledger and `write_tables` for a workbook of several
sheets (the monthly and quarterly statistics) both go through `_write_sheet`.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

import xlsxwriter

from saohei.common.documents import export_stamp

# What a cell may hold: text stays text (ID numbers and phones never become numbers), and only
# a statistic given as a number is written as one.
Cell = str | int | float | Decimal


@dataclass(frozen=True)
class LedgerSheet:
    """One sheet: its columns, their widths and the rows (without the 序号 when numbered)."""

    name: str
    columns: list[str]
    widths: list[int]
    rows: Iterable[Sequence[Cell]]
    noun: str = "行"
    limit: int = 100_000
    numbered: bool = True
    freeze_columns: int = 1
    wrap: bool = False
    title: str = ""


@dataclass(frozen=True)
class _Formats:
    bold: Any
    wrap: Any
    watermark: Any
    title: Any


def write_ledger(
    output: IO[bytes],
    *,
    sheet_name: str,
    columns: list[str],
    widths: list[int],
    rows: Iterable[Sequence[Cell]],
    exported_by: str,
    noun: str,
    limit: int,
    freeze_columns: int = 1,
    wrap: bool = False,
    numbered: bool = True,
) -> int:
    """Write `rows` under `columns`; returns how many rows were written (≤ `limit`).

    With `numbered` the first column is a running 序号 written here (`columns` names it, `rows`
    leave it out). Row 1 and every printed page header carry who exported it and when: a light
    watermark against leaks that government users expect.
    """
    sheet = LedgerSheet(
        name=sheet_name,
        columns=columns,
        widths=widths,
        rows=rows,
        noun=noun,
        limit=limit,
        numbered=numbered,
        freeze_columns=freeze_columns,
        wrap=wrap,
    )
    return write_tables(output, sheets=[sheet], exported_by=exported_by)[0]


def write_tables(output: IO[bytes], *, sheets: list[LedgerSheet], exported_by: str) -> list[int]:
    """Several watermarked sheets in one workbook; returns the rows written per sheet."""
    workbook = xlsxwriter.Workbook(output, {"constant_memory": True})
    formats = _Formats(
        bold=workbook.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1}),
        wrap=workbook.add_format({"text_wrap": True, "valign": "top"}),
        watermark=workbook.add_format({"font_color": "#808080", "italic": True}),
        title=workbook.add_format({"bold": True, "font_size": 12}),
    )
    stamp = export_stamp(exported_by)
    counts = [_write_sheet(workbook, sheet, stamp, formats) for sheet in sheets]
    workbook.close()
    return counts


def _write_sheet(workbook: Any, spec: LedgerSheet, stamp: str, formats: _Formats) -> int:
    # Constant memory writes row by row, so each sheet is written whole before the next.
    sheet = workbook.add_worksheet(spec.name)
    cell = formats.wrap if spec.wrap else None
    sheet.set_header("&R&8" + stamp.replace("&", "&&"))
    sheet.set_landscape()
    for column, width in enumerate(spec.widths):
        sheet.set_column(column, column, width)
    sheet.write_string(0, 0, stamp, formats.watermark)
    header_row = 1
    if spec.title:
        sheet.write_string(1, 0, spec.title, formats.title)
        header_row = 2
    sheet.repeat_rows(header_row)
    for column, title in enumerate(spec.columns):
        sheet.write_string(header_row, column, title, formats.bold)
    sheet.freeze_panes(header_row + 1, spec.freeze_columns)
    first = header_row + 1
    offset = 1 if spec.numbered else 0
    count = 0
    for count, values in enumerate(spec.rows, start=1):
        if count > spec.limit:
            count = spec.limit
            sheet.write_string(
                first + spec.limit,
                0,
                f"符合条件的{spec.noun}超过 {spec.limit} 条，仅导出前 {spec.limit} 条，请缩小筛选范围。",
                formats.watermark,
            )
            break
        row = first + count - 1
        if spec.numbered:
            sheet.write_number(row, 0, count)
        for column, value in enumerate(values, start=offset):
            if isinstance(value, str):
                sheet.write_string(row, column, value, cell)
            else:
                sheet.write_number(row, column, float(value), cell)
    return count
