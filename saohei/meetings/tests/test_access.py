"""The access matrix for the pages and the API."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from saohei.meetings import services
from saohei.meetings.models import Meeting, MeetingKind
from saohei.meetings.tests.conftest import Api, RecordMeeting, people
from saohei.organisations.models import Unit, UnitKind, User
from saohei.organisations.services import build_unit
from saohei.testing.forms import refused_field

pytestmark = pytest.mark.django_db
ClientAs = Callable[[str], Client]


@pytest.fixture
def analysis(record_meeting: RecordMeeting) -> Meeting:
    """A 研判会 attended by cun02 and suozhang (police)."""
    return record_meeting()


@pytest.fixture
def joint(record_meeting: RecordMeeting) -> Meeting:
    return record_meeting(
        kind=MeetingKind.JOINT, attendees=people("banshi", "suozhang"), title="联席会议"
    )


# username → (sees the 研判会, sees the 联席会议, sees the full record)
MATRIX = {
    "banshi": (True, True, True),
    "shuji": (True, True, True),
    "fushuji": (True, True, True),
    "cun02": (True, False, False),
    "cun04": (False, False, False),
    "suozhang": (False, True, False),
    "minjing": (False, False, False),
    # The city's 督导 reads the whole record of the towns under it, and writes nothing.
    "shiban": (True, True, True),
}


@pytest.mark.parametrize("username", sorted(MATRIX))
def test_detail_page_follows_scope(
    client_as: ClientAs, analysis: Meeting, joint: Meeting, username: str
) -> None:
    sees_analysis, sees_joint, full = MATRIX[username]
    client = client_as(username)
    response = client.get(f"/meetings/{analysis.pk}/")
    assert response.status_code == (200 if sees_analysis else 404)
    if sees_analysis:
        # Attendees outside the office see date and kind only, never the minutes.
        assert ("纪要" in response.content.decode()) == full
    assert client.get(f"/meetings/{joint.pk}/").status_code == (200 if sees_joint else 404)
    listing = client.get("/meetings/").content.decode()
    assert (f"/meetings/{analysis.pk}/" in listing) == sees_analysis
    assert (f"/meetings/{joint.pk}/" in listing) == sees_joint


@pytest.mark.parametrize("username", ["xitong", "anquan", "shenji", "baoguan"])
def test_three_admins_and_others_get_no_page(
    client_as: ClientAs, analysis: Meeting, username: str
) -> None:
    client = client_as(username)
    assert client.get("/meetings/").status_code == 403
    assert client.get(f"/meetings/{analysis.pk}/").status_code == 403
    assert client.get("/meetings/self-inspections/").status_code == 403


def test_anonymous_is_sent_to_login(analysis: Meeting) -> None:
    client = Client()
    for url in ("/meetings/", f"/meetings/{analysis.pk}/", "/meetings/self-inspections/"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_another_towns_meeting_is_404(client_as: ClientAs, town: Unit) -> None:
    other_town = build_unit(
        name="港东镇", kind=UnitKind.TOWN, parent=town.parent, code="GD", sort_order=20
    )
    other_clerk = User.objects.create_user(
        username="gdbanshi", password="x", real_name="港东办事", unit=other_town
    )
    meeting = Meeting.objects.create(
        unit=other_town,
        kind=MeetingKind.ANALYSIS,
        title="港东研判会",
        held_on=timezone.localdate(),
        place="港东",
        chair=other_clerk,
        recorder=other_clerk,
        topics="议题",
        created_by=other_clerk,
    )
    client = client_as("banshi")
    assert client.get(f"/meetings/{meeting.pk}/").status_code == 404
    assert client.get(f"/meetings/{meeting.pk}/edit/").status_code == 404
    assert Api("banshi").get(f"/{meeting.pk}").status_code == 404


def test_village_head_cannot_edit_or_add_decisions(client_as: ClientAs, analysis: Meeting) -> None:
    client = client_as("cun02")
    assert client.get(f"/meetings/{analysis.pk}/edit/").status_code == 403
    assert client.get("/meetings/new/").status_code == 403
    response = client.post(
        f"/meetings/{analysis.pk}/decisions/",
        {"text": "x", "owner": User.objects.get(username="cun02").pk, "due_on": "2030-01-01"},
    )
    assert response.status_code == 403
    assert not analysis.decisions.exists()


def _study_meeting(**extra: object) -> dict[str, object]:
    """The new-meeting form as the office fills it in, with one material."""
    return {
        "kind": MeetingKind.STUDY,
        "title": "集中学习",
        "held_on": str(timezone.localdate() - timedelta(days=2)),
        "place": "会议室",
        "chair": User.objects.get(username="shuji").pk,
        "recorder": User.objects.get(username="banshi").pk,
        "attendees": [u.pk for u in people("shuji", "banshi")],
        "topics": "学习文件",
        "material_kind": "document",
        "material_title": "上级文件",
        **extra,
    }


def test_office_records_a_meeting_through_the_form(client_as: ClientAs) -> None:
    client = client_as("banshi")
    assert client.get("/meetings/new/").status_code == 200
    response = client.post("/meetings/new/", _study_meeting())
    assert response.status_code == 302, response.content.decode()[:3000]
    meeting = Meeting.objects.get(title="集中学习")
    assert meeting.materials.count() == 1
    page = client.get(f"/meetings/{meeting.pk}/")
    assert "上级文件" in page.content.decode()
    assert client.get(f"/meetings/{meeting.pk}/edit/").status_code == 200


def test_form_errors_rerender_beside_the_fields(client_as: ClientAs) -> None:
    response = client_as("banshi").post("/meetings/new/", {"kind": MeetingKind.STUDY})
    assert response.status_code == 200
    assert "invalid-feedback" in response.content.decode()
    assert not Meeting.objects.exists()


def test_a_refused_meeting_keeps_the_text_and_asks_for_its_file_again(
    client_as: ClientAs,
) -> None:
    material = SimpleUploadedFile("学习材料.exe", b"MZ\x90\x00 not a document")
    response = client_as("banshi").post("/meetings/new/", _study_meeting(material_file=material))
    assert response.status_code == 200
    _, error = refused_field(response, "id_material_file")
    assert "不受支持" in error
    assert "请重新选择文件" in error
    assert 'value="集中学习"' in response.content.decode()
    assert not Meeting.objects.exists()


def test_decision_to_rectification_through_the_page(client_as: ClientAs, analysis: Meeting) -> None:
    office = User.objects.get(username="banshi")
    decision = services.add_decision(
        actor=office,
        meeting=analysis,
        data=services.DecisionInput(
            text="补开研判会",
            owner=office,
            due_on=timezone.localdate() + timedelta(days=10),
        ),
    )
    client = client_as("banshi")
    response = client.post(
        f"/meetings/{analysis.pk}/decisions/{decision.pk}/rectify/",
        {
            "rectify-measures": "下月10日前补开",
            "rectify-responsible_leader": User.objects.get(username="shuji").pk,
        },
    )
    assert response.status_code == 302
    decision.refresh_from_db()
    assert decision.rectification_item is not None
    assert response["Location"] == f"/rectifications/{decision.rectification_item.pk}/"


def test_self_inspection_pages(client_as: ClientAs) -> None:
    client = client_as("banshi")
    today = timezone.localdate()
    response = client.post(
        "/meetings/self-inspections/new/",
        {
            "document_title": "上级通知",
            "document_number": "1号",
            "document_on": str(today - timedelta(days=3)),
            "inspected_on": str(today),
            "requirements": "要求一\n要求二",
        },
    )
    assert response.status_code == 302
    detail = client.get(response["Location"])
    assert detail.status_code == 200
    inspection_id = int(response["Location"].rstrip("/").split("/")[-1])
    requirement = detail.context["rows"][0][0]
    response = client.post(
        f"/meetings/self-inspections/{inspection_id}/requirements/{requirement.pk}/",
        {f"r{requirement.pk}-assessment": "not_met", f"r{requirement.pk}-note": "缺期"},
    )
    assert response.status_code == 302
    requirement.refresh_from_db()
    assert requirement.assessment == "not_met"
    response = client.post(
        f"/meetings/self-inspections/{inspection_id}/problems/",
        {
            "requirement": requirement.pk,
            "description": "零报告缺期",
            "measures": "补齐",
            "responsible_leader": User.objects.get(username="shuji").pk,
            "responsible_person": User.objects.get(username="banshi").pk,
        },
    )
    assert response.status_code == 302
    assert client.get("/meetings/self-inspections/").status_code == 200
    assert client_as("cun02").get(f"/meetings/self-inspections/{inspection_id}/").status_code == 403


def test_api_lists_scoped_and_creates(analysis: Meeting, joint: Meeting, town: Unit) -> None:
    office = Api("banshi")
    assert {row["id"] for row in office.get("").json()} == {analysis.pk, joint.pk}
    assert {row["id"] for row in Api("suozhang").get("").json()} == {joint.pk}
    assert Api("cun04").get("").json() == []
    head = Api("cun02").get(f"/{analysis.pk}").json()
    assert head["minutes"] == "" and head["kind"] == MeetingKind.ANALYSIS
    assert office.get(f"/{analysis.pk}").json()["minutes"] == "纪要"
    assert Api("cun02").get(f"/{joint.pk}").status_code == 404
    assert Api(None).get("").status_code == 401
    body = {
        "unit_id": town.pk,
        "kind": MeetingKind.LEADING_GROUP,
        "title": "领导小组会议",
        "held_on": str(timezone.localdate()),
        "place": "会议室",
        "chair_id": User.objects.get(username="shuji").pk,
        "recorder_id": User.objects.get(username="banshi").pk,
        "attendee_ids": [u.pk for u in people("shuji", "banshi")],
        "topics": "部署",
    }
    response = office.post("", body)
    assert response.status_code == 201, response.content
    assert response.json()["attendees"]
    assert Api("cun02").post("", body).status_code == 403
    assert Api("xitong").get("").json() == []
    assert Meeting.objects.count() == 3


def test_material_download_for_office_only(
    client_as: ClientAs, record_meeting: RecordMeeting
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from saohei.common.uploads import check_uploads

    upload = check_uploads([SimpleUploadedFile("文件.pdf", b"%PDF-1.4\n%%EOF\n")])[0]
    meeting = record_meeting(
        kind=MeetingKind.TOPIC, materials=[services.MaterialIn("document", "上级文件", upload)]
    )
    material = meeting.materials.get()
    url = f"/meetings/{meeting.pk}/materials/{material.pk}/"
    response = client_as("banshi").get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content).startswith(b"%PDF")  # type: ignore[attr-defined]
    from saohei.audit.models import AuditAction, AuditEvent

    event = AuditEvent.objects.get(action=AuditAction.ATTACHMENT_DOWNLOADED)
    assert event.details == {"material_id": material.pk, "sha256": material.sha256}
    assert event.actor_username == "banshi"
    assert client_as("cun02").get(url).status_code == 403
    assert client_as("xitong").get(url).status_code == 403


def test_office_sets_a_schedule_and_village_head_cannot(client_as: ClientAs) -> None:
    from saohei.meetings.models import MeetingSchedule

    body = {
        "kind": MeetingKind.ANALYSIS,
        "frequency": "monthly",
        "interval": 1,
        "day": 10,
        "starts_on": "2026-01-01",
        "is_active": "on",
    }
    assert client_as("cun02").post("/meetings/schedules/", body).status_code == 403
    assert not MeetingSchedule.objects.exists()
    client = client_as("banshi")
    assert client.post("/meetings/schedules/", body).status_code == 302
    assert client.get("/meetings/schedules/").status_code == 200
    assert MeetingSchedule.objects.get().day == 10
