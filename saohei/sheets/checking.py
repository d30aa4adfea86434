"""Checking every data row of a sheet against its kind's fields, listing every problem.

Nothing is written here. A row's cells are read through the column mapping; a choice or a
village is read as its label or name, else through the sender's saved value mapping, else it is
a problem and an unknown word the clerk can map once (`UnknownValue`).
"""

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone

from saohei.common.dates import DateKind, date_problem
from saohei.common.validation import text_problem
from saohei.organisations.village_names import fold_name, match_village
from saohei.sheets.headers import IGNORED, Header
from saohei.sheets.kinds import FieldKind, ImportKind, TargetField

_DATE_TEXT = re.compile(
    r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:T?\d{1,2}[:时]\d{1,2}(?:[:分]\d{1,2}秒?|分)?)?$"
)
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_EXCEL_EPOCH = date(1899, 12, 30)


@dataclass(frozen=True)
class UnknownValue:
    field: str
    word: str


@dataclass
class CheckedRow:
    number: int  # the sheet's row number, as Excel shows it
    values: list[str]  # the row's cells in the sheet's order
    data: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class CheckedSheet:
    header: Header
    columns: dict[str, str]
    rows: list[CheckedRow]
    # Problems of the sheet as a whole (a required field with no column).
    problems: list[str]
    unknown: dict[UnknownValue, int]

    @property
    def problem_rows(self) -> list[CheckedRow]:
        return [row for row in self.rows if not row.ok]

    @property
    def is_valid(self) -> bool:
        return not self.problems and all(row.ok for row in self.rows)


@dataclass(frozen=True)
class Villages:
    town_name: str
    by_name: Mapping[str, int]  # folded name → id
    names: Mapping[int, str]


def value_key(word: str) -> str:
    """The form a sender's word is remembered in: full-width folded, no spaces."""
    return fold_name(word)


def parse_date(text: str) -> date | None:
    """'2026-03-05', '2026/3/5', '2026年3月5日', '20260305', an Excel serial number; else None."""
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    match = _COMPACT_DATE.match(text) or _DATE_TEXT.match(text)
    if match is not None:
        year, month, day = (int(part) for part in match.groups()[:3])
        try:
            return date(year, month, day)
        except ValueError:
            return None
    if text.isdigit() and 1 <= int(text) < 2958466:
        return _EXCEL_EPOCH + timedelta(days=int(text))
    return None


def _shown(text: str) -> str:
    return text if len(text) <= 30 else text[:30] + "…"


def check_cell(
    target: TargetField,
    text: str,
    *,
    values: Mapping[str, Mapping[str, str]],
    villages: Villages,
) -> tuple[Any, str | None, str | None]:
    """(value, problem, unknown word) of one non-empty cell."""
    if target.kind == FieldKind.TEXT:
        if problem := text_problem(text, multiline=target.multiline):
            return None, f"{target.label}{problem}", None
        if target.max_length and len(text) > target.max_length:
            return None, f"{target.label}超过 {target.max_length} 个字", None
        return text, None, None
    if target.kind == FieldKind.DATE:
        day = parse_date(text)
        if day is None:
            return (
                None,
                f"{target.label}“{_shown(text)}”不是有效的日期（如 2026-03-05、2026/3/5、2026年3月5日）",
                None,
            )
        return day, None, None
    remembered = values.get(target.key, {}).get(value_key(text))
    if target.kind == FieldKind.CHOICE:
        key = value_key(text)
        for stored, label in target.choices:
            if key in (value_key(label), stored):
                return stored, None, None
        if remembered in dict(target.choices):
            return remembered, None, None
        return None, f"{target.label}“{_shown(text)}”无法识别，请在下方“取值对照”中选择", text
    village_id = match_village(text, town_name=villages.town_name, villages=villages.by_name)
    if village_id is None and remembered and remembered.isdigit():
        village_id = int(remembered) if int(remembered) in villages.names else None
    if village_id is None:
        return (
            None,
            f"{target.label}“{_shown(text)}”不是本镇的村（社区），请在下方“取值对照”中选择",
            text,
        )
    return village_id, None, None


def check_sheet(
    rows: list[list[str]],
    *,
    header: Header,
    kind: ImportKind,
    columns: Mapping[str, str],
    values: Mapping[str, Mapping[str, str]],
    villages: Villages,
) -> CheckedSheet:
    """Every data row under `header` checked; empty rows are skipped."""
    positions = {
        columns[title]: position
        for position, title in enumerate(header.titles)
        if title and columns.get(title, IGNORED) != IGNORED
    }
    problems = [
        f"没有与“{target.label}”对应的列，请在列对照中选择"
        for target in kind.fields
        if target.required and target.key not in positions
    ]
    checked: list[CheckedRow] = []
    unknown: dict[UnknownValue, int] = {}
    for number, cells in enumerate(rows[header.first_data_row - 1 :], start=header.first_data_row):
        if not any(cell.strip() for cell in cells):
            continue
        row = CheckedRow(number=number, values=list(cells))
        for target in kind.fields:
            position = positions.get(target.key)
            text = cells[position].strip() if position is not None and position < len(cells) else ""
            if not text:
                if target.required and position is not None:
                    row.problems.append(f"缺少{target.label}")
                continue
            value, problem, word = check_cell(target, text, values=values, villages=villages)
            if problem:
                row.problems.append(problem)
                if word is not None:
                    found = UnknownValue(target.key, word)
                    unknown[found] = unknown.get(found, 0) + 1
                continue
            if isinstance(value, date) and (problem := date_problem(value, DateKind.DEADLINE)):
                row.problems.append(f"{target.label}{problem}")
                continue
            row.data[target.key] = value
        checked.append(row)
    return CheckedSheet(
        header=header, columns=dict(columns), rows=checked, problems=problems, unknown=unknown
    )


def moment_of(day: date) -> datetime:
    """A date cell as a local midnight (the day's start; never in the future for today)."""
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))
