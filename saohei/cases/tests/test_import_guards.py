"""What the import refuses before reading a row: bombs, oversized tables, and number cells that
hold ID numbers or phones (Excel has already changed their digits)."""

import io
from collections.abc import Callable

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from openpyxl import load_workbook
from stdnum.cn import ric

from saohei.cases import importing
from saohei.cases.models import Case, CasePerson, ImportJob, ImportStatus
from saohei.cases.tests.helpers import (
    CASE_HEADER,
    PERSON_HEADER,
    VALID_ID,
    case_row,
    csv_file,
    person_row,
    with_exact_numbers,
    xlsx_file,
)
from saohei.common import officefiles
from saohei.common.errors import ServiceError
from saohei.organisations.models import Unit
from saohei.testing.officebombs import styled_cells_bomb

pytestmark = pytest.mark.django_db
ImportFile = Callable[..., ImportJob]

LOST_DIGITS_MESSAGE = (
    "身份证号单元格被存为数字，Excel 只保留前15位，其余数字已丢失；"
    "请在 Excel 中将身份证号列设置为文本（文本格式）后重新填写该号码"
)


def _nothing_written() -> bool:
    return not Case.objects.exists() and not CasePerson.objects.exists()


def _truncated_but_valid_id() -> float:
    """An 18-digit ID as Excel stores it once pasted into a number cell (a double: 15
    significant digits kept), chosen so that the changed number still passes the GB 11643
    checksum."""
    for day in range(1, 29):
        for sequence in range(100, 1000):
            body = f"110105198001{day:02d}{sequence:03d}"
            original = body + ric.calc_check_digit(body + "0")
            stored = float(original[:15] + "000")
            if str(int(stored)) != original and ric.is_valid(str(int(stored))):
                return stored
    raise AssertionError("no such number")


def test_id_numbers_in_number_cells_that_lost_digits_are_refused_and_nothing_is_written(
    import_file: ImportFile,
) -> None:
    truncated = _truncated_but_valid_id()
    file = xlsx_file(
        cases=[case_row(number="GX-1")],
        persons=[
            person_row(number="GX-1", name="王某", id_number=VALID_ID),
            person_row(number="GX-1", name="李某", id_number=truncated),
            person_row(number="GX-1", name="张某", id_number=1.10105194912310e17),
        ],
    )
    # The workbook really holds number cells, as Excel writes them (floats: digits are gone).
    sheet = load_workbook(io.BytesIO(file.read()))["涉案人员"]
    assert ric.is_valid(str(int(sheet["C3"].value)))
    assert all(isinstance(sheet[cell].value, float) for cell in ("C3", "C4"))
    file.seek(0)
    job = import_file(file)
    assert job.status == ImportStatus.FAILED
    refused = [(error["row"], error["column"], error["message"]) for error in job.errors]
    assert refused == [(3, "身份证号", LOST_DIGITS_MESSAGE), (4, "身份证号", LOST_DIGITS_MESSAGE)]
    assert _nothing_written()


def test_an_id_number_a_police_system_wrote_as_a_whole_number_is_read(
    import_file: ImportFile,
) -> None:
    """An integer cell holds every digit (police systems write IDs so); it is checked as text."""
    file = xlsx_file(
        cases=[case_row(number="GX-1")],
        persons=[
            person_row(number="GX-1", name="王某", id_number=1),
            person_row(number="GX-1", name="李某", id_number=2),
        ],
    )
    file = with_exact_numbers(
        file, sheet=2, cells={"C2": 110105194912310038, "C3": 110105194912310030}
    )
    sheet = load_workbook(io.BytesIO(file.read()), read_only=True)["涉案人员"]
    assert [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        110105194912310038,
        110105194912310030,
    ]
    file.seek(0)
    job = import_file(file)
    assert job.status == ImportStatus.FAILED
    # The first is valid; the second's check digit is wrong.
    assert [(error["row"], error["message"]) for error in job.errors] == [
        (3, "身份证号校验位不正确，请核对")
    ]


def test_a_mobile_in_a_number_cell_is_read(import_file: ImportFile) -> None:
    # An 11-digit mobile fits a number cell whole.
    job = import_file(
        xlsx_file(
            cases=[case_row(number="GX-1")],
            persons=[person_row(number="GX-1", phone=13912345678)],
        )
    )
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    assert CasePerson.objects.get().unsealed_phone() == "13912345678"


def test_a_csv_id_number_saved_in_scientific_notation_is_refused(import_file: ImportFile) -> None:
    job = import_file(
        csv_file([CASE_HEADER, case_row(number="GX-1")]),
        csv_file(
            [PERSON_HEADER, person_row(number="GX-1", id_number="1.10105E+17")], name="人员.csv"
        ),
    )
    assert job.status == ImportStatus.FAILED
    assert [error["message"] for error in job.errors] == [LOST_DIGITS_MESSAGE]
    assert _nothing_written()


def test_a_decompression_bomb_workbook_is_refused_before_any_job(import_file: ImportFile) -> None:
    bomb = styled_cells_bomb(cells=5_000_000)
    assert len(bomb) < 1_000_000
    with pytest.raises(ServiceError, match="压缩炸弹"):
        import_file(ContentFile(bomb, name="案件.xlsx"))
    assert not ImportJob.objects.exists()


def test_a_bomb_uploaded_through_the_page_is_refused_beside_the_field(
    client_as: Callable[[str], Client], town: Unit
) -> None:
    upload = io.BytesIO(styled_cells_bomb(cells=5_000_000))
    upload.name = "案件.xlsx"
    response = client_as("banshi").post("/cases/imports/", {"unit": town.pk, "file": upload})
    assert response.status_code == 200
    assert "压缩炸弹" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_sheet_over_the_row_cap_fails_with_a_message(
    import_file: ImportFile, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(officefiles, "MAX_SHEET_ROWS", 3)
    with pytest.raises(ServiceError, match="超过 3 行"):
        import_file(xlsx_file(cases=[case_row(number=f"GX-{n}") for n in range(3)], persons=None))
    assert not ImportJob.objects.exists()


def test_rows_past_the_cap_are_refused_while_streaming_too(
    import_file: ImportFile, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A sheet may declare no rows at all: openpyxl fills the gap to `<row r="…">` with empty rows.
    monkeypatch.setattr(importing, "MAX_SHEET_ROWS", 3)
    job = import_file(xlsx_file(cases=[case_row(number=f"GX-{n}") for n in range(3)], persons=None))
    assert job.status == ImportStatus.FAILED
    assert "案件表超过 3 行" in job.message
    assert _nothing_written()


def test_a_csv_with_an_endless_line_fails_with_a_message(import_file: ImportFile) -> None:
    endless = "案件编号," + "x" * (importing.MAX_LINE_CHARS + 10)
    job = import_file(ContentFile(endless.encode(), name="案件.csv"))
    assert job.status == ImportStatus.FAILED
    assert f"第1行超过 {importing.MAX_LINE_CHARS} 个字符" in job.message
    assert _nothing_written()


def test_a_csv_cell_past_the_cap_fails_with_a_message(import_file: ImportFile) -> None:
    huge = "案" * (importing.MAX_CELL_CHARS + 1)
    job = import_file(csv_file([CASE_HEADER, case_row(summary=huge)]))
    assert job.status == ImportStatus.FAILED
    assert f"第2行有单元格超过 {importing.MAX_CELL_CHARS} 个字" in job.message


def test_a_csv_with_too_many_columns_fails_with_a_message(import_file: ImportFile) -> None:
    wide = case_row() + [""] * officefiles.MAX_SHEET_COLUMNS
    job = import_file(csv_file([CASE_HEADER, wide]))
    assert job.status == ImportStatus.FAILED
    assert f"第2行超过 {officefiles.MAX_SHEET_COLUMNS} 列" in job.message


def test_a_csv_with_a_field_the_csv_module_refuses_fails_with_a_message(
    import_file: ImportFile,
) -> None:
    # An unterminated quote swallows the rest of the file into one field.
    text = ",".join(CASE_HEADER) + '\n"GX-1' + "x" * 140_000 + "\n"
    job = import_file(ContentFile(text.encode(), name="案件.csv"))
    assert job.status == ImportStatus.FAILED
    assert "不是有效的 CSV 表格" in job.message


def test_both_tables_together_are_capped_with_a_message(
    import_file: ImportFile, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importing, "MAX_IMPORT_ROWS", 3)
    job = import_file(
        xlsx_file(
            cases=[case_row(number="GX-1"), case_row(number="GX-2")],
            persons=[person_row(number="GX-1"), person_row(number="GX-2")],
        )
    )
    assert job.status == ImportStatus.FAILED
    assert "两张表合计超过 3 行" in job.message
    assert _nothing_written()


def test_a_sqlite_site_takes_fewer_rows_a_workbook_than_postgresql(
    import_file: ImportFile, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cap on SQLite keeps the one writing step near a second (decision 0057); PostgreSQL,
    where the write blocks nobody, takes the full cap."""
    monkeypatch.setattr(importing, "MAX_IMPORT_ROWS", 5)
    monkeypatch.setattr(importing, "MAX_SQLITE_IMPORT_ROWS", 3)
    job = import_file(
        xlsx_file(
            cases=[case_row(number="GX-1"), case_row(number="GX-2")],
            persons=[person_row(number="GX-1"), person_row(number="GX-2")],
        )
    )
    if connection.vendor == "sqlite":
        assert job.status == ImportStatus.FAILED
        assert "两张表合计超过 3 行" in job.message
        assert _nothing_written()
    else:
        assert job.status == ImportStatus.SUCCEEDED, job.message
