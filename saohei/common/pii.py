"""Personal identifiers (ID numbers, mobile phones): validation, encryption, blind index, masking.

Stored as SM4-GCM ciphertext with its key id (so keys can rotate) plus an HMAC-SM3 blind index
(so exact matches can be found without decrypting). The index key is separate from the data
keys because it must not change when the data key rotates.
"""

import re
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from stdnum.cn import ric

from saohei.common.crypto import decrypt_text, encrypt_text, hmac_sm3_hex
from saohei.common.errors import ServiceError

_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def normalise(value: str) -> str:
    """Full-width digits and letters are common in Chinese input; fold them and strip spaces."""
    return re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", value)).upper()


def clean_id_number(value: str) -> str:
    """A valid 18-digit 居民身份证号 (checksum and birth date); 15-digit numbers are converted."""
    number = normalise(value)
    if len(number) == 15 and number.isdigit():
        # First-generation cards: insert the century and compute the check character.
        body = number[:6] + "19" + number[6:]
        try:
            ric.get_birth_date(body + "0")
        except ric.ValidationError as error:
            raise ServiceError("15位身份证号的出生日期无效", field="id_number") from error
        return body + ric.calc_check_digit(body + "0")
    if len(number) != 18:
        raise ServiceError("身份证号应为18位（或15位旧号）", field="id_number")
    if not number[:17].isdigit():
        raise ServiceError("身份证号前17位应为数字", field="id_number")
    try:
        # The birth date first: stdnum checks the checksum first and would hide a bad date.
        ric.get_birth_date(number)
    except ric.ValidationError as error:
        raise ServiceError("身份证号中的出生日期不正确", field="id_number") from error
    # Only the check digit and the birth date: stdnum's is_valid also dates the area code, and
    # refuses e.g. 荣成 (371082) for anyone born before the code existed.
    if ric.calc_check_digit(number) != number[-1]:
        raise ServiceError("身份证号校验位不正确，请核对", field="id_number")
    return number


def clean_mobile(value: str) -> str:
    number = normalise(value)
    if number.startswith("+86"):
        number = number[3:]
    if not _MOBILE.match(number):
        raise ServiceError("手机号应为以1开头的11位数字", field="phone")
    return number


def mask_id_number(number: str) -> str:
    return (
        f"{number[:6]}{'*' * (len(number) - 10)}{number[-4:]}"
        if len(number) > 10
        else "*" * len(number)
    )


def mask_mobile(number: str) -> str:
    return f"{number[:3]}****{number[-4:]}" if len(number) == 11 else "*" * len(number)


def blind_index(kind: str, value: str) -> str:
    """Keyed digest for exact matching; `kind` keeps an ID number and a phone from colliding."""
    return hmac_sm3_hex(settings.SAOHEI_INDEX_KEY, f"{kind}:{value}".encode())


def suffix_index(kind: str, value: str) -> str:
    """Keyed digest of the last four characters, for "search by the last four digits": the
    ending in clear (or unkeyed) would be guessed from 10,000 candidates by anyone with a copy."""
    return blind_index(f"{kind}_suffix", value[-4:])


@dataclass(frozen=True)
class SealedValue:
    key_id: str
    ciphertext: str
    index: str
    suffix_index: str


def seal(kind: str, value: str) -> SealedValue:
    """Encrypt a cleaned identifier; `kind` is bound into the ciphertext as associated data."""
    key_id, ciphertext = encrypt_text(value, associated_data=kind.encode())
    return SealedValue(
        key_id=key_id,
        ciphertext=ciphertext,
        index=blind_index(kind, value),
        suffix_index=suffix_index(kind, value),
    )


def unseal(kind: str, key_id: str, ciphertext: str) -> str:
    return decrypt_text(key_id, ciphertext, associated_data=kind.encode())
