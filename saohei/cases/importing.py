"""Reading and checking an upload of police cases: every bad row is listed, nothing is written.

Two tables, `案件` and `涉案人员`, arrive either as two sheets of one .xlsx workbook (the main
path; the template download is such a workbook) or as CSV: the first file is the 案件 table and
an optional second file the 涉案人员 table. Which file is which is said by the upload form's two
fields and by the order of `import_cases PATH [PATH2]`, never guessed from the headers. CSV may be
UTF-8, UTF-8 with BOM or GBK (what Chinese Excel writes).

This module only reads and validates; `services.run_import_job` writes.
"""

import codecs
import csv
import io
import itertools
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import IO, Any

from django.db import connection, models
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from saohei.cases.models import Means, Motive, Nature, PersonRole
from saohei.cases.synonyms import MARKABLE_ROLES, leader_mark_in, synonym_for
from saohei.common.dates import DateKind, date_problem
from saohei.common.errors import ServiceError
from saohei.common.officefiles import (
    MAX_SHEET_COLUMNS,
    MAX_SHEET_ROWS,
    OfficeFileRefused,
    check_office_file,
)
from saohei.common.phones import is_mobile, parse_phones
from saohei.common.pii import SealedValue, clean_id_number, seal
from saohei.common.plates import parse_plates
from saohei.common.validation import text_problem
from saohei.organisations.village_names import fold_name, match_village
from saohei.sheets import reading as sheet_reading
from saohei.sheets.checking import value_key
from saohei.sheets.headers import IGNORED, columns_for
from saohei.sheets.headers import find_header as find_sheet_header
from saohei.sheets.kinds import ImportKind, TargetField

CASE_TABLE = "案件"
PERSON_TABLE = "涉案人员"
XLSX = sheet_reading.XLSX
CSV = sheet_reading.CSV
MAX_IMPORT_BYTES = 100 * 1024 * 1024
# Police exports often put a title line or two above the header row.
HEADER_SEARCH_ROWS = 10
PROGRESS_EVERY = 2000
# The column the rejected-rows download adds (`exports.write_rejected_rows`); a file fixed
# and imported again carries it, and the import reads past it like any unknown column.
ERROR_COLUMN = "错误说明"
# Every checked row is held until the write: this many data rows in both tables together keep
# the worker under 300 MB (`make bench import-memory`), e.g. 100,000 cases and 150,000 persons.
MAX_IMPORT_ROWS = 250_000
# On SQLite the import's one writing step holds every other writer of the site for its length:
# about a second at 100,000 rows, five at 250,000 (decision 0057). The embedded install takes at
# most this many a workbook, so the site never waits much longer than a second; PostgreSQL,
# where the write blocks nobody, takes MAX_IMPORT_ROWS.
MAX_SQLITE_IMPORT_ROWS = 100_000


def max_import_rows() -> int:
    """Rows a workbook may hold in both tables together, on this site's database."""
    if connection.vendor == "sqlite":
        return min(MAX_IMPORT_ROWS, MAX_SQLITE_IMPORT_ROWS)
    return MAX_IMPORT_ROWS


# A CSV holds the same tables as a sheet: the same row and column caps, plus caps on a line and
# a cell (Excel's own cell limit), so one endless line cannot fill the memory.
MAX_CELL_CHARS = 32_767
MAX_LINE_CHARS = 1024 * 1024
CSV_CHUNK_BYTES = 1024 * 1024
# Unknown words offered in the 取值对照 form: longer cells are not a word for a choice, and a
# file full of distinct ones is not a matter of mapping (their rows are still all listed).
MAX_MAPPED_WORD = 50
MAX_UNKNOWN_WORDS = 200
# Nor is a run of digits: in a shifted column it may be an ID number or a phone, which the job
# must not keep in clear.
_DIGIT_RUN = re.compile(r"\d{6}")


@dataclass(frozen=True)
class Column:
    title: str
    key: str
    required: bool = False
    max_length: int | None = None
    choices: type[models.TextChoices] | None = None
    # Other headers police exports give the same column.
    aliases: tuple[str, ...] = ()


CASE_COLUMNS = (
    Column("案件编号", "number", required=True, max_length=64),
    Column("案由", "cause", required=True, max_length=100),
    Column("案件性质", "nature", required=True, choices=Nature),
    Column("发案时间", "occurred", required=True),
    Column("发案地点", "place", max_length=200),
    Column("所属村", "village"),
    Column("简要案情", "summary", max_length=5000),
    Column("处理结果", "outcome", max_length=2000),
    Column("手段", "means", choices=Means),
    Column("起因", "motive", choices=Motive),
)
PERSON_COLUMNS = (
    Column("案件编号", "case_number", required=True, max_length=64),
    Column("姓名", "name", required=True, max_length=50),
    Column("身份证号", "id_number", aliases=("身份证号码", "公民身份号码")),
    # A mobile or a fixed line, or two of them (`common.phones.parse_phones`).
    Column("手机号", "phone", aliases=("联系电话", "电话号码", "联系方式")),
    Column("住址", "address", max_length=200),
    Column("角色", "role", required=True, choices=PersonRole, aliases=("人员类别", "涉案角色")),
    # Optional: several plates in one cell, separated by 、 or ，(`common.plates.parse_plates`).
    Column("车牌号", "plates", max_length=120),
    # Read only for a suspect's 纠集者/组织者/首要分子 (`synonyms.LEADER_MARKS`); not stored.
    Column("备注", "remark", max_length=2000),
)
# How a required column's absence is said: the job page then offers to name the column.
MISSING_COLUMN = "缺少必填列"
# Free text that may hold line breaks; every other text cell is one line.
MULTILINE_COLUMNS = frozenset({"summary", "outcome"})
COLUMNS_BY_TABLE = {CASE_TABLE: CASE_COLUMNS, PERSON_TABLE: PERSON_COLUMNS}


def _table_kind(key: str, label: str, columns: tuple[Column, ...]) -> ImportKind:
    return ImportKind(
        key=key,
        label=label,
        fields=tuple(
            TargetField(column.key, column.title, column.aliases, required=column.required)
            for column in columns
        ),
    )


# Each table's columns as the sheets pipeline knows them (decision 0065 addendum): the header is
# found and the columns guessed by `sheets.headers`, and a sender's saved column mapping
# (`sheets.SenderMapping`, one per table kind) names the columns it calls otherwise.
TABLE_KINDS = {
    CASE_TABLE: _table_kind("case_table", "治安案件·案件表", CASE_COLUMNS),
    PERSON_TABLE: _table_kind("case_person_table", "治安案件·涉案人员表", PERSON_COLUMNS),
}


class UnreadableFile(Exception):
    """The file as a whole cannot be read (not a workbook, unknown encoding, no known sheet)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class RowError:
    sheet: str
    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


@dataclass(slots=True)
class CaseRow:
    row: int
    number: str
    cause: str
    nature: str
    occurred_on: date
    occurred_time: time | None
    place: str
    village_id: int | None
    summary: str
    outcome: str
    means: str
    motive: str


@dataclass(slots=True)
class PersonRow:
    """Identifiers are kept cleaned, not yet sealed: a sealed value with its index and mask
    takes about ten times the memory, and every row is held until the write (decision 0012)."""

    case_number: str
    name: str
    id_number: str  # cleaned; "" when absent
    phone: str  # cleaned; "" when absent; a mobile before a fixed line
    phone2: str  # the cell's other number, cleaned; "" when it held one or none
    address: str
    role: str
    plates: list[str]  # normal forms; [] when absent


@dataclass
class RejectedTable:
    """A table's header as the file gave it (without an earlier 错误说明) and the rows given
    back, every cell as text, for the download the clerk fixes in Excel and imports again."""

    name: str
    header: list[str]
    # (row number in the file, the row's cells under `header`, whether the row itself is bad)
    rows: list[tuple[int, list[str], bool]] = field(default_factory=list)


@dataclass
class WordCount:
    """A sender's word in a mapped column (role, 性质, 手段, 起因, 所属村) and how many rows say it;
    `value` is what the sender's saved mapping reads it as (empty for an unknown word)."""

    field: str
    word: str  # as the first row wrote it
    rows: int = 0
    value: str = ""

    def as_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {"field": self.field, "word": self.word, "rows": self.rows}
        if self.value:
            found["value"] = self.value
        return found


@dataclass
class ParsedImport:
    cases: list[CaseRow] = field(default_factory=list)
    persons: list[PersonRow] = field(default_factory=list)
    has_person_table: bool = False
    # Every problem is kept: the page lists them a page at a time, the download row by row.
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    processed_rows: int = 0
    # The refused rows per table, and the case numbers they name: a case goes back whole (its
    # row and every person row), since importing a case replaces all its persons.
    rejected_rows: dict[str, set[int]] = field(default_factory=dict)
    rejected_numbers: set[str] = field(default_factory=set)
    # Rows left out of the write by `skip_rejected`.
    skipped_rows: int = 0
    # Per (field, folded word): words no value was found for, offered once each for mapping;
    # and words read through the sender's saved mapping, shown as such (decision 0065).
    unknown: dict[tuple[str, str], WordCount] = field(default_factory=dict)
    remembered: dict[tuple[str, str], WordCount] = field(default_factory=dict)
    # Each usable table's header as read, for the rejected rows read again from the file.
    headers: dict[str, "TableHeader"] = field(default_factory=dict)

    @property
    def is_valid(self) -> bool:
        return self.error_count == 0

    def add_error(self, sheet: str, row: int, column: str, message: str) -> None:
        self.error_count += 1
        self.errors.append(RowError(sheet, row, column, message))

    def reject_row(self, table: str, row: int, number: str) -> None:
        self.rejected_rows.setdefault(table, set()).add(row)
        if number:
            self.rejected_numbers.add(number)

    @property
    def only_row_errors(self) -> bool:
        """Every problem is in a data row (no missing column, no empty file)."""
        return all(error.row in self.rejected_rows.get(error.sheet, ()) for error in self.errors)

    def skip_rejected(self) -> bool:
        """Leave out every case with a refused row, with all its rows; True when rows remain."""
        numbers = self.rejected_numbers
        cases = [case for case in self.cases if case.number not in numbers]
        persons = [person for person in self.persons if person.case_number not in numbers]
        kept = len(cases) + len(persons)
        self.skipped_rows = (
            len(self.cases)
            + len(self.persons)
            - kept
            + sum(len(rows) for rows in self.rejected_rows.values())
        )
        self.cases, self.persons = cases, persons
        return kept > 0


@dataclass(frozen=True)
class TableHeader:
    row: int
    # The header's cells as text, as the file gives them.
    cells: list[str]
    # Column key → position, through the sender's column mapping or the guess.
    positions: dict[str, int]


@dataclass
class Table:
    name: str
    rows: Iterator[tuple[int, Sequence[Any]]]
    estimated_rows: int


# --- Files -------------------------------------------------------------------------------


def detect_kind(upload: IO[bytes], name: str, *, field: str = "file") -> str:
    """'xlsx' or 'csv', as every sheet import reads it, under the case import's own size cap."""
    return sheet_reading.detect_kind(upload, name, field=field, max_bytes=MAX_IMPORT_BYTES)


sha256_of = sheet_reading.sha256_of


def _first_undecodable(handle: IO[bytes], encoding: str) -> int | None:
    """The offset of the first byte the encoding cannot decode, or None when the whole file
    decodes; read in chunks (the text is not kept)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    handle.seek(0)
    consumed = 0
    try:
        for chunk in iter(lambda: handle.read(CSV_CHUNK_BYTES), b""):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                # The error's offsets count the bytes the decoder still held before this chunk.
                return consumed + len(chunk) - len(error.object) + error.start
            consumed += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as error:
            return consumed - len(error.object) + error.start
    finally:
        handle.seek(0)
    return None


def _line_at(handle: IO[bytes], offset: int) -> int:
    """The 1-based line number of the byte at `offset`."""
    handle.seek(0)
    lines, read = 1, 0
    try:
        while read < offset:
            chunk = handle.read(min(CSV_CHUNK_BYTES, offset - read))
            if not chunk:
                break
            lines += chunk.count(b"\n")
            read += len(chunk)
    finally:
        handle.seek(0)
    return lines


def csv_encoding(handle: IO[bytes], name: str = "") -> str:
    """UTF-8 (with or without BOM) first; otherwise GB 18030, the superset of GBK. A file that
    is neither is refused naming the line where the encoding it follows further breaks (a GBK
    file with one stray byte: that byte's line)."""
    failures = {}
    for encoding in ("utf-8-sig", "gb18030"):
        offset = _first_undecodable(handle, encoding)
        if offset is None:
            return encoding
        failures[encoding] = offset
    encoding, offset = max(failures.items(), key=lambda item: item[1])
    label = "UTF-8" if encoding == "utf-8-sig" else "GBK"
    raise UnreadableFile(
        f"{name}文件第{_line_at(handle, offset)}行有无法识别的字符（按 {label} 编码读到此处出错），"
        "请检查该行，或把文件另存为 UTF-8 或 GBK 编码"
    )


def _bounded_lines(text: IO[str], name: str) -> Iterator[str]:
    """The file's lines, refusing one longer than MAX_LINE_CHARS before it is read whole."""
    for number in itertools.count(1):
        line = text.readline(MAX_LINE_CHARS + 1)
        if not line:
            return
        if len(line) > MAX_LINE_CHARS:
            raise UnreadableFile(
                f"{name}文件第{number}行超过 {MAX_LINE_CHARS} 个字符，不像正常的表格，请检查文件"
            )
        yield line


def _csv_rows(handle: IO[bytes], name: str) -> Iterator[tuple[int, Sequence[Any]]]:
    text = io.TextIOWrapper(handle, encoding=csv_encoding(handle, name), newline="")
    reader = csv.reader(_bounded_lines(text, name))
    try:
        for number, row in enumerate(reader, start=1):
            _check_shape(name, number, row)
            if any(len(cell) > MAX_CELL_CHARS for cell in row):
                raise UnreadableFile(
                    f"{name}表第{number}行有单元格超过 {MAX_CELL_CHARS} 个字，请检查文件"
                )
            yield number, row
    except csv.Error as error:
        raise UnreadableFile(f"{name}文件不是有效的 CSV 表格（第{reader.line_num}行）") from error
    finally:
        # The caller closes the file; an unfinished reader must not close it first.
        if not handle.closed:
            text.detach()


def _check_shape(name: str, number: int, row: Sequence[Any]) -> None:
    """Row and column caps while streaming: the same for a sheet and a CSV file."""
    if number > MAX_SHEET_ROWS:
        raise UnreadableFile(f"{name}表超过 {MAX_SHEET_ROWS} 行，请分批导入")
    if len(row) > MAX_SHEET_COLUMNS:
        raise UnreadableFile(f"{name}表第{number}行超过 {MAX_SHEET_COLUMNS} 列，请删除多余的列")


def _csv_table(name: str, handle: IO[bytes]) -> Table:
    lines = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(CSV_CHUNK_BYTES), b""))
    handle.seek(0)
    return Table(name=name, rows=_csv_rows(handle, name), estimated_rows=max(0, lines - 1))


def _sheet_rows(sheet: Any, name: str) -> Iterator[tuple[int, Sequence[Any]]]:
    try:
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            _check_shape(name, number, row)
            yield number, row
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise UnreadableFile(f"工作表“{sheet.title}”已损坏，无法读取") from error


@contextmanager
def open_tables(
    file: IO[bytes], kind: str, persons_file: IO[bytes] | None = None
) -> Iterator[list[Table]]:
    """The tables of an upload, read lazily row by row (openpyxl read-only mode)."""
    if kind == CSV:
        tables = [_csv_table(CASE_TABLE, file)]
        if persons_file is not None:
            tables.append(_csv_table(PERSON_TABLE, persons_file))
        yield tables
        return
    with _workbook(file) as workbook:
        sheets = {_header_key(name): name for name in workbook.sheetnames}
        tables = [
            _sheet_table(workbook[sheets[table_name]], table_name)
            for table_name in (CASE_TABLE, PERSON_TABLE)
            if table_name in sheets
        ]
        if not tables:
            raise UnreadableFile(f"工作簿中没有名为“{CASE_TABLE}”或“{PERSON_TABLE}”的工作表")
        yield tables


@contextmanager
def open_single_table(file: IO[bytes], kind: str, *, name: str) -> Iterator[Table]:
    """The one table of an upload that holds one (the 村"两委" candidate list): a CSV file, or
    the workbook's sheet called `name`, else its first sheet. The same checks as `open_tables`."""
    if kind == CSV:
        yield _csv_table(name, file)
        return
    with _workbook(file) as workbook:
        sheets = {_header_key(sheet_name): sheet_name for sheet_name in workbook.sheetnames}
        sheet = workbook[sheets[name]] if name in sheets else workbook.worksheets[0]
        yield _sheet_table(sheet, name)


@contextmanager
def _workbook(file: IO[bytes]) -> Iterator[Any]:
    """An .xlsx opened read-only after the hostile-file checks, closed on leaving."""
    try:
        # Checked again here: this is the process that parses, whatever stored the file.
        check_office_file(file, name="上传的工作簿", expected=XLSX)
    except OfficeFileRefused as error:
        raise UnreadableFile(error.message) from error
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as error:
        raise UnreadableFile("无法读取 Excel 文件，请确认是有效的 .xlsx 工作簿") from error
    try:
        yield workbook
    finally:
        workbook.close()


def _sheet_table(sheet: Any, table_name: str) -> Table:
    estimated = max(0, (sheet.max_row or 1) - 1)
    # Some writers store a wrong size; without it openpyxl reads whatever is there.
    sheet.reset_dimensions()
    return Table(table_name, _sheet_rows(sheet, table_name), estimated)


# --- Values ------------------------------------------------------------------------------


def _header_key(value: Any) -> str:
    """'案件性质（刑事/治安）', ' 案件编号* ' and '案件编号' all name the same column."""
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value or "")))
    text = re.sub(r"\(.*\)$", "", text)
    return text.strip("*")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return f"{value:%Y-%m-%d}"
    return str(value).strip()


def _code(value: Any) -> str:
    """Codes and names compared exactly: full-width characters folded, no spaces."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", _text(value)))


def _shown(value: Any) -> str:
    text = _text(value)
    return text if len(text) <= 30 else text[:30] + "…"


def _is_empty(values: Sequence[Any]) -> bool:
    return all(value is None or (isinstance(value, str) and not value.strip()) for value in values)


def parse_choice(value: Any, choices: type[models.TextChoices]) -> str | None:
    """The stored value for a label ('治安', '治安案件') or a stored value; None if unknown."""
    text = _code(value)
    for stored, label in choices.choices:
        if text in (label, f"{label}案件", stored):
            return str(stored)
    return None


_DATE_TEXT = re.compile(
    r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"
    r"(?:T?(\d{1,2})[:时](\d{1,2})(?:[:分](\d{1,2})秒?|分)?)?$"
)
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_EXCEL_EPOCH = datetime(1899, 12, 30)  # a calendar reference, not a moment


class InvalidDate(ValueError):
    """发案时间 that cannot be used; the message is Chinese and safe to show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def parse_occurred(value: Any, *, today: date) -> tuple[date, time | None]:
    """Excel date cells, Excel serial numbers, '2012-05-03', '2012/5/3', '2012年5月3日',
    '20120503', each optionally with a time ('21:30', '21时30分')."""
    unreadable = InvalidDate(
        f"“{_shown(value)}”不是有效的日期（如 2012-05-03、2012/5/3、2012年5月3日）"
    )
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time(0, 0))
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if 19000101 <= value <= 29991231 and float(value).is_integer():
            moment = _moment_from_text(str(int(value)), unreadable)
        elif 1 <= value < 2958466:
            moment = _EXCEL_EPOCH + timedelta(days=float(value))
        else:
            raise unreadable
    else:
        moment = _moment_from_text(_code(value), unreadable)
    day, clock = moment.date(), moment.time().replace(microsecond=0)
    if day > today:
        raise InvalidDate("发案时间晚于今天")
    if problem := date_problem(day, DateKind.HISTORY):
        raise InvalidDate(f"发案时间{problem}，请核对")
    return day, (None if clock == time(0, 0) else clock)


def _moment_from_text(text: str, unreadable: InvalidDate) -> datetime:
    match = _COMPACT_DATE.match(text) or _DATE_TEXT.match(text)
    if match is None:
        raise unreadable
    parts = [int(part) if part else 0 for part in match.groups()]
    year, month, day, hour, minute, second = parts + [0] * (6 - len(parts))
    try:
        return datetime(year, month, day, hour, minute, second)  # the case's local wall-clock time
    except ValueError as error:
        raise unreadable from error


# --- Rows --------------------------------------------------------------------------------


class Sealer:
    """Seals each distinct identifier once while it recurs (the same person across many cases);
    the cache is emptied when full, so its memory stays bounded."""

    MAX_CACHED = 20_000

    def __init__(self, *, max_cached: int = MAX_CACHED) -> None:
        self._cache: dict[tuple[str, str], SealedValue] = {}
        self._max_cached = max_cached
        # How many values were actually sealed (the rest came from the cache).
        self.sealed = 0

    def __call__(self, kind: str, value: str) -> SealedValue:
        key = (kind, value)
        sealed = self._cache.get(key)
        if sealed is None:
            if len(self._cache) >= self._max_cached:
                self._cache.clear()
            sealed = self._cache[key] = seal(kind, value)
            self.sealed += 1
        return sealed


@dataclass
class _Context:
    parsed: ParsedImport
    villages: dict[str, int]
    town_name: str
    stored_numbers: set[str]
    today: date
    progress: Callable[[int], None]
    file_numbers: dict[str, int] = field(default_factory=dict)
    case_table_usable: bool = True
    # The town's village ids as text, how a mapping keeps them.
    village_ids: frozenset[str] = frozenset()
    # The sender's saved value mapping (field → folded word → value), after labels and before
    # the built-in synonyms: the clerk's word for this sender wins over the defaults.
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # The sender's saved column mappings per table (column title → key, "" for left out).
    columns: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # Read once: the import reads rows on the worker's own connection.
    max_rows: int = field(default_factory=max_import_rows)


def find_header(table: Table, title: str) -> tuple[int, dict[str, int]] | None:
    """(row number, column position per title) of the first of the top rows that has a column
    `title`; None when none has. The table's rows are read up to that row."""
    found = _header_row(table, title)
    return None if found is None else (found[0], found[1])


def _header_row(table: Table, title: str) -> tuple[int, dict[str, int], list[str]] | None:
    """As `find_header`, with the header's cells as the file gives them."""
    for row_number, values in table.rows:
        keys = [_header_key(value) for value in values]
        if title in keys:
            positions: dict[str, int] = {}
            for position, key in enumerate(keys):
                positions.setdefault(key, position)
            return row_number, positions, [_text(value) for value in values]
        if row_number >= HEADER_SEARCH_ROWS:
            break
    return None


def table_header(table: Table, saved: Mapping[str, str] | None) -> TableHeader | None:
    """The header among the table's top rows and each column's position, found as every sheet
    import finds them (`sheets.headers`): the row naming the most columns, a sender's saved
    column mapping first, else the guess from titles and aliases. The rows under the header are
    left in `table.rows` to read."""
    top = list(itertools.islice(table.rows, HEADER_SEARCH_ROWS))
    grid = sheet_reading.Grid(rows=[[_text(value) for value in values] for _, values in top])
    kind = TABLE_KINDS[table.name]
    found = find_sheet_header(grid, kind)
    if found is None:
        table.rows = itertools.chain(top, table.rows)
        return None
    table.rows = itertools.chain(top[found.row :], table.rows)
    columns = columns_for(found.titles, kind, dict(saved) if saved else None)
    positions = {
        columns[title]: position
        for position, title in enumerate(found.titles)
        if title and columns.get(title, IGNORED) != IGNORED
    }
    return TableHeader(row=found.row, cells=grid.rows[found.row - 1], positions=positions)


def _find_header(table: Table, context: _Context) -> TableHeader | None:
    header = table_header(table, context.columns.get(table.name))
    if header is None:
        context.parsed.add_error(
            table.name,
            1,
            "案件编号",
            f"未找到表头：前{HEADER_SEARCH_ROWS}行中没有“案件编号”等列名",
        )
    return header


def _read_rows(table: Table, context: _Context) -> Iterator[tuple[int, dict[str, Any]]]:
    """(row number, raw value per column key) for each non-empty data row of a usable table."""
    columns = COLUMNS_BY_TABLE[table.name]
    header = _find_header(table, context)
    if header is None:
        if table.name == CASE_TABLE:
            context.case_table_usable = False
        return
    context.parsed.headers[table.name] = header
    positions = header.positions
    missing = [column for column in columns if column.required and column.key not in positions]
    for column in missing:
        context.parsed.add_error(
            table.name,
            header.row,
            column.title,
            f"{MISSING_COLUMN}“{column.title}”；若来文用了别的列名，可在“来文表格对照”中为该来文单位指定",
        )
    if missing:
        if table.name == CASE_TABLE:
            context.case_table_usable = False
        return
    indexes = [(column.key, positions.get(column.key)) for column in columns]
    for row_number, values in table.rows:
        context.parsed.processed_rows += 1
        if context.parsed.processed_rows > context.max_rows:
            raise UnreadableFile(
                f"两张表合计超过 {context.max_rows} 行，请分批导入（每批的案件及其涉案人员放在一起）"
            )
        if context.parsed.processed_rows % PROGRESS_EVERY == 0:
            context.progress(context.parsed.processed_rows)
        if _is_empty(values):
            continue
        width = len(values)
        yield (
            row_number,
            {
                key: (values[index] if index is not None and index < width else None)
                for key, index in indexes
            },
        )


def _checked_text(
    raw: dict[str, Any], column: Column, sheet: str, row: int, context: _Context
) -> str | None:
    """The cell as text, or None after recording why it is not acceptable."""
    text = (
        _code(raw[column.key])
        if column.key in ("number", "case_number")
        else _text(raw[column.key])
    )
    if column.required and not text:
        context.parsed.add_error(sheet, row, column.title, f"{column.title}不能为空")
        return None
    if column.max_length is not None and len(text) > column.max_length:
        context.parsed.add_error(sheet, row, column.title, f"超过{column.max_length}个字")
        return None
    problem = text_problem(text, multiline=column.key in MULTILINE_COLUMNS)
    if problem:
        context.parsed.add_error(sheet, row, column.title, problem)
        return None
    return text


def _checked_choice(
    raw: dict[str, Any], column: Column, sheet: str, row: int, context: _Context
) -> str | None:
    assert column.choices is not None
    if not _text(raw[column.key]):
        if column.required:
            context.parsed.add_error(sheet, row, column.title, f"{column.title}不能为空")
            return None
        return ""
    value = parse_choice(raw[column.key], column.choices)
    if value is None:
        value = _remembered(column.key, raw[column.key], column.choices.values, context)
    if value is None:
        # The words police exports use (违法嫌疑人, 行政, …): one table per field.
        value = synonym_for(column.key, _code(raw[column.key]))
    if value is None:
        labels = "/".join(str(label) for label in column.choices.labels)
        context.parsed.add_error(
            sheet,
            row,
            column.title,
            f"“{_shown(raw[column.key])}”不是可选值（{labels}）"
            + _unknown(column.key, raw[column.key], context),
        )
    return value


def _remembered(key: str, cell: Any, allowed: Any, context: _Context) -> str | None:
    """The value the sender's saved mapping gives the cell's word, when still allowed."""
    word = value_key(_text(cell))
    value = context.values.get(key, {}).get(word)
    if value is None or value not in allowed:
        return None
    found = context.parsed.remembered.setdefault(
        (key, word), WordCount(key, _text(cell), value=value)
    )
    found.rows += 1
    return value


def _unknown(key: str, cell: Any, context: _Context) -> str:
    """Count an unknown word for the 取值对照 form; the hint the row's message ends with."""
    text = _text(cell)
    word = value_key(text)
    if len(word) > MAX_MAPPED_WORD or _DIGIT_RUN.search(word):
        return ""
    unknown = context.parsed.unknown
    found = unknown.get((key, word))
    if found is None:
        if len(unknown) >= MAX_UNKNOWN_WORDS:
            return ""
        found = unknown[(key, word)] = WordCount(key, text)
    found.rows += 1
    return "，可在导入结果页的“取值对照”中选择对应的值"


def _parse_case(row: int, raw: dict[str, Any], context: _Context) -> CaseRow | None:
    sheet, errors_before = CASE_TABLE, context.parsed.error_count
    texts = {
        column.key: _checked_text(raw, column, sheet, row, context)
        for column in CASE_COLUMNS
        if column.choices is None and column.key not in ("occurred", "village")
    }
    choices = {
        column.key: _checked_choice(raw, column, sheet, row, context)
        for column in CASE_COLUMNS
        if column.choices is not None
    }
    number = texts["number"]
    if number:
        first = context.file_numbers.get(number)
        if first is not None:
            context.parsed.add_error(
                sheet, row, "案件编号", f"案件编号“{_shown(number)}”与第{first}行重复"
            )
        else:
            context.file_numbers[number] = row
    occurred: tuple[date, time | None] | None = None
    if not _text(raw["occurred"]):
        context.parsed.add_error(sheet, row, "发案时间", "发案时间不能为空")
    else:
        try:
            occurred = parse_occurred(raw["occurred"], today=context.today)
        except InvalidDate as error:
            context.parsed.add_error(sheet, row, "发案时间", error.message)
    village_id: int | None = None
    village_name = _code(raw["village"])
    if village_name:
        # 港西镇东村, 东村村委会, 东村社区居委会: one reading for every import.
        village_id = match_village(
            village_name, town_name=context.town_name, villages=context.villages
        )
        if village_id is None:
            remembered = _remembered("village", raw["village"], context.village_ids, context)
            village_id = int(remembered) if remembered is not None else None
        if village_id is None:
            context.parsed.add_error(
                sheet,
                row,
                "所属村",
                f"“{_shown(village_name)}”不是{context.town_name}的村（社区）"
                + _unknown("village", raw["village"], context),
            )
    if context.parsed.error_count != errors_before or occurred is None:
        return None
    return CaseRow(
        row=row,
        number=str(number),
        cause=str(texts["cause"]),
        nature=str(choices["nature"]),
        occurred_on=occurred[0],
        occurred_time=occurred[1],
        place=str(texts["place"]),
        village_id=village_id,
        summary=str(texts["summary"]),
        outcome=str(texts["outcome"]),
        means=str(choices["means"]),
        motive=str(choices["motive"]),
    )


# What Excel writes for a long number once it has become one: '1.10105E+17' in a CSV file.
_SCIENTIFIC = re.compile(r"^[+-]?\d+(?:\.\d+)?[eE][+-]?\d+$")


def _checked_identifier(
    value: Any, title: str, clean: Callable[[str], str], sheet: str, row: int, context: _Context
) -> str:
    """An ID number or phone, cleaned; '' if empty or after recording why it is not usable."""
    try:
        return id_number_from_cell(value, title, clean)
    except ServiceError as error:
        # The message never repeats the number itself: it would land in the job's record.
        context.parsed.add_error(sheet, row, title, error.message)
        return ""


def id_number_from_cell(value: Any, title: str, clean: Callable[[str], str]) -> str:
    """As `identifier_from_cell`, but a whole number the cell holds exactly is read: police
    systems write an ID number as an integer, and then every digit is there. A number with a
    fraction or an exponent is what Excel keeps of one (15 significant digits): refused."""
    if isinstance(value, int) and not isinstance(value, bool):
        return clean(str(value))
    if isinstance(value, float) or _SCIENTIFIC.match(_code(value)):
        raise ServiceError(
            f"{title}单元格被存为数字，Excel 只保留前15位，其余数字已丢失；"
            f"请在 Excel 中将{title}列设置为文本（文本格式）后重新填写该号码"
        )
    return identifier_from_cell(value, title, clean)


def identifier_from_cell(value: Any, title: str, clean: Callable[[str], str]) -> str:
    """An ID number or phone cell, cleaned by `clean`; '' if empty; ServiceError if unusable.
    A number cell is never converted: Excel keeps 15 significant digits, so an 18-digit ID
    arrives with its last digits changed, and about 1 in 11 of those still passes the checksum."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    if isinstance(value, int | float) or _SCIENTIFIC.match(_code(value)):
        raise ServiceError(f"请将{title}列设置为文本格式后重新导入")
    return clean(_text(value))


def _checked_phones(value: Any, sheet: str, row: int, context: _Context) -> list[str]:
    """The cell's numbers, cleaned, a mobile first (the one a lead's subject can carry); [] if
    empty or after recording why they are not usable."""
    try:
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ServiceError("手机号单元格的内容不是电话号码")
        if isinstance(value, int | float):
            # A phone number fits a number cell whole (11 or 12 digits), but the 0 in front of
            # an area code is lost; a mobile is unaffected.
            value = str(int(value))
        numbers = parse_phones(_text(value))
    except ServiceError as error:
        context.parsed.add_error(sheet, row, "手机号", error.message)
        return []
    return sorted(numbers, key=lambda number: not is_mobile(number))


def _checked_role(
    raw: dict[str, Any], remark: str, sheet: str, row: int, context: _Context
) -> str | None:
    """The role: a label, a police word for it, or a suspect marked as 纠集者/组织者/首要分子
    in the cell itself or in the row's 备注."""
    cell = _code(raw["role"])
    marked = leader_mark_in(cell)
    if marked is not None:
        return marked
    role = _checked_choice(raw, _ROLE_COLUMN, sheet, row, context)
    if role in MARKABLE_ROLES and parse_choice(cell, PersonRole) is None:
        # Only a police word is raised by the 备注: a 参与者 the sender chose stays one.
        return leader_mark_in(_code(remark)) or role
    return role


_ROLE_COLUMN = next(column for column in PERSON_COLUMNS if column.key == "role")


def _parse_person(row: int, raw: dict[str, Any], context: _Context) -> PersonRow | None:
    sheet, errors_before = PERSON_TABLE, context.parsed.error_count
    texts = {
        column.key: _checked_text(raw, column, sheet, row, context)
        for column in PERSON_COLUMNS
        if column.choices is None and column.key not in ("id_number", "phone")
    }
    role = _checked_role(raw, texts["remark"] or "", sheet, row, context)
    case_number = texts["case_number"]
    if (
        case_number
        and context.case_table_usable
        and case_number not in context.file_numbers
        and case_number not in context.stored_numbers
    ):
        context.parsed.add_error(
            sheet,
            row,
            "案件编号",
            f"案件编号“{_shown(case_number)}”既不在本次导入的案件表中，也未在{context.town_name}导入过",
        )
    id_number = _checked_identifier(
        raw["id_number"], "身份证号", clean_id_number, sheet, row, context
    )
    phones = _checked_phones(raw["phone"], sheet, row, context)
    plates: list[str] = []
    if texts["plates"]:
        try:
            plates = parse_plates(texts["plates"])
        except ServiceError as error:
            context.parsed.add_error(sheet, row, "车牌号", error.message)
    if context.parsed.error_count != errors_before:
        return None
    return PersonRow(
        case_number=str(case_number),
        name=str(texts["name"]),
        id_number=id_number,
        phone=phones[0] if phones else "",
        phone2=phones[1] if len(phones) > 1 else "",
        address=str(texts["address"]),
        role=str(role),
        plates=plates,
    )


def parse_tables(
    tables: list[Table],
    *,
    villages: dict[str, int],
    town_name: str,
    stored_numbers: set[str],
    today: date,
    progress: Callable[[int], None] = lambda processed: None,
    values: Mapping[str, Mapping[str, str]] | None = None,
    columns: Mapping[str, Mapping[str, str]] | None = None,
) -> ParsedImport:
    """Check every row of both tables (cases first: persons refer to them); `values` is the
    sender's saved value mapping (`sheets.SenderMapping.values`), `columns` its saved column
    mapping per table name."""
    context = _Context(
        parsed=ParsedImport(),
        villages={fold_name(name): pk for name, pk in villages.items()},
        town_name=town_name,
        stored_numbers=stored_numbers,
        today=today,
        progress=progress,
        village_ids=frozenset(str(pk) for pk in villages.values()),
        values=values or {},
        columns=columns or {},
    )
    by_name = {table.name: table for table in tables}
    if CASE_TABLE in by_name:
        for row, raw in _read_rows(by_name[CASE_TABLE], context):
            case = _parse_case(row, raw, context)
            if case is not None:
                context.parsed.cases.append(case)
            else:
                context.parsed.reject_row(CASE_TABLE, row, _code(raw["number"]))
    if PERSON_TABLE in by_name:
        context.parsed.has_person_table = True
        for row, raw in _read_rows(by_name[PERSON_TABLE], context):
            person = _parse_person(row, raw, context)
            if person is not None:
                context.parsed.persons.append(person)
            else:
                context.parsed.reject_row(PERSON_TABLE, row, _code(raw["case_number"]))
    parsed = context.parsed
    if parsed.is_valid and not parsed.cases and not parsed.persons:
        parsed.add_error(tables[0].name, 0, "", "文件中没有可导入的数据行")
    progress(parsed.processed_rows)
    return parsed


def collect_rejected(tables: list[Table], parsed: ParsedImport) -> list[RejectedTable]:
    """The rows to give back, read again from the file: each refused row, and every row of a
    case with a refused row (so the fixed file imports on its own, persons and all)."""
    collected = []
    for table in tables:
        rows = parsed.rejected_rows.get(table.name, set())
        header = parsed.headers.get(table.name)
        # Both tables name the case: 案件编号 in each, under its own key.
        number_at = (
            None
            if header is None
            else header.positions.get("number", header.positions.get("case_number"))
        )
        if header is None or number_at is None:
            continue
        cells = list(header.cells)
        # Trailing empty header cells carry nothing to give back; nor does an earlier 错误说明.
        while cells and not cells[-1]:
            cells.pop()
        kept = [index for index, title in enumerate(cells) if _header_key(title) != ERROR_COLUMN]
        rejected = RejectedTable(table.name, header=[cells[index] for index in kept])
        for row, values in table.rows:
            if row <= header.row or _is_empty(values):
                continue
            number = _code(values[number_at]) if number_at < len(values) else ""
            if row in rows or number in parsed.rejected_numbers:
                texts = [_text(values[index]) if index < len(values) else "" for index in kept]
                rejected.rows.append((row, texts, row in rows))
        if rejected.rows:
            collected.append(rejected)
    return collected


# Cell readings shared with the other uploads that read a table the same way (analysis.vetting).
cell_text = _text
cell_code = _code
shown = _shown
is_empty_row = _is_empty
