"""Operations added for parity with the pages (issue 15, decision 0066): 交办清单 (list, detail,
反馈表, 办结报告, the three import steps), a meeting's 学习材料 (add, download) and a lead's
attachments (registration with files, list, download), each through the pages' access helpers
and services."""

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
from PIL import Image

from saohei.api.services import create_api_token
from saohei.assigned_lists.models import AssignedList
from saohei.assigned_lists.tests.helpers import list_row, merged_xlsx
from saohei.audit.models import AuditAction, AuditEvent
from saohei.common.http import XLSX_TYPE
from saohei.leads.models import Attachment, Lead, Source
from saohei.meetings.models import Meeting, MeetingMaterial
from saohei.organisations.models import Unit, User
from saohei.sheets.models import StagedSheet

pytestmark = pytest.mark.django_db
UserGetter = Callable[[str], User]
SENDER = "荣成市扫黑办"


def _png(colour: str = "green") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buffer, "PNG")
    return buffer.getvalue()


class Api:
    """A client with one demo account's bearer token (or none)."""

    def __init__(self, username: str | None) -> None:
        self.headers = {}
        if username is not None:
            user = User.objects.get(username=username)
            self.headers = {
                "Authorization": f"Bearer {create_api_token(user=user, name='对等')[1]}"
            }
        self.client = Client()

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.client.get(f"/api/v1{path}", params or {}, headers=self.headers)

    def post_form(self, path: str, data: dict[str, Any]) -> Any:
        return self.client.post(f"/api/v1{path}", data, headers=self.headers)

    def send_json(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        return getattr(self.client, method)(
            f"/api/v1{path}",
            json.dumps(body or {}),
            content_type="application/json",
            headers=self.headers,
        )


def _error(response: Any) -> dict[str, Any]:
    return response.json()["error"]  # type: ignore[no-any-return]


# 交办清单 ------------------------------------------------------------------------------------


def _stage(api: Api, town: Unit, *rows: list[str], name: str = "第3批交办清单.xlsx") -> Any:
    sheet = merged_xlsx(list(rows), name=name)
    return api.post_form(
        "/assigned-lists/imports",
        {
            "unit_id": town.pk,
            "sender": SENDER,
            "source": Source.UPPER_ASSIGNED,
            "file": SimpleUploadedFile(name, sheet.read()),
        },
    )


@pytest.fixture
def town(demo: None, tmp_media: Path) -> Unit:
    return Unit.objects.get(name="港西镇")


def _imported(town: Unit) -> AssignedList:
    """A list of two rows staged, mapped and imported by 港西镇's clerk through the API."""
    clerk = Api("banshi")
    staged = _stage(clerk, town, list_row(1, "RC-001"), list_row(2, "RC-002")).json()
    clerk.send_json(
        "put",
        f"/assigned-lists/imports/{staged['id']}/mapping",
        {"values": {"source": {"市扫黑办交办": Source.UPPER_ASSIGNED}}},
    )
    response = clerk.send_json("post", f"/assigned-lists/imports/{staged['id']}/import")
    assert response.status_code == 201, response.content
    return AssignedList.objects.get(pk=response.json()["id"])


def test_clerk_stages_maps_and_imports_a_list_as_on_the_page(town: Unit) -> None:
    clerk = Api("banshi")

    staged = _stage(clerk, town, list_row(1, "RC-001"), list_row(2, "RC-002"))

    assert staged.status_code == 201, staged.content
    preview = staged.json()
    assert preview["problem_count"] == 2
    assert preview["remembered"] is False
    word = preview["unknown_words"][0]
    assert (word["field"], word["word"], word["rows"]) == ("source", "市扫黑办交办", 2)
    assert Source.UPPER_ASSIGNED in word["options"]
    assert {"title": "交办编号", "field": "upstream_reference", "field_label": "交办编号"} in (
        preview["columns"]
    )
    refused = clerk.send_json("post", f"/assigned-lists/imports/{preview['id']}/import")
    assert refused.status_code == 400
    assert "2 处问题" in _error(refused)["message"]
    assert not AssignedList.objects.exists()

    mapped = clerk.send_json(
        "put",
        f"/assigned-lists/imports/{preview['id']}/mapping",
        {"values": {"source": {"市扫黑办交办": Source.UPPER_ASSIGNED}}},
    )
    assert mapped.status_code == 200, mapped.content
    assert mapped.json()["problem_count"] == 0
    assert mapped.json()["counts"]["created"] == 2

    imported = clerk.send_json("post", f"/assigned-lists/imports/{preview['id']}/import")

    assert imported.status_code == 201, imported.content
    body = imported.json()
    assert [row["upstream_reference"] for row in body["row_items"]] == ["RC-001", "RC-002"]
    leads = Lead.objects.filter(upstream_office=SENDER).order_by("upstream_reference")
    assert [row["lead_id"] for row in body["row_items"]] == [lead.pk for lead in leads]
    assert body["row_items"][0]["lead_status"] == leads[0].status
    assert AuditEvent.objects.filter(action=AuditAction.ASSIGNED_LIST_IMPORTED).count() == 1
    again = clerk.get(f"/assigned-lists/imports/{preview['id']}")
    assert again.json()["imported_list_id"] == body["id"]
    twice = clerk.send_json("post", f"/assigned-lists/imports/{preview['id']}/import")
    assert twice.status_code == 400


def test_a_mapping_the_page_could_not_send_is_refused_naming_its_part(town: Unit) -> None:
    clerk = Api("banshi")
    staged = _stage(clerk, town, list_row(1, "RC-001")).json()
    path = f"/assigned-lists/imports/{staged['id']}/mapping"

    no_column = clerk.send_json("put", path, {"columns": {"不存在的列": "upstream_reference"}})
    no_field = clerk.send_json("put", path, {"columns": {"交办编号": "salary"}})
    no_word = clerk.send_json("put", path, {"values": {"source": {"别的词": "platform_12337"}}})
    no_value = clerk.send_json("put", path, {"values": {"source": {"市扫黑办交办": "x"}}})

    assert [r.status_code for r in (no_column, no_field, no_word, no_value)] == [400] * 4
    assert list(_error(no_column)["fields"]) == ["columns"]
    assert list(_error(no_field)["fields"]) == ["columns"]
    assert list(_error(no_word)["fields"]) == ["values"]
    assert list(_error(no_value)["fields"]) == ["values"]
    assert not AuditEvent.objects.filter(action=AuditAction.SHEET_MAPPING_SAVED).exists()


def test_rejected_rows_download_is_a_workbook_with_the_problems(town: Unit) -> None:
    clerk = Api("banshi")
    staged = _stage(clerk, town, list_row(1, "RC-001")).json()

    response = clerk.get(f"/assigned-lists/imports/{staged['id']}/rejected.xlsx")

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_TYPE
    sheet = load_workbook(io.BytesIO(response.content)).active
    text = " ".join(str(cell) for row in sheet.iter_rows(values_only=True) for cell in row)
    assert "市扫黑办交办" in text


def test_lists_detail_and_feedback_workbook_in_the_senders_layout(town: Unit) -> None:
    assigned = _imported(town)
    leader = Api("shuji")

    page = leader.get("/assigned-lists").json()
    detail = leader.get(f"/assigned-lists/{assigned.pk}")
    feedback = leader.get(f"/assigned-lists/{assigned.pk}/feedback.xlsx")

    assert [item["id"] for item in page["items"]] == [assigned.pk]
    assert page["items"][0]["rows"] == 2
    assert page["next_cursor"] == ""
    assert detail.status_code == 200
    assert detail.json()["created_count"] == 2
    assert feedback.status_code == 200
    assert feedback["Content-Type"] == XLSX_TYPE
    assert "attachment" in feedback["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(feedback.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "荣成市扫黑办2026年第3批交办线索清单"
    header = [cell for row in rows[:4] for cell in row if cell]
    assert "核查情况" in header and "交办编号" in header
    assert any("RC-002" in row for row in rows)
    assert AuditEvent.objects.filter(
        action=AuditAction.ASSIGNED_LIST_EXPORTED, details__document="feedback_xlsx"
    ).exists()
    reports = leader.get(f"/assigned-lists/{assigned.pk}/reports.zip")
    assert reports.status_code == 200
    assert reports["Content-Type"] == "application/zip"


def test_lists_follow_the_pages_access_rules(demo_history: Unit, town: Unit) -> None:
    assigned = _imported(town)
    staged = StagedSheet.objects.get()

    # A leader reads and exports but does not import; others see no list and no id.
    assert _stage(Api("shuji"), town, list_row(1, "X-1")).status_code == 403
    assert Api("shuji").get(f"/assigned-lists/imports/{staged.pk}").status_code == 403
    for username in ("cun01", "minjing", "shiban", "banshi2"):
        api = Api(username)
        assert api.get("/assigned-lists").json()["items"] == [], username
        assert api.get(f"/assigned-lists/{assigned.pk}").status_code == 404, username
        assert api.get(f"/assigned-lists/{assigned.pk}/feedback.xlsx").status_code == 404
    other_clerk = Api("banshi2")
    assert other_clerk.get(f"/assigned-lists/imports/{staged.pk}").status_code == 404
    # A clerk of another town may not stage into this one.
    assert _stage(other_clerk, town, list_row(1, "X-2")).status_code == 403
    assert Api(None).get("/assigned-lists").status_code == 401
    assert StagedSheet.objects.count() == 1


def test_list_pages_are_keyset_pages_of_fifty(town: Unit, monkeypatch: pytest.MonkeyPatch) -> None:
    from saohei.api import assigned_lists_api

    monkeypatch.setattr(assigned_lists_api, "PAGE_SIZE", 1)
    first = _imported(town)
    clerk = Api("banshi")
    staged = _stage(clerk, town, list_row(1, "RC-009", source="上级交办"), name="第4批.xlsx")
    second = clerk.send_json("post", f"/assigned-lists/imports/{staged.json()['id']}/import")
    assert second.status_code == 201, second.content

    page = clerk.get("/assigned-lists").json()
    following = clerk.get("/assigned-lists", {"after": page["next_cursor"]}).json()

    assert [item["id"] for item in page["items"]] == [second.json()["id"]]
    assert [item["id"] for item in following["items"]] == [first.pk]


# 学习材料 ----------------------------------------------------------------------------------


@pytest.fixture
def meeting(demo_history: Unit, tmp_media: Path) -> Meeting:
    """A meeting of 港西镇 that 村负责人 cun01 attended."""
    meeting = Meeting.objects.filter(unit__name="港西镇").order_by("pk").first()
    assert meeting is not None
    meeting.attendees.add(User.objects.get(username="cun01"))
    return meeting


def _add_material(api: Api, meeting: Meeting, content: bytes, name: str = "学习文件.png") -> Any:
    return api.post_form(
        f"/meetings/{meeting.pk}/materials",
        {
            "kind": "document",
            "title": "扫黑除恶专项斗争学习文件",
            "file": SimpleUploadedFile(name, content),
        },
    )


def test_office_adds_a_material_and_a_reader_downloads_it(meeting: Meeting) -> None:
    version = meeting.version
    content = _png()

    added = _add_material(Api("banshi"), meeting, content)

    assert added.status_code == 201, added.content
    material = MeetingMaterial.objects.get(meeting=meeting, title="扫黑除恶专项斗争学习文件")
    shown = next(m for m in added.json()["materials"] if m["id"] == material.pk)
    assert (shown["original_name"], shown["size"]) == ("学习文件.png", len(content))
    meeting.refresh_from_db()
    assert meeting.version == version  # an edit open elsewhere stays valid
    assert AuditEvent.objects.filter(
        action=AuditAction.MEETING_UPDATED, details__materials=1
    ).exists()
    for username in ("banshi", "shiban"):
        downloaded = Api(username).get(f"/meetings/{meeting.pk}/materials/{material.pk}")
        assert downloaded.status_code == 200, username
        assert b"".join(downloaded.streaming_content) == content
        assert "attachment" in downloaded["Content-Disposition"]
    assert (
        AuditEvent.objects.filter(
            action=AuditAction.ATTACHMENT_DOWNLOADED, details__material_id=material.pk
        ).count()
        == 2
    )


def test_materials_follow_the_pages_access_rules(demo_history: Unit, meeting: Meeting) -> None:
    assert _add_material(Api("banshi"), meeting, _png()).status_code == 201
    material = MeetingMaterial.objects.filter(meeting=meeting).exclude(file="").last()
    assert material is not None
    url = f"/meetings/{meeting.pk}/materials/{material.pk}"

    # An attendee sees the meeting, not its materials; another town does not see it at all.
    assert Api("cun01").get(url).status_code == 403
    assert Api("banshi2").get(url).status_code == 404
    assert Api(None).get(url).status_code == 401
    assert Api("banshi").get(f"/meetings/{meeting.pk}/materials/999999").status_code == 404
    before = MeetingMaterial.objects.count()
    assert _add_material(Api("shiban"), meeting, _png()).status_code == 403
    assert _add_material(Api("cun01"), meeting, _png()).status_code == 403
    assert _add_material(Api("banshi2"), meeting, _png()).status_code == 404
    assert MeetingMaterial.objects.count() == before


def test_a_material_whose_content_is_markup_is_refused(meeting: Meeting) -> None:
    before = MeetingMaterial.objects.count()

    response = _add_material(Api("banshi"), meeting, b"<html><script>1</script></html>", "a.png")

    assert response.status_code == 400
    assert list(_error(response)["fields"]) == ["file"]
    assert MeetingMaterial.objects.count() == before


# 线索附件 ----------------------------------------------------------------------------------


def _lead_fields(**overrides: Any) -> dict[str, Any]:
    return {
        "received_at": (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S"),
        "channel": "visit",
        "source": "public_report",
        "summary": "码头有人强收停靠费",
        **overrides,
    }


def _register(api: Api, town: Unit, fields: Any, *files: tuple[str, bytes]) -> Any:
    return api.post_form(
        "/leads/registrations",
        {
            "unit_id": town.pk,
            "lead": fields if isinstance(fields, str) else json.dumps(fields),
            "attachments": [SimpleUploadedFile(name, content) for name, content in files],
        },
    )


def test_lead_registered_with_attachments_lists_and_downloads_them(town: Unit) -> None:
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    office = Api("banshi")

    response = _register(
        office, town, _lead_fields(), ("现场照片.png", _png()), ("举报材料.pdf", pdf)
    )

    assert response.status_code == 201, response.content
    lead = Lead.objects.get(pk=response.json()["id"])
    listed = office.get(f"/leads/{lead.pk}/attachments").json()
    assert [(a["original_name"], a["entry_id"]) for a in listed] == [
        ("现场照片.png", None),
        ("举报材料.pdf", None),
    ]
    assert listed[1]["content_type"] == "application/pdf"
    downloaded = office.get(f"/leads/{lead.pk}/attachments/{listed[1]['id']}")
    assert downloaded.status_code == 200
    assert b"".join(downloaded.streaming_content) == pdf
    assert AuditEvent.objects.filter(
        action=AuditAction.ATTACHMENT_DOWNLOADED, details__attachment_id=listed[1]["id"]
    ).exists()


def test_a_registration_body_is_checked_as_the_json_one_and_writes_nothing(town: Unit) -> None:
    office = Api("banshi")
    before = Lead.objects.count()

    not_json = _register(office, town, "不是JSON", ("a.png", _png()))
    no_summary = _register(office, town, _lead_fields(summary=""), ("a.png", _png()))
    bad_channel = _register(office, town, _lead_fields(channel="fax"), ("a.png", _png()))
    control = _register(office, town, _lead_fields(place="码头\x00"), ("a.png", _png()))
    no_files = _register(office, town, _lead_fields())
    markup = _register(office, town, _lead_fields(), ("a.png", b"<svg onload=1></svg>"))

    assert not_json.status_code == 422 and "lead" in _error(not_json)["fields"]
    assert no_summary.status_code == 422 and "lead.summary" in _error(no_summary)["fields"]
    assert bad_channel.status_code == 422 and "lead.channel" in _error(bad_channel)["fields"]
    assert control.status_code == 422 and "lead.place" in _error(control)["fields"]
    assert no_files.status_code in (400, 422)
    assert markup.status_code == 400 and "attachments" in _error(markup)["fields"]
    assert Lead.objects.count() == before
    assert not Attachment.objects.filter(lead__summary="码头有人强收停靠费").exists()


def test_attachments_follow_the_pages_access_rules(demo_history: Unit, town: Unit) -> None:
    created = _register(Api("banshi"), town, _lead_fields(), ("a.png", _png()))
    lead_id = created.json()["id"]
    attachment = Attachment.objects.get(lead_id=lead_id)
    before = Lead.objects.count()

    for username in ("cun01", "banshi2", "minjing"):
        api = Api(username)
        assert api.get(f"/leads/{lead_id}/attachments").status_code == 404, username
        url = f"/leads/{lead_id}/attachments/{attachment.pk}"
        assert api.get(url).status_code == 404, username
    assert Api("banshi").get(f"/leads/{lead_id}/attachments/999999").status_code == 404
    # Another town's office registers in its own town only.
    assert _register(Api("banshi2"), town, _lead_fields(), ("a.png", _png())).status_code == 403
    assert _register(Api("cun01"), town, _lead_fields(), ("a.png", _png())).status_code == 403
    assert Lead.objects.count() == before
