"""Vehicle plates (机动车号牌, GA 36-2018): one check and one normal form for every input.

A plate is stored, searched and compared in its normal form: NFKC (full-width letters and
digits folded), upper case, no spaces, dots, middle dots or hyphens ("鲁k·12345" → "鲁K12345").
Plates are not sealed like ID numbers and phones (decision 0027): they are shown and searched
as text to whoever may see the person, and never written into the audit log.

Accepted shapes, after the province abbreviation and the issuing letter (发牌机关代号):
1. ordinary: 5 serial characters, digits and letters except I and O ("鲁K12345", "鲁KA123B");
2. new energy, 6 serial characters: small vehicles D/F first, then a letter or digit, then 4
   digits ("鲁KD12345", "鲁KFA1234"); large vehicles 5 digits then D/F ("鲁K12345D");
3. 4 serial characters and a suffix: 挂 (trailer), 学 (driving school), 警 (police), 领
   (consulate); 港/澳 only after 粤Z ("鲁K1234挂", "粤Z1234港");
4. embassy plates: 使 and 6 digits ("使014578").
"""

import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Annotated

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from saohei.common.errors import ServiceError

# The 31 provinces, autonomous regions and municipalities of the mainland.
PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
SUFFIXES = "挂学警领港澳"
# The serial may not use I or O: they read as 1 and 0.
_SERIAL_CHARACTER = "[A-HJ-NP-Z0-9]"
_ORDINARY = re.compile(rf"^{_SERIAL_CHARACTER}{{5}}$")
_SMALL_NEW_ENERGY = re.compile(rf"^[DF]{_SERIAL_CHARACTER}\d{{4}}$")
_LARGE_NEW_ENERGY = re.compile(r"^\d{5}[DF]$")
_WITH_SUFFIX = re.compile(rf"^{_SERIAL_CHARACTER}{{4}}$")
_EMBASSY = re.compile(r"^使\d{6}$")
# Typed between the parts of a plate: spaces, dots, middle dots (·•・) and hyphens.
_INSIDE = re.compile(r"[\s.·•・\-]+")
# Between plates in a list: 、，,;； and line breaks (never a space: "鲁K 12345" is one plate).
LIST_SEPARATORS = re.compile(r"[、，,;；\r\n]+")
MAX_PLATES = 10
PLATE_MAX_LENGTH = 8
EXAMPLE = "如 鲁K12345、鲁KD12345（新能源）、鲁K1234挂"


def normalise_plate(value: str) -> str:
    """The plate's normal form, whether or not it is valid."""
    return _INSIDE.sub("", unicodedata.normalize("NFKC", value)).upper()


def clean_plate(value: str) -> str:
    """A valid plate in its normal form; a ServiceError with the reason in Chinese otherwise."""
    plate = normalise_plate(value)
    problem = plate_problem(plate)
    if problem:
        raise ServiceError(problem, field="plates")
    return plate


def clean_plates(plates: Sequence[str]) -> list[str]:
    """Each plate valid and in its normal form, repeats dropped: what a service stores."""
    if len(plates) > MAX_PLATES:
        raise ServiceError(f"车牌号最多填写{MAX_PLATES}个", field="plates")
    return list(dict.fromkeys(clean_plate(plate) for plate in plates))


def plate_problem(plate: str) -> str | None:
    """Why a normalised plate is not a plate, or None."""
    if _EMBASSY.match(plate):
        return None
    if not plate:
        return "车牌号不能为空"
    if plate[0] == "使":
        return "使馆号牌应为“使”加6位数字（如使014578）"
    if plate[0] not in PROVINCES:
        return f"车牌号应以省份简称开头（{EXAMPLE}）"
    if len(plate) < 2 or not ("A" <= plate[1] <= "Z"):
        return "车牌号第二位应为发牌机关代号（英文字母，如“鲁K”的K）"
    serial, suffix = plate[2:], ""
    if serial and serial[-1] in SUFFIXES:
        serial, suffix = serial[:-1], serial[-1]
    if strange := [c for c in serial if not (c.isascii() and c.isalnum())]:
        return f"车牌号中有不能使用的字符“{strange[0]}”"
    if "I" in serial or "O" in serial:
        return "车牌号序号中不能有字母I或O（易与数字1、0混淆）"
    if suffix:
        return _suffix_problem(plate, serial, suffix)
    if len(serial) == 5:
        return None if _ORDINARY.match(serial) else f"车牌号格式不正确（{EXAMPLE}）"
    if len(serial) == 6:
        if _SMALL_NEW_ENERGY.match(serial) or _LARGE_NEW_ENERGY.match(serial):
            return None
        return (
            "新能源车牌号格式不正确：小型车序号以D或F开头、后四位为数字（如鲁KD12345），"
            "大型车前五位为数字、最后一位为D或F（如鲁K12345D）"
        )
    return f"车牌号位数不对：普通号牌7位，新能源号牌8位（{EXAMPLE}）"


def _suffix_problem(plate: str, serial: str, suffix: str) -> str | None:
    if suffix in "港澳" and not plate.startswith("粤Z"):
        return f"“{suffix}”字号牌只用于粤Z（如粤Z1234{suffix}）"
    if not _WITH_SUFFIX.match(serial):
        return f"“{suffix}”字号牌的序号应为4位（如{plate[:2]}1234{suffix}）"
    return None


def parse_plates(text: str) -> list[str]:
    """Several plates typed in one box or cell, separated by 、，,; or line breaks: each valid,
    in normal form, repeats dropped; the first bad one is named in the error."""
    typed = [part for part in LIST_SEPARATORS.split(text or "") if part.strip()]
    if len(typed) > MAX_PLATES:
        raise ServiceError(f"车牌号最多填写{MAX_PLATES}个", field="plates")
    plates: list[str] = []
    for position, part in enumerate(typed, start=1):
        plate = normalise_plate(part)
        problem = plate_problem(plate)
        if problem:
            which = f"第{position}个车牌" if len(typed) > 1 else "车牌"
            raise ServiceError(f"{which}“{_shown(part)}”：{problem}", field="plates")
        if plate not in plates:
            plates.append(plate)
    return plates


def format_plates(plates: Iterable[str]) -> str:
    """Plates as a person's row shows them and a form takes them back."""
    return "、".join(plates)


def _shown(part: str) -> str:
    text = part.strip()
    return text if len(text) <= 12 else text[:12] + "…"


def _api_plate(value: str) -> str:
    try:
        return clean_plate(value)
    except ServiceError as error:
        raise PydanticCustomError("plate", error.message) from error


# The API's plate: refused with a 422 and the Chinese reason, accepted in its normal form.
Plate = Annotated[str, AfterValidator(_api_plate)]
