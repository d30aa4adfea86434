"""The access matrix for every page, the export, photo downloads and the API."""

import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from saohei.api.services import create_api_token
from saohei.audit.models import AuditAction, AuditEvent
from saohei.common.roles import Role
from saohei.conftest import sign_in
from saohei.demo.town import DEMO_PASSWORD
from saohei.organisations.models import RoleGrant, Unit, UnitKind, User
from saohei.organisations.services import build_unit
from saohei.publicity.models import PublicityActivity, PublicityPhoto
from saohei.publicity.tests.conftest import Record, photo

pytestmark = pytest.mark.django_db
ClientAs = Callable[[str], Client]

# username → sees the 东岛村 activity (whose head is cun02)
SEES = {
    "banshi": True,
    "shuji": True,
    "fushuji": True,
    "cun02": True,
    "shiban": True,
    "cun04": False,
    "minjing": False,
    "baoguan": False,
    "xitong": False,
}
# Roles with no page at all: 403 on every page, whatever the id.
NO_PAGE = {"minjing", "baoguan", "xitong"}
READ_PAGES = ["/publicity/", "/publicity/totals/", "/publicity/schedules/"]


@pytest.fixture
def activity(record: Record) -> PublicityActivity:
    return record(photos=photo())


@pytest.mark.parametrize("username", sorted(SEES))
def test_detail_page_follows_scope(
    client_as: ClientAs, activity: PublicityActivity, username: str
) -> None:
    response = client_as(username).get(f"/publicity/{activity.pk}/")
    if username in NO_PAGE:
        assert response.status_code == 403
    else:
        assert response.status_code == (200 if SEES[username] else 404)


@pytest.mark.parametrize("username", sorted(SEES))
def test_list_shows_only_activities_in_scope(
    client_as: ClientAs, activity: PublicityActivity, username: str
) -> None:
    client = client_as(username)
    for path in READ_PAGES:
        response = client.get(path)
        assert response.status_code == (403 if username in NO_PAGE else 200), path
    if username not in NO_PAGE:
        body = client.get("/publicity/").content.decode()
        assert (f"/publicity/{activity.pk}/" in body) is SEES[username]


def test_anonymous_is_sent_to_login(activity: PublicityActivity) -> None:
    client = Client()
    photo_id = PublicityPhoto.objects.get().pk
    for path in [
        *READ_PAGES,
        "/publicity/new/",
        "/publicity/kinds/",
        "/publicity/export/",
        f"/publicity/{activity.pk}/",
        f"/publicity/{activity.pk}/edit/",
        f"/publicity/{activity.pk}/photos/{photo_id}/",
    ]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert "/accounts/login/" in response["Location"]
    response = client.post(f"/publicity/{activity.pk}/void/", {"reason": "x"})
    assert response.status_code == 302
    assert not PublicityActivity.objects.get().is_voided


def test_other_village_head_cannot_open_edit_or_void(
    client_as: ClientAs, activity: PublicityActivity
) -> None:
    client = client_as("cun04")
    assert client.get(f"/publicity/{activity.pk}/edit/").status_code == 404
    assert client.post(f"/publicity/{activity.pk}/void/", {"reason": "x"}).status_code == 404
    assert not PublicityActivity.objects.get().is_voided


def test_supervisor_reads_but_cannot_record_or_correct(
    client_as: ClientAs, activity: PublicityActivity
) -> None:
    client = client_as("shiban")
    assert client.get(f"/publicity/{activity.pk}/").status_code == 200
    assert client.get("/publicity/new/").status_code == 403
    assert client.get(f"/publicity/{activity.pk}/edit/").status_code == 403
    assert client.post(f"/publicity/{activity.pk}/void/", {"reason": "x"}).status_code == 403
    assert client.get("/publicity/kinds/").status_code == 403
    assert client.post("/publicity/schedules/accrue/").status_code == 403


def test_village_head_gets_no_kinds_page_and_no_schedule_form(client_as: ClientAs) -> None:
    client = client_as("cun02")
    assert client.get("/publicity/kinds/").status_code == 403
    assert 'data-testid="schedule-form"' not in client.get("/publicity/schedules/").content.decode()
    assert client.post("/publicity/schedules/", {"place": "x"}).status_code == 403


@pytest.mark.parametrize("username", sorted(SEES))
def test_photo_download_follows_scope_and_is_audited(
    client_as: ClientAs, activity: PublicityActivity, username: str
) -> None:
    stored = PublicityPhoto.objects.get()
    response = client_as(username).get(f"/publicity/{activity.pk}/photos/{stored.pk}/")
    if username in NO_PAGE:
        assert response.status_code == 403
    elif SEES[username]:
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"\x89PNG")  # type: ignore[attr-defined]
        event = AuditEvent.objects.get(action=AuditAction.ATTACHMENT_DOWNLOADED)
        assert event.details["sha256"] == stored.sha256
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("username", sorted(SEES))
def test_export_contains_only_activities_in_scope(
    client_as: ClientAs, activity: PublicityActivity, username: str
) -> None:
    response = client_as(username).get("/publicity/export/")
    if username in NO_PAGE:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active  # type: ignore[attr-defined]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0].startswith("导出人：")
    assert (len(rows) == 4) is SEES[username]
    assert AuditEvent.objects.filter(action=AuditAction.PUBLICITY_EXPORTED).count() == 1


class Api:
    def __init__(self, username: str | None) -> None:
        self.headers: dict[str, str] = {}
        if username is not None:
            _, token = create_api_token(user=User.objects.get(username=username), name="测试")
            self.headers = {"Authorization": f"Bearer {token}"}
        self.client = Client()

    def get(self, query: str = "") -> Any:
        return self.client.get(f"/api/v1/publicity/activities{query}", headers=self.headers)

    def post(self, body: dict[str, Any]) -> Any:
        return self.client.post(
            "/api/v1/publicity/activities",
            json.dumps(body),
            content_type="application/json",
            headers=self.headers,
        )


@pytest.mark.parametrize("username", sorted(SEES))
def test_api_list_follows_scope(activity: PublicityActivity, username: str) -> None:
    response = Api(username).get()
    assert response.status_code == 200
    listed = [row["id"] for row in response.json()["items"]]
    assert (activity.pk in listed) is SEES[username]


def test_api_needs_a_token(activity: PublicityActivity) -> None:
    assert Api(None).get().status_code == 401
    assert Api(None).post({}).status_code == 401


def test_another_towns_office_sees_nothing_of_this_town(
    client_as: ClientAs, activity: PublicityActivity
) -> None:
    city = Unit.objects.get(name="荣成市扫黑办")
    other_town = build_unit(name="港东镇", kind=UnitKind.TOWN, parent=city, code="GD")
    clerk = User(username="gdbanshi", real_name="港东办事员", unit=other_town)
    clerk.set_password(DEMO_PASSWORD)
    clerk.must_change_password = False
    clerk.save()
    RoleGrant.objects.create(user=clerk, role=Role.OFFICE_STAFF, unit=other_town)
    client = sign_in(Client(), "gdbanshi")
    assert client.get(f"/publicity/{activity.pk}/").status_code == 404
    assert client.get(f"/publicity/{activity.pk}/edit/").status_code == 404
    assert f"/publicity/{activity.pk}/" not in client.get("/publicity/").content.decode()
    village = activity.village
    assert village is not None
    assert (
        "不存在或不在您的查看范围内"
        in client.get(f"/publicity/?village={village.pk}").content.decode()
    )
    sheet = load_workbook(
        io.BytesIO(b"".join(client.get("/publicity/export/").streaming_content))  # type: ignore[attr-defined]
    ).active
    assert len(list(sheet.iter_rows(values_only=True))) == 3  # watermark, title and header only
    assert Api("gdbanshi").get().json()["items"] == []
    assert (
        Api("gdbanshi")
        .post(
            {
                "occurred_on": activity.occurred_on.isoformat(),
                "kind": "slogan",
                "village_id": village.pk,
                "place_type": "rural",
                "quantity": 1,
            }
        )
        .status_code
        == 403
    )
