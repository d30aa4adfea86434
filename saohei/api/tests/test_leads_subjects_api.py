"""/api/v1/leads/{id}/subjects: add, edit, remove through the pages' services (decision 0056);
sealed numbers never come back in clear, a stale version is 409."""

import json
from collections.abc import Callable
from typing import Any

import pytest

from saohei.api.tests.test_leads_api import Api, _error, _new_lead
from saohei.audit.models import AuditAction, AuditEvent
from saohei.leads.models import Subject
from saohei.leads.tests import conftest as lead_fixtures
from saohei.organisations.models import Unit

pytestmark = pytest.mark.django_db

town = lead_fixtures.town
FIRST_ID = "370281200307268626"
SECOND_ID = "370281198001011238"


@pytest.fixture
def api(demo: None) -> Callable[[str | None], Api]:
    return Api


def _patch(api: Api, path: str, body: dict[str, Any], **headers: str) -> Any:
    return api.client.patch(
        f"/api/v1{path}",
        json.dumps(body),
        content_type="application/json",
        headers={**api.headers, **headers},
    )


@pytest.fixture
def lead_id(api: Callable[..., Api], town: Unit) -> int:
    created = api("banshi").post(
        "/leads", _new_lead(town, subjects=[{"name": "申屠亮", "id_number": FIRST_ID}])
    )
    assert created.status_code == 201, created.content.decode()
    return int(created.json()["id"])


def test_office_adds_edits_and_removes_a_subject(api: Callable[..., Api], lead_id: int) -> None:
    office = api("banshi")
    added = office.post(f"/leads/{lead_id}/subjects", {"name": "王某", "plates": ["鲁K12345"]})
    assert added.status_code == 201, added.content.decode()
    subject = next(s for s in added.json()["subjects"] if s["name"] == "王某")
    assert subject["version"] == 1 and subject["plates"] == ["鲁K12345"]

    edited = _patch(
        office,
        f"/leads/{lead_id}/subjects/{subject['id']}",
        {"alias": "王二", "id_number": SECOND_ID, "version": 1},
    )

    assert edited.status_code == 200, edited.content.decode()
    shown = next(s for s in edited.json()["subjects"] if s["id"] == subject["id"])
    assert (shown["alias"], shown["version"]) == ("王二", 2)
    assert shown["id_number_masked"] == "370281********1238"
    assert SECOND_ID not in edited.content.decode()
    assert Subject.objects.get(pk=subject["id"]).unsealed_id_number() == SECOND_ID

    removed = office.post(
        f"/leads/{lead_id}/subjects/{subject['id']}/remove", {"reason": "重复登记", "version": 2}
    )
    assert removed.status_code == 200, removed.content.decode()
    assert [s["name"] for s in removed.json()["subjects"]] == ["申屠亮"]
    assert AuditEvent.objects.filter(action=AuditAction.LEAD_SUBJECT_REMOVED).count() == 1


def test_a_stale_edit_or_removal_is_409_and_writes_nothing(
    api: Callable[..., Api], lead_id: int
) -> None:
    subject = Subject.objects.get(lead_id=lead_id)
    path = f"/leads/{lead_id}/subjects/{subject.pk}"
    assert _patch(api("banshi"), path, {"name": "申屠明", "version": 1}).status_code == 200

    stale_edit = _patch(api("shuji"), path, {"alias": "亮子"}, **{"If-Match": '"1"'})
    stale_removal = api("shuji").post(f"{path}/remove", {"reason": "重复登记", "version": 1})

    for response in (stale_edit, stale_removal):
        error = _error(response, 409)
        assert error["code"] == "conflict" and error["fields"] == {"version": ["2"]}
        assert error["message"].startswith("该被反映人在您打开之后已被")
    saved = Subject.objects.get(pk=subject.pk)
    assert (saved.name, saved.alias, saved.version) == ("申屠明", "", 2)


def test_a_village_head_is_refused_and_a_bad_id_is_400(
    api: Callable[..., Api], lead_id: int
) -> None:
    subject = Subject.objects.get(lead_id=lead_id)
    path = f"/leads/{lead_id}/subjects/{subject.pk}"
    assert _patch(api("cun02"), path, {"name": "申屠明"}).status_code in (403, 404)
    bad = _patch(api("banshi"), path, {"id_number": "370281200307268629"})
    assert _error(bad, 400)["fields"]
    assert _error(_patch(api("banshi"), f"/leads/{lead_id}/subjects/999999", {}), 404)
    assert Subject.objects.get(pk=subject.pk).name == "申屠亮"
