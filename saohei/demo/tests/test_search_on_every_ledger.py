"""Issue 11: every ledger list has the same search (common.search): all terms, any order, the
searched record found, a miss said in words with ID numbers masked, and a 400-free page."""

from collections.abc import Callable

import pytest
from django.db import models
from django.test import Client

from saohei.accountability.models import Talk
from saohei.inspections.models import InspectionRound
from saohei.meetings.models import Meeting
from saohei.organisations.models import Unit
from saohei.publicity.models import PublicityActivity
from saohei.rectifications.models import RectificationItem
from saohei.tips.models import Tip

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]

# list url, model, text the search covers, the row's link, a user who reads the whole list
LEDGERS = [
    ("/rectifications/", RectificationItem, "description", "/rectifications/{}/", "banshi"),
    ("/tips/", Tip, "content", "/tips/{}/", "banshi"),
    ("/talks/", Talk, "content", "/talks/{}/", "banshi"),
    ("/meetings/", Meeting, "title", "/meetings/{}/", "banshi"),
    ("/inspections/", InspectionRound, "title", "/inspections/{}/", "banshi"),
    ("/publicity/", PublicityActivity, "place", None, "banshi"),
]


Ledger = tuple[str, type[models.Model], str, str | None, str]


@pytest.fixture
def history(demo_history: Unit) -> None:
    """The demo town with its history (shared per worker, saohei/testing/town.py)."""


@pytest.fixture(params=LEDGERS, ids=[row[0] for row in LEDGERS])
def ledger(request: pytest.FixtureRequest, history: None) -> Ledger:
    return request.param  # type: ignore[no-any-return]


def _words(text: str) -> str:
    """Two separated pieces of a record's text, typed in reverse order."""
    han = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    assert len(han) >= 4, text
    return f"{''.join(han[2:4])} {''.join(han[:2])}"


def test_every_ledger_finds_a_record_by_words_in_any_order(
    ledger: Ledger, client_as: ClientAs
) -> None:
    url, model, field, link, username = ledger
    record = model._default_manager.exclude(**{field: ""}).order_by("-pk").first()
    assert record is not None
    query = {"q": _words(getattr(record, field))}
    if isinstance(record, Tip):
        query["status"] = record.status  # the queue shows one tab at a time
    page = client_as(username).get(url, query).content.decode()
    assert 'name="q"' in page
    assert 'data-testid="no-results"' not in page
    if link:
        assert f'href="{link.format(record.pk)}"' in page


def test_every_ledger_says_when_nothing_matches_and_masks_an_id_number(
    ledger: Ledger, client_as: ClientAs
) -> None:
    url, _model, _field, _link, username = ledger
    response = client_as(username).get(url, {"q": "11010519491231002X 强揽工程"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "没有找到与“110105********002X 强揽工程”相符的" in page


def test_a_village_head_searching_another_villages_item_finds_nothing(
    history: None, client_as: ClientAs
) -> None:
    own = Unit.objects.get(name="东岛村")
    item = (
        RectificationItem.objects.exclude(village=own).exclude(village=None).order_by("pk").first()
    )
    assert item is not None
    words = _words(item.description)
    assert f'href="/rectifications/{item.pk}/"' in (
        client_as("banshi").get("/rectifications/", {"q": words}).content.decode()
    )
    response = client_as("cun02").get("/rectifications/", {"q": words})
    assert response.status_code == 200  # the village head reads the list: only their items
    assert f'href="/rectifications/{item.pk}/"' not in response.content.decode()
