"""Reading an uploaded sheet (.xlsx, or CSV in UTF-8, UTF-8 with BOM or GBK) into a grid of text.

Every cell becomes text the way the sender sees it (an Excel date `2026-03-05`, a whole number
without `.0`), so a row can be shown, checked, written back into a rejected-rows file and into a
反馈 in the sender's layout unchanged. The workbook is checked by `common.officefiles` before
openpyxl opens it, and read in read-only mode; merged ranges, which read-only mode does not
report, are read from the worksheet's own XML (`<mergeCell ref=…>`), streamed.
"""

import codecs
import csv
import hashlib
import io
import itertools
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import IO, Any

from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries
from openpyxl.utils.exceptions import InvalidFileException

from saohei.common.errors import ServiceError
from saohei.common.officefiles import (
    MAX_SHEET_COLUMNS,
    MAX_SHEET_ROWS,
    OLE2_MAGIC,
    OfficeFileRefused,
    check_office_file,
)
from saohei.common.uploads import sniff_content_type

XLSX = "xlsx"
CSV = "csv"
MAX_SHEET_BYTES = 20 * 1024 * 1024
MAX_CELL_CHARS = 32_767
MAX_LINE_CHARS = 1024 * 1024
_CHUNK = 1024 * 1024
_MERGE_CELL = re.compile(rb"<(?:\w+:)?mergeCell\s+ref=\"([A-Z]+\d+(?::[A-Z]+\d+)?)\"")


@dataclass
class Grid:
    """The sheet's rows as text (1-based row n is `rows[n - 1]`) and its merged ranges as
    (first row, first column, last row, last column), 1-based and inclusive."""

    rows: list[list[str]]
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)

    def filled(self) -> list[list[str]]:
        """The rows with each merged range's text copied into every cell it covers."""
        rows = [list(row) for row in self.rows]
        for first_row, first_column, last_row, last_column in self.merges:
            if first_row > len(rows):
                continue
            source = rows[first_row - 1]
            text = source[first_column - 1] if first_column <= len(source) else ""
            for number in range(first_row, min(last_row, len(rows)) + 1):
                row = rows[number - 1]
                if len(row) < last_column:
                    row.extend([""] * (last_column - len(row)))
                for column in range(first_column, last_column + 1):
                    row[column - 1] = text
        return rows


def detect_kind(
    upload: IO[bytes], name: str, *, field: str = "file", max_bytes: int = MAX_SHEET_BYTES
) -> str:
    """'xlsx' or 'csv', from the content and the name; anything else, or a file over
    `max_bytes`, is refused in Chinese. Every import of a sheet asks here."""
    upload.seek(0, io.SEEK_END)
    size = upload.tell()
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if size == 0:
        raise ServiceError(f"文件“{name}”是空文件", field=field)
    if size > max_bytes:
        raise ServiceError(
            f"文件“{name}”超过 {max_bytes // 1024 // 1024}MB，请分批导入", field=field
        )
    lowered = name.lower()
    is_zip = sniff_content_type(head) == "application/zip"
    if head.startswith(OLE2_MAGIC) or (is_zip and lowered.endswith((".xlsx", ".xlsm"))):
        try:
            check_office_file(upload, name=name, expected=XLSX)
        except OfficeFileRefused as error:
            raise ServiceError(error.message, field=field) from error
        return XLSX
    if lowered.endswith(".csv") and sniff_content_type(head) is None:
        return CSV
    raise ServiceError(f"文件“{name}”不是 .xlsx 工作簿或 .csv 文件", field=field)


def read_grid(upload: IO[bytes], *, name: str, max_rows: int, field: str = "file") -> Grid:
    """The first worksheet (or the CSV file) as text; refused in Chinese when unreadable or
    longer than `max_rows` rows."""
    kind = detect_kind(upload, name, field=field)
    rows = _csv_rows(upload, name) if kind == CSV else None
    try:
        if rows is not None:
            return Grid(rows=_collect(rows, name=name, max_rows=max_rows, field=field))
        return _read_workbook(upload, name=name, max_rows=max_rows, field=field)
    except _Unreadable as error:
        raise ServiceError(error.message, field=field) from error


class _Unreadable(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _collect(rows: Iterator[list[str]], *, name: str, max_rows: int, field: str) -> list[list[str]]:
    collected: list[list[str]] = []
    for row in rows:
        collected.append(row)
        if len(collected) > max_rows:
            raise ServiceError(f"文件“{name}”超过 {max_rows} 行，请分批导入", field=field)
    # Empty rows at the end are what Excel leaves behind, not rows of the list.
    while collected and not any(collected[-1]):
        collected.pop()
    if not collected:
        raise ServiceError(f"文件“{name}”中没有内容", field=field)
    return collected


def cell_text(value: Any) -> str:
    """A cell as the sender reads it: whole numbers without `.0`, dates as 2026-03-05."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return f"{value:%Y-%m-%d}"
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return f"{value:%Y-%m-%d}"
    return str(value).strip()


def csv_encoding(handle: IO[bytes], name: str) -> str:
    """UTF-8 (with or without BOM), else GB 18030 (the superset of GBK that Chinese Excel
    writes); neither: refused."""
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        handle.seek(0)
        try:
            for chunk in iter(lambda: handle.read(_CHUNK), b""):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        finally:
            handle.seek(0)
        return encoding
    raise _Unreadable(f"文件“{name}”有无法识别的字符，请另存为 UTF-8 或 GBK 编码的 CSV")


def _csv_rows(handle: IO[bytes], name: str) -> Iterator[list[str]]:
    encoding = csv_encoding(handle, name)
    text = io.TextIOWrapper(handle, encoding=encoding, newline="")

    def lines() -> Iterator[str]:
        for number in itertools.count(1):
            line = text.readline(MAX_LINE_CHARS + 1)
            if not line:
                return
            if len(line) > MAX_LINE_CHARS:
                raise _Unreadable(f"文件“{name}”第{number}行过长，不像正常的表格，请检查文件")
            yield line

    reader = csv.reader(lines())
    try:
        for number, row in enumerate(reader, start=1):
            _check_shape(name, number, row)
            if any(len(cell) > MAX_CELL_CHARS for cell in row):
                raise _Unreadable(f"文件“{name}”第{number}行有单元格超过 {MAX_CELL_CHARS} 个字")
            yield [cell.strip() for cell in row]
    except csv.Error as error:
        raise _Unreadable(f"文件“{name}”不是有效的 CSV 表格（第{reader.line_num}行）") from error
    finally:
        if not handle.closed:
            text.detach()


def _check_shape(name: str, number: int, row: list[Any] | tuple[Any, ...]) -> None:
    if number > MAX_SHEET_ROWS:
        raise _Unreadable(f"文件“{name}”超过 {MAX_SHEET_ROWS} 行，请分批导入")
    if len(row) > MAX_SHEET_COLUMNS:
        raise _Unreadable(f"文件“{name}”第{number}行超过 {MAX_SHEET_COLUMNS} 列，请删除多余的列")


def _read_workbook(upload: IO[bytes], *, name: str, max_rows: int, field: str) -> Grid:
    try:
        # Checked again here: this is the process that parses, whatever checked it before.
        check_office_file(upload, name=name, expected=XLSX)
    except OfficeFileRefused as error:
        raise _Unreadable(error.message) from error
    try:
        workbook = load_workbook(upload, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as error:
        raise _Unreadable(f"无法读取“{name}”，请确认是有效的 .xlsx 工作簿") from error
    try:
        if not workbook.worksheets:
            raise _Unreadable(f"工作簿“{name}”中没有工作表")
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()

        def rows() -> Iterator[list[str]]:
            try:
                for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                    _check_shape(name, number, values)
                    yield [cell_text(value) for value in values]
            except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
                raise _Unreadable(f"工作表“{sheet.title}”已损坏，无法读取") from error

        collected = _collect(rows(), name=name, max_rows=max_rows, field=field)
        merges = _merges(workbook, sheet)
    finally:
        workbook.close()
    return Grid(rows=collected, merges=merges)


def _merges(workbook: Any, sheet: Any) -> list[tuple[int, int, int, int]]:
    """The sheet's merged ranges, from `<mergeCells>` at the end of its XML part."""
    path = getattr(sheet, "_worksheet_path", None)
    archive = getattr(workbook, "_archive", None)
    if not path or archive is None:
        return []
    found: list[tuple[int, int, int, int]] = []
    tail = b""
    with archive.open(path) as stream:
        for chunk in iter(lambda: stream.read(_CHUNK), b""):
            data = tail + chunk
            cut = max(0, len(data) - 64)
            for match in _MERGE_CELL.finditer(data):
                # An element starting in the last bytes may be cut: it is read with the next chunk.
                if match.start() >= cut:
                    break
                found.append(_bounds(match.group(1)))
            tail = data[cut:]
        found.extend(_bounds(match.group(1)) for match in _MERGE_CELL.finditer(tail))
    return sorted(set(found))


def _bounds(reference: bytes) -> tuple[int, int, int, int]:
    text = reference.decode("ascii")
    if ":" not in text:
        text = f"{text}:{text}"
    first_column, first_row, last_column, last_row = range_boundaries(text)
    return (first_row or 1, first_column or 1, last_row or 1, last_column or 1)


def sha256_of(upload: IO[bytes]) -> str:
    """The file's SHA-256, read in chunks; the file is left at its start."""
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in iter(lambda: upload.read(1024 * 1024), b""):
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()
