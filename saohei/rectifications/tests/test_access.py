"""The access matrix for every page, the export, evidence downloads and the API."""

import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from saohei.api.services import create_api_token
from saohei.audit.models import AuditAction, AuditEvent
from saohei.organisations.models import Unit, User
from saohei.rectifications.models import Evidence, RectificationItem
from saohei.rectifications.tests.conftest import OpenItem, with_evidence

pytestmark = pytest.mark.django_db
ClientAs = Callable[[str], Client]

# username → sees the 东岛村 item (whose head is cun02)
SEES = {
    "banshi": True,
    "shuji": True,
    "fushuji": True,
    "cun02": True,
    "shiban": True,
    "cun04": False,
    "minjing": False,
    "baoguan": False,
}
# Roles with no page at all: 403 on lists, 404 on ids.
NO_PAGE = {"minjing", "baoguan", "xitong"}


@pytest.fixture
def item(open_item: OpenItem) -> RectificationItem:
    return with_evidence(open_item())


@pytest.mark.parametrize("username", sorted(SEES))
def test_detail_page_follows_scope(
    client_as: ClientAs, item: RectificationItem, username: str
) -> None:
    response = client_as(username).get(f"/rectifications/{item.pk}/")
    if username in NO_PAGE:
        assert response.status_code == 403
    else:
        assert response.status_code == (200 if SEES[username] else 404)


def test_three_admins_get_no_page(client_as: ClientAs, item: RectificationItem) -> None:
    client = client_as("xitong")
    assert client.get("/rectifications/").status_code == 403
    assert client.get(f"/rectifications/{item.pk}/").status_code == 403
    assert client.get("/rectifications/export/").status_code == 403


def test_anonymous_is_sent_to_login(item: RectificationItem) -> None:
    client = Client()
    for path in ("/rectifications/", f"/rectifications/{item.pk}/", "/rectifications/export/"):
        response = client.get(path)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("username", sorted(SEES))
def test_list_shows_only_items_in_scope(
    client_as: ClientAs, item: RectificationItem, username: str
) -> None:
    response = client_as(username).get("/rectifications/")
    if username in NO_PAGE:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    assert (f"/rectifications/{item.pk}/" in response.content.decode()) is SEES[username]


def test_village_head_sees_only_own_villages_items(
    client_as: ClientAs, open_item: OpenItem, other_village: Unit
) -> None:
    own = open_item()
    other = open_item(village=other_village, description="北港村宣传板缺失")
    client = client_as("cun02")
    body = client.get("/rectifications/").content.decode()
    assert f"/rectifications/{own.pk}/" in body
    assert f"/rectifications/{other.pk}/" not in body
    assert client.get(f"/rectifications/{other.pk}/").status_code == 404
    response = client.post(f"/rectifications/{other.pk}/request-closure/", {"note": "x"})
    assert response.status_code == 404


@pytest.mark.parametrize("username", sorted(SEES))
def test_evidence_download_follows_scope(
    client_as: ClientAs, item: RectificationItem, username: str
) -> None:
    evidence = Evidence.objects.get()
    response = client_as(username).get(f"/rectifications/{item.pk}/evidence/{evidence.pk}/")
    if username in NO_PAGE:
        assert response.status_code == 403
    elif SEES[username]:
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"\x89PNG")  # type: ignore[attr-defined]
        event = AuditEvent.objects.get(action=AuditAction.ATTACHMENT_DOWNLOADED)
        assert event.details["sha256"] == evidence.sha256
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("username", sorted(SEES))
def test_export_contains_only_items_in_scope(
    client_as: ClientAs, item: RectificationItem, username: str
) -> None:
    response = client_as(username).get("/rectifications/export/")
    if username in NO_PAGE:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active  # type: ignore[attr-defined]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0].startswith("导出人：")
    assert (len(rows) == 4) is SEES[username]
    assert AuditEvent.objects.filter(action=AuditAction.RECTIFICATIONS_EXPORTED).count() == 1


class Api:
    def __init__(self, username: str | None) -> None:
        self.headers: dict[str, str] = {}
        if username is not None:
            _, token = create_api_token(user=User.objects.get(username=username), name="测试")
            self.headers = {"Authorization": f"Bearer {token}"}
        self.client = Client()

    def get(self, path: str) -> Any:
        return self.client.get(f"/api/v1/rectifications{path}", headers=self.headers)

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self.client.post(
            f"/api/v1/rectifications{path}",
            json.dumps(body),
            content_type="application/json",
            headers=self.headers,
        )


@pytest.mark.parametrize("username", [*sorted(SEES), "xitong"])
def test_api_detail_and_list_follow_scope(item: RectificationItem, username: str) -> None:
    api = Api(username)
    visible = SEES.get(username, False)
    assert api.get(f"/{item.pk}").status_code == (200 if visible else 404)
    listed = [row["id"] for row in api.get("").json()["items"]]
    assert (item.pk in listed) is visible


def test_api_needs_a_token(item: RectificationItem) -> None:
    assert Api(None).get("").status_code == 401
    assert Api(None).get(f"/{item.pk}").status_code == 401
