"""Guards for the Office files the system opens (.xlsx, .docx): checked before any library parses
them, so that a small decompression bomb cannot balloon the process that reads it.

An .xlsx or .docx is a ZIP of XML parts. Readers such as openpyxl stream the worksheets in
read-only mode but load every other part (shared strings, styles, the document body) whole, and
build each worksheet row in memory before yielding it. So, from the archive's central directory
alone (nothing is decompressed): the sum of the parts' sizes, each part's size and compression
ratio, the number of parts and encrypted entries; then, for a workbook, each worksheet is
streamed once through a byte scanner that counts rows and cells per row against caps.
"""

import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from saohei.common.errors import ServiceError

# An encrypted .xlsx/.docx is an OLE2 compound file, as are the old .xls/.doc formats.
OLE2_MAGIC = b"\xd0\xcf\x11\xe0"
ZIP_MAGIC = b"PK\x03\x04"

# Every part decompressed together; a 100,000-row workbook written by Excel is about 60 MB.
MAX_UNCOMPRESSED_BYTES = 400 * 1024 * 1024
# Any one part; a 200,000-row worksheet of the case template is about 75 MB.
MAX_PART_BYTES = 128 * 1024 * 1024
# Parts read whole into memory (everything but worksheets): shared strings, styles, a body.
MAX_WHOLE_PART_BYTES = 64 * 1024 * 1024
# Worksheets are scanned, and so is any other part of a workbook larger than this, whatever its
# declared type: openpyxl finds sheets through relationships, not types. Smaller parts cannot
# hold a row big enough to matter.
SCANNED_ABOVE_BYTES = 64 * 1024
MAX_PARTS = 2000
# Office XML compresses 5–30 times; styled empty cells or repeated bytes compress thousands of
# times. Small parts may compress well without harm, so the ratio is judged above 1 MB only.
MAX_COMPRESSION_RATIO = 100
RATIO_JUDGED_ABOVE_BYTES = 1024 * 1024
# Sheet shape: rows per sheet (header and title lines included) and cells per row.
MAX_SHEET_ROWS = 200_000
MAX_SHEET_COLUMNS = 256

XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
XLSM_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
PPTX_MAIN = "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"
WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
OFFICE_KINDS = {XLSX_MAIN: "xlsx", XLSM_MAIN: "xlsx", DOCX_MAIN: "docx", PPTX_MAIN: "pptx"}

_CONTENT_TYPE_OVERRIDE = re.compile(
    rb"<(?:\w+:)?Override\b[^>]*?PartName=\"([^\"]+)\"[^>]*?ContentType=\"([^\"]+)\""
    rb"|<(?:\w+:)?Override\b[^>]*?ContentType=\"([^\"]+)\"[^>]*?PartName=\"([^\"]+)\""
)
# A row or a cell element, with or without a namespace prefix; `<cols>`, `<col>` do not match.
_ROW_OR_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)[\s/>]")
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"(?:[A-Z]+\d+:)?([A-Z]+)(\d+)\"")
_SCAN_CHUNK = 1024 * 1024
_ELEMENT_TAIL = 64  # bytes kept across chunks so an element split between them is still seen


class OfficeFileRefused(ServiceError):
    """The file is not an Office file we will open; the message says why, in Chinese."""


@dataclass(frozen=True)
class OfficePackage:
    kind: str  # 'xlsx', 'docx' or 'pptx'
    scanned_parts: tuple[str, ...]  # the parts whose rows and cells were counted (workbooks)


def _refuse(name: str, reason: str) -> OfficeFileRefused:
    return OfficeFileRefused(f"文件“{name}”{reason}")


def check_office_file(file: IO[bytes], *, name: str, expected: str | None = None) -> OfficePackage:
    """Refuse an encrypted, old-format, malformed or oversized Office file before it is opened;
    a workbook's sheets are also scanned for their number of rows and columns. `expected` is
    'xlsx' or 'docx' (None: any Office document)."""
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    if head.startswith(OLE2_MAGIC):
        raise _refuse(
            name,
            "是旧版 .xls/.doc 格式或设置了打开密码：请在 Office 中取消密码并“另存为” "
            ".xlsx/.docx 后再上传",
        )
    if not head.startswith(ZIP_MAGIC):
        raise _refuse(name, "不是有效的 Office 文件")
    try:
        with zipfile.ZipFile(file) as archive:
            package = _check_archive(archive, name=name, expected=expected)
            for part in package.scanned_parts:
                _scan_worksheet(archive, part, name=name)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError) as error:
        raise _refuse(name, "已损坏，无法读取") from error
    finally:
        file.seek(0)
    return package


def _check_archive(archive: zipfile.ZipFile, *, name: str, expected: str | None) -> OfficePackage:
    entries = archive.infolist()
    if len(entries) > MAX_PARTS:
        raise _refuse(name, f"包含超过 {MAX_PARTS} 个部件，不像正常的 Office 文件")
    total = 0
    for entry in entries:
        if entry.flag_bits & 0x1:
            raise _refuse(name, "已加密：请取消密码后再上传")
        total += entry.file_size
        if entry.file_size > RATIO_JUDGED_ABOVE_BYTES and (
            entry.compress_size == 0
            or entry.file_size / entry.compress_size > MAX_COMPRESSION_RATIO
        ):
            raise _refuse(name, "的压缩比异常（疑似“压缩炸弹”），已拒绝")
    if total > MAX_UNCOMPRESSED_BYTES:
        raise _refuse(
            name, f"解压后超过 {MAX_UNCOMPRESSED_BYTES // 1024 // 1024}MB，请精简或分批上传"
        )
    if "[Content_Types].xml" not in archive.namelist():
        raise _refuse(name, "不是有效的 Office 文件")
    content_types = archive.getinfo("[Content_Types].xml")
    if content_types.file_size > RATIO_JUDGED_ABOVE_BYTES:
        raise _refuse(name, "不是有效的 Office 文件")
    parts = dict(_overrides(archive.read(content_types)))
    kind = next((OFFICE_KINDS[value] for value in parts.values() if value in OFFICE_KINDS), None)
    if kind is None or (expected is not None and kind != expected):
        wanted = f".{expected} " if expected else "Office "
        raise _refuse(name, f"不是有效的 {wanted}文件")
    worksheets = {part for part, value in parts.items() if value == WORKSHEET}
    for entry in entries:
        limit = MAX_PART_BYTES if entry.filename in worksheets else MAX_WHOLE_PART_BYTES
        if entry.file_size > limit:
            raise _refuse(
                name,
                f"中的“{entry.filename}”解压后超过 {limit // 1024 // 1024}MB，请精简或分批上传",
            )
    scanned = tuple(
        entry.filename
        for entry in entries
        if kind == "xlsx"
        and (entry.filename in worksheets or entry.file_size > SCANNED_ABOVE_BYTES)
    )
    return OfficePackage(kind=kind, scanned_parts=scanned)


def _overrides(xml: bytes) -> Iterator[tuple[str, str]]:
    for match in _CONTENT_TYPE_OVERRIDE.finditer(xml):
        part, content_type = match.group(1) or match.group(4), match.group(2) or match.group(3)
        yield part.decode("utf-8", "replace").lstrip("/"), content_type.decode("ascii", "replace")


def _scan_worksheet(archive: zipfile.ZipFile, part: str, *, name: str) -> None:
    """Count rows and the cells of each row, streaming; refuse past the caps. The declared
    `<dimension>` is checked first for a quick answer, but it may lie, so the scan goes on."""
    too_many_rows = _refuse(name, f"的工作表超过 {MAX_SHEET_ROWS} 行，请分批导入")
    too_many_columns = _refuse(name, f"的工作表超过 {MAX_SHEET_COLUMNS} 列，请删除多余的列")
    rows = cells_in_row = 0
    tail = b""
    seen_dimension = False
    with archive.open(part) as stream:
        for chunk in iter(lambda: stream.read(_SCAN_CHUNK), b""):
            data = tail + chunk
            if not seen_dimension:
                dimension = _DIMENSION.search(data)
                if dimension is not None:
                    seen_dimension = True
                    if _column_number(dimension.group(1)) > MAX_SHEET_COLUMNS:
                        raise too_many_columns
                    if int(dimension.group(2)) > MAX_SHEET_ROWS:
                        raise too_many_rows
            # Elements that start in the last bytes are counted with the next chunk.
            cut = max(0, len(data) - _ELEMENT_TAIL)
            for match in _ROW_OR_CELL.finditer(data, 0, len(data)):
                if match.start() >= cut:
                    break
                if match.group(1) == b"row":
                    rows, cells_in_row = rows + 1, 0
                    if rows > MAX_SHEET_ROWS:
                        raise too_many_rows
                else:
                    cells_in_row += 1
                    if cells_in_row > MAX_SHEET_COLUMNS:
                        raise too_many_columns
            tail = data[cut:]
        for match in _ROW_OR_CELL.finditer(tail):
            if match.group(1) == b"row":
                rows, cells_in_row = rows + 1, 0
            else:
                cells_in_row += 1
        if rows > MAX_SHEET_ROWS:
            raise too_many_rows
        if cells_in_row > MAX_SHEET_COLUMNS:
            raise too_many_columns


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + (letter - ord("A") + 1)
    return number
