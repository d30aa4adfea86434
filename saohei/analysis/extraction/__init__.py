"""Extraction from narratives: names, ID numbers, mobiles, plates and places, as suggestions.

`extract(text)` returns spans whose offsets point into the text as given, although matching runs
on its NFKC form (full-width digits and letters are common). Nothing here reads the database:
the caller passes the org tree's local place names and any names it already knows.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from saohei.analysis.extraction import names, numbers, places
from saohei.analysis.extraction.text import IdNumberSpan, PlaceSpan, Span, masked, normalise

__all__ = ["Extraction", "IdNumberSpan", "PlaceSpan", "Span", "extract"]

NAME_ENGINES = ("lac", "jieba")


@dataclass(frozen=True)
class Extraction:
    persons: tuple[Span, ...]
    id_numbers: tuple[IdNumberSpan, ...]
    phones: tuple[Span, ...]
    plates: tuple[Span, ...]
    places: tuple[PlaceSpan, ...]


def extract(
    text: str,
    *,
    local_places: Iterable[str] = (),
    known_names: Iterable[str] = (),
    name_engine: str | None = None,
) -> Extraction:
    """Suggestions only: every span is something a person confirms before it is stored."""
    engine = name_engine or ("lac" if names.lac_available() else "jieba")
    if engine not in NAME_ENGINES:
        raise ValueError(f"unknown name engine {engine!r}")
    local_places, known_names = list(local_places), list(known_names)
    norm = normalise(text)
    # 1. Plates first (their digits are not numbers), then ID numbers and mobiles.
    plates = numbers.find_plates(norm.text)
    plain = masked(norm.text, [(p.start, p.end) for p in plates], mask=" ")
    found = numbers.find_numbers(plain)
    # 2. The name model sees no identifiers: it takes plates (and some numbers) for names.
    hidden = masked(norm.text, [(f.start, f.end) for f in [*plates, *found]])
    words = names.tag(hidden, engine, known_names, local_places) if hidden.strip() else []
    place_spans = places.find_places(hidden, words, local_places)
    name_spans = [
        span
        for span in names.find_names(hidden, words, known_names, local_places)
        if not any(a <= span[0] and span[1] <= b for a, b in place_spans)
    ]
    return Extraction(
        persons=tuple(norm.span(a, b) for a, b in name_spans),
        id_numbers=tuple(
            IdNumberSpan(**vars(norm.span(f.start, f.end)), valid=f.valid)
            for f in found
            if f.kind == "id"
        ),
        phones=tuple(norm.span(f.start, f.end) for f in found if f.kind == "phone"),
        plates=tuple(norm.span(p.start, p.end) for p in plates),
        places=tuple(_place(norm.span(a, b)) for a, b in place_spans),
    )


def _place(span: Span) -> PlaceSpan:
    province, city, county = places.resolve(span.text)
    return PlaceSpan(**vars(span), province=province, city=city, county=county)
