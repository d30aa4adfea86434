"""居民身份证号, mobile numbers and 机动车号牌 in normalised text.

Numbers are written split by spaces or dashes ("139 1234 5678", "370282-19800101-1234"), and one
run of digit groups may hold a phone followed by an ID number; the groups are cut where the
recognised numbers fit best (`_best_cut`). Validity is python-stdnum's and phonenumbers'.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from stdnum.cn import ric

# Digit groups joined by short separators, not glued to letters or digits on either side (a
# plate's "A12345" is not a number run).
_RUN = re.compile(r"(?<![0-9A-Za-z])\d+[Xx]?(?:[ \t\-‐‑–—_.]{1,3}\d+[Xx]?)*(?![0-9A-Za-z])")
_GROUP = re.compile(r"\d+[Xx]?")
_MAX_GROUPS_PER_NUMBER = 6

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_LETTER = "A-HJ-NP-Z"  # plates never use I or O
_PLATE = re.compile(
    rf"(?<![{PROVINCES}A-Z0-9])[{PROVINCES}] ?[{_LETTER}][ ·•・.\-]{{0,2}}"
    # 8-character new-energy (small: D/F first; large: D/F last), 挂/学/警, then ordinary
    rf"(?:[DF][{_LETTER}0-9]\d{{4}}|\d{{5}}[DF]|[{_LETTER}0-9]{{4}}[挂学警]|[{_LETTER}0-9]{{5}})"
    r"(?![A-Z0-9])"
)
_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


@dataclass(frozen=True)
class Found:
    start: int
    end: int
    kind: str  # "id" | "phone" | "plate"
    valid: bool = True


def find_numbers(text: str) -> list[Found]:
    """ID numbers and mobiles: every run of digit groups, cut into the numbers it holds."""
    found: list[Found] = []
    for run in _RUN.finditer(text):
        groups = [(m.start() + run.start(), m.end() + run.start()) for m in _GROUP.finditer(run[0])]
        found.extend(_best_cut(text, groups))
    return found


def _best_cut(text: str, groups: list[tuple[int, int]]) -> list[Found]:
    # best[i]: the most numbers recognised in groups[i:] (then the most characters covered, so
    # "86 139 …" keeps its country code), and how. A group that is part of no number (a date,
    # an amount) is skipped on its own.
    count = len(groups)
    best: list[tuple[int, int, list[Found]]] = [(0, 0, [])] * (count + 1)
    for i in range(count - 1, -1, -1):
        best[i] = best[i + 1]
        for j in range(i + 1, min(count, i + _MAX_GROUPS_PER_NUMBER) + 1):
            start, end = groups[i][0], groups[j - 1][1]
            digits = "".join(text[a:b] for a, b in groups[i:j])
            # "+86 139…": the plus belongs to the number.
            if digits.startswith("86") and start > 0 and text[start - 1] == "+":
                start -= 1
            number = _recognise(digits, start, end)
            if number is None:
                continue
            candidate = (best[j][0] + 1, best[j][1] + end - start, [number, *best[j][2]])
            if candidate[:2] > best[i][:2]:
                best[i] = candidate
    return best[0][2]


def _recognise(digits: str, start: int, end: int) -> Found | None:
    if "X" in digits[:-1].upper():
        return None
    if len(digits) in (15, 18) and looks_like_id_number(digits):
        return Found(start, end, "id", is_valid_id_number(digits))
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if len(digits) == 11 and is_mobile(digits):
        return Found(start, end, "phone")
    return None


def looks_like_id_number(digits: str) -> bool:
    """Shaped like an ID number (a region code, a month): reported even if the checksum fails."""
    digits = digits.upper()
    if len(digits) == 18:
        month = digits[10:12]
        shaped = digits[:17].isdigit() and (digits[17].isdigit() or digits[17] == "X")
    elif len(digits) == 15:
        month = digits[8:10]
        shaped = digits.isdigit()
    else:
        return False
    return shaped and digits[0] in "12345678" and "01" <= month <= "12"


@lru_cache(maxsize=4096)
def is_valid_id_number(digits: str) -> bool:
    """Checksum, birth date and a region code in use at birth; a 15-digit number (before 1999)
    is checked as its 18-digit form."""
    digits = digits.upper()
    if len(digits) == 15:
        if not digits.isdigit():
            return False
        body = f"{digits[:6]}19{digits[6:]}"
        digits = body + ric.calc_check_digit(body + "0")
    return bool(ric.is_valid(digits))


@lru_cache(maxsize=4096)
def is_mobile(digits: str) -> bool:
    try:
        number = phonenumbers.parse(digits, "CN")
    except phonenumbers.NumberParseException:
        return False
    kind = phonenumbers.number_type(number)
    return phonenumbers.is_valid_number(number) and kind in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )


def find_plates(text: str) -> list[Found]:
    upper = text.translate(_ASCII_UPPER)  # same length: offsets hold
    found = []
    for match in _PLATE.finditer(upper):
        tail = re.sub(r"[ ·•・.\-]", "", match[0])[2:]
        # An ordinary plate has at most two letters among its five characters.
        if len(tail) == 5 and sum(c.isalpha() for c in tail) > 2:
            continue
        found.append(Found(match.start(), match.end(), "plate"))
    return found
