"""/api/v1/meetings parity with the pages (decision 0066): the record's edit with its version,
研判意见, and 自查自纠 (list, detail, create, 自评, problems) — through `meetings.access` and the
pages' services; wrong role, another town, a village head and anonymous refused."""

from datetime import timedelta

import pytest
from django.utils import timezone

from saohei.audit.models import AuditAction, AuditEvent
from saohei.leads import services as lead_services
from saohei.leads.models import Channel, Lead, Source
from saohei.meetings import self_inspection
from saohei.meetings.models import Meeting, SelfInspection
from saohei.meetings.tests.conftest import Api, RecordMeeting
from saohei.organisations.models import Unit, User
from saohei.rectifications.models import RectificationItem

pytestmark = pytest.mark.django_db


def person_id(username: str) -> int:
    return User.objects.get(username=username).pk


def record_body(meeting: Meeting, **changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "title": meeting.title,
        "held_on": str(meeting.held_on),
        "place": meeting.place,
        "chair_id": meeting.chair_id,
        "recorder_id": meeting.recorder_id,
        "attendee_ids": [person.pk for person in meeting.attendees.all()],
        "topics": meeting.topics,
        "reported": meeting.reported,
        "minutes": meeting.minutes,
    }
    return body | changes


def assert_error(response: object, status: int) -> dict[str, object]:
    assert response.status_code == status, response.content  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    return body["error"]  # type: ignore[no-any-return]


@pytest.fixture
def meeting(record_meeting: RecordMeeting) -> Meeting:
    """A 研判会 attended by cun02 and suozhang."""
    return record_meeting()


@pytest.fixture
def inspection(town: Unit) -> SelfInspection:
    return self_inspection.record_self_inspection(
        actor=User.objects.get(username="banshi"),
        unit=town,
        document_title="关于开展自查自纠的通知",
        document_number="扫黑办〔2026〕1号",
        document_on=timezone.localdate() - timedelta(days=30),
        inspected_on=timezone.localdate() - timedelta(days=1),
        requirements=["建立线索台账", "按时召开研判会"],
    )


def test_office_edits_the_record_with_its_version(meeting: Meeting) -> None:
    office = Api("banshi")
    detail = office.get(f"/{meeting.pk}").json()
    assert detail["version"] == meeting.version
    response = office.put(
        f"/{meeting.pk}",
        record_body(meeting, minutes="改后的纪要", version=detail["version"]),
    )
    assert response.status_code == 200, response.content
    assert response.json()["minutes"] == "改后的纪要"
    assert response.json()["version"] == detail["version"] + 1
    assert AuditEvent.objects.filter(action=AuditAction.MEETING_UPDATED).exists()
    stale = office.put(f"/{meeting.pk}", record_body(meeting, version=detail["version"]))
    error = assert_error(stale, 409)
    assert error["code"] == "conflict"
    meeting.refresh_from_db()
    assert meeting.minutes == "改后的纪要"


def test_edit_refused_to_a_reader_an_attendee_another_town_and_anonymous(
    meeting: Meeting, other_town: Unit
) -> None:
    body = record_body(meeting, minutes="篡改")
    assert_error(Api("shiban").put(f"/{meeting.pk}", body), 403)  # 督导 reads, never writes
    assert_error(Api("cun02").put(f"/{meeting.pk}", body), 403)  # attended: sees it, no more
    assert_error(Api("gdbanshi").put(f"/{meeting.pk}", body), 404)
    assert_error(Api(None).put(f"/{meeting.pk}", body), 401)
    outsider = assert_error(
        Api("banshi").put(f"/{meeting.pk}", body | {"chair_id": person_id("gdbanshi")}), 400
    )
    assert "chair_id" in outsider["fields"]  # type: ignore[operator]
    meeting.refresh_from_db()
    assert meeting.minutes == "纪要"


def _lead(town: Unit) -> Lead:
    return lead_services.register_lead(
        actor=User.objects.get(username="banshi"),
        unit=town,
        data=lead_services.LeadInput(
            received_at=timezone.now() - timedelta(hours=1),
            channel=Channel.PHONE,
            source=Source.PUBLIC_REPORT,
            summary="码头强行收费",
        ),
    )


def test_opinion_on_a_visible_lead_at_an_analysis_meeting(
    meeting: Meeting, town: Unit, other_town: Unit
) -> None:
    lead = _lead(town)
    body = {"lead_id": lead.pk, "opinion": "排除涉黑涉恶可能"}
    assert_error(Api("shiban").post(f"/{meeting.pk}/opinions", body), 403)
    assert_error(Api("gdbanshi").post(f"/{meeting.pk}/opinions", body), 404)
    assert_error(Api(None).post(f"/{meeting.pk}/opinions", body), 401)
    response = Api("banshi").post(f"/{meeting.pk}/opinions", body)
    assert response.status_code == 201, response.content
    assert response.json()["lead_id"] == lead.pk
    again = assert_error(Api("banshi").post(f"/{meeting.pk}/opinions", body), 400)
    assert again["fields"]
    assert meeting.lead_opinions.count() == 1
    missing = assert_error(
        Api("banshi").post(f"/{meeting.pk}/opinions", body | {"lead_id": 10**9}), 400
    )
    assert "lead_id" in missing["fields"]  # type: ignore[operator]


def test_self_inspections_listed_and_read_by_the_towns_readers(
    inspection: SelfInspection, other_town: Unit
) -> None:
    for reader in ("banshi", "shiban"):
        listed = Api(reader).get("/self-inspections")
        assert listed.status_code == 200, listed.content
        assert [row["id"] for row in listed.json()["items"]] == [inspection.pk]
        detail = Api(reader).get(f"/self-inspections/{inspection.pk}").json()
        assert [row["text"] for row in detail["requirements"]] == ["建立线索台账", "按时召开研判会"]
    assert Api("gdbanshi").get("/self-inspections").json()["items"] == []
    assert_error(Api("gdbanshi").get(f"/self-inspections/{inspection.pk}"), 404)
    assert_error(Api("cun02").get("/self-inspections"), 403)
    assert_error(Api("cun02").get(f"/self-inspections/{inspection.pk}"), 403)
    assert_error(Api(None).get("/self-inspections"), 401)


def test_office_creates_assesses_and_records_a_problem(town: Unit, other_town: Unit) -> None:
    office = Api("banshi")
    body = {
        "unit_id": town.pk,
        "document_title": "专项自查",
        "document_on": str(timezone.localdate() - timedelta(days=5)),
        "inspected_on": str(timezone.localdate()),
        "requirements": ["排查重点行业", ""],
    }
    assert_error(Api("gdbanshi").post("/self-inspections", body), 403)
    assert_error(Api("shiban").post("/self-inspections", body), 403)
    created = office.post("/self-inspections", body)
    assert created.status_code == 201, created.content
    inspection_id = created.json()["id"]
    (requirement,) = created.json()["requirements"]
    short = assert_error(
        office.post(
            f"/self-inspections/{inspection_id}/assessments",
            {"requirement_id": requirement["id"], "assessment": "not_met"},
        ),
        400,
    )
    assert "note" in short["fields"]  # type: ignore[operator]
    assessed = office.post(
        f"/self-inspections/{inspection_id}/assessments",
        {"requirement_id": requirement["id"], "assessment": "not_met", "note": "台账不全"},
    )
    assert assessed.status_code == 200, assessed.content
    assert assessed.json()["requirements"][0]["note"] == "台账不全"
    problem = {
        "requirement_id": requirement["id"],
        "description": "台账缺少三月记录",
        "measures": "补齐台账",
        "responsible_leader_id": person_id("shuji"),
        "responsible_person_id": person_id("banshi"),
    }
    assert_error(Api("gdbanshi").post(f"/self-inspections/{inspection_id}/problems", problem), 404)
    assert_error(Api("shiban").post(f"/self-inspections/{inspection_id}/problems", problem), 403)
    added = office.post(f"/self-inspections/{inspection_id}/problems", problem)
    assert added.status_code == 201, added.content
    (row,) = added.json()["problems"]
    assert RectificationItem.objects.filter(pk=row["rectification_item_id"]).exists()


def test_a_requirement_of_another_inspection_is_refused(inspection: SelfInspection) -> None:
    other = self_inspection.record_self_inspection(
        actor=User.objects.get(username="banshi"),
        unit=inspection.unit,
        document_title="另一次自查",
        document_number="",
        document_on=timezone.localdate() - timedelta(days=3),
        inspected_on=timezone.localdate(),
        requirements=["另一项"],
    )
    foreign = other.requirements.get().pk
    error = assert_error(
        Api("banshi").post(
            f"/self-inspections/{inspection.pk}/assessments",
            {"requirement_id": foreign, "assessment": "met"},
        ),
        400,
    )
    assert "requirement_id" in error["fields"]  # type: ignore[operator]
    assert other.requirements.get().assessment == ""
