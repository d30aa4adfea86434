"""A server-rendered arithmetic question (“三加五等于几？”) that the tip form must answer.

It works without JavaScript and offline; it stops form-spamming scripts, not a determined
person, which is what the rate limits and the office's spam queue are for (docs/decisions/
0003-portal.md). The question travels in a token signed with django.core.signing that holds a
nonce and an HMAC of the answer (not the answer itself); each token is accepted once — the
nonce is recorded in the cache — and for two hours.
"""

import secrets
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import cache

from saohei.common.crypto import constant_time_equal, hmac_sm3_hex

_SALT = "saohei.portal.challenge"
MAX_AGE_SECONDS = 2 * 3600
_DIGITS = "零一二三四五六七八九"
# 0–20 in Chinese numerals, for answers typed with a Chinese input method.
_CHINESE_NUMBERS = {
    **{_DIGITS[n]: n for n in range(10)},
    "十": 10,
    **{f"十{_DIGITS[n]}": 10 + n for n in range(1, 10)},
    "二十": 20,
}


@dataclass(frozen=True)
class Challenge:
    question: str
    token: str


class ChallengeFailed(Exception):
    """The answer is wrong, or the token is forged, expired or used. The message is Chinese."""


def _answer_digest(nonce: str, answer: int) -> str:
    key = hmac_sm3_hex(settings.SECRET_KEY.encode(), _SALT.encode())
    return hmac_sm3_hex(bytes.fromhex(key), f"{nonce}:{answer}".encode())


def new_challenge() -> Challenge:
    left, right = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    nonce = secrets.token_hex(12)
    token = signing.dumps({"n": nonce, "d": _answer_digest(nonce, left + right)}, salt=_SALT)
    return Challenge(question=f"{_DIGITS[left]}加{_DIGITS[right]}等于几？", token=token)


def _parse_answer(text: str) -> int | None:
    value = unicodedata.normalize("NFKC", text or "").strip()
    if value.isdigit() and len(value) <= 3:
        return int(value)
    return _CHINESE_NUMBERS.get(value)


def verify_challenge(token: str, answer: str) -> None:
    """Raise ChallengeFailed unless the answer is right; a token counts once, right or wrong."""
    try:
        payload = signing.loads(token or "", salt=_SALT, max_age=MAX_AGE_SECONDS)
    except signing.SignatureExpired as error:
        raise ChallengeFailed("验证题已过期，请回答新的验证题") from error
    except signing.BadSignature as error:
        raise ChallengeFailed("验证题无效，请回答新的验证题") from error
    nonce = str(payload.get("n", ""))
    if not cache.add(f"portal-challenge:{nonce}", 1, timeout=MAX_AGE_SECONDS):
        raise ChallengeFailed("该验证题已经用过，请回答新的验证题")
    number = _parse_answer(answer)
    if number is None or not constant_time_equal(
        _answer_digest(nonce, number), str(payload.get("d", ""))
    ):
        raise ChallengeFailed("验证题答案不正确，请重新计算")
