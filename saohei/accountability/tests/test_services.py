"""Every service: who may, who may not, the audit event, nothing written when refused."""

from datetime import timedelta

import pytest
from django.utils import timezone

from saohei.accountability import services
from saohei.accountability.models import Talk, TalkReview
from saohei.accountability.tests.conftest import RecordTalk
from saohei.audit.models import AuditAction, AuditEvent
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.leads.models import Lead, Source
from saohei.organisations.models import Unit, User
from saohei.rectifications.models import RectificationItem, SourceKind

pytestmark = pytest.mark.django_db


def events(action: AuditAction) -> int:
    return AuditEvent.objects.filter(action=action).count()


def test_office_records_a_talk_with_its_audit_event(record_talk: RecordTalk) -> None:
    talk = record_talk()

    assert list(talk.interviewees.values_list("username", flat=True)) == ["cun02"]
    assert talk.topic_labels == ["夯实基础", "宣传发动", "线索摸查"]
    assert events(AuditAction.TALK_RECORDED) == 1


def test_problems_become_rectification_items_and_leads_become_leads(
    record_talk: RecordTalk,
) -> None:
    village = Unit.objects.get(name="东岛村")
    head = User.objects.get(username="cun02")
    talk = record_talk(
        problems=[
            services.ProblemInput(
                description="宣传栏内容陈旧",
                measures="更新宣传栏",
                responsible_person=head,
                responsible_leader=User.objects.get(username="shuji"),
                village=village,
            )
        ],
        leads=["有人在码头强揽生意"],
        lead_village=village,
    )

    item = RectificationItem.objects.get()
    assert item.source_kind == SourceKind.TALK
    assert item.village == village
    assert item.source_url == f"/talks/{talk.pk}/"
    assert list(talk.rectification_items.all()) == [item]
    lead = Lead.objects.get()
    assert lead.source == Source.TALK
    assert list(talk.leads.all()) == [lead]


@pytest.mark.parametrize("username", ["cun02", "minjing", "suozhang", "xitong", "shiban"])
def test_others_cannot_record_talks_and_nothing_is_written(
    record_talk: RecordTalk, username: str
) -> None:
    with pytest.raises(ActionNotAllowed):
        record_talk(actor=username)

    assert Talk.objects.count() == 0
    assert events(AuditAction.TALK_RECORDED) == 0


def test_a_refused_problem_rolls_back_the_whole_talk(record_talk: RecordTalk) -> None:
    stranger = User.objects.get(username="shiban")
    with pytest.raises(ServiceError):
        record_talk(
            problems=[
                services.ProblemInput(
                    description="问题",
                    measures="措施",
                    responsible_person=stranger,
                    responsible_leader=User.objects.get(username="shuji"),
                )
            ]
        )

    assert Talk.objects.count() == 0
    assert RectificationItem.objects.count() == 0
    assert events(AuditAction.TALK_RECORDED) == 0


def test_talk_in_the_future_or_without_interviewees_is_refused(record_talk: RecordTalk) -> None:
    with pytest.raises(ServiceError) as future:
        record_talk(talked_on=timezone.localdate() + timedelta(days=1))
    with pytest.raises(ServiceError) as nobody:
        record_talk(interviewees=[])

    assert future.value.field == "talked_on"
    assert nobody.value.field == "interviewees"
    assert Talk.objects.count() == 0


def test_leader_signs_off_all_unreviewed_talks_up_to_a_date(
    record_talk: RecordTalk, town: Unit
) -> None:
    today = timezone.localdate()
    old = record_talk(talked_on=today - timedelta(days=10))
    older = record_talk(talked_on=today - timedelta(days=20))
    recent = record_talk(talked_on=today)

    review = services.review_talks(
        actor=User.objects.get(username="fushuji"),
        unit=town,
        covers_until=today - timedelta(days=5),
        opinion="记录规范",
    )

    assert set(review.talks.all()) == {old, older}
    assert list(Talk.objects.unreviewed()) == [recent]
    assert events(AuditAction.TALKS_REVIEWED) == 1


@pytest.mark.parametrize("username", ["banshi", "cun02", "minjing"])
def test_only_leaders_review(record_talk: RecordTalk, town: Unit, username: str) -> None:
    record_talk()
    with pytest.raises(ActionNotAllowed):
        services.review_talks(
            actor=User.objects.get(username=username),
            unit=town,
            covers_until=timezone.localdate(),
            opinion="同意",
        )

    assert TalkReview.objects.count() == 0
    assert Talk.objects.unreviewed().count() == 1
    assert events(AuditAction.TALKS_REVIEWED) == 0


def test_review_with_nothing_to_review_is_refused(town: Unit) -> None:
    with pytest.raises(ServiceError):
        services.review_talks(
            actor=User.objects.get(username="shuji"),
            unit=town,
            covers_until=timezone.localdate(),
            opinion="同意",
        )
    assert TalkReview.objects.count() == 0
