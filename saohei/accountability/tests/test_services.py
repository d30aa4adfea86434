"""Every service: who may, who may not, the audit event, nothing written when refused."""

from datetime import timedelta
from typing import Any

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


def edit(talk: Talk, actor: str = "banshi", version: int | None = None, **changes: object) -> Talk:
    values: dict[str, object] = {
        "talked_on": talk.talked_on,
        "place": talk.place,
        "interviewees": list(talk.interviewees.all()),
        "kind": talk.kind,
        "topics": list(talk.topics),
        "other_topics": talk.other_topics,
        "content": talk.content,
        "follow_up": talk.follow_up,
    }
    values.update(changes)
    return services.edit_talk(
        actor=User.objects.get(username=actor),
        talk=talk,
        data=services.TalkEdit(**values),  # type: ignore[arg-type]
        version=version,
    )


class TestEditTalk:
    def test_office_corrects_a_talk_audited_before_and_after(self, record_talk: RecordTalk) -> None:
        talk = record_talk()
        cun03 = User.objects.get(username="cun03")

        edit(
            talk,
            place="东岛村村委会",
            interviewees=[User.objects.get(username="cun02"), cun03],
            follow_up="两周内回访",
        )

        talk.refresh_from_db()
        assert talk.place == "东岛村村委会"
        assert set(talk.interviewees.values_list("username", flat=True)) == {"cun02", "cun03"}
        assert talk.edited_by is not None and talk.edited_by.username == "banshi"
        assert talk.edited_after_review_at is None
        event = AuditEvent.objects.get(action=AuditAction.TALK_EDITED)
        changes = event.details["changes"]
        assert changes["place"] == {"before": "镇党委会议室", "after": "东岛村村委会"}
        assert changes["interviewees"]["after"] == ["李海滨", "张庆礼"]
        assert changes["follow_up"] == {"before": "", "after": "两周内回访"}
        assert set(changes) == {"place", "interviewees", "follow_up"}

    def test_long_content_is_cut_in_the_summary_not_in_the_record(
        self, record_talk: RecordTalk
    ) -> None:
        talk = record_talk()
        edit(talk, content="谈" * 600)

        talk.refresh_from_db()
        assert len(talk.content) == 600
        after = AuditEvent.objects.get(action=AuditAction.TALK_EDITED).details["changes"]
        assert len(after["content"]["after"]) == services.SUMMARY_LIMIT + 1

    def test_a_reviewed_talk_keeps_its_review_and_is_queued_again(
        self, record_talk: RecordTalk, town: Unit
    ) -> None:
        talk = record_talk()
        first = services.review_talks(
            actor=User.objects.get(username="shuji"),
            unit=town,
            covers_until=timezone.localdate(),
            opinion="记录规范",
        )

        edit(talk, content="补充：要求每月报送零报告")

        talk.refresh_from_db()
        assert talk.review == first
        assert talk.edited_after_review_at is not None
        assert list(Talk.objects.unreviewed()) == [talk]
        assert AuditEvent.objects.get(action=AuditAction.TALK_EDITED).details["after_review"]

        second = services.review_talks(
            actor=User.objects.get(username="fushuji"),
            unit=town,
            covers_until=timezone.localdate(),
            opinion="修改后内容完整",
        )
        talk.refresh_from_db()
        assert talk.review == second
        assert talk.edited_after_review_at is None
        assert Talk.objects.unreviewed().count() == 0
        last = AuditEvent.objects.filter(action=AuditAction.TALKS_REVIEWED).order_by("pk").last()
        assert last is not None and last.details["edited_after_review"] == 1

    def test_problems_opened_from_the_talk_are_not_rewritten(self, record_talk: RecordTalk) -> None:
        talk = record_talk(
            problems=[
                services.ProblemInput(
                    description="宣传栏内容陈旧",
                    measures="更新宣传栏",
                    responsible_person=User.objects.get(username="cun02"),
                    responsible_leader=User.objects.get(username="shuji"),
                )
            ]
        )
        label = RectificationItem.objects.get().source_label

        edit(talk, talked_on=talk.talked_on - timedelta(days=1))

        assert RectificationItem.objects.get().source_label == label

    @pytest.mark.parametrize("username", ["cun02", "shiban", "suozhang", "xitong"])
    def test_others_cannot_correct_and_nothing_is_written(
        self, record_talk: RecordTalk, username: str
    ) -> None:
        talk = record_talk()
        with pytest.raises(ActionNotAllowed):
            edit(talk, actor=username, place="别处")

        talk.refresh_from_db()
        assert talk.place == "镇党委会议室"
        assert events(AuditAction.TALK_EDITED) == 0

    @pytest.mark.parametrize(
        ("changes", "field", "message"),
        [
            ({"talked_on": "tomorrow"}, "talked_on", "晚于今天"),
            ({"interviewees": []}, "interviewees", "请选择谈话对象"),
            ({"kind": "chat"}, "kind", "谈话类型不正确"),
            ({"content": " "}, "content", "请填写谈话内容"),
            ({}, None, "没有修改任何内容"),
        ],
    )
    def test_bad_corrections_are_refused(
        self,
        record_talk: RecordTalk,
        changes: dict[str, Any],
        field: str | None,
        message: str,
    ) -> None:
        talk = record_talk()
        # "Tomorrow" is taken when the test runs: a run may cross midnight after collection.
        if changes.get("talked_on") == "tomorrow":
            changes = {**changes, "talked_on": timezone.localdate() + timedelta(days=1)}
        with pytest.raises(ServiceError) as refused:
            edit(talk, **changes)

        assert refused.value.field == field
        assert message in refused.value.message
        talk.refresh_from_db()
        assert talk.edited_at is None
        assert events(AuditAction.TALK_EDITED) == 0

    def test_interviewee_from_another_town_is_refused(
        self, record_talk: RecordTalk, other_town: Unit
    ) -> None:
        talk = record_talk()
        stranger = User.objects.get(username="shiban")  # the city's, not the town's
        with pytest.raises(ServiceError) as refused:
            edit(talk, interviewees=[stranger])

        assert refused.value.field == "interviewees"
        assert list(talk.interviewees.values_list("username", flat=True)) == ["cun02"]


class TestAddProblemsAndLeads:
    def test_problems_found_later_go_onto_the_ledger(self, record_talk: RecordTalk) -> None:
        talk = record_talk()
        ids = services.add_problems(
            actor=User.objects.get(username="banshi"),
            talk=talk,
            problems=[
                services.ProblemInput(
                    description="零报告未按月报送",
                    measures="按月报送",
                    responsible_person=User.objects.get(username="cun02"),
                    responsible_leader=User.objects.get(username="shuji"),
                    village=Unit.objects.get(name="东岛村"),
                )
            ],
        )

        item = RectificationItem.objects.get()
        assert ids == [item.pk]
        assert item.source_kind == SourceKind.TALK
        assert list(talk.rectification_items.all()) == [item]
        assert events(AuditAction.TALK_PROBLEM_ADDED) == 1

    def test_leads_found_later_are_registered_and_a_reviewed_talk_is_queued(
        self, record_talk: RecordTalk, town: Unit
    ) -> None:
        talk = record_talk()
        services.review_talks(
            actor=User.objects.get(username="shuji"),
            unit=town,
            covers_until=timezone.localdate(),
            opinion="同意",
        )

        services.add_leads(
            actor=User.objects.get(username="banshi"),
            talk=talk,
            summaries=["码头有人强揽装卸", " "],
            village=Unit.objects.get(name="东岛村"),
        )

        lead = Lead.objects.get()
        assert lead.source == Source.TALK
        assert list(talk.leads.all()) == [lead]
        talk.refresh_from_db()
        assert talk.edited_after_review_at is not None
        assert events(AuditAction.TALK_LEAD_ADDED) == 1

    def test_empty_or_refused_additions_write_nothing(self, record_talk: RecordTalk) -> None:
        talk = record_talk()
        with pytest.raises(ServiceError):
            services.add_leads(actor=User.objects.get(username="banshi"), talk=talk, summaries=[])
        with pytest.raises(ActionNotAllowed):
            services.add_leads(
                actor=User.objects.get(username="cun02"), talk=talk, summaries=["线索"]
            )
        with pytest.raises(ServiceError):
            services.add_problems(
                actor=User.objects.get(username="banshi"),
                talk=talk,
                problems=[
                    services.ProblemInput(
                        description="问题",
                        measures="措施",
                        responsible_person=User.objects.get(username="shiban"),
                        responsible_leader=User.objects.get(username="shuji"),
                    )
                ],
            )

        assert Lead.objects.count() == 0
        assert RectificationItem.objects.count() == 0
        talk.refresh_from_db()
        assert talk.edited_at is None
