"""One search for every ledger list: what people type, the same way on each list (decision 0021).

1. The query is folded (NFKC: full-width digits and letters) and split into terms at spaces and
   ，、,;； — every term must match, in any field, in any order.
2. Digit groups that together form an ID number or a mobile ("+86 138 0000 1234") are joined
   first; an ID number or mobile matches people through the blind index only (exact), never
   as text, and a 4-character ID/phone ending through the keyed suffix index (or as text).
3. Groups that together form a vehicle plate ("鲁K 123 45", "鲁K·12345") are joined into the
   plate's normal form (`common.plates`), and a partial plate ("鲁k·123") is folded the same way;
   people's plates are matched upper-cased, as codes are.
4. A Chinese term of 4+ characters typed without spaces ("强揽工程") is taken as its 2-character
   words (most Chinese words have two): it matches a row holding all of them, or the phrase.

Terms of 1–2 characters are matched by a scan (`__contains`), never only through a trigram
index, which silently finds nothing for them (NOTES.md). Case-sensitive `__contains` on purpose:
`__icontains` compiles to UPPER(x) LIKE, which PostgreSQL's trigram indexes cannot serve.
"""

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce
from operator import and_, or_
from typing import Any, TypeVar

from django.db import models
from django.db.models import Q

from saohei.common.errors import ServiceError
from saohei.common.pii import (
    blind_index,
    clean_id_number,
    clean_mobile,
    mask_id_number,
    mask_mobile,
    suffix_index,
)
from saohei.common.plates import PROVINCES, normalise_plate, plate_problem

QuerySetT = TypeVar("QuerySetT", bound=models.QuerySet[Any])

MAX_QUERY_LENGTH = 50
MAX_TERMS = 8
_SEPARATORS = re.compile(r"[\s，、,;；]+")
_DIGIT_GROUP = re.compile(r"^\+?[\dXx\-]+$")
_SUFFIX = re.compile(r"^\d{3}[\dXx]$")
_HAN = re.compile(r"^[\u3400-\u9fff]+$")
# An ID number spans at most four typed groups (6-8-4), a mobile four (+86 3-4-4), a plate
# four ("鲁 K 123 45").
_MAX_GROUPS = 4
_PARTIAL_PLATE = re.compile(rf"^[{PROVINCES}][A-Z0-9]*$")


@dataclass(frozen=True)
class Term:
    """One term of a query; `words` must all match (one word unless a Chinese phrase was split)."""

    text: str
    words: tuple[str, ...]
    id_index: str = ""
    phone_index: str = ""
    id_suffix_index: str = ""
    phone_suffix_index: str = ""
    shown: str = ""  # how the term may be printed: ID numbers and mobiles masked

    @property
    def is_identifier(self) -> bool:
        return bool(self.id_index or self.phone_index)


def parse_query(text: str) -> list[Term]:
    """The terms of a query, at most `MAX_TERMS`; [] for a blank one."""
    folded = unicodedata.normalize("NFKC", text or "")[:MAX_QUERY_LENGTH]
    groups = [group for group in _SEPARATORS.split(folded) if group]
    terms: list[Term] = []
    start = 0
    while start < len(groups) and len(terms) < MAX_TERMS:
        term, used = _identifier_at(groups, start)
        if term is None:
            term, used = _plate_at(groups, start)
        if term is None:
            term, used = _plain_term(groups[start]), 1
        terms.append(term)
        start += used
    return terms


def _identifier_at(groups: list[str], start: int) -> tuple[Term | None, int]:
    """The longest run of digit groups from `start` that is an ID number or a mobile."""
    for end in range(min(len(groups), start + _MAX_GROUPS), start, -1):
        run = groups[start:end]
        if not all(_DIGIT_GROUP.match(group) for group in run):
            continue
        term = _identifier("".join(run).replace("-", ""))
        if term is not None:
            return term, end - start
    return None, 0


def _plate_at(groups: list[str], start: int) -> tuple[Term | None, int]:
    """The longest run of groups from `start` that is a vehicle plate, in its normal form."""
    if not normalise_plate(groups[start]).startswith((*PROVINCES, "使")):
        return None, 0
    for end in range(min(len(groups), start + _MAX_GROUPS), start, -1):
        plate = normalise_plate("".join(groups[start:end]))
        if plate_problem(plate) is None:
            return Term(text=plate, words=(plate,), shown=plate), end - start
    return None, 0


def _identifier(value: str) -> Term | None:
    if len(value) in (15, 18):
        try:
            number = clean_id_number(value)
        except ServiceError:
            return None
        return Term(
            text=number,
            words=(),
            id_index=blind_index("id_number", number),
            shown=mask_id_number(number),
        )
    if len(value) in (11, 14):
        try:
            phone = clean_mobile(value)
        except ServiceError:
            return None
        return Term(
            text=phone, words=(), phone_index=blind_index("phone", phone), shown=mask_mobile(phone)
        )
    return None


def _plain_term(group: str) -> Term:
    # A partial plate typed with a dot or in lower case ("鲁k·123") is searched as stored.
    if _PARTIAL_PLATE.match(normalise_plate(group)):
        group = normalise_plate(group)
    words: tuple[str, ...] = (group,)
    if _HAN.match(group) and len(group) >= 4:
        # 2-character words; an odd last character stays with the word before it.
        cut = [group[i : i + 2] for i in range(0, len(group) - len(group) % 2, 2)]
        if len(group) % 2:
            cut[-1] += group[-1]
        words = tuple(cut)
    suffix = bool(_SUFFIX.match(group))
    return Term(
        text=group,
        words=words,
        id_suffix_index=suffix_index("id_number", group.upper()) if suffix else "",
        phone_suffix_index=suffix_index("phone", group) if suffix and group.isdigit() else "",
        shown=_masked_if_long_number(group),
    )


def _masked_if_long_number(group: str) -> str:
    # A mistyped ID number or mobile is not recognised, but still must not be printed whole.
    digits = group.replace("-", "").removeprefix("+").upper()
    if len(digits) >= 11 and digits[:-1].isdigit():
        return mask_id_number(digits) if len(digits) >= 15 else mask_mobile(digits[-11:])
    return group


def masked_query(text: str) -> str:
    """The query as a title row or a printed page may show it: ID numbers and mobiles masked."""
    return " ".join(term.shown for term in parse_query(text))


@dataclass(frozen=True)
class People:
    """People listed under a row: `owner` names the row (`lead_id`); `sealed` when the model
    holds `common.models.SealedIdentity` (ID number and mobile with their indexes); `codes`
    matched upper-cased (their plates, `plates__number`)."""

    model: type[models.Model]
    owner: str
    text_fields: tuple[str, ...] = ("name",)
    sealed: bool = False
    codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class SearchFields:
    """What one list searches: its own text fields, codes matched upper-cased (numbers such as
    XG-2026-0001), the people under a row, and optionally the context's own text index."""

    text: tuple[str, ...]
    codes: tuple[str, ...] = ()
    people: tuple[People, ...] = ()
    # word → Q over the context's indexed text; replaces `text` when given (leads' FTS5).
    text_match: Callable[[str], Q] | None = None


def search_filter(text: str, fields: SearchFields) -> Q | None:
    """A Q holding every term of `text` on `fields`; None when nothing was typed."""
    terms = parse_query(text)
    if not terms:
        return None
    return reduce(and_, (_term_filter(term, fields) for term in terms))


def apply_search(rows: QuerySetT, text: str, fields: SearchFields) -> QuerySetT:
    """`rows` (already scoped by access) narrowed to the query: searching never widens scope."""
    condition = search_filter(text, fields)
    return rows if condition is None else rows.filter(condition)


def _term_filter(term: Term, fields: SearchFields) -> Q:
    if term.is_identifier:
        return _people_by_index(fields, term.id_index, term.phone_index, suffix=False)
    phrase = _word_filter(term.text, fields)
    condition = (
        reduce(and_, (_word_filter(word, fields) for word in term.words)) | phrase
        if len(term.words) > 1
        else phrase
    )
    if term.id_suffix_index:
        condition |= _people_by_index(
            fields, term.id_suffix_index, term.phone_suffix_index, suffix=True
        )
    return condition


def _word_filter(word: str, fields: SearchFields) -> Q:
    if fields.text_match is not None:
        parts = [fields.text_match(word)]
    else:
        parts = [Q(**{f"{name}__contains": word}) for name in fields.text]
    parts += [Q(**{f"{name}__contains": word.upper()}) for name in fields.codes]
    for people in fields.people:
        named = reduce(or_, (Q(**{f"{name}__contains": word}) for name in people.text_fields))
        for name in people.codes:
            named |= Q(**{f"{name}__contains": word.upper()})
        parts.append(Q(pk__in=people.model._default_manager.filter(named).values(people.owner)))
    return reduce(or_, parts, Q(pk__in=[]))


def _people_by_index(fields: SearchFields, id_index: str, phone_index: str, *, suffix: bool) -> Q:
    """Rows with a person whose ID number or mobile (or its ending) has this keyed digest."""
    id_field, phone_field = (
        ("id_number_suffix_index", "phone_suffix_index")
        if suffix
        else ("id_number_index", "phone_index")
    )
    condition = Q(pk__in=[])
    for people in fields.people:
        if not people.sealed:
            continue
        match = Q(**{id_field: id_index}) if id_index else Q(pk__in=[])
        if phone_index:
            match |= Q(**{phone_field: phone_index})
        # Ids first, through the index (few rows): as a subquery the planner would rather walk
        # the whole scoped list and test each row against it.
        owners = people.model._default_manager.filter(match).values_list(people.owner, flat=True)
        condition |= Q(pk__in=set(owners))
    return condition
