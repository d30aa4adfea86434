"""Pages, API flows, upload limits, the figures, the export layout and the reminders."""

import io
from collections.abc import Callable
from datetime import timedelta

import lxml.html
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from saohei.audit.models import AuditAction, AuditEvent
from saohei.common import uploads
from saohei.deadlines.models import ReminderKind
from saohei.notifications.models import Notification
from saohei.organisations.models import Unit, User
from saohei.rectifications import queries
from saohei.rectifications.deadlines import run_rectification_reminders
from saohei.rectifications.exports import COLUMNS
from saohei.rectifications.models import Evidence, RectificationItem, SourceKind, Status
from saohei.rectifications.tests.conftest import PNG, OpenItem, closed, requested
from saohei.rectifications.tests.test_access import Api
from saohei.workdays.calendar import WorkingCalendar

pytestmark = pytest.mark.django_db
ClientAs = Callable[[str], Client]


def test_office_opens_an_item_through_the_form(
    client_as: ClientAs, town: Unit, village: Unit
) -> None:
    response = client_as("banshi").post(
        "/rectifications/new/",
        {
            "source_kind": SourceKind.SUPERVISION,
            "source_label": "市督导组反馈",
            "village": village.pk,
            "description": "宣传板破损",
            "measures": "更换宣传板",
            "responsible_leader": User.objects.get(username="shuji").pk,
            "responsible_unit": village.pk,
            "responsible_person": User.objects.get(username="cun02").pk,
            "working_days": 5,
        },
    )
    item = RectificationItem.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/rectifications/{item.pk}/"
    assert item.source_kind == SourceKind.SUPERVISION


def test_village_head_cannot_open_the_form(client_as: ClientAs) -> None:
    assert client_as("cun02").get("/rectifications/new/").status_code == 403


def test_evidence_upload_refuses_oversized_and_disguised_files(
    client_as: ClientAs, open_item: OpenItem, monkeypatch: pytest.MonkeyPatch
) -> None:
    item = open_item()
    client = client_as("cun02")
    disguised = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 not an image", "image/jpeg")
    client.post(
        f"/rectifications/{item.pk}/progress/",
        {"occurred_on": timezone.localdate(), "content": "x", "evidence": disguised},
    )
    monkeypatch.setattr(uploads, "MAX_FILE_BYTES", 32)
    big = SimpleUploadedFile("big.png", PNG + b"\x00" * 64, "image/png")
    response = client.post(
        f"/rectifications/{item.pk}/progress/",
        {"occurred_on": timezone.localdate(), "content": "x", "evidence": big},
        follow=True,
    )
    assert "超过" in response.content.decode()
    assert not Evidence.objects.exists()
    assert not item.progress_updates.exists()


def test_village_head_walks_an_item_to_requested_and_office_closes_it(
    client_as: ClientAs, open_item: OpenItem
) -> None:
    item = open_item()
    head = client_as("cun02")
    head.post(
        f"/rectifications/{item.pk}/progress/",
        {
            "occurred_on": timezone.localdate(),
            "content": "已补齐",
            "evidence": SimpleUploadedFile("a.png", PNG, "image/png"),
        },
    )
    head.post(f"/rectifications/{item.pk}/request-closure/", {"note": "已整改"})
    head.post(f"/rectifications/{item.pk}/verify/", {"decision": "accept", "reason": ""})
    item.refresh_from_db()
    assert item.status == Status.REQUESTED
    client_as("banshi").post(f"/rectifications/{item.pk}/verify/", {"decision": "accept"})
    item.refresh_from_db()
    assert item.status == Status.CLOSED


def test_api_opens_records_and_verifies(town: Unit, village: Unit) -> None:
    office = Api("banshi")
    response = office.post(
        "",
        {
            "unit_id": town.pk,
            "village_id": village.pk,
            "source_kind": "talk",
            "source_label": "谈心谈话",
            "source_url": "/accountability/talks/1/",
            "description": "问题",
            "measures": "措施",
            "responsible_leader_id": User.objects.get(username="shuji").pk,
            "responsible_unit_id": village.pk,
            "responsible_person_id": User.objects.get(username="cun02").pk,
            "working_days": 5,
        },
    )
    assert response.status_code == 201, response.content
    item_id = response.json()["id"]
    head = Api("cun02")
    assert (
        head.post(
            f"/{item_id}/progress", {"occurred_on": str(timezone.localdate()), "content": "进展"}
        ).status_code
        == 201
    )
    # No evidence yet (files go through the pages): the request is refused.
    assert head.post(f"/{item_id}/request-closure", {}).status_code == 400
    item = RectificationItem.objects.get(pk=item_id)
    requested(item)
    assert head.post(f"/{item_id}/verify", {"accept": True}).status_code == 403
    assert Api("cun04").post(f"/{item_id}/verify", {"accept": True}).status_code == 404
    response = office.post(f"/{item_id}/verify", {"accept": False, "reason": "补充照片"})
    assert response.status_code == 200
    assert response.json()["status"] == "open"


def test_api_refuses_to_open_for_village_head(town: Unit, village: Unit) -> None:
    response = Api("cun02").post(
        "",
        {
            "unit_id": town.pk,
            "source_kind": "talk",
            "description": "问题",
            "measures": "措施",
            "responsible_leader_id": 1,
            "responsible_unit_id": village.pk,
            "responsible_person_id": 1,
        },
    )
    assert response.status_code == 403
    assert not RectificationItem.objects.exists()


@pytest.fixture
def known_ledger(open_item: OpenItem, other_village: Unit) -> None:
    """东岛村: 1 closed, 1 requested, 1 overdue, 1 open; 北港村: 1 overdue."""
    closed(open_item())
    requested(open_item())
    late = open_item()
    RectificationItem.objects.filter(pk=late.pk).update(
        due_on=timezone.localdate() - timedelta(days=3)
    )
    open_item()
    other = open_item(village=other_village)
    RectificationItem.objects.filter(pk=other.pk).update(
        due_on=timezone.localdate() - timedelta(days=3)
    )


def test_completion_and_overdue_per_village(known_ledger: None) -> None:
    rows = {
        row.label: row
        for row in queries.summarize(User.objects.get(username="banshi"), by="village")
    }
    dongdao, beigang = rows["东岛村"], rows["北港村"]
    assert (dongdao.total, dongdao.closed, dongdao.requested, dongdao.overdue) == (4, 1, 1, 1)
    assert dongdao.completion_rate == "25.0%"
    assert (beigang.total, beigang.closed, beigang.overdue) == (1, 0, 1)
    assert beigang.completion_rate == "0.0%"
    head_rows = queries.summarize(User.objects.get(username="cun02"), by="village")
    assert [row.label for row in head_rows] == ["东岛村"]


def test_summary_pages_use_a_constant_number_of_queries(
    client_as: ClientAs, known_ledger: None, open_item: OpenItem
) -> None:
    client = client_as("banshi")
    for by in ("village", "person", "source"):
        assert client.get(f"/rectifications/summary/?by={by}").status_code == 200
    with CaptureQueriesContext(connection) as before:
        response = client.get("/rectifications/summary/?by=village")
    assert response.status_code == 200
    rows = response.content.decode().count('data-testid="summary-row"')
    for name in ("西岛村", "南岭村", "海埠村"):
        open_item(village=Unit.objects.get(name=name))
    with CaptureQueriesContext(connection) as after:
        response = client.get("/rectifications/summary/?by=village")
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="summary-row"') == rows + 3
    assert len(after) == len(before)
    with CaptureQueriesContext(connection) as listing:
        response = client.get("/rectifications/")
    assert response.status_code == 200
    count = RectificationItem.objects.count()
    assert f"共 {count} 项" in response.content.decode()
    open_item()
    with CaptureQueriesContext(connection) as listing_more:
        response = client.get("/rectifications/")
    assert response.status_code == 200 and f"共 {count + 1} 项" in response.content.decode()
    assert len(listing_more) == len(listing)


def test_list_filters_overdue_and_shows_red(client_as: ClientAs, known_ledger: None) -> None:
    body = client_as("banshi").get("/rectifications/?due=overdue").content.decode()
    assert body.count('data-due="overdue"') == 2
    assert 'data-due="ok"' not in body


def test_export_has_the_ledger_layout(client_as: ClientAs, known_ledger: None) -> None:
    response = client_as("banshi").get("/rectifications/export/?status=closed")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active  # type: ignore[attr-defined]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0].startswith("导出人：李晓静")
    assert list(rows[2]) == COLUMNS
    assert len(rows) == 4
    row = rows[3]
    assert row[1].startswith("档案检查")
    assert row[2].startswith("【东岛村】")
    assert row[6] == "李海滨"  # 东岛村 head, cun02
    assert "已补齐零报告" in row[8]
    assert "现场.png" in row[9]
    assert "审核：李晓静 通过" in row[10] and "销号日期" in row[10]
    event = AuditEvent.objects.get(action=AuditAction.RECTIFICATIONS_EXPORTED)
    assert event.details == {"rows": 1, "filters": {"status": "closed"}}


def test_reminders_escalate_once_per_deadline(open_item: OpenItem) -> None:
    calendar = WorkingCalendar()
    today = timezone.localdate()
    soon = open_item()
    RectificationItem.objects.filter(pk=soon.pk).update(due_on=calendar.add_working_days(today, 3))
    late = open_item()
    RectificationItem.objects.filter(pk=late.pk).update(due_on=today - timedelta(days=1))
    very_late = open_item()
    RectificationItem.objects.filter(pk=very_late.pk).update(due_on=today - timedelta(days=30))
    waiting = requested(open_item())
    RectificationItem.objects.filter(pk=waiting.pk).update(due_on=today - timedelta(days=30))

    first = run_rectification_reminders(today=today)
    again = run_rectification_reminders(today=today)

    assert (first.reminded, first.urged + first.supervised) == (1, 2)
    assert first.supervised >= 1
    assert (again.reminded, again.urged, again.supervised) == (0, 0, 0)
    very_late.refresh_from_db()
    waiting.refresh_from_db()
    assert very_late.escalation_level == 2
    assert waiting.escalation_level == 0
    assert very_late.reminders.filter(kind=ReminderKind.SUPERVISE).exists()
    assert Notification.objects.filter(recipient__username="shuji", title__contains="督办").exists()
    assert AuditEvent.objects.filter(action=AuditAction.RECTIFICATION_ESCALATED).count() == 2


def test_hourly_task_runs_the_ledgers_reminders(open_item: OpenItem) -> None:
    from saohei.jobs.tasks import send_deadline_reminders

    late = open_item()
    RectificationItem.objects.filter(pk=late.pk).update(
        due_on=timezone.localdate() - timedelta(days=30)
    )
    outcome = send_deadline_reminders.call()
    assert outcome["rectifications_supervised"] == 1


def test_refused_progress_keeps_the_note_and_marks_the_file_field(
    client_as: ClientAs, open_item: OpenItem
) -> None:
    item = open_item()
    head = client_as("cun02")
    events_before = AuditEvent.objects.count()
    note = "已召开村两委会议研究整改措施，补齐两期零报告并由村负责人签字确认存档备查"
    document = SimpleUploadedFile(
        "说明.doc", b"\xd0\xcf\x11\xe0 old word file", "application/msword"
    )
    response = head.post(
        f"/rectifications/{item.pk}/progress/",
        {"occurred_on": timezone.localdate(), "content": note, "evidence": document},
    )
    assert response.status_code == 400
    page = lxml.html.fromstring(response.content.decode())
    assert page.get_element_by_id("id_content").text.strip() == note
    file_input = page.get_element_by_id("id_evidence")
    assert file_input.get("aria-invalid") == "true"
    error = page.get_element_by_id(file_input.get("aria-describedby"))
    assert "类型不受支持" in error.text_content()
    assert "请重新选择文件" in error.text_content()
    assert not item.progress_updates.exists()
    assert AuditEvent.objects.count() == events_before
