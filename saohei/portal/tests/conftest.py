import re
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from saohei.leads.defaults import seed_defaults
from saohei.leads.models import DictionaryEntry, SourceTimeLimit
from saohei.organisations.models import Unit

_DIGITS = "零一二三四五六七八九"


@pytest.fixture(autouse=True)
def _isolated(settings: Any, tmp_path: Path) -> None:
    """Uploads into a temporary directory; rate-limit counters and used challenges forgotten."""
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()


@pytest.fixture
def town(demo: None) -> Unit:
    seed_defaults(DictionaryEntry, SourceTimeLimit)
    return Unit.objects.get(name="港西镇")


def solve_challenge(html: str) -> dict[str, str]:
    """Answer the page's arithmetic question as a person would."""
    token = re.search(r'name="challenge_token" value="([^"]+)"', html)
    question = re.search(r"验证题：(.)加(.)等于几", html)
    assert token and question, "the form carries no challenge"
    answer = _DIGITS.index(question.group(1)) + _DIGITS.index(question.group(2))
    return {"challenge_token": token.group(1), "challenge_answer": str(answer)}


def tip_form(client: Client, **overrides: Any) -> dict[str, Any]:
    """A complete anonymous submission from a freshly fetched form, with overrides."""
    page = client.get("/jubao/new/")
    assert page.status_code == 200
    data: dict[str, Any] = {
        "town": str(Unit.objects.get(name="港西镇").pk),
        "content": "龙泉村有人夜里在村口拦运沙车收“过路费”，不给就砸车",
        "identity": "anonymous",
        "acknowledged": "on",
        "persons-TOTAL_FORMS": "5",
        "persons-INITIAL_FORMS": "0",
        "persons-MIN_NUM_FORMS": "0",
        "persons-MAX_NUM_FORMS": "5",
        **{f"persons-{n}-role": "reported" for n in range(5)},
        **solve_challenge(page.content.decode()),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def receipt_on(html: str) -> str:
    match = re.search(r'data-testid="receipt"[^>]*>(.*?)</div>', html, re.S)
    assert match, "no receipt on the page"
    return re.sub(r"\D", "", match.group(1))
