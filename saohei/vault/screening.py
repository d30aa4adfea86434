"""Does a text that others will read carry a sealed reporter's identity? (decision 0011)

One check for every free text written next to a sealed identity by someone who knows it (the
举报信息保管员's reveal note, reward reason, payment voucher and 回访 notes). Both sides are
normalised the same way first, so separators, spaces, full-width forms and Chinese numerals do
not hide a match. What counts as a match:

1. Numbers: any 6 consecutive characters of the phone or the ID number.
2. Name: any 3 consecutive characters of it; its first two (surname and first given
   character, or the whole of a two-character name); a two-character given name when the
   surname also appears in the text.
3. Address: any 4 consecutive characters that reach below the town (the street, number,
   group or building). Province, city, county and town alone are shown beside every lead.
"""

import re
import unicodedata

from saohei.common.errors import ServiceError
from saohei.common.surnames import COMPOUND_SURNAMES
from saohei.vault.queries import ReporterDetails, open_reporter_identity

MIN_NUMBER_RUN = 6
MIN_NAME_RUN = 3
MIN_ADDRESS_RUN = 4
REFUSAL = (
    "此处填写的内容会被他人看到，不得包含举报人的身份信息（姓名、电话、身份证号、住址或其片段）"
)

# Spoken and written forms of the digits: "一三九" must not slip past "139".
_CHINESE_DIGITS = str.maketrans("零〇一二三四五六七八九幺两", "0012345678912")
# Two-character surnames, so that 欧阳建国's given name is 建国 and not 阳建国.
_COMPOUND_SURNAMES = frozenset(COMPOUND_SURNAMES)
# Province, city, county and town, in that order, each optional: what follows names a place a
# stranger could knock at. 小区 is a housing estate, not a district.
_ABOVE_STREET = re.compile(
    r"(?:.{1,10}?(?:省|自治区))?(?:.{1,10}?(?:市|自治州|州|盟))?"
    r"(?:.{1,10}?(?:县|旗|(?<!小)区|市))?(?:.{1,10}?(?:镇|乡|街道))?"
)


def normalise(text: str) -> str:
    """Full-width to ASCII, Chinese numerals to digits, no spaces, punctuation or separators."""
    folded = unicodedata.normalize("NFKC", text).upper().translate(_CHINESE_DIGITS)
    return re.sub(r"[\W_]", "", folded)


def _windows(value: str, size: int) -> set[str]:
    return {value[start : start + size] for start in range(len(value) - size + 1)}


def _number_fragments(number: str) -> set[str]:
    return _windows(normalise(number), MIN_NUMBER_RUN)


def _split_name(name: str) -> tuple[str, str]:
    surname_length = 2 if name[:2] in _COMPOUND_SURNAMES and len(name) > 2 else 1
    return name[:surname_length], name[surname_length:]


def _name_in(text: str, name: str) -> bool:
    name = normalise(name)
    if len(name) < 2:
        return False
    if any(run in text for run in _windows(name, MIN_NAME_RUN)) or name[:2] in text:
        return True
    surname, given = _split_name(name)
    return len(given) == 2 and given in text and surname in text


def _address_fragments(address: str) -> set[str]:
    address = normalise(address)
    above = _ABOVE_STREET.match(address)
    street_starts_at = above.end() if above else 0
    # Windows that reach past the town, so a short street part still counts with its town.
    return {
        address[start : start + MIN_ADDRESS_RUN]
        for start in range(max(0, street_starts_at - MIN_ADDRESS_RUN + 1), len(address))
        if start + MIN_ADDRESS_RUN <= len(address)
    }


def carries_identity(text: str, details: ReporterDetails) -> bool:
    """True when `text` holds the identity or a fragment of it (rules in the module docstring)."""
    compact = normalise(text)
    fragments = (
        _number_fragments(details.phone)
        | _number_fragments(details.id_number)
        | _address_fragments(details.address)
    )
    return any(fragment in compact for fragment in fragments) or _name_in(compact, details.name)


def refuse_identity_in(text: str, details: ReporterDetails, *, field: str) -> None:
    """Refuse (ServiceError on `field`) a text that would show others the reporter's identity."""
    if carries_identity(text, details):
        raise ServiceError(REFUSAL, field=field)


def refuse_sealed_identity_in(text: str, *, reference: str, field: str) -> None:
    """The same check against the identity sealed under `reference` (none: nothing to check).

    Call it only for writers who may know the identity: a refusal tells the writer that the text
    matched, so for anyone else it would answer guesses about who the reporter is.
    """
    details = open_reporter_identity(reference) if reference else None
    if details is not None and text.strip():
        refuse_identity_in(text, details, field=field)
