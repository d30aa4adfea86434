"""/api/v1/briefings/drafts: 工作简报 drafts through `briefings.access` and `briefings.services` —
the town's office saves, edits, regenerates and exports; a 上级督导 reads and exports; others
403, another town's draft 404, a stale edit 409; every export audited."""

import json
from typing import Any

import pytest
from django.test import Client

from saohei.api.services import create_api_token
from saohei.audit.models import AuditAction, AuditEvent
from saohei.briefings.models import BriefingDraft
from saohei.common.roles import Role
from saohei.meetings.tests.conftest import make_account
from saohei.organisations.models import Unit, UnitKind, User
from saohei.organisations.services import build_unit

pytestmark = pytest.mark.django_db
URL = "/api/v1/briefings/drafts"


@pytest.fixture
def town(demo: None) -> Unit:
    return Unit.objects.get(name="港西镇")


@pytest.fixture
def other_town(town: Unit) -> Unit:
    other = build_unit(name="港东镇", kind=UnitKind.TOWN, parent=town.parent, code="GD")
    make_account("gdbanshi", "gdbanshi", other, Role.OFFICE_STAFF)
    return other


def _headers(username: str | None) -> dict[str, str]:
    if username is None:
        return {}
    _, token = create_api_token(user=User.objects.get(username=username), name="简报")
    return {"Authorization": f"Bearer {token}"}


def _send(method: str, url: str, username: str | None, body: object = None, **headers: str) -> Any:
    client = getattr(Client(), method)
    if method == "get":
        return client(url, headers={**_headers(username), **headers})
    return client(
        url,
        json.dumps(body or {}),
        content_type="application/json",
        headers={**_headers(username), **headers},
    )


def _error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    return body["error"]  # type: ignore[no-any-return]


@pytest.fixture
def draft(town: Unit) -> dict[str, Any]:
    response = _send("post", URL, "banshi", {"unit_id": town.pk, "date_from": "2026-01-01"})
    assert response.status_code == 201, response.content
    return response.json()  # type: ignore[no-any-return]


def test_the_office_saves_a_draft_of_its_town(draft: dict[str, Any], town: Unit) -> None:
    assert draft["unit_id"] == town.pk and draft["can_edit"] is True and draft["version"] == 1
    assert draft["sections"] and all(
        {"key", "heading", "text"} == set(s) for s in draft["sections"]
    )
    assert draft["issue"].endswith("第1期") and draft["date_from"] == "2026-01-01"
    assert AuditEvent.objects.filter(action=AuditAction.BRIEFING_DRAFT_SAVED).count() == 1


@pytest.mark.parametrize("username", ["banshi", "shuji", "shiban"])
def test_the_office_and_the_supervisor_list_and_read_drafts(
    draft: dict[str, Any], username: str
) -> None:
    listed = _send("get", URL, username).json()
    assert [item["id"] for item in listed["items"]] == [draft["id"]]
    assert listed["next_cursor"] == ""
    detail = _send("get", f"{URL}/{draft['id']}", username).json()
    assert detail["sections"] == draft["sections"]
    assert detail["can_edit"] is (username != "shiban")


@pytest.mark.parametrize("username", ["cun01", "suozhang", "baoguan", "xitong"])
def test_other_roles_get_403(draft: dict[str, Any], username: str, town: Unit) -> None:
    _error(_send("get", URL, username), 403)
    _error(_send("get", f"{URL}/{draft['id']}", username), 403)
    _error(_send("get", f"{URL}/{draft['id']}/export", username), 403)
    _error(_send("post", URL, username, {"unit_id": town.pk}), 403)


def test_another_towns_office_gets_404_and_may_not_save_for_the_town(
    draft: dict[str, Any], other_town: Unit, town: Unit
) -> None:
    assert _send("get", URL, "gdbanshi").json()["items"] == []
    _error(_send("get", f"{URL}/{draft['id']}", "gdbanshi"), 404)
    _error(_send("patch", f"{URL}/{draft['id']}", "gdbanshi", {"title": "改"}), 404)
    _error(_send("get", f"{URL}/{draft['id']}/export", "gdbanshi"), 404)
    _error(_send("post", URL, "gdbanshi", {"unit_id": town.pk}), 403)
    assert BriefingDraft.objects.count() == 1


def test_the_supervisor_reads_but_may_not_edit_or_save(draft: dict[str, Any], town: Unit) -> None:
    _error(_send("patch", f"{URL}/{draft['id']}", "shiban", {"title": "改"}), 403)
    _error(_send("post", f"{URL}/{draft['id']}/regenerate", "shiban"), 403)
    _error(_send("post", URL, "shiban", {"unit_id": town.pk}), 403)
    assert BriefingDraft.objects.get().version == 1


def test_an_edit_replaces_the_named_sections_and_a_stale_one_is_409(draft: dict[str, Any]) -> None:
    key = draft["sections"][0]["key"]
    url = f"{URL}/{draft['id']}"
    edited = _send(
        "patch", url, "banshi", {"title": "新标题", "sections": {key: "新正文"}, "version": 1}
    )
    assert edited.status_code == 200, edited.content
    body = edited.json()
    assert body["title"] == "新标题" and body["version"] == 2
    assert body["sections"][0]["text"] == "新正文"
    assert body["sections"][1:] == draft["sections"][1:]
    stale = _send("patch", url, "banshi", {"title": "再改", "version": 1})
    assert _error(stale, 409)["fields"]["version"] == ["2"]
    unknown = _send("patch", url, "banshi", {"title": "再改", "sections": {"nope": "x"}})
    assert _error(unknown, 400)["code"] == "invalid"
    assert BriefingDraft.objects.get().title == "新标题"


def test_regenerating_replaces_the_edits(draft: dict[str, Any]) -> None:
    url = f"{URL}/{draft['id']}"
    key = draft["sections"][0]["key"]
    _send("patch", url, "banshi", {"title": "新标题", "sections": {key: "新正文"}})
    response = _send("post", f"{url}/regenerate", "shuji")
    assert response.status_code == 200, response.content
    assert response.json()["sections"] == draft["sections"] and response.json()["version"] == 3


@pytest.mark.parametrize(
    ("file_format", "content_type", "magic"),
    [
        ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK"),
        ("pdf", "application/pdf", b"%PDF"),
    ],
)
def test_the_document_downloads_and_is_audited(
    draft: dict[str, Any], file_format: str, content_type: str, magic: bytes
) -> None:
    response = _send("get", f"{URL}/{draft['id']}/export?file_format={file_format}", "shiban")
    assert response.status_code == 200
    assert response["Content-Type"] == content_type and response.content.startswith(magic)
    assert response["Content-Disposition"].startswith("attachment; filename*=UTF-8''")
    event = AuditEvent.objects.get(action=AuditAction.BRIEFING_EXPORTED)
    assert event.details["format"] == file_format and event.details["via"] == "api"
    assert event.actor == User.objects.get(username="shiban")


def test_bad_input_is_refused_in_the_error_shape(draft: dict[str, Any], town: Unit) -> None:
    _error(_send("get", f"{URL}/{draft['id']}/export?file_format=exe", "banshi"), 422)
    period = {"unit_id": town.pk, "date_from": "2026-03-01", "date_to": "2026-01-01"}
    _error(_send("post", URL, "banshi", period), 400)
    _error(_send("post", URL, "banshi", {"unit_id": 999_999}), 403)
    _error(_send("get", URL, None), 401)
