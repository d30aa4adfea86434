"""Phone numbers as senders write them: a mobile, a fixed line with or without its area code,
or two of them in one cell.

A fixed line is kept in one form, digits only with the area code's 0 in front (0631-1234567,
(0631)1234567 and 0631 1234567 are all `06311234567`), so its blind index matches wherever the
same number is given that way. A number given without its area code stays the local digits: the
area it belongs to is not known here, so it matches only a number written the same way.
"""

import re
import unicodedata

import phonenumbers

from saohei.common.errors import ServiceError
from saohei.common.pii import mask_mobile

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
# Area code: 0 and two or three digits; local number: seven or eight digits, never from 0 or 1.
_FIXED_LINE = re.compile(r"^0\d{2,3}[2-9]\d{6,7}$")
_LOCAL_ONLY = re.compile(r"^[2-9]\d{6,7}$")
_AREA_CODE = re.compile(r"^0\d{2,3}$")
# What separates two numbers in one cell; a space may also sit inside one number.
_SEPARATORS = re.compile(r"[、，,;；/]+")
MAX_PHONES = 2


def _compact(value: str) -> str:
    """Full-width folded; spaces, hyphens and the brackets round an area code dropped."""
    text = re.sub(r"[\s\-()（）]", "", unicodedata.normalize("NFKC", value))
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    return text


def is_mobile(number: str) -> bool:
    return bool(_MOBILE.match(number))


def is_fixed_line(number: str) -> bool:
    """A fixed line with its area code, compacted (06311234567), not yet checked for length."""
    return bool(_FIXED_LINE.match(number))


def clean_phone(value: str) -> str:
    """One mobile or fixed line in its kept form; ServiceError (Chinese, without the number)."""
    number = _compact(value)
    if _MOBILE.match(number):
        return number
    if _FIXED_LINE.match(number):
        # The area code decides how long its local numbers are (0631: 7 digits, 0755: 8).
        if phonenumbers.is_valid_number(phonenumbers.parse(number, "CN")):
            return number
        raise ServiceError(
            "固定电话的区号与号码位数不符，请核对（如 0631-1234567、010-12345678）", field="phone"
        )
    if _LOCAL_ONLY.match(number):
        return number
    if number.startswith("1") and number.isdigit():
        raise ServiceError("手机号应为以1开头的11位数字", field="phone")
    raise ServiceError(
        "电话号码应为11位手机号，或固定电话（区号0开头3至4位、号码7至8位，如 0631-1234567）",
        field="phone",
    )


def _pieces(part: str) -> list[str]:
    """A part between separators: one number, or several apart by spaces (an area code alone
    belongs to the number after it)."""
    if re.fullmatch(r"[\d\s\-()（）+]*", part) is None:
        return [part]
    whole = _compact(part)
    if _MOBILE.match(whole) or _FIXED_LINE.match(whole) or _LOCAL_ONLY.match(whole):
        return [part]
    words = part.split()
    pieces: list[str] = []
    for word in words:
        if pieces and _AREA_CODE.match(_compact(pieces[-1])):
            pieces[-1] += word
        else:
            pieces.append(word)
    return pieces


def parse_phones(value: str) -> list[str]:
    """The numbers of one cell, each in its kept form, in the cell's order, repeats dropped; at
    most two. ServiceError (Chinese, never repeating a number) when one is not usable."""
    text = unicodedata.normalize("NFKC", value).strip()
    if not text:
        return []
    pieces = [piece for part in _SEPARATORS.split(text) for piece in _pieces(part.strip()) if piece]
    numbers: list[str] = []
    for position, piece in enumerate(pieces, start=1):
        try:
            number = clean_phone(piece)
        except ServiceError as error:
            prefix = f"第{position}个号码：" if len(pieces) > 1 else ""
            raise ServiceError(prefix + error.message, field="phone") from error
        if number not in numbers:
            numbers.append(number)
    if len(numbers) > MAX_PHONES:
        raise ServiceError(f"一个单元格最多填写{MAX_PHONES}个电话号码", field="phone")
    return numbers


def mask_phone(number: str) -> str:
    """A mobile as 139****1234; a fixed line as its area code, *** and the last four (at most
    11 characters, the width of the masked column)."""
    if _MOBILE.match(number):
        return mask_mobile(number)
    area = ""
    if number.startswith("0"):
        # 010 and 02x are the two-digit area codes; every other one has three digits.
        area = number[:3] if number.startswith(("010", "02")) else number[:4]
    return f"{area}***{number[-4:]}"
