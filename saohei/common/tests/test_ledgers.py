"""The one ledger writer: every .xlsx ledger reads the same way (docs/decisions/0017)."""

import datetime
import io
from decimal import Decimal

from django.utils import timezone
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from saohei.common.dates import INVALID_DATE_MARK
from saohei.common.ledgers import write_ledger

LONG_SUMMARY = "村民反映有人在码头强行收取停船费并威胁渔民" * 3


def _ledger(rows: list[list], filters: str = "状态 待核查；所属村 东岛村") -> Worksheet:
    output = io.BytesIO()
    write_ledger(
        output,
        sheet_name="线索台账",
        columns=["序号", "编号", "受理时间", "办理时限", "身份证号", "金额", "简要内容"],
        rows=rows,
        exported_by="测试员（test）",
        filters=filters,
        noun="线索",
        limit=100,
    )
    return load_workbook(io.BytesIO(output.getvalue())).active


def _row() -> list:
    received = timezone.make_aware(datetime.datetime(2026, 3, 5, 9, 30))
    return ["GX-1", received, datetime.date(2026, 4, 1), "11010519491231002X", Decimal(12), "短"]


def test_ledger_title_row_names_the_ledger_and_its_filters() -> None:
    sheet = _ledger([_row()])

    assert sheet["A1"].value.startswith("导出人：测试员（test）")
    assert sheet["A2"].value == "线索台账（筛选：状态 待核查；所属村 东岛村）"
    assert sheet["A3"].value == "序号"


def test_ledger_without_filters_says_it_holds_everything() -> None:
    assert _ledger([_row()], filters="")["A2"].value == "线索台账（全部）"


def test_ledger_header_is_frozen_under_an_autofilter_over_the_rows() -> None:
    sheet = _ledger([_row(), _row()])

    assert sheet.auto_filter.ref == "A3:G5"
    assert sheet.freeze_panes == "B4"
    assert sheet.print_title_rows == "$3:$3"


def test_ledger_dates_and_moments_are_real_dates_in_beijing_time() -> None:
    sheet = _ledger([_row()])

    received, due = sheet["C4"], sheet["D4"]
    assert received.is_date and received.value == datetime.datetime(2026, 3, 5, 9, 30)
    assert received.number_format == "yyyy-mm-dd hh:mm"
    assert due.is_date and due.value == datetime.datetime(2026, 4, 1)
    assert due.number_format == "yyyy-mm-dd"


def test_ledger_keeps_identifiers_as_text_and_numbers_as_numbers() -> None:
    sheet = _ledger([_row()])

    assert sheet["E4"].data_type == "s" and sheet["E4"].value == "11010519491231002X"
    assert sheet["F4"].data_type == "n" and sheet["F4"].value == 12


def test_ledger_date_that_cannot_be_shown_stays_the_marked_text() -> None:
    row = _row()
    row[2] = datetime.date(1, 1, 1)

    cell = _ledger([row])["D4"]

    assert cell.data_type == "s" and cell.value == INVALID_DATE_MARK


def test_ledger_column_widths_follow_header_and_values_counting_chinese_double() -> None:
    row = _row()
    row[5] = LONG_SUMMARY[:20]

    sheet = _ledger([row])

    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABCDEG"}
    # 编号 (two characters, four columns) over "GX-1"; the moment fits in whole.
    assert widths["B"] < widths["C"]
    assert widths["C"] >= 19
    assert widths["E"] >= 18  # 18 digits
    assert widths["G"] >= 40  # 20 Chinese characters count 40
    assert widths["A"] >= 6


def test_ledger_column_width_is_capped_for_long_text() -> None:
    row = _row()
    row[5] = LONG_SUMMARY

    sheet = _ledger([row])

    assert sheet.column_dimensions["G"].width <= 52
