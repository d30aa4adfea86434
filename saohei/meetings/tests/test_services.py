from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from saohei.audit.models import AuditAction, AuditEvent
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.common.uploads import check_uploads
from saohei.leads import services as lead_services
from saohei.leads.models import Channel, Source
from saohei.meetings import self_inspection, services
from saohei.meetings.forms import MeetingForm
from saohei.meetings.models import (
    Assessment,
    MaterialKind,
    Meeting,
    MeetingKind,
    SelfInspection,
    SelfInspectionProblem,
)
from saohei.meetings.tests.conftest import RecordMeeting
from saohei.notifications.models import Notification
from saohei.organisations.models import Unit, User
from saohei.rectifications.models import RectificationItem, SourceKind

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF\n"


def test_office_records_a_meeting_with_materials_and_audit(record_meeting: RecordMeeting) -> None:
    upload = check_uploads([SimpleUploadedFile("文件.pdf", PDF)])[0]
    meeting = record_meeting(
        kind=MeetingKind.TOPIC,
        materials=[
            services.MaterialIn(MaterialKind.DOCUMENT, "上级文件", upload),
            services.MaterialIn(MaterialKind.CASE, "典型案例"),
        ],
    )
    assert meeting.attendees.count() == 4
    stored = meeting.materials.get(kind=MaterialKind.DOCUMENT)
    assert stored.sha256 == upload.sha256
    assert str(stored.file.name).endswith(upload.sha256)
    assert AuditEvent.objects.filter(action=AuditAction.MEETING_RECORDED).count() == 1


@pytest.mark.parametrize("username", ["cun02", "suozhang", "xitong", "shiban"])
def test_others_cannot_record_and_nothing_is_written(
    record_meeting: RecordMeeting, username: str
) -> None:
    with pytest.raises(ActionNotAllowed):
        record_meeting(actor=username)
    assert not Meeting.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.MEETING_RECORDED).exists()


def test_leader_records_but_not_a_future_meeting(record_meeting: RecordMeeting) -> None:
    assert record_meeting(actor="shuji").pk
    with pytest.raises(ServiceError):
        record_meeting(held_on=timezone.localdate() + timedelta(days=1))
    assert Meeting.objects.count() == 1


def test_attendees_must_belong_to_the_town(record_meeting: RecordMeeting, town: Unit) -> None:
    outsider = User.objects.get(username="shiban")
    with pytest.raises(ServiceError) as error:
        record_meeting(attendees=[outsider])
    assert error.value.field == "attendees"
    assert not Meeting.objects.exists()


@pytest.mark.parametrize("username", ["xitong", "baoguan"])
def test_administrators_and_the_custodian_are_never_attendees(
    record_meeting: RecordMeeting, town: Unit, username: str
) -> None:
    dedicated = User.objects.get(username=username)
    assert dedicated not in MeetingForm(town=town).fields["attendees"].queryset  # type: ignore[attr-defined]
    with pytest.raises(ServiceError, match="举报信息保管员除外") as error:
        record_meeting(attendees=[dedicated])
    assert error.value.field == "attendees"
    assert not Meeting.objects.exists()


def test_decision_becomes_a_rectification_item_once(record_meeting: RecordMeeting) -> None:
    office = User.objects.get(username="banshi")
    meeting = record_meeting(kind=MeetingKind.TOPIC)
    due = timezone.localdate() + timedelta(days=15)
    decision = services.add_decision(
        actor=office,
        meeting=meeting,
        data=services.DecisionInput(
            text="增设宣传板",
            owner=office,
            due_on=due,
        ),
    )
    item = services.decision_to_rectification(
        actor=office,
        decision=decision,
        measures="制作并安装",
        responsible_leader=User.objects.get(username="shuji"),
    )
    assert item.source_kind == SourceKind.MEETING
    assert item.source_url == f"/meetings/{meeting.pk}/"
    assert item.due_on == due
    assert item.responsible_person == office
    decision.refresh_from_db()
    assert decision.rectification_item == item
    assert AuditEvent.objects.filter(action=AuditAction.MEETING_DECISION_TO_RECTIFICATION).exists()
    with pytest.raises(ServiceError):
        services.decision_to_rectification(
            actor=office,
            decision=decision,
            measures="再来一次",
            responsible_leader=User.objects.get(username="shuji"),
        )
    assert RectificationItem.objects.count() == 1


def test_decision_refused_for_village_head(record_meeting: RecordMeeting) -> None:
    meeting = record_meeting()
    with pytest.raises(ActionNotAllowed):
        services.add_decision(
            actor=User.objects.get(username="cun02"),
            meeting=meeting,
            data=services.DecisionInput(
                text="x",
                owner=User.objects.get(username="cun02"),
                due_on=timezone.localdate(),
            ),
        )
    assert not meeting.decisions.exists()


def test_lead_opinion_only_at_analysis_meetings_on_visible_leads(
    record_meeting: RecordMeeting, town: Unit
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
    topic = record_meeting(kind=MeetingKind.TOPIC)
    with pytest.raises(ServiceError):
        services.record_lead_opinion(actor=office, meeting=topic, lead=lead, opinion="意见")
    entry = services.record_lead_opinion(
        actor=office, meeting=analysis, lead=lead, opinion="排除涉黑涉恶可能"
    )
    assert entry.lead == lead
    with pytest.raises(ServiceError):
        services.record_lead_opinion(actor=office, meeting=analysis, lead=lead, opinion="再次")
    assert analysis.lead_opinions.count() == 1


def test_self_inspection_assessment_and_problems(town: Unit) -> None:
    office = User.objects.get(username="banshi")
    today = timezone.localdate()
    inspection = self_inspection.record_self_inspection(
        actor=office,
        unit=town,
        document_title="上级通知",
        document_number="〔2026〕1号",
        document_on=today - timedelta(days=5),
        inspected_on=today,
        requirements=["要求一", "", "要求二"],
    )
    requirements = list(inspection.requirements.all())
    assert [r.text for r in requirements] == ["要求一", "要求二"]
    with pytest.raises(ServiceError):
        self_inspection.assess_requirement(
            actor=office, requirement=requirements[1], assessment=Assessment.NOT_MET
        )
    self_inspection.assess_requirement(
        actor=office, requirement=requirements[1], assessment=Assessment.NOT_MET, note="缺期"
    )
    problem = self_inspection.record_problem(
        actor=office,
        inspection=inspection,
        data=self_inspection.ProblemInput(
            requirement=requirements[1],
            description="零报告缺期",
            measures="补齐",
            responsible_leader=User.objects.get(username="shuji"),
            responsible_person=User.objects.get(username="cun02"),
            village=Unit.objects.get(name="东岛村"),
            working_days=5,
        ),
    )
    assert problem.rectification_item.source_kind == SourceKind.SELF_INSPECTION
    assert problem.rectification_item.village == Unit.objects.get(name="东岛村")
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        AuditAction.SELF_INSPECTION_RECORDED,
        AuditAction.SELF_INSPECTION_ASSESSED,
        AuditAction.SELF_INSPECTION_PROBLEM_TO_RECTIFICATION,
    } <= actions


def test_self_inspection_refused_for_village_head(town: Unit) -> None:
    today = timezone.localdate()
    with pytest.raises(ActionNotAllowed):
        self_inspection.record_self_inspection(
            actor=User.objects.get(username="cun02"),
            unit=town,
            document_title="上级通知",
            document_number="",
            document_on=today,
            inspected_on=today,
            requirements=["要求"],
        )
    assert not SelfInspection.objects.exists()
    assert not SelfInspectionProblem.objects.exists()


def test_decision_notice_links_the_meeting_only_for_someone_who_may_open_it(
    record_meeting: RecordMeeting,
) -> None:
    office = User.objects.get(username="banshi")
    absent_head = User.objects.get(username="cun09")
    meeting = record_meeting(kind=MeetingKind.TOPIC)
    assert not meeting.attendees.filter(pk=absent_head.pk).exists()
    due = timezone.localdate() + timedelta(days=15)

    services.add_decision(
        actor=office,
        meeting=meeting,
        data=services.DecisionInput(
            text="补齐台账",
            owner=absent_head,
            due_on=due,
        ),
    )
    services.add_decision(
        actor=office,
        meeting=meeting,
        data=services.DecisionInput(
            text="制作展板",
            owner=office,
            due_on=due,
        ),
    )

    head_notice = Notification.objects.get(
        recipient=absent_head, title__startswith="会议决定事项由您负责："
    )
    office_notice = Notification.objects.get(
        recipient=office, title__startswith="会议决定事项由您负责："
    )
    assert head_notice.url == ""
    assert office_notice.url == f"/meetings/{meeting.pk}/"
