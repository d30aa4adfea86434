"""The 16-digit receipt (查询码) a reporter follows a tip with.

10^16 random values (from `secrets`), shown once and stored only as an HMAC-SM3 digest under
the blind-index key (`SAOHEI_INDEX_KEY`, kind `tip_receipt`). The index key never rotates, so
receipts stay valid when the data key does; a lookup is one exact match on the digest.
"""

import re
import secrets

from saohei.common.pii import blind_index, normalise

RECEIPT_DIGITS = 16
_RECEIPT = re.compile(rf"^\d{{{RECEIPT_DIGITS}}}$")


def new_receipt() -> str:
    return f"{secrets.randbelow(10**RECEIPT_DIGITS):0{RECEIPT_DIGITS}d}"


def receipt_digest(receipt: str) -> str:
    return blind_index("tip_receipt", receipt)


def clean_receipt(value: str) -> str | None:
    """The receipt as typed (spaces, dashes, full-width digits allowed), or None if malformed."""
    receipt = normalise(value or "")
    return receipt if _RECEIPT.match(receipt) else None


def group_receipt(receipt: str) -> list[str]:
    """1234 5678 9012 3456: four groups are easier to copy onto paper without a slip."""
    return [receipt[start : start + 4] for start in range(0, len(receipt), 4)]
