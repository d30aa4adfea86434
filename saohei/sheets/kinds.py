"""What an import kind declares: its target fields, each with the header words senders use.

A context that imports a sheet (交办清单, later 治安案件, 联审候选人) declares one `ImportKind`;
the pipeline guesses the column mapping from the synonyms, checks each cell by the field's
kind and maps the senders' own words for choices and villages through the saved value mapping.
"""

import enum
import re
import unicodedata
from dataclasses import dataclass


class FieldKind(enum.StrEnum):
    TEXT = "text"
    DATE = "date"
    # One of `choices`; a sender's word for one is mapped once and remembered.
    CHOICE = "choice"
    # A village of the importing town (`organisations.village_names.match_village`).
    VILLAGE = "village"


# Kinds whose values a clerk maps once per sender (the sender's word → our value).
MAPPED_KINDS = frozenset({FieldKind.CHOICE, FieldKind.VILLAGE})


@dataclass(frozen=True)
class TargetField:
    key: str
    label: str
    # Header words that name this field, beside `label`; compared folded (`header_key`).
    synonyms: tuple[str, ...] = ()
    kind: FieldKind = FieldKind.TEXT
    required: bool = False
    max_length: int | None = None
    # (stored value, label) for a CHOICE field.
    choices: tuple[tuple[str, str], ...] = ()
    multiline: bool = False

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(header_key(word) for word in (self.label, *self.synonyms)))


@dataclass(frozen=True)
class ImportKind:
    key: str
    label: str
    fields: tuple[TargetField, ...]

    def field(self, key: str) -> TargetField:
        for target in self.fields:
            if target.key == key:
                return target
        raise KeyError(key)


def header_key(value: object) -> str:
    """'问题内容（摘要）', ' 交办编号* ' and '交办编号' name the same column: folded, no spaces,
    without a trailing note in brackets or a required-field star."""
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value or "")))
    text = re.sub(r"\([^()]*\)$", "", text)
    return text.strip("*")
