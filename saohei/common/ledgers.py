"""The watermarked .xlsx ledger every context exports (DOMAIN.md §5), in constant memory.

One writer: `write_ledger` for a one-sheet ledger and `write_tables` for a workbook of several
sheets (the monthly and quarterly statistics) both go through `_write_sheet`. Every sheet reads
the same way (docs/decisions/0017): the exporter's stamp, a title row saying what was exported
with which filters, the header row frozen under an autofilter, then the rows; dates are real
dates, numbers real numbers, and the column widths follow the header and the first rows.
"""

import datetime
import itertools
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

import xlsxwriter
from django.utils import timezone

from saohei.common.dates import format_date, is_displayable
from saohei.common.documents import export_stamp

# What a cell may hold: text stays text (ID numbers and phones never become numbers); a number
# is written as a number and a date or a moment as an Excel date, so filters and sums work.
Cell = str | int | float | Decimal | datetime.date | datetime.datetime

DATE_FORMAT = "yyyy-mm-dd"
MOMENT_FORMAT = "yyyy-mm-dd hh:mm"
# Column widths are measured on the header and this many rows: enough to see what a column
# holds, few enough to keep the writer in constant memory.
WIDTH_SAMPLE_ROWS = 200
MIN_WIDTH = 6
# Wider than this a column would push the others off the screen; its text wraps or is cut.
MAX_WIDTH = 50


@dataclass(frozen=True)
class LedgerSheet:
    """One sheet: its columns and the rows (without the 序号 when numbered).

    `title` heads the sheet; a ledger's title is its name and its filters in words.
    """

    name: str
    columns: list[str]
    rows: Iterable[Sequence[Cell]]
    noun: str = "行"
    limit: int = 100_000
    numbered: bool = True
    freeze_columns: int = 1
    wrap: bool = False
    title: str = ""
    # The audit log keeps its seconds; the ledgers show minutes.
    moment_format: str = MOMENT_FORMAT


@dataclass(frozen=True)
class _Formats:
    bold: Any
    wrap: Any
    watermark: Any
    title: Any
    day: Any
    moments: dict[str, Any]


def ledger_title(name: str, filters: str) -> str:
    """`线索台账（筛选：状态 待核查；所属村 东岛村）`, or `（全部）` when nothing was filtered."""
    return f"{name}（筛选：{filters}）" if filters else f"{name}（全部）"


def write_ledger(
    output: IO[bytes],
    *,
    sheet_name: str,
    columns: list[str],
    rows: Iterable[Sequence[Cell]],
    exported_by: str,
    filters: str,
    noun: str,
    limit: int,
    freeze_columns: int = 1,
    wrap: bool = False,
    numbered: bool = True,
) -> int:
    """Write `rows` under `columns`; returns how many rows were written (≤ `limit`).

    With `numbered` the first column is a running 序号 written here (`columns` names it, `rows`
    leave it out). Row 1 and every printed page header carry who exported it and when: a light
    watermark against leaks that government users expect. Row 2 is the title: the ledger's
    name and `filters`, the list's filters in words (`common.forms.describe_filters`).
    """
    sheet = LedgerSheet(
        name=sheet_name,
        title=ledger_title(sheet_name, filters),
        columns=columns,
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
        day=workbook.add_format({"num_format": DATE_FORMAT, "valign": "top"}),
        moments={
            pattern: workbook.add_format({"num_format": pattern, "valign": "top"})
            for pattern in {MOMENT_FORMAT, *(sheet.moment_format for sheet in sheets)}
        },
    )
    stamp = export_stamp(exported_by)
    counts = [_write_sheet(workbook, sheet, stamp, formats) for sheet in sheets]
    workbook.close()
    return counts


def _write_sheet(workbook: Any, spec: LedgerSheet, stamp: str, formats: _Formats) -> int:
    # Constant memory writes row by row, in order: the stamp, the title and the header come
    # before the first row, and each sheet is written whole before the next.
    sheet = workbook.add_worksheet(spec.name)
    cell = formats.wrap if spec.wrap else None
    sheet.set_header("&R&8" + stamp.replace("&", "&&"))
    sheet.set_landscape()
    rows = iter(spec.rows)
    sample = list(itertools.islice(rows, WIDTH_SAMPLE_ROWS))
    offset = 1 if spec.numbered else 0
    for column, width in enumerate(_widths(spec.columns, sample, offset=offset)):
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
    count = 0
    for count, values in enumerate(itertools.chain(sample, rows), start=1):
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
            _write_cell(sheet, row, column, value, cell, formats, spec.moment_format)
    sheet.autofilter(header_row, 0, header_row + count, len(spec.columns) - 1)
    return count


def _write_cell(
    sheet: Any, row: int, column: int, value: Cell, cell: Any, formats: _Formats, moment: str
) -> None:
    if isinstance(value, str):
        sheet.write_string(row, column, value, cell)
    elif isinstance(value, datetime.date):
        if not is_displayable(value):
            # A stored date no one can show stays the marked text, as on the pages.
            sheet.write_string(row, column, format_date(value), cell)
        elif isinstance(value, datetime.datetime):
            local = timezone.localtime(value) if timezone.is_aware(value) else value
            sheet.write_datetime(row, column, local.replace(tzinfo=None), formats.moments[moment])
        else:
            sheet.write_datetime(
                row, column, datetime.datetime.combine(value, datetime.time()), formats.day
            )
    else:
        sheet.write_number(row, column, float(value), cell)


def _widths(columns: list[str], sample: list[Sequence[Cell]], *, offset: int) -> list[int]:
    """Each column as wide as its header and its widest sampled value, within bounds."""
    widths = [_text_width(title) for title in columns]
    for values in sample:
        for column, value in enumerate(values, start=offset):
            if column < len(widths):
                widths[column] = max(widths[column], _cell_width(value))
    return [min(max(width + 2, MIN_WIDTH), MAX_WIDTH) for width in widths]


def _cell_width(value: Cell) -> int:
    if isinstance(value, datetime.datetime):
        return 19
    if isinstance(value, datetime.date):
        return 10
    if isinstance(value, str):
        return max((_text_width(line) for line in value.splitlines()), default=0)
    return len(str(value))


def _text_width(text: str) -> int:
    """Characters as Excel measures them: a Chinese character is two columns wide."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)
