"""Hostile values in every form of the staff pages: no 500, nothing written.

The forms are found by rendering every page without URL arguments as several roles and reading
their <form> elements, so a new page or field is covered without editing this file."""

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urljoin

import lxml.html
import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from saohei.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

HUGE_IDS = ["99999999999999999999999", str(2**63), "-1"]
HOSTILE_TEXTS = ["a\x00b", "a\x1bb", "99999999999999999999999"]
# Pages that are not staff forms, or whose forms sign the visitor out or in.
SKIPPED_PREFIXES = ("/api/", "/jubao/", "/accounts/logout", "/accounts/login", "/static/")
ACCOUNTS = ["banshi", "shuji", "minjing", "baoguan", "xitong", "anquan"]


def _pages(patterns: list[Any] | None = None, prefix: str = "/") -> Iterator[str]:
    """Every URL that takes no argument."""
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        route = str(pattern.pattern)
        if "<" in route or "(?P" in route or route.startswith("^"):
            continue
        if isinstance(pattern, URLResolver):
            yield from _pages(pattern.url_patterns, prefix + route)
        elif isinstance(pattern, URLPattern):
            yield prefix + route


def _row_counts() -> dict[str, int]:
    # audit events record the attempts themselves; sessions and sign-in records are the client's
    ignored = {AuditEvent, *apps.get_app_config("sessions").get_models()}
    return {m._meta.label: m._default_manager.count() for m in apps.get_models() if m not in ignored}


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
    pages = [page for page in _pages() if not page.startswith(SKIPPED_PREFIXES)]
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
                before = _row_counts()
                for description, data in _attempts(form):
                    if method == "post":
                        answer = client.post(action, data)
                    else:
                        answer = client.get(action.split("?")[0], data)
                    if answer.status_code >= 500:
                        failures.append(f"{username} {method.upper()} {action} {description}: 500")
                after = _row_counts()
                if after != before:
                    changed = sorted(k for k in after if after[k] != before.get(k))
                    failures.append(f"{username} {method.upper()} {action}: wrote {changed}")
    assert forms_tried > 20, "the page walk found too few forms"
    assert not failures, "\n".join(failures)
