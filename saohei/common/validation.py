"""The one check of hostile input, shared by forms, the API and imports.

Text: NUL, lone surrogates and control characters are refused (tab, line feed and carriage
return only in multi-line text); nothing is rewritten, so what the user typed is what is stored
(no NFKC: it would turn Chinese full-width punctuation such as "，" into ASCII). Numbers: ids are
1..2^63-1 (a database bigint); anything wider is refused before it reaches a query, where SQLite
raises OverflowError and PostgreSQL "value out of range".
"""

import unicodedata
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

from saohei.common.errors import ServiceError

MAX_ID = 2**63 - 1
MIN_DATABASE_INTEGER = -(2**63)
MULTILINE_CONTROLS = frozenset("\t\n\r")

INVALID_ID_MESSAGE = "编号无效"
OUT_OF_RANGE_MESSAGE = "数值超出允许范围"


def text_problem(value: str, *, multiline: bool = True) -> str | None:
    """Why `value` cannot be stored as text, in Chinese, or None when it can."""
    for character in value:
        if character == "\x00":
            return "不能包含空字符（NUL）"
        if "\ud800" <= character <= "\udfff":
            return "包含无效的 Unicode 字符（孤立代理项）"
        if unicodedata.category(character) == "Cc" and not (
            multiline and character in MULTILINE_CONTROLS
        ):
            label = "换行符" if character in MULTILINE_CONTROLS else "控制字符"
            return f"不能包含{label}（U+{ord(character):04X}）"
    return None


def is_valid_id(value: object) -> bool:
    """True for an int, or a string of digits, that a bigint primary key can hold (1..2^63-1)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, str):
        value = value.strip()
        if not value.isascii() or not value.isdigit():
            return False
        if len(value) > len(str(MAX_ID)):
            return False
        value = int(value)
    return isinstance(value, int) and 1 <= value <= MAX_ID


def parse_id(value: object) -> int | None:
    """An id from a query parameter or form value, or None for anything no record can have
    (text, "²", 0, negatives, past 2^63-1): the caller treats it as "no such record"."""
    return int(str(value).strip()) if value is not None and is_valid_id(value) else None


def safe_text(value: object, *, limit: int) -> str:
    """Text that is only matched or recorded, never stored as what someone wrote (a search term,
    a request path in the audit log): trimmed, capped, without the characters `text_problem`
    refuses, since one NUL makes PostgreSQL refuse the whole query or JSON value."""
    text = "".join(c for c in str(value or "") if text_problem(c, multiline=False) is None)
    return text.strip()[:limit]


def checked_text(
    value: str | None, *, field: str, label: str, limit: int, required: bool = False
) -> str:
    """Typed text as a service stores it: trimmed, present when `required`, at most `limit`
    characters. The refusal names the form field, so the form shows it beside the input."""
    text = (value or "").strip()
    if required and not text:
        raise ServiceError(f"请填写{label}", field=field)
    if len(text) > limit:
        raise ServiceError(f"{label}不能超过{limit}个字", field=field)
    return text


def fits_database_integer(value: int) -> bool:
    return MIN_DATABASE_INTEGER <= value <= MAX_ID


def find_unsafe_value(data: Any, path: str = "") -> tuple[str, str] | None:
    """The first (field path, Chinese reason) in decoded JSON or form data that no model can store:
    text `text_problem` refuses (multi-line allowed: the shape decides about line breaks) or an
    integer outside the database's range."""
    for location, value in _leaves(data, path):
        if isinstance(value, str):
            problem = text_problem(value, multiline=True)
            if problem:
                return location, problem
        elif isinstance(value, int) and not fits_database_integer(value):
            return location, OUT_OF_RANGE_MESSAGE
    return None


def _leaves(data: Any, path: str) -> Iterator[tuple[str, Any]]:
    if isinstance(data, dict):
        for key, value in data.items():
            # keys are text too: a NUL in a key would reach error messages and logs
            yield f"{path}.{key}" if path else str(key), key
            yield from _leaves(value, f"{path}.{key}" if path else str(key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _leaves(value, f"{path}.{index}" if path else str(index))
    else:
        yield path, data


@deconstructible
class CleanTextValidator:
    """Django validator for `text_problem`; forms attach it to every text field."""

    def __init__(self, *, multiline: bool) -> None:
        self.multiline = multiline

    def __call__(self, value: object) -> None:
        if isinstance(value, str):
            problem = text_problem(value, multiline=self.multiline)
            if problem:
                raise ValidationError(problem, code="unsafe_text")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CleanTextValidator) and other.multiline == self.multiline

    def __hash__(self) -> int:
        return hash(self.multiline)
