"""宣传发动's 台账 export, totals and 宣传形式 in the API as on their pages (issue 15, decision 0068
addendum): the pages' filter form and ledger (`publicity.downloads`), queries and services;
other roles, another village, anonymous refused."""

import io
import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from saohei.api.services import create_api_token
from saohei.api.tests.test_publicity_parity_api import activity as activity_fixture
from saohei.audit.models import AuditAction, AuditEvent
from saohei.organisations.models import Unit, User
from saohei.publicity.models import PublicityActivity, PublicityKind, PublicitySchedule

pytestmark = pytest.mark.django_db
activity = activity_fixture


def _call(method: str, path: str, username: str | None, body: Any = None) -> Any:
    headers = {}
    if username is not None:
        user = User.objects.get(username=username)
        headers["Authorization"] = f"Bearer {create_api_token(user=user, name='宣传')[1]}"
    if method == "get":
        return Client().get(f"/api/v1/publicity{path}", body or {}, headers=headers)
    return getattr(Client(), method)(
        f"/api/v1/publicity{path}",
        json.dumps(body or {}),
        content_type="application/json",
        headers=headers,
    )


def _ledger(response: Any) -> list[tuple[Any, ...]]:
    assert response.status_code == 200, response
    content = b"".join(response.streaming_content)
    return list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))[1:]


def test_the_ledger_is_the_pages_with_the_same_filters(
    activity: PublicityActivity, client_as: Callable[[str], Client]
) -> None:
    query = {"kind": "slogan", "village": str(activity.village_id)}

    from_api = _ledger(_call("get", "/export", "banshi", query))
    from_page = _ledger(client_as("banshi").get("/publicity/export/", query))

    assert from_api == from_page
    assert any("村委会门前" in str(row) for row in from_api)
    assert AuditEvent.objects.filter(action=AuditAction.PUBLICITY_EXPORTED).count() == 2


def test_another_villages_head_exports_none_of_it(activity: PublicityActivity) -> None:
    assert any("村委会门前" in str(row) for row in _ledger(_call("get", "/export", "cun01")))
    assert not any("村委会门前" in str(row) for row in _ledger(_call("get", "/export", "cun02")))
    refused = _call("get", "/export", "cun02", {"village": str(activity.village_id)})
    assert refused.status_code == 400


@pytest.mark.parametrize("username", ["minjing", "xitong", None])
def test_export_and_totals_are_refused_to_other_roles(
    activity: PublicityActivity, username: str | None
) -> None:
    refused = 401 if username is None else 403
    for path in ("/export", "/totals"):
        response = _call("get", path, username)
        assert response.status_code == refused and set(response.json()) == {"error"}
    assert not AuditEvent.objects.filter(action=AuditAction.PUBLICITY_EXPORTED).exists()


def test_totals_are_the_pages_tables(activity: PublicityActivity) -> None:
    shown = _call("get", "/totals", "banshi", {"period": "year"})

    assert shown.status_code == 200, shown.content
    body = shown.json()
    slogan = next(row for row in body["totals"] if row["kind"] == "slogan")
    assert slogan["quantity"] == 20 and slogan["activities"] == 1
    titles = [table["title"] for table in body["tables"]]
    assert titles == ["按年", "按村（社区）", "按地点类型"]
    by_village = body["tables"][1]
    column = by_village["kinds"].index("slogan")
    row = next(row for row in by_village["rows"] if row["label"] == "港西村")
    assert row["quantities"][column] == 20
    # Another village's head counts only what its own list shows.
    theirs = _call("get", "/totals", "cun02").json()["totals"]
    assert all(row["activities"] == 0 for row in theirs if row["kind"] == "slogan")
    assert _call("get", "/totals", "banshi", {"period": "week"}).status_code == 422


def test_the_office_adds_and_edits_a_kind(demo: None, tmp_media: Path) -> None:
    listed = _call("get", "/kinds", "banshi").json()
    assert [row["code"] for row in listed] == list(
        PublicityKind.objects.values_list("code", flat=True)
    )
    body = {"name": "入户走访", "unit_label": "户", "reach_label": "覆盖人数", "order": 5}

    added = _call("post", "/kinds", "banshi", body)

    assert added.status_code == 201, added.content
    kind = PublicityKind.objects.get(pk=added.json()["id"])
    edited = _call(
        "put", f"/kinds/{kind.pk}", "shuji", {**body, "unit_label": "次", "active": False}
    )
    assert edited.status_code == 200, edited.content
    kind.refresh_from_db()
    assert kind.unit_label == "次" and not kind.active
    duplicate = _call("post", "/kinds", "banshi", {**body, "name": "入户走访"})
    assert duplicate.status_code == 400
    assert _call("put", "/kinds/999999", "banshi", body).status_code == 404


@pytest.mark.parametrize("username", ["cun01", "minjing", "shiban", None])
def test_the_kinds_are_the_offices_only(demo: None, username: str | None) -> None:
    refused = 401 if username is None else 403
    kind = PublicityKind.objects.order_by("id").first()
    assert kind is not None
    before = list(PublicityKind.objects.values_list("pk", "name", "active"))
    body = {"name": "越权形式", "unit_label": "次"}
    assert _call("get", "/kinds", username).status_code == refused
    assert _call("post", "/kinds", username, body).status_code == refused
    assert _call("put", f"/kinds/{kind.pk}", username, body).status_code == refused
    assert list(PublicityKind.objects.values_list("pk", "name", "active")) == before


def _led(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "led",
        "place_type": "town_centre",
        "place": "镇政府广场 LED 屏",
        "hours_per_day": "10",
        "screens": 3,
        "starts_on": (timezone.localdate() - timedelta(days=4)).isoformat(),
    }
    body.update(overrides)
    return body


def test_the_office_sets_accrues_and_stops_a_schedule_as_on_the_page(
    demo: None, tmp_media: Path, client_as: Callable[[str], Client]
) -> None:
    created = _call("post", "/schedules", "banshi", _led())
    assert created.status_code == 201, created.content
    schedule = PublicitySchedule.objects.get(pk=created.json()["id"])
    assert created.json()["can_stop"] and created.json()["handler"] == "李晓静"

    accrued = _call("post", "/schedules/accrue", "banshi")

    assert accrued.status_code == 200 and accrued.json()["days"] == 4
    listed = {row["id"]: row for row in _call("get", "/schedules", "shuji").json()}
    assert listed[schedule.pk]["quantity"] == 120 and listed[schedule.pk]["days"] == 4
    assert "120 小时（4 天）" in client_as("banshi").get("/publicity/schedules/").content.decode()
    stop = {"ends_on": (timezone.localdate() - timedelta(days=3)).isoformat(), "reason": "换屏"}
    stopped = _call("post", f"/schedules/{schedule.pk}/stop", "banshi", stop)
    assert stopped.status_code == 200, stopped.content
    assert stopped.json()["days"] == 2 and not stopped.json()["is_running"]
    assert schedule.activities.current().count() == 2


def test_a_schedule_the_page_form_refuses_names_its_field(demo: None) -> None:
    not_hours = _call("post", "/schedules", "banshi", _led(kind="slogan"))
    assert not_hours.status_code == 400 and "kind" in not_hours.json()["error"]["fields"]
    # 经办人 among the town's case workers only, as the page's select.
    stranger = User.objects.get(username="shiban")
    other = _call("post", "/schedules", "banshi", _led(handler_id=stranger.pk))
    assert other.status_code == 400 and "handler_id" in other.json()["error"]["fields"]
    assert not PublicitySchedule.objects.filter(place="镇政府广场 LED 屏").exists()


@pytest.mark.parametrize("username", ["cun01", "minjing", "shiban", None])
def test_schedules_are_set_stopped_and_accrued_by_the_office_only(
    demo_history: Unit, username: str | None
) -> None:
    schedule = PublicitySchedule.objects.filter(town=demo_history).first()
    assert schedule is not None
    before = (PublicitySchedule.objects.count(), PublicityActivity.objects.count())
    stop = {"ends_on": timezone.localdate().isoformat()}
    for response in (
        _call("post", "/schedules", username, _led()),
        _call("post", "/schedules/accrue", username),
    ):
        assert response.status_code == (401 if username is None else 403)
    stopped = _call("post", f"/schedules/{schedule.pk}/stop", username, stop)
    assert stopped.status_code == (401 if username is None else 404)
    assert (PublicitySchedule.objects.count(), PublicityActivity.objects.count()) == before
    # Another town's office does not find it either.
    assert _call("post", f"/schedules/{schedule.pk}/stop", "banshi2", stop).status_code == 404
    listed = _call("get", "/schedules", username)
    if username in ("cun01", "shiban"):
        assert listed.status_code == 200
    else:
        assert listed.status_code == (401 if username is None else 403)
