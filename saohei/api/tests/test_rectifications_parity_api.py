"""问题整改 in the API as on the pages (issue 15, decision 0066): the 对照清单, the download of a
佐证材料 file (audited), 修改整改措施 and 复查 — the pages' access helper and services."""

import io
import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from saohei.api.services import create_api_token
from saohei.audit.models import AuditAction, AuditEvent
from saohei.common.uploads import check_uploads
from saohei.organisations.models import Unit, User
from saohei.rectifications import services
from saohei.rectifications.models import Evidence, RectificationItem, Status

pytestmark = pytest.mark.django_db
UserGetter = Callable[[str], User]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _call(method: str, path: str, username: str | None, body: Any = None, **headers: str) -> Any:
    if username is not None:
        user = User.objects.get(username=username)
        headers["Authorization"] = f"Bearer {create_api_token(user=user, name='整改')[1]}"
    client = Client()
    if method == "get":
        return client.get(f"/api/v1{path}", body or {}, headers=headers)
    return client.post(
        f"/api/v1{path}", json.dumps(body or {}), content_type="application/json", headers=headers
    )


@pytest.fixture
def item(user: UserGetter, tmp_media: Path) -> RectificationItem:
    """An open item of 港西村 (cun01's) with one progress entry carrying a PDF."""
    village = Unit.objects.get(name="港西村")
    item = services.open_item(
        actor=user("banshi"),
        unit=Unit.objects.get(name="港西镇"),
        source=services.ItemSource(kind="self_inspection", label="接口对等测试"),
        data=services.ItemInput(
            description="档案缺少研判会记录",
            measures="补齐研判会记录",
            responsible_leader=user("shuji"),
            responsible_unit=village,
            responsible_person=user("cun01"),
            village=village,
        ),
    )
    services.record_progress(
        actor=user("cun01"),
        item=item,
        occurred_on=timezone.localdate(),
        content="已补齐",
        evidence=check_uploads([SimpleUploadedFile("记录.pdf", PDF)], field="evidence"),
    )
    return item


def _closed(item: RectificationItem, user: UserGetter) -> RectificationItem:
    services.request_closure(actor=user("cun01"), item=item, note="已完成")
    services.verify_closure(actor=user("banshi"), item=item, accept=True)
    return RectificationItem.objects.get(pk=item.pk)


def test_summary_groups_what_the_account_sees_as_the_page_does(item: RectificationItem) -> None:
    office = _call("get", "/rectifications/summary", "banshi", {"by": "village"})
    assert office.status_code == 200, office.content
    body = office.json()
    assert body["heading"] == "所属村"
    assert any(row["label"] == "港西村" and row["total"] >= 1 for row in body["rows"])
    assert body["total"] == sum(row["total"] for row in body["rows"])

    by_person = _call("get", "/rectifications/summary", "banshi", {"by": "person"}).json()
    assert by_person["heading"] == "责任人"
    # Another village's head sees none of 港西村's items.
    assert _call("get", "/rectifications/summary", "cun02").json()["total"] == 0


def test_summary_refuses_an_unknown_grouping_and_an_anonymous_caller(
    item: RectificationItem,
) -> None:
    refused = _call("get", "/rectifications/summary", "banshi", {"by": "town"})
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "validation_error"
    assert _call("get", "/rectifications/summary", None).status_code == 401


@pytest.mark.parametrize("username", ["banshi", "cun01"])
def test_evidence_downloads_as_on_the_page_and_is_audited(
    item: RectificationItem, username: str
) -> None:
    evidence = Evidence.objects.get(item=item)
    response = _call("get", f"/rectifications/{item.pk}/evidence/{evidence.pk}", username)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]
    assert response["Content-Type"] == "application/pdf"
    event = AuditEvent.objects.get(
        action=AuditAction.ATTACHMENT_DOWNLOADED, actor__username=username
    )
    assert event.details["sha256"] == evidence.sha256


@pytest.mark.parametrize("username", ["cun02", "minjing"])
def test_evidence_is_404_outside_the_items_scope_and_nothing_is_audited(
    item: RectificationItem, username: str
) -> None:
    evidence = Evidence.objects.get(item=item)
    response = _call("get", f"/rectifications/{item.pk}/evidence/{evidence.pk}", username)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert not AuditEvent.objects.filter(action=AuditAction.ATTACHMENT_DOWNLOADED).exists()
    missing = _call("get", f"/rectifications/{item.pk}/evidence/{evidence.pk + 999}", "banshi")
    assert missing.status_code == 404
    assert _call("get", f"/rectifications/{item.pk}/evidence/{evidence.pk}", None).status_code == (
        401
    )


def test_office_edits_measures_with_the_version_it_read(item: RectificationItem) -> None:
    read = _call("get", f"/rectifications/{item.pk}", "banshi").json()
    path = f"/rectifications/{item.pk}/measures"

    saved = _call("post", path, "banshi", {"measures": "补齐并装订", "version": read["version"]})
    assert saved.status_code == 200, saved.content
    assert saved.json()["measures"] == "补齐并装订"
    assert saved.json()["version"] == read["version"] + 1

    stale = _call("post", path, "banshi", {"measures": "再改", "version": read["version"]})
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "conflict"
    assert RectificationItem.objects.get(pk=item.pk).measures == "补齐并装订"


@pytest.mark.parametrize(("username", "status"), [("cun01", 403), ("cun02", 404)])
def test_measures_are_the_offices_only(item: RectificationItem, username: str, status: int) -> None:
    response = _call("post", f"/rectifications/{item.pk}/measures", username, {"measures": "改"})

    assert response.status_code == status, response.content
    assert RectificationItem.objects.get(pk=item.pk).measures == "补齐研判会记录"


def test_office_rechecks_a_closed_item_and_reopens_it(
    item: RectificationItem, user: UserGetter
) -> None:
    item = _closed(item, user)
    due_on = timezone.localdate() + timedelta(days=20)

    response = _call(
        "post",
        f"/rectifications/{item.pk}/recheck",
        "banshi",
        {"passed": False, "reason": "复查发现记录不全", "due_on": due_on.isoformat()},
    )

    assert response.status_code == 200, response.content
    reopened = RectificationItem.objects.get(pk=item.pk)
    assert reopened.status == Status.OPEN
    assert reopened.due_on == due_on


@pytest.mark.parametrize(("username", "status"), [("cun01", 403), ("cun02", 404)])
def test_recheck_is_refused_to_the_village_and_outside_scope(
    item: RectificationItem, user: UserGetter, username: str, status: int
) -> None:
    item = _closed(item, user)

    response = _call("post", f"/rectifications/{item.pk}/recheck", username, {"passed": True})

    assert response.status_code == status, response.content
    assert RectificationItem.objects.get(pk=item.pk).status == Status.CLOSED


def test_recheck_of_an_open_item_is_refused(item: RectificationItem) -> None:
    response = _call("post", f"/rectifications/{item.pk}/recheck", "banshi", {"passed": True})

    # The state refusal of the service, a 400 as every refused input.
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "invalid"


def _ledger(response: Any) -> list[tuple[Any, ...]]:
    """The ledger's rows below the exporter's stamp (who and when differ between files)."""
    assert response.status_code == 200, response
    content = b"".join(response.streaming_content)
    return list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))[1:]


def test_the_ledger_is_the_pages_with_the_same_filters(
    item: RectificationItem, client_as: Callable[[str], Client]
) -> None:
    village = Unit.objects.get(name="港西村")
    params = {"village_id": village.pk, "status": item.status}

    from_api = _ledger(_call("get", "/rectifications/export", "banshi", params))
    on_page: dict[str, str] = {"village": str(village.pk), "status": str(item.status)}
    page = client_as("banshi").get("/rectifications/export/", on_page)

    assert from_api == _ledger(page)
    assert len(from_api) == 3 and "档案缺少研判会记录" in str(from_api[-1])
    event = AuditEvent.objects.filter(action=AuditAction.RECTIFICATIONS_EXPORTED).first()
    assert event is not None and event.details["filters"]["village_id"] == village.pk


def test_another_villages_head_exports_none_of_it(item: RectificationItem) -> None:
    assert len(_ledger(_call("get", "/rectifications/export", "cun01"))) == 3
    assert len(_ledger(_call("get", "/rectifications/export", "cun02"))) == 2
    own = Unit.objects.get(name="港西村")
    refused = _call("get", "/rectifications/export", "cun02", {"village_id": own.pk})
    assert refused.status_code == 400 and "village_id" in refused.json()["error"]["fields"]


@pytest.mark.parametrize("username", ["minjing", "xitong", None])
def test_the_ledger_is_refused_to_other_roles(
    item: RectificationItem, username: str | None
) -> None:
    response = _call("get", "/rectifications/export", username)
    assert response.status_code == (401 if username is None else 403)
    assert set(response.json()) == {"error"}
    assert not AuditEvent.objects.filter(action=AuditAction.RECTIFICATIONS_EXPORTED).exists()
