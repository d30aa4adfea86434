"""Keyset (cursor) paging, newest first on (field, id): page 10,000 costs what page 1 does.

Django's Paginator counts and offsets, which at a million rows takes seconds (NOTES.md).
"""

import base64
import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest

from saohei.common.validation import parse_id

RowT = TypeVar("RowT", bound=Model)


@dataclass(frozen=True)
class KeysetPage(Generic[RowT]):
    rows: list[RowT]
    next_cursor: str
    previous_cursor: str


def encode_cursor(value: Any, pk: int) -> str:
    raw = f"{value.isoformat()}|{pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, parse: Callable[[str], Any]) -> tuple[Any, int] | None:
    """None for anything malformed: a tampered cursor just shows the first page."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        value, pk_text = raw.split("|")
        pk = parse_id(pk_text)
        if not pk:
            return None
        parsed = parse(value)
        if isinstance(parsed, datetime.datetime):
            # Cursors carry aware moments; in UTC, a year-1 moment cannot overflow the database.
            if parsed.tzinfo is None:
                return None
            parsed = parsed.astimezone(datetime.UTC)
        return parsed, pk
    except (ValueError, UnicodeDecodeError, OverflowError):
        return None


def keyset_page(
    rows: QuerySet[RowT],
    *,
    field: str,
    parse: Callable[[str], Any],
    after: str = "",
    before: str = "",
    size: int = 50,
) -> KeysetPage[RowT]:
    """One page of `rows`, newest first by `field` then id, after or before a cursor."""
    if before and (position := decode_cursor(before, parse)):
        value, pk = position
        newer = Q(**{f"{field}__gt": value}) | Q(**{field: value, "pk__gt": pk})
        fetched = list(rows.filter(newer).order_by(field, "id")[: size + 1])
        has_more_before = len(fetched) > size
        page = list(reversed(fetched[:size]))
        has_more_after = True
    else:
        has_more_before = False
        if after and (position := decode_cursor(after, parse)):
            value, pk = position
            rows = rows.filter(Q(**{f"{field}__lt": value}) | Q(**{field: value, "pk__lt": pk}))
            has_more_before = True
        fetched = list(rows.order_by(f"-{field}", "-id")[: size + 1])
        has_more_after = len(fetched) > size
        page = fetched[:size]
    return KeysetPage(
        rows=page,
        next_cursor=encode_cursor(getattr(page[-1], field), page[-1].pk)
        if page and has_more_after
        else "",
        previous_cursor=encode_cursor(getattr(page[0], field), page[0].pk)
        if page and has_more_before
        else "",
    )


def query_without_cursor(request: HttpRequest) -> str:
    """The list's own filters, for the next and previous page links to carry on."""
    return urlencode([(k, v) for k, v in request.GET.items() if k not in ("after", "before")])
