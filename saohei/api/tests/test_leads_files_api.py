"""The lead pages' files and settings in the API (issue 15, decision 0068 addendum): the
线索台账 with the list's filters, a 反馈报告, and the dictionaries and time limits — the pages'
shared functions, access helpers and services, the one error shape."""

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from saohei.api.tests.test_leads_api import Api, _error
from saohei.audit.models import AuditAction, AuditEvent
from saohei.leads import services
from saohei.leads.models import DictionaryEntry, DictionaryKind, Feedback, Lead, Source
from saohei.leads.queries import time_limit_for
from saohei.leads.tests import conftest as lead_fixtures
from saohei.leads.tests.conftest import advance
from saohei.organisations.models import Unit, User

pytestmark = pytest.mark.django_db

town = lead_fixtures.town
village = lead_fixtures.village
register = lead_fixtures.register
Register = Callable[..., Lead]


@pytest.fixture
def api(demo_history: Unit) -> Callable[[str | None], Api]:
    return Api


def _ledger(response: Any) -> list[tuple[str, ...]]:
    """The ledger's rows below its title rows (who exported and when differ between files)."""
    assert response.status_code == 200, response
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    content = b"".join(response.streaming_content)
    rows = [
        tuple("" if cell is None else str(cell) for cell in row)
        for row in load_workbook(io.BytesIO(content), read_only=True).active.iter_rows(
            values_only=True
        )
    ]
    header = next(index for index, row in enumerate(rows) if row and row[0] == "序号")
    return rows[header:]


def _numbers(rows: list[tuple[str, ...]]) -> set[str]:
    return {row[1] for row in rows[1:] if row[1]}


def test_the_ledger_is_the_pages_with_the_same_filters(
    api: Callable[..., Api], register: Register, client_as: Callable[[str], Client]
) -> None:
    upper = register(source=Source.UPPER_ASSIGNED, upstream_office="荣成市扫黑办")
    register(summary="渔船被砸")

    from_api = _ledger(api("banshi").get("/leads/export", {"source": "upper_assigned"}))
    from_page = _ledger(client_as("banshi").get("/leads/export.xlsx", {"source": "upper_assigned"}))

    assert from_api == from_page
    assert upper.number in _numbers(from_api)
    assert all(row[2] == "上级交办" for row in from_api[1:] if row[1])
    event = AuditEvent.objects.filter(action=AuditAction.LEAD_EXPORTED).order_by("-id")[1]
    assert event.actor_username == "banshi"
    assert event.details["filters"] == {"source": "upper_assigned"}


def test_a_village_head_exports_only_what_its_list_shows(
    api: Callable[..., Api], register: Register, village: Unit
) -> None:
    office = User.objects.get(username="banshi")
    own = register(summary="东岛村的线索")
    services.assign_lead(actor=office, lead=own, handling_unit=village)
    not_handed = register(summary="未交办的线索")
    head = User.objects.get(unit=village, role_grants__role="village_head").username

    numbers = _numbers(_ledger(api(head).get("/leads/export")))
    listed = {item["number"] for item in api(head).get("/leads").json()["items"]}

    assert own.number in numbers and not_handed.number not in numbers
    assert numbers == listed


def test_the_ledger_refuses_another_towns_village_and_the_anonymous(
    api: Callable[..., Api],
) -> None:
    other_village = Unit.objects.get(name="虚构东村")
    refused = _error(api("banshi").get("/leads/export", {"village_id": other_village.pk}), 400)
    assert refused["fields"] == {"village_id": refused["fields"]["village_id"]}
    _error(api(None).get("/leads/export"), 401)
    backwards = {"date_from": "2026-06-01", "date_to": "2026-01-01"}
    _error(api("banshi").get("/leads/export", backwards), 422)
    assert not AuditEvent.objects.filter(
        action=AuditAction.LEAD_EXPORTED, actor_username="banshi"
    ).exists()


def test_another_towns_office_exports_none_of_this_towns_leads(
    api: Callable[..., Api], register: Register
) -> None:
    lead = register()
    assert lead.number not in _numbers(_ledger(api("banshi2").get("/leads/export")))


@pytest.fixture
def feedback(register: Register) -> Feedback:
    lead = advance(register(source="upper_assigned", upstream_office="荣成市扫黑办"), "concluded")
    return services.record_feedback(
        actor=User.objects.get(username="banshi"),
        lead=lead,
        fed_back_on=timezone.localdate(),
        recipient="荣成市扫黑办",
        content="经核查，排除涉黑涉恶可能。",
    )


def _paragraphs(content: bytes) -> list[str]:
    return [paragraph.text for paragraph in Document(io.BytesIO(content)).paragraphs]


def test_the_office_downloads_the_pages_feedback_report(
    api: Callable[..., Api], feedback: Feedback, client_as: Callable[[str], Client]
) -> None:
    lead = feedback.lead
    path = f"/leads/{lead.pk}/feedback/{feedback.pk}.docx"

    response = api("banshi").get(path)
    page = client_as("banshi").get(path)

    assert response.status_code == 200, response.content[:200]
    assert response["Content-Type"] == page["Content-Type"]
    assert f"feedback-{lead.number}.docx" in response["Content-Disposition"]
    # The stamp names the moment of export; everything else is the page's document.
    shown, on_page = _paragraphs(response.content), _paragraphs(page.content)
    assert "排除涉黑涉恶" in "\n".join(shown)
    assert len(shown) == len(on_page)
    assert (
        AuditEvent.objects.filter(
            action=AuditAction.LEAD_EXPORTED, details__document="feedback"
        ).count()
        == 2
    )


def test_the_feedback_report_is_hidden_from_everyone_but_the_towns_office(
    api: Callable[..., Api], feedback: Feedback
) -> None:
    lead = feedback.lead
    path = f"/leads/{lead.pk}/feedback/{feedback.pk}.docx"
    for username in ("cun01", "minjing", "banshi2", "shuji2"):
        _error(api(username).get(path), 404)
    _error(api(None).get(path), 401)
    _error(api("banshi").get(f"/leads/{lead.pk}/feedback/999999.docx"), 404)
    assert not AuditEvent.objects.filter(
        action=AuditAction.LEAD_EXPORTED, details__document="feedback"
    ).exists()


def test_the_office_reads_and_changes_the_dictionaries_and_time_limits(
    api: Callable[..., Api],
) -> None:
    office = api("banshi")
    shown = office.get("/leads/settings")
    assert shown.status_code == 200, shown.content.decode()
    body = shown.json()
    assert len(body["entries"]) == DictionaryEntry.objects.count()
    assert {row["source"] for row in body["time_limits"]} == set(Source.values)

    added = office.post("/leads/settings/entries", {"kind": "target_category", "name": "测试类别"})
    assert added.status_code == 201, added.content.decode()
    entry = DictionaryEntry.objects.get(pk=added.json()["id"])
    assert entry.kind == DictionaryKind.TARGET_CATEGORY and entry.is_active
    duplicate = office.post(
        "/leads/settings/entries", {"kind": "target_category", "name": "测试类别"}
    )
    assert "name" in _error(duplicate, 400)["fields"]

    retired = office.client.patch(
        f"/api/v1/leads/settings/entries/{entry.pk}",
        {"is_active": False},
        content_type="application/json",
        headers=office.headers,
    )
    assert retired.status_code == 200, retired.content.decode()
    entry.refresh_from_db()
    assert not entry.is_active

    limit = office.client.put(
        "/api/v1/leads/settings/time-limits",
        {"source": "public_report", "working_days": 12},
        content_type="application/json",
        headers=office.headers,
    )
    assert limit.status_code == 200, limit.content.decode()
    assert time_limit_for("public_report") == 12
    assert AuditEvent.objects.filter(action=AuditAction.DICTIONARY_CHANGED).count() == 3


def test_the_settings_are_the_offices_only(api: Callable[..., Api]) -> None:
    entry = DictionaryEntry.objects.order_by("id").first()
    assert entry is not None
    before = time_limit_for("public_report")
    for username in ("cun01", "minjing", "shiban", "xitong"):
        caller = api(username)
        _error(caller.get("/leads/settings"), 403)
        _error(caller.post("/leads/settings/entries", {"kind": "offence_type", "name": "x"}), 403)
        _error(
            caller.client.patch(
                f"/api/v1/leads/settings/entries/{entry.pk}",
                {"is_active": not entry.is_active},
                content_type="application/json",
                headers=caller.headers,
            ),
            403,
        )
        _error(
            caller.client.put(
                "/api/v1/leads/settings/time-limits",
                {"source": "public_report", "working_days": before + 1},
                content_type="application/json",
                headers=caller.headers,
            ),
            403,
        )
    _error(api(None).get("/leads/settings"), 401)
    _error(
        api("banshi").client.patch(
            "/api/v1/leads/settings/entries/999999",
            {"is_active": False},
            content_type="application/json",
            headers=api("banshi").headers,
        ),
        404,
    )
    entry.refresh_from_db()
    assert time_limit_for("public_report") == before
    assert not DictionaryEntry.objects.filter(name="x").exists()
