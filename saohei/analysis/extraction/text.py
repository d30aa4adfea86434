"""Spans and the NFKC mapping: matching runs on normalised text, offsets point into the input."""

import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Span:
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class IdNumberSpan(Span):
    valid: bool


@dataclass(frozen=True)
class PlaceSpan(Span):
    """A place, with the province, city and county jionlp resolves it to (None where unknown)."""

    province: str | None = None
    city: str | None = None
    county: str | None = None


@dataclass(frozen=True)
class Normalised:
    """The NFKC form of a text and, for each of its characters, the input character it came from."""

    original: str
    text: str
    origin: tuple[int, ...]

    def span(self, start: int, end: int) -> Span:
        """The input's span for `text[start:end]` (a full-width "１３９" maps back whole)."""
        first, last = self.origin[start], self.origin[end - 1] + 1
        return Span(self.original[first:last], first, last)


def normalise(original: str) -> Normalised:
    # Character by character, so every normalised character knows its input character; NFKC
    # turns full-width digits, letters, spaces and dashes into ASCII.
    pieces: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(original):
        folded = char if char.isascii() else unicodedata.normalize("NFKC", char)
        pieces.append(folded)
        origin.extend([index] * len(folded))
    return Normalised(original, "".join(pieces), tuple(origin))


def masked(text: str, spans: list[tuple[int, int]], mask: str = "0") -> str:
    """`text` with the given spans overwritten, same length: the name model tags plates as names."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = mask * (end - start)
    return "".join(chars)
