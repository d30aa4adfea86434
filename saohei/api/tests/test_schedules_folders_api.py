"""例会安排 and the 档案检查项目 checklist in the API as on their pages (issue 15, decision 0068
addendum): the pages' access helpers (`meetings.access.office_town`,
`inspections.access.require_checklist_editor`) and services; other roles and the anonymous
refused, nothing written."""

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from saohei.api.services import create_api_token
from saohei.audit.models import AuditAction, AuditEvent
from saohei.inspections.models import ArchiveFolder
from saohei.meetings.models import MeetingSchedule
from saohei.organisations.models import Unit, User

pytestmark = pytest.mark.django_db


def _call(method: str, path: str, username: str | None, body: Any = None) -> Any:
    headers = {}
    if username is not None:
        user = User.objects.get(username=username)
        headers["Authorization"] = f"Bearer {create_api_token(user=user, name='对等')[1]}"
    client = Client()
    if method == "get":
        return client.get(f"/api/v1{path}", headers=headers)
    return getattr(client, method)(
        f"/api/v1{path}", json.dumps(body or {}), content_type="application/json", headers=headers
    )


def _schedule(**overrides: Any) -> dict[str, Any]:
    body = {
        "kind": "analysis",
        "frequency": "monthly",
        "interval": 1,
        "day": 10,
        "starts_on": (timezone.localdate() + timedelta(days=3)).isoformat(),
    }
    body.update(overrides)
    return body


def test_the_office_sets_and_reads_its_towns_schedules(demo: None, client_as: Any) -> None:
    town = Unit.objects.get(name="港西镇")

    saved = _call("put", "/meetings/schedules", "banshi", _schedule())
    again = _call("put", "/meetings/schedules", "banshi", _schedule(day=20))

    assert saved.status_code == 200, saved.content
    assert again.json()["id"] == saved.json()["id"] and again.json()["day"] == 20
    schedule = MeetingSchedule.objects.get(unit=town)
    assert (schedule.kind, schedule.day) == ("analysis", 20)
    listed = _call("get", "/meetings/schedules", "shuji")
    assert [row["id"] for row in listed.json()] == [schedule.pk]
    page = client_as("shuji").get(reverse("meetings:schedules")).content.decode()
    assert listed.json()[0]["kind_label"] in page
    assert AuditEvent.objects.filter(action=AuditAction.MEETING_SCHEDULE_SET).count() == 2


def test_a_schedule_the_service_refuses_names_its_field(demo: None) -> None:
    weekly = _call("put", "/meetings/schedules", "banshi", _schedule(frequency="weekly", day=9))
    assert weekly.status_code == 400 and "day" in weekly.json()["error"]["fields"]
    assert _call("put", "/meetings/schedules", "banshi", _schedule(kind="x")).status_code == 422
    assert not MeetingSchedule.objects.exists()


@pytest.mark.parametrize("username", ["cun01", "minjing", "shiban", None])
def test_schedules_are_the_offices_only(demo: None, username: str | None) -> None:
    refused = 401 if username is None else 403
    assert _call("get", "/meetings/schedules", username).status_code == refused
    response = _call("put", "/meetings/schedules", username, _schedule())
    assert response.status_code == refused and set(response.json()) == {"error"}
    assert not MeetingSchedule.objects.exists()


def test_another_towns_office_keeps_its_own_schedules(demo_history: Unit) -> None:
    _call("put", "/meetings/schedules", "banshi", _schedule())
    assert _call("get", "/meetings/schedules", "banshi2").json() == []
    _call("put", "/meetings/schedules", "banshi2", _schedule(day=5))
    mine = MeetingSchedule.objects.get(unit=demo_history)
    assert mine.day == 10


def test_the_office_adds_and_edits_a_checklist_folder(demo: None, client_as: Any) -> None:
    listed = _call("get", "/inspections/folders", "banshi").json()
    assert [row["name"] for row in listed] == list(
        ArchiveFolder.objects.values_list("name", flat=True)
    )

    added = _call("post", "/inspections/folders", "banshi", {"name": "新增档案", "sort_order": 5})
    assert added.status_code == 200, added.content
    folder = ArchiveFolder.objects.get(pk=added.json()["id"])
    edited = _call(
        "post",
        "/inspections/folders",
        "shuji",
        {"folder_id": folder.pk, "name": "新增档案（改）", "sort_order": 5, "is_active": False},
    )

    assert edited.status_code == 200, edited.content
    folder.refresh_from_db()
    assert folder.name == "新增档案（改）" and not folder.is_active
    assert (
        "新增档案（改）" in client_as("banshi").get(reverse("inspections:folders")).content.decode()
    )
    clash = _call("post", "/inspections/folders", "banshi", {"name": "新增档案（改）"})
    assert clash.status_code == 400 and "name" in clash.json()["error"]["fields"]
    missing = _call("post", "/inspections/folders", "banshi", {"folder_id": 999999, "name": "x"})
    assert missing.status_code == 400 and "folder_id" in missing.json()["error"]["fields"]
    assert AuditEvent.objects.filter(action=AuditAction.ARCHIVE_FOLDER_SAVED).count() == 2


@pytest.mark.parametrize("username", ["cun01", "minjing", "shiban", None])
def test_the_checklist_is_the_offices_only(demo: None, username: str | None) -> None:
    refused = 401 if username is None else 403
    before = list(ArchiveFolder.objects.values_list("pk", "name", "is_active"))
    assert _call("get", "/inspections/folders", username).status_code == refused
    response = _call("post", "/inspections/folders", username, {"name": "越权"})
    assert response.status_code == refused and set(response.json()) == {"error"}
    assert list(ArchiveFolder.objects.values_list("pk", "name", "is_active")) == before
