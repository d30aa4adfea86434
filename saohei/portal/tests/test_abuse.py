"""The offline abuse defences on their own: the arithmetic challenge and the rate limits."""

import re

import pytest
from django.core import signing
from django.core.cache import cache
from django.test import RequestFactory

from saohei.portal import challenge, ratelimit
from saohei.portal.challenge import ChallengeFailed, new_challenge, verify_challenge

_DIGITS = "零一二三四五六七八九"


def _answer(question: str) -> int:
    match = re.match(r"(.)加(.)等于几？", question)
    assert match, question
    return _DIGITS.index(match.group(1)) + _DIGITS.index(match.group(2))


def test_the_right_answer_passes_once() -> None:
    issued = new_challenge()
    verify_challenge(issued.token, str(_answer(issued.question)))
    with pytest.raises(ChallengeFailed, match="已经用过"):
        verify_challenge(issued.token, str(_answer(issued.question)))


@pytest.mark.parametrize("form", ["chinese", "full_width", "spaces"])
def test_answers_may_be_typed_with_a_chinese_input_method(form: str) -> None:
    issued = new_challenge()
    number = _answer(issued.question)
    typed = {
        "chinese": ("十" + (_DIGITS[number - 10] if number > 10 else ""))
        if number >= 10
        else _DIGITS[number],
        "full_width": str(number).translate(str.maketrans("0123456789", "０１２３４５６７８９")),
        "spaces": f"  {number} ",
    }[form]
    verify_challenge(issued.token, typed)


def test_a_wrong_answer_also_uses_up_the_question() -> None:
    issued = new_challenge()
    right = _answer(issued.question)
    with pytest.raises(ChallengeFailed, match="答案不正确"):
        verify_challenge(issued.token, str(right + 1))
    with pytest.raises(ChallengeFailed, match="已经用过"):
        verify_challenge(issued.token, str(right))


def test_the_token_does_not_reveal_the_answer() -> None:
    issued = new_challenge()
    payload = signing.loads(issued.token, salt="saohei.portal.challenge")
    # A nonce and a keyed digest: nothing a script could read the answer from.
    assert set(payload) == {"n", "d"} and len(payload["d"]) == 64


def test_forged_and_expired_tokens_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    forged = signing.dumps({"n": "x", "d": "y"}, salt="another-salt")
    with pytest.raises(ChallengeFailed, match="无效"):
        verify_challenge(forged, "3")
    with pytest.raises(ChallengeFailed, match="无效"):
        verify_challenge("", "3")
    issued = new_challenge()
    monkeypatch.setattr(challenge, "MAX_AGE_SECONDS", -1)
    with pytest.raises(ChallengeFailed, match="过期"):
        verify_challenge(issued.token, str(_answer(issued.question)))


def test_rate_limits_count_per_client_under_a_keyed_hash() -> None:
    cache.clear()
    factory = RequestFactory()
    first = factory.post("/jubao/check/", REMOTE_ADDR="192.0.2.10")
    second = factory.post("/jubao/check/", REMOTE_ADDR="192.0.2.11")
    limit = ratelimit.Limit("test", 3, 60)
    for _ in range(3):
        assert not ratelimit.is_limited(first, limit)
        ratelimit.count_hit(first, limit)
    assert ratelimit.is_limited(first, limit)
    assert not ratelimit.is_limited(second, limit)
    keys = " ".join(str(key) for key in cache._cache)  # type: ignore[attr-defined]
    assert "192.0.2.10" not in keys and ":rate:" in keys


def test_an_ipv6_client_is_counted_per_64_network() -> None:
    cache.clear()
    factory = RequestFactory()
    one = factory.post("/", REMOTE_ADDR="2001:db8:1:2::1")
    same_network = factory.post("/", REMOTE_ADDR="2001:db8:1:2:ffff::9")
    other_network = factory.post("/", REMOTE_ADDR="2001:db8:1:3::1")
    limit = ratelimit.Limit("test6", 1, 60)
    ratelimit.count_hit(one, limit)
    assert ratelimit.is_limited(same_network, limit)
    assert not ratelimit.is_limited(other_network, limit)


def test_the_forwarded_address_counts_only_behind_a_trusted_proxy(settings: object) -> None:
    cache.clear()
    factory = RequestFactory()
    limit = ratelimit.Limit("proxy", 1, 60)
    spoofed = factory.post("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="198.51.100.1")
    ratelimit.count_hit(spoofed, limit)
    # Without a trusted proxy the header is ignored: changing it does not reset the count.
    again = factory.post("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert ratelimit.is_limited(again, limit)
    settings.SAOHEI_TRUSTED_PROXY_COUNT = 1  # type: ignore[attr-defined]
    assert not ratelimit.is_limited(again, limit)
    # Behind the proxy, a spoofed first hop in front of the real one changes nothing.
    ratelimit.count_hit(again, limit)
    spoofed_again = factory.post(
        "/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.2"
    )
    assert ratelimit.is_limited(spoofed_again, limit)
