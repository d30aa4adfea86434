"""上级督导: read the meetings and self-inspections of the towns under them; write nothing."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from saohei.common.uploads import check_uploads
from saohei.leads import services as lead_services
from saohei.leads.models import Channel, Source
from saohei.meetings import self_inspection, services
from saohei.meetings.models import Meeting, MeetingKind, SelfInspection
from saohei.meetings.tests.conftest import MakeDecision, RecordMeeting
from saohei.organisations.models import Unit, User

pytestmark = pytest.mark.django_db
ClientAs = Callable[[str], Client]


@pytest.fixture
def meeting(record_meeting: RecordMeeting) -> Meeting:
    upload = check_uploads([SimpleUploadedFile("文件.pdf", b"%PDF-1.4\n%%EOF\n")])[0]
    return record_meeting(
        kind=MeetingKind.TOPIC,
        title="专题会议",
        materials=[services.MaterialIn("document", "上级文件", upload)],
    )


@pytest.fixture
def inspection(town: Unit) -> SelfInspection:
    today = timezone.localdate()
    return self_inspection.record_self_inspection(
        actor=User.objects.get(username="banshi"),
        unit=town,
        document_title="自查通知",
        document_number="1号",
        document_on=today - timedelta(days=3),
        inspected_on=today,
        requirements=["要求一"],
    )


def test_supervisor_reads_the_whole_meeting_without_buttons(
    client_as: ClientAs, meeting: Meeting, make_decision: MakeDecision
) -> None:
    make_decision(meeting=meeting)
    client = client_as("shiban")
    listing = client.get("/meetings/").content.decode()
    assert f"/meetings/{meeting.pk}/" in listing
    assert "/meetings/new/" not in listing
    page = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert "纪要" in page and "在码头增设宣传板" in page and "上级文件" in page
    assert 'data-testid="read-only"' in page
    for write in ("/edit/", '/decisions/"', "修改 / 转为任务", "登记决定事项"):
        assert write not in page
    material = meeting.materials.get()
    response = client.get(f"/meetings/{meeting.pk}/materials/{material.pk}/")
    assert response.status_code == 200


def test_supervisor_gets_403_on_every_meeting_write(
    client_as: ClientAs, meeting: Meeting, make_decision: MakeDecision
) -> None:
    decision = make_decision(meeting=meeting)
    client = client_as("shiban")
    assert client.get("/meetings/new/").status_code == 403
    assert client.get(f"/meetings/{meeting.pk}/edit/").status_code == 403
    assert client.get("/meetings/schedules/").status_code == 403
    body = {"text": "x", "owner": decision.owner_id, "due_on": "2030-01-01"}
    assert client.post(f"/meetings/{meeting.pk}/decisions/", body).status_code == 403
    assert client.post(f"/meetings/{meeting.pk}/opinions/", {}).status_code == 403
    assert (
        client.post(f"/meetings/{meeting.pk}/decisions/{decision.pk}/rectify/", {}).status_code
        == 403
    )
    assert meeting.decisions.count() == 1


def test_supervisor_reads_self_inspections_without_forms(
    client_as: ClientAs, inspection: SelfInspection
) -> None:
    client = client_as("shiban")
    listing = client.get("/meetings/self-inspections/")
    assert listing.status_code == 200
    assert f"/meetings/self-inspections/{inspection.pk}/" in listing.content.decode()
    assert "/meetings/self-inspections/new/" not in listing.content.decode()
    detail = client.get(f"/meetings/self-inspections/{inspection.pk}/")
    assert detail.status_code == 200
    assert "要求一" in detail.content.decode()
    assert "/requirements/" not in detail.content.decode()
    assert "/problems/" not in detail.content.decode()
    requirement = inspection.requirements.get()
    assert client.get("/meetings/self-inspections/new/").status_code == 403
    assert (
        client.post(
            f"/meetings/self-inspections/{inspection.pk}/requirements/{requirement.pk}/",
            {f"r{requirement.pk}-assessment": "met"},
        ).status_code
        == 403
    )
    assert (
        client.post(f"/meetings/self-inspections/{inspection.pk}/problems/", {}).status_code == 403
    )
    requirement.refresh_from_db()
    assert requirement.assessment == ""


def test_another_towns_supervisor_sees_nothing_here(
    client_as: ClientAs, meeting: Meeting, inspection: SelfInspection, other_town: Unit
) -> None:
    client = client_as("gdduban")
    assert client.get(f"/meetings/{meeting.pk}/").status_code == 404
    assert f"/meetings/{meeting.pk}/" not in client.get("/meetings/").content.decode()
    assert client.get(f"/meetings/self-inspections/{inspection.pk}/").status_code == 404
    material = meeting.materials.get()
    assert client.get(f"/meetings/{meeting.pk}/materials/{material.pk}/").status_code == 404


def test_village_head_still_sees_no_self_inspection(
    client_as: ClientAs, inspection: SelfInspection
) -> None:
    client = client_as("cun02")
    assert client.get("/meetings/self-inspections/").status_code == 403
    assert client.get(f"/meetings/self-inspections/{inspection.pk}/").status_code == 403


def test_lead_opinions_show_only_on_leads_the_reader_may_open(
    client_as: ClientAs, record_meeting: RecordMeeting, town: Unit
) -> None:
    office = User.objects.get(username="banshi")
    lead = lead_services.register_lead(
        actor=office,
        unit=town,
        data=lead_services.LeadInput(
            received_at=timezone.now() - timedelta(hours=1),
            channel=Channel.PHONE,
            source=Source.PUBLIC_REPORT,
            summary="码头强行收费",
        ),
    )
    analysis = record_meeting()
    services.record_lead_opinion(
        actor=office, meeting=analysis, lead=lead, opinion="交派出所核查强行收费"
    )
    assert (
        "交派出所核查强行收费"
        in client_as("banshi").get(f"/meetings/{analysis.pk}/").content.decode()
    )
    # The city's 督导 did not assign this lead down, so `leads.access` withholds it.
    page = client_as("shiban").get(f"/meetings/{analysis.pk}/").content.decode()
    assert "交派出所核查强行收费" not in page
    assert lead.number not in page
