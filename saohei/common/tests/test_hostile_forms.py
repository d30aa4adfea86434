"""Hostile values in every form of the staff pages: no 500, nothing written.

The forms are found by rendering every page without URL arguments as several roles and reading
their <form> elements, so a new page or field is covered without editing this file."""

import functools
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urljoin

import lxml.html
import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from saohei.audit.models import AuditEvent
from saohei.testing.rows import RowCounter

pytestmark = pytest.mark.django_db

# 2^63 is the first id no bigint holds; the probe's longer ones fail the same way.
HUGE_PATH_IDS = [str(2**63)]
HUGE_IDS = [str(2**63)]
# Both must be refused wherever they would be stored (a long number is fine text, so not here).
HOSTILE_TEXTS = ["a\x00b", "a\x1bb"]
# Pages that are not staff forms, or whose forms sign the visitor out or in.
SKIPPED_PREFIXES = ("/api/", "/jubao/", "/accounts/logout", "/accounts/login", "/static/")
ACCOUNTS = ["banshi", "xitong"]


def _routes(patterns: list[Any] | None = None, prefix: str = "/") -> Iterator[str]:
    """Every URL route of the project, as written (`/leads/<int:lead_id>/`)."""
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        route = str(pattern.pattern)
        if route.startswith("^") or "(?P" in route:
            continue
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + route)
        elif isinstance(pattern, URLPattern):
            yield prefix + route


def _pages() -> list[str]:
    """Every staff URL that takes no argument."""
    return [r for r in _routes() if "<" not in r and not r.startswith(SKIPPED_PREFIXES)]


def _pages_with_huge_ids() -> list[str]:
    """Every staff URL whose arguments are all ids, with ids no record can have."""
    pages = []
    for route in _routes():
        if "<int:" not in route or route.startswith(SKIPPED_PREFIXES):
            continue
        for huge in HUGE_PATH_IDS:
            page = re.sub(r"<int:\w+>", huge, route)
            if "<" not in page:
                pages.append(page)
    return pages


@functools.cache
def _row_counter() -> RowCounter:
    # audit events record the attempts themselves; sessions and sign-in records are the client's
    ignored = {AuditEvent, *apps.get_app_config("sessions").get_models()}
    return RowCounter(m for m in apps.get_models() if m not in ignored)


def _row_counts() -> dict[str, int]:
    return _row_counter()()


def _fields(form: Any) -> tuple[dict[str, str], list[str], list[str]]:
    """The form's own values, its choice fields and its text fields."""
    values: dict[str, str] = {}
    choices: list[str] = []
    texts: list[str] = []
    for element in form.inputs:
        name = element.get("name")
        if not name:
            continue
        if element.tag == "select":
            options = [o.get("value", "") for o in element.findall(".//option")]
            values[name] = next((o for o in options if o), "")
            choices.append(name)
        elif element.tag == "textarea":
            values[name] = element.text or ""
            texts.append(name)
        elif element.get("type", "text") in ("text", "search", "email", "tel", "url", "hidden"):
            values[name] = element.get("value", "")
            if element.get("type") != "hidden" or name.lower() in ("q", "text"):
                texts.append(name)
        elif element.get("type") in ("checkbox", "radio"):
            if element.get("checked") is not None:
                values[name] = element.get("value", "on")
            if element.get("value", "").isdigit() and name not in choices:
                choices.append(name)  # a multi-select drawn as checkboxes
        elif element.get("type") in ("number", "date", "datetime-local", "month"):
            values[name] = element.get("value", "")
            choices.append(name)  # numbers take the huge ids too
    return values, choices, texts


def _attempts(form: Any) -> Iterator[tuple[str, dict[str, str]]]:
    values, choices, texts = _fields(form)
    for name in choices:
        for value in HUGE_IDS:
            yield f"{name}={value}", {**values, name: value}
    for name in texts:
        for value in HOSTILE_TEXTS:
            yield f"{name}={value!r}", {**values, name: value}


def test_every_staff_form_survives_hostile_values_without_500_or_writes(
    client_as: Callable[[str], Client],
) -> None:
    failures: list[str] = []
    seen: set[tuple[str, str, str]] = set()
    pages = _pages()
    assert len(pages) > 30, "the URL walk found too few pages"
    forms_tried = 0
    for username in ACCOUNTS:
        client = client_as(username)
        client.raise_request_exception = False
        for page in pages:
            response = client.get(page)
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            document = lxml.html.fromstring(response.content.decode())
            for form in document.forms:
                method = (form.get("method") or "get").lower()
                action = urljoin(page, form.get("action") or page)
                if action.startswith(SKIPPED_PREFIXES):
                    continue
                names = tuple(sorted(e.get("name") or "" for e in form.inputs))
                key = (method, action.split("?")[0], str(names))
                if key in seen:
                    continue
                seen.add(key)
                forms_tried += 1
                for description, data in _attempts(form):
                    attempt = f"{username} {method.upper()} {action} {description}"
                    before = _row_counts()
                    if method == "post":
                        answer = client.post(action, data)
                    else:
                        answer = client.get(action.split("?")[0], data)
                    if answer.status_code >= 500:
                        failures.append(f"{attempt}: {answer.status_code}")
                    after = _row_counts()
                    if after != before:
                        changed = sorted(k for k in after if after[k] != before.get(k))
                        failures.append(f"{attempt}: wrote {changed}")
    assert forms_tried > 20, "the page walk found too few forms"
    assert not failures, "\n".join(failures)


def test_every_page_answers_an_id_past_the_database_range_without_500(
    client_as: Callable[[str], Client],
) -> None:
    pages = _pages_with_huge_ids()
    assert len(pages) > 20, "the URL walk found too few pages with ids"
    failures = []
    for username in ACCOUNTS:
        client = client_as(username)
        client.raise_request_exception = False
        for page in pages:
            for answer in (client.get(page), client.post(page, {})):
                if answer.status_code >= 500:
                    failures.append(f"{username} {answer.request['REQUEST_METHOD']} {page}")
    assert not failures, "\n".join(failures)


# Parameters the pages read straight from the query string (links, cursors, pickers).
LINK_PARAMETERS = [
    "q",
    "after",
    "before",
    "page",
    "town",
    "unit",
    "village",
    "month",
    "year",
    "kind",
    "status",
    "from",
    "to",
    "by",
    "period",
    "edit",
    "category",
    "person",
]


def _answers_health(page: str, answer: Any) -> bool:
    """`/healthz/full` answers 503 "fail" by design while something is unhealthy (here: no
    worker and no backup, decision 0047): its plain answer, not an error page."""
    return page.startswith("/healthz") and answer.content in (b"ok", b"fail")


def test_every_page_answers_hostile_query_parameters_without_500(
    client_as: Callable[[str], Client],
) -> None:
    failures = []
    for username in ACCOUNTS:
        client = client_as(username)
        client.raise_request_exception = False
        for page in _pages():
            for value in ("a\x00b", str(2**63), "²"):
                answer = client.get(page, dict.fromkeys(LINK_PARAMETERS, value))
                if answer.status_code >= 500 and not _answers_health(page, answer):
                    failures.append(f"{username} GET {page} with every parameter {value!r}")
    assert not failures, "\n".join(failures)
