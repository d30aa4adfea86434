"""/api/v1/inspections parity with the pages (decision 0066): a finding's photo, the on-site list
and its printed form, a village's status, the one-submit checklist — through
`inspections.access` and the pages' services; another village's head, another town, a role
outside the pages and anonymous refused; downloads audited."""

from typing import Any

import pytest
from django.test import Client

from saohei.api.services import create_api_token
from saohei.audit.models import AuditAction, AuditEvent
from saohei.common.roles import Role
from saohei.inspections.models import ArchiveFolder, Finding, InspectionRound, Result
from saohei.inspections.tests.conftest import PNG, RecordFinding, folder, move_grant, photo
from saohei.organisations.models import Unit, User

pytestmark = pytest.mark.django_db


def get(path: str, username: str | None) -> Any:
    headers = {}
    if username is not None:
        _, token = create_api_token(user=User.objects.get(username=username), name="测试")
        headers = {"Authorization": f"Bearer {token}"}
    return Client().get(f"/api/v1/inspections{path}", headers=headers)


def post(path: str, body: dict[str, Any], username: str = "banshi") -> Any:
    _, token = create_api_token(user=User.objects.get(username=username), name="测试")
    return Client().post(
        f"/api/v1/inspections{path}",
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


def assert_error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    return body["error"]  # type: ignore[no-any-return]


@pytest.fixture
def finding(record_finding: RecordFinding) -> Finding:
    """A 缺失 finding of 东岛村 (cun02's) with a photo."""
    return record_finding(photos=photo())


def test_photo_downloaded_by_readers_and_audited(
    finding: Finding, inspection: InspectionRound, other_town: Unit
) -> None:
    picture = finding.photos.get()
    path = f"/{inspection.pk}/photos/{picture.pk}"
    for reader in ("banshi", "cun02", "shiban"):
        response = get(path, reader)
        assert response.status_code == 200, response.content
        assert b"".join(response.streaming_content) == PNG
    assert AuditEvent.objects.filter(action=AuditAction.ATTACHMENT_DOWNLOADED).count() == 3
    assert_error(get(path, "cun04"), 404)  # another village's head
    assert_error(get(path, "minjing"), 403)  # police: not among the pages' readers
    assert_error(get(path, None), 401)
    assert_error(get(f"/{inspection.pk}/photos/{10**9}", "banshi"), 404)


def test_onsite_list_and_its_printed_form(
    finding: Finding, inspection: InspectionRound, village: Unit, other_village: Unit
) -> None:
    path = f"/{inspection.pk}/villages/{village.pk}/onsite"
    onsite = get(path, "cun02")
    assert onsite.status_code == 200, onsite.content
    (row,) = onsite.json()["rows"]
    assert row["finding_id"] == finding.pk and row["result"] == Result.MISSING
    assert row["rectification_item_id"] == finding.rectification_item_id
    assert_error(get(path, "cun04"), 404)
    assert_error(get(path, "minjing"), 403)
    docx = get(f"{path}/export", "cun02")
    assert docx.status_code == 200 and docx.content.startswith(b"PK")
    pdf = get(f"{path}/export?file_format=pdf", "banshi")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action=AuditAction.ONSITE_LIST_PRINTED).count() == 2
    assert_error(get(f"{path}/export?file_format=xls", "banshi"), 422)
    assert_error(get(f"{path}/export", "cun04"), 404)
    assert_error(get(f"/{inspection.pk}/villages/{other_village.pk}/onsite", "cun02"), 404)


def test_village_status_over_rounds(
    finding: Finding, inspection: InspectionRound, village: Unit, other_town: Unit
) -> None:
    status = get(f"/villages/{village.pk}", "cun02")
    assert status.status_code == 200, status.content
    body = status.json()
    (round_row,) = body["rounds"]
    assert round_row["round_id"] == inspection.pk and round_row["problems"] == 1
    assert len(round_row["results"]) == len(body["folders"])
    assert_error(get(f"/villages/{village.pk}", "cun04"), 404)
    assert_error(get(f"/villages/{village.pk}", "minjing"), 403)
    assert_error(get(f"/villages/{village.pk}", None), 401)
    outside = Unit.objects.get(name="柳林村")
    assert_error(get(f"/villages/{outside.pk}", "banshi"), 404)


def test_checklist_records_every_folder_left_passed_unless_sent(
    inspection: InspectionRound, village: Unit
) -> None:
    active = ArchiveFolder.objects.filter(is_active=True).count()
    body = {"rows": [{"folder_id": folder("谈心谈话").pk, "result": "missing", "note": "缺签字"}]}
    path = f"/{inspection.pk}/villages/{village.pk}/checklist"
    for refused, status in (("cun02", 403), ("shiban", 403)):
        assert_error(post(path, body, refused), status)
    assert not Finding.objects.exists()
    response = post(path, body)
    assert response.status_code == 201, response.content
    findings = Finding.objects.filter(round=inspection, village=village)
    assert findings.count() == active
    assert findings.exclude(result=Result.PASSED).get().folder.name == "谈心谈话"
    again = assert_error(post(path, body), 400)
    assert "rows" in again["fields"]


def test_checklist_refuses_all_rows_when_one_is_refused(
    inspection: InspectionRound, village: Unit
) -> None:
    body = {"rows": [{"folder_id": folder("谈心谈话").pk, "result": "missing", "note": ""}]}
    error = assert_error(post(f"/{inspection.pk}/villages/{village.pk}/checklist", body), 400)
    assert "rows" in error["fields"] and "谈心谈话" in error["message"]
    assert not Finding.objects.exists()
    repeated = {"rows": body["rows"] * 2}
    assert_error(post(f"/{inspection.pk}/villages/{village.pk}/checklist", repeated), 400)


def test_checklist_of_another_town_is_not_found(
    inspection: InspectionRound, village: Unit, other_town: Unit
) -> None:

    move_grant("banshi", Role.OFFICE_STAFF, other_town)
    error = assert_error(
        post(f"/{inspection.pk}/villages/{village.pk}/checklist", {"rows": []}), 404
    )
    assert error["code"] == "not_found"
