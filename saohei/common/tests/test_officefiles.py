"""The guard every .xlsx/.docx passes before a library opens it: bombs built here, in memory."""

import io
import random
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from docx import Document
from openpyxl import Workbook

from saohei.common import officefiles
from saohei.common.errors import ServiceError
from saohei.common.officefiles import OfficeFileRefused, check_office_file
from saohei.common.uploads import check_uploads
from saohei.testing.officebombs import SHEET_PART, replace_part


def _workbook_bytes() -> bytes:
    workbook = Workbook()
    workbook.active.append(["案件编号", "姓名"])
    workbook.active.append(["GX-1", "王某"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _docx_bytes() -> bytes:
    document = Document()
    document.add_paragraph("整改材料")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _sheet_xml(rows: bytes, dimension: bytes = b"A1:B2") -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<dimension ref="' + dimension + b'"/><sheetData>' + rows + b"</sheetData></worksheet>"
    )


def _check(content: bytes, expected: str | None = "xlsx") -> officefiles.OfficePackage:
    return check_office_file(io.BytesIO(content), name="台账.xlsx", expected=expected)


def test_a_workbook_and_a_document_written_by_their_libraries_pass() -> None:
    assert _check(_workbook_bytes()).kind == "xlsx"
    assert _check(_docx_bytes(), expected="docx").kind == "docx"
    assert _check(_docx_bytes(), expected=None).kind == "docx"


def test_a_document_is_not_taken_for_a_workbook() -> None:
    with pytest.raises(OfficeFileRefused, match=r"不是有效的 \.xlsx 文件"):
        _check(_docx_bytes(), expected="xlsx")


def test_a_part_of_repeated_bytes_is_refused_by_its_compression_ratio() -> None:
    # 60 MB of styled empty cells deflate to about 60 KB.
    cells = b'<c r="A1" s="1"/>' * 3_500_000
    bomb = replace_part(
        _workbook_bytes(), SHEET_PART, _sheet_xml(b'<row r="1">' + cells + b"</row>")
    )
    assert len(bomb) < 1_000_000
    with pytest.raises(OfficeFileRefused, match="压缩比异常"):
        _check(bomb)


def test_a_shared_strings_part_too_big_to_load_whole_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(officefiles, "MAX_WHOLE_PART_BYTES", 20_000)
    strings = b"<sst>" + b"<si><t>x</t></si>" * 2000 + b"</sst>"
    package = replace_part(_workbook_bytes(), "xl/sharedStrings.xml", strings)
    with pytest.raises(OfficeFileRefused, match=r"xl/sharedStrings\.xml.*解压后超过"):
        _check(package)


def test_the_sum_of_the_parts_is_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(officefiles, "MAX_UNCOMPRESSED_BYTES", 5000)
    with pytest.raises(OfficeFileRefused, match="解压后超过"):
        _check(_workbook_bytes())


def test_a_row_of_too_many_cells_is_refused_even_stored_without_compression() -> None:
    # Ratio 1: only counting the cells finds it. openpyxl builds a whole row before yielding it.
    cells = b"<c/>" * 20_000
    package = replace_part(
        _workbook_bytes(),
        SHEET_PART,
        _sheet_xml(b"<row>" + cells + b"</row>"),
        compression=zipfile.ZIP_STORED,
    )
    with pytest.raises(OfficeFileRefused, match=f"超过 {officefiles.MAX_SHEET_COLUMNS} 列"):
        _check(package)


def test_a_declared_dimension_past_the_caps_is_refused() -> None:
    package = replace_part(
        _workbook_bytes(), SHEET_PART, _sheet_xml(b"<row/>", dimension=b"A1:B1048576")
    )
    with pytest.raises(OfficeFileRefused, match=f"超过 {officefiles.MAX_SHEET_ROWS} 行"):
        _check(package)


def test_rows_are_counted_when_the_dimension_lies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(officefiles, "MAX_SHEET_ROWS", 1000)
    # Chunks of the scan are 1 MB: rows of text that does not compress cross chunk boundaries.
    texts = random.Random(0)
    rows = [
        b'<row><c t="inlineStr"><is><t>'
        + texts.randbytes(1500).hex().encode()
        + b"</t></is></c></row>"
        for _ in range(1001)
    ]
    package = replace_part(_workbook_bytes(), SHEET_PART, _sheet_xml(b"".join(rows)))
    with pytest.raises(OfficeFileRefused, match="超过 1000 行"):
        _check(package)
    _check(replace_part(_workbook_bytes(), SHEET_PART, _sheet_xml(b"".join(rows[:1000]))))


def test_a_sheet_hidden_behind_another_content_type_is_still_scanned() -> None:
    cells = b"<c/>" * 20_000
    package = replace_part(
        _workbook_bytes(), "xl/elsewhere.xml", _sheet_xml(b"<row>" + cells + b"</row>")
    )
    with pytest.raises(OfficeFileRefused, match="列"):
        _check(package)


def test_an_encrypted_or_old_format_file_is_refused_with_what_to_do() -> None:
    with pytest.raises(OfficeFileRefused, match="取消密码并“另存为”"):
        _check(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)


def test_a_zip_entry_marked_encrypted_is_refused() -> None:
    package = _workbook_bytes()
    # zipfile cannot write encrypted entries: set the flag (bit 0) in the central directory.
    header = package.index(b"PK\x01\x02")
    flagged = package[: header + 8] + bytes([package[header + 8] | 0x1]) + package[header + 9 :]
    with pytest.raises(OfficeFileRefused, match="已加密"):
        _check(flagged)


def test_a_truncated_archive_is_refused_as_damaged() -> None:
    with pytest.raises(OfficeFileRefused, match="已损坏"):
        _check(_workbook_bytes()[:-200])


def test_attachments_that_are_zips_but_not_office_documents_are_refused() -> None:
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr("readme.txt", "hello")
    upload = SimpleUploadedFile("材料.docx", target.getvalue())
    with pytest.raises(ServiceError, match="不是有效的 Office 文件"):
        check_uploads([upload])


def test_an_attached_document_bomb_is_refused() -> None:
    body = b"<w:document><w:body>" + b"<w:p/>" * 3_000_000 + b"</w:body></w:document>"
    bomb = replace_part(_docx_bytes(), "word/document.xml", body)
    with pytest.raises(ServiceError, match="压缩比异常"):
        check_uploads([SimpleUploadedFile("材料.docx", bomb)])


def test_real_office_attachments_are_accepted() -> None:
    checked = check_uploads(
        [
            SimpleUploadedFile("材料.docx", _docx_bytes()),
            SimpleUploadedFile("清单.xlsx", _workbook_bytes()),
        ]
    )
    assert [upload.content_type for upload in checked] == ["application/zip"] * 2
