"""Query syntax in every search box (issue 14): FTS5 operators, pg_trgm and LIKE specials are
plain text to the search, on SQLite and on PostgreSQL.

The search boxes are found by rendering every page without URL arguments and reading their
GET forms, so a new list is covered without editing this file. Each syntax is typed beside a
word the demo town does hold (码头): read as an operator (a prefix, NEAR, NOT, a column filter,
a wildcard) it would list rows; read as text, as it must be, it lists exactly what a search
that matches nothing lists.
"""

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin

import lxml.html
import pytest
from django.apps import apps
from django.db import models
from django.test import Client

from saohei.common.tests.test_hostile_forms import SKIPPED_PREFIXES, _pages
from saohei.organisations.models import Unit

pytestmark = pytest.mark.django_db

# The office sees the whole town; a village head's lists are scoped to their village.
ACCOUNTS = ["banshi", "cun02"]
# Words the demo town holds, longest first (3+ characters go through leads' FTS5 index on
# SQLite): each box is searched with the first that lists rows there.
WORDS = ["东岛村", "扫黑除恶", "线索", "会议", "检查", "宣传", "村"]
# A query no row can match: what every list shows for "nothing found".
MISS = "龘靐齉"
# FTS5 (quotes, prefix *, NEAR, OR/NOT, ^, -, column filters, brackets), LIKE and pg_trgm
# (%, _, the escape \), SQL's quote, and a query past the 50 characters a search reads.
SYNTAX = [
    '"',
    "'",
    "*",
    "{word}*",
    "NEAR({word} 收费)",
    "{word} OR 龘",
    "NOT {word}",
    "^{word}",
    "-{word}",
    "summary:{word}",
    "({word}",
    '"{word}',
    "%",
    "%{word}%",
    "_",
    "_{word}_",
    "\\%{word}",
    "x" * 1000,
]
FIELD_ERROR = re.compile(r'data-testid="field-error"><div>[^<]*[\u4e00-\u9fff]')
TABLE_ROW = re.compile(r"<tbody\b.*?</tbody>", re.DOTALL)


def _search_boxes(client: Client) -> dict[str, tuple[str, dict[str, str]]]:
    """Every GET form with a search field: its action → (field name, the form's own values)."""
    boxes: dict[str, tuple[str, dict[str, str]]] = {}
    for page in _pages():
        response = client.get(page)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        for form in lxml.html.fromstring(response.content.decode()).forms:
            if (form.get("method") or "get").lower() != "get":
                continue
            action = urljoin(page, form.get("action") or page).split("?")[0]
            if action.startswith(SKIPPED_PREFIXES) or action in boxes:
                continue
            fields = {
                e.get("name")
                for e in form.inputs
                if e.get("name") == "q" or (e.tag == "input" and e.get("type") == "search")
            }
            if fields:
                # What the browser submits as the page stands: the list's own filters kept.
                boxes[action] = (sorted(fields)[0], dict(form.form_values()))
    return boxes


def _answered(response: Any) -> bool:
    """The list, or (a search that takes only names or numbers) the query refused in Chinese
    beside the field."""
    if response.status_code == 200:
        return True
    return response.status_code == 400 and bool(FIELD_ERROR.search(response.content.decode()))


def _word_listing_rows(
    client: Client, action: str, field: str, values: dict[str, str], nothing: int
) -> str:
    """The first of `WORDS` that lists more rows than a miss in this box, or ""."""
    for word in WORDS:
        if _listed(client.get(action, {**values, field: word}).content.decode()) > nothing:
            return word
    return ""


def _listed(html: str) -> int:
    """How many table rows the page lists (the "nothing found" row included)."""
    return sum(body.count("<tr") for body in TABLE_ROW.findall(html))


def _stored_text() -> str:
    """Every text value stored in the database, to know which queries could match something."""
    parts: list[str] = []
    for model in apps.get_models():
        names = [
            field.attname
            for field in model._meta.concrete_fields
            if isinstance(field, models.CharField | models.TextField)
        ]
        if names:
            for row in model._default_manager.values_list(*names):
                parts.extend(value for value in row if value)
    return "\n".join(parts)


def _may_match(query: str, stored: str) -> bool:
    terms = [term for term in re.split(r"[\s，、,;；]+", query[:50]) if term]
    return all(term in stored for term in terms)


@pytest.fixture
def history(demo_history: Unit) -> None:
    """The demo town with its history (shared per worker, saohei/testing/town.py)."""


@pytest.mark.parametrize("username", ACCOUNTS)
def test_search_syntax_is_plain_text_in_every_search_box(
    history: None, username: str, client_as: Callable[[str], Client]
) -> None:
    client = client_as(username)
    client.raise_request_exception = False
    boxes = _search_boxes(client)
    stored = _stored_text()
    assert len(boxes) >= 6, f"the page walk found too few search boxes: {sorted(boxes)}"

    failures: list[str] = []
    found_something = 0
    for action, (field, values) in boxes.items():
        miss = client.get(action, {**values, field: MISS})
        assert miss.status_code == 200, action
        nothing = _listed(miss.content.decode())
        word = _word_listing_rows(client, action, field, values, nothing)
        found_something += bool(word)
        for template in SYNTAX:
            query = template.format(word=word or WORDS[0])
            answer = client.get(action, {**values, field: query})
            if not _answered(answer):
                failures.append(f"{action} {query[:20]!r}: {answer.status_code}")
                continue
            listed = _listed(answer.content.decode())
            if not _may_match(query, stored) and listed > nothing:
                failures.append(f"{action} {query[:20]!r}: {listed} rows, a miss lists {nothing}")

    assert failures == [], "\n".join(failures)
    if username == "banshi":
        # The word beside each syntax finds rows in the office's lists: a search that read the
        # syntax as an operator would list them.
        assert found_something >= 3
