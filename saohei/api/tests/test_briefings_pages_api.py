"""工作简报 generated, exported and drilled into, and the town's 版头版记, in the API as on the
/briefings/ pages (issue 15, decision 0068 addendum): `briefings.access` (the readers' towns, the
settings' editors), `compose`, `figures.drill_down` and the services; other towns 404, other
roles 403."""

from typing import Any

import pytest

from saohei.api.tests.test_briefings_api import _error, _send
from saohei.audit.models import AuditAction, AuditEvent
from saohei.briefings.models import BriefingSettings
from saohei.organisations.models import Unit

pytestmark = pytest.mark.django_db
URL = "/api/v1/briefings"


def test_a_reader_gets_the_pages_briefing_of_its_town(demo_history: Unit, client_as: Any) -> None:
    shown = _send("get", f"{URL}?unit_id={demo_history.pk}", "banshi")

    assert shown.status_code == 200, shown.content
    body = shown.json()
    assert body["unit"] == "港西镇" and body["sections"] and body["can_edit"]
    page = client_as("banshi").get("/briefings/", {"unit": demo_history.pk}).content.decode()
    assert body["title"] in page
    assert all(section["heading"] in page for section in body["sections"] if section["heading"])
    assert _send("get", URL, "shiban").status_code == 200  # its first town by default


def test_the_export_is_the_pages_document_and_is_audited(demo_history: Unit) -> None:
    response = _send("get", f"{URL}/export?unit_id={demo_history.pk}&file_format=docx", "shuji")
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    assert AuditEvent.objects.filter(action=AuditAction.BRIEFING_EXPORTED).count() == 1


def test_a_figure_lists_what_the_accounts_own_lists_show(demo_history: Unit) -> None:
    key = "leads.public_report"
    office = _send("get", f"{URL}/figures/{key}?unit_id={demo_history.pk}", "banshi")
    assert office.status_code == 200, office.content
    body = office.json()
    assert body["label"] and body["columns"] and int(body["total"]) == len(body["rows"])
    assert body["restricted"] == 0
    _error(_send("get", f"{URL}/figures/no.such?unit_id={demo_history.pk}", "banshi"), 404)


@pytest.mark.parametrize("username", ["cun01", "minjing", "xitong"])
def test_other_roles_are_refused(demo_history: Unit, username: str) -> None:
    for path in ("", "/export", "/figures/leads.public_report"):
        _error(_send("get", f"{URL}{path}?unit_id={demo_history.pk}", username), 403)
    _error(_send("get", f"{URL}/settings/{demo_history.pk}", username), 403)
    assert not AuditEvent.objects.filter(action=AuditAction.BRIEFING_EXPORTED).exists()


def test_another_towns_briefing_is_not_found(demo_history: Unit) -> None:
    for path in ("", "/export", "/figures/leads.public_report"):
        _error(_send("get", f"{URL}{path}?unit_id={demo_history.pk}", "banshi2"), 404)
    _error(_send("get", f"{URL}/settings/{demo_history.pk}", "banshi2"), 404)
    _error(_send("get", URL, None), 401)


def test_the_office_edits_the_towns_imprint(demo_history: Unit) -> None:
    body = {"issuing_unit": "港西镇扫黑办", "report_to": "荣成市扫黑办", "copies": 30}

    saved = _send("put", f"{URL}/settings/{demo_history.pk}", "banshi", body)

    assert saved.status_code == 200, saved.content
    assert saved.json()["copies"] == 30
    settings = BriefingSettings.objects.get(unit=demo_history)
    assert (settings.issuing_unit, settings.report_to) == ("港西镇扫黑办", "荣成市扫黑办")
    assert _send("get", f"{URL}/settings/{demo_history.pk}", "shuji").json()["copies"] == 30
    # A deputy leader reads the briefing but does not set its imprint, as on the page.
    _error(_send("put", f"{URL}/settings/{demo_history.pk}", "fushuji", body), 403)
    _error(_send("put", f"{URL}/settings/{demo_history.pk}", "banshi2", body), 404)
