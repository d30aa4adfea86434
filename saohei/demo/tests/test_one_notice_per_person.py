"""One event, one notice per person; one piece of work, one notice waiting (decision 0025).

Where one service calls another (a meeting decision put on the ledger, 自查自纠 → 整改, a tip
受理 → a lead, a lead 交办, a talk's problems), each person hears of each piece of work once.
"""

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.utils import timezone

from saohei.accountability import services as talks
from saohei.accountability.models import TalkKind
from saohei.leads import services as leads
from saohei.leads.models import Channel, Source
from saohei.meetings import self_inspection
from saohei.meetings import services as meetings
from saohei.meetings.models import Meeting, MeetingDecision, MeetingKind
from saohei.notifications.models import Notification
from saohei.notifications.services import mark_read
from saohei.organisations.models import Unit, User
from saohei.rectifications.services import item_url
from saohei.tips import services as tips

pytestmark = pytest.mark.django_db
UserGetter = Callable[[str], User]


@contextmanager
def one_event() -> Iterator[list[Notification]]:
    """The notices the block sends."""
    before = set(Notification.objects.values_list("pk", flat=True))
    sent: list[Notification] = []
    yield sent
    sent.extend(Notification.objects.exclude(pk__in=before).select_related("recipient"))


def per_person(sent: list[Notification]) -> Counter[str]:
    return Counter(notice.recipient.username for notice in sent)


def waiting_for(person: User) -> list[Notification]:
    return list(Notification.objects.for_recipient(person).unread())


@pytest.fixture
def town(demo: None) -> Unit:
    return Unit.objects.get(name="港西镇")


@pytest.fixture
def nanling(town: Unit) -> Unit:
    return Unit.objects.get(name="南岭村", parent=town)


@pytest.fixture
def meeting(town: Unit, user: UserGetter) -> Meeting:
    return meetings.record_meeting(
        actor=user("banshi"),
        unit=town,
        kind=MeetingKind.ANALYSIS,
        record=meetings.MeetingRecord(
            title="线索研判会",
            held_on=timezone.localdate() - timedelta(days=1),
            place="镇政府会议室",
            chair=user("shuji"),
            recorder=user("banshi"),
            attendees=[user("shuji"), user("banshi"), user("cun05")],
            topics="研判线索",
            reported="通报情况",
            minutes="纪要",
        ),
    )


@pytest.fixture
def decision(meeting: Meeting, user: UserGetter) -> MeetingDecision:
    decision = meetings.add_decision(
        actor=user("banshi"),
        meeting=meeting,
        data=meetings.DecisionInput(
            text="南岭村清理村口违规设置的收费卡口并公示",
            owner=user("cun05"),
            due_on=timezone.localdate() + timedelta(days=20),
        ),
    )
    assert len(waiting_for(user("cun05"))) == 1
    return decision


def test_a_decision_put_on_the_ledger_leaves_one_notice_naming_the_item(
    decision: MeetingDecision, nanling: Unit, user: UserGetter
) -> None:
    with one_event() as sent:
        item = meetings.decision_to_rectification(
            actor=user("banshi"),
            decision=decision,
            measures="拆除卡口，张贴公示",
            responsible_leader=user("shuji"),
            village=nanling,
        )
    assert set(per_person(sent).values()) == {1}
    [notice] = waiting_for(user("cun05"))
    assert f"整改事项{item.pk}号（南岭村）" in notice.title
    assert "清理村口违规设置的收费卡口" in notice.title
    assert notice.url == item_url(item)
    assert "线索研判会" in notice.body


def test_a_decision_read_before_it_went_on_the_ledger_stays_read(
    decision: MeetingDecision, nanling: Unit, user: UserGetter
) -> None:
    owner = user("cun05")
    [first] = waiting_for(owner)
    mark_read(user=owner, notification=first)
    meetings.decision_to_rectification(
        actor=user("banshi"),
        decision=decision,
        measures="拆除卡口",
        responsible_leader=user("shuji"),
        village=nanling,
    )
    assert Notification.objects.for_recipient(owner).count() == 2
    assert len(waiting_for(owner)) == 1


def test_a_decision_handed_on_as_a_task_leaves_one_notice_naming_the_task(
    decision: MeetingDecision, user: UserGetter
) -> None:
    with one_event() as sent:
        task = meetings.decision_to_task(actor=user("banshi"), decision=decision)
    assert set(per_person(sent).values()) == {1}
    [notice] = waiting_for(user("cun05"))
    assert f"会议任务{task.pk}号" in notice.title
    assert notice.url == meetings.task_url(task)


def test_a_self_inspection_problem_tells_its_owner_once(
    town: Unit, nanling: Unit, user: UserGetter
) -> None:
    today = timezone.localdate()
    inspection = self_inspection.record_self_inspection(
        actor=user("banshi"),
        unit=town,
        document_title="关于开展自查自纠的通知",
        document_number="扫黑办发〔2026〕1号",
        document_on=today - timedelta(days=10),
        inspected_on=today - timedelta(days=1),
        requirements=["研判会按月召开"],
    )
    with one_event() as sent:
        problem = self_inspection.record_problem(
            actor=user("banshi"),
            inspection=inspection,
            data=self_inspection.ProblemInput(
                requirement=None,
                description="南岭村研判会记录缺两个月",
                measures="补齐记录",
                responsible_leader=user("shuji"),
                responsible_person=user("cun05"),
                village=nanling,
            ),
        )
    assert per_person(sent) == Counter({"cun05": 1})
    assert sent[0].url == item_url(problem.rectification_item)


def test_a_tip_accepted_as_a_lead_tells_nobody_twice(town: Unit, user: UserGetter) -> None:
    tip = tips.submit_tip(
        unit=town, data=tips.TipInput(content="有人在南岭村村口夜里拦车收过路费")
    ).tip
    with one_event() as sent:
        tips.accept_tip(actor=user("banshi"), tip=tip)
    assert all(count == 1 for count in per_person(sent).values())


def test_a_lead_assigned_to_its_village_head_tells_the_head_once(
    town: Unit, nanling: Unit, user: UserGetter
) -> None:
    lead = leads.register_lead(
        actor=user("banshi"),
        unit=town,
        data=leads.LeadInput(
            received_at=timezone.now(),
            channel=Channel.IN_PERSON,
            source=Source.SELF_FOUND,
            summary="南岭村村口有人收过路费",
            village=nanling,
        ),
    )
    with one_event() as sent:
        leads.assign_lead(
            actor=user("banshi"),
            lead=lead,
            handling_unit=nanling,
            handler=user("cun05"),
            police_unit=Unit.objects.get(name="港西派出所"),
        )
    counts = per_person(sent)
    assert counts["cun05"] == 1
    assert set(counts.values()) == {1}


def test_a_talk_with_two_problems_names_each_item_once(
    town: Unit, nanling: Unit, user: UserGetter
) -> None:
    problems = [
        talks.ProblemInput(
            description=text,
            measures="限期整改",
            responsible_person=user("cun05"),
            responsible_leader=user("shuji"),
            village=nanling,
        )
        for text in ("南岭村研判会记录不全", "南岭村宣传栏未更新")
    ]
    with one_event() as sent:
        talks.record_talk(
            actor=user("banshi"),
            unit=town,
            data=talks.TalkInput(
                talked_on=timezone.localdate(),
                place="镇政府",
                interviewer=user("shuji"),
                interviewees=[user("cun05")],
                kind=TalkKind.REMINDER,
                content="谈话内容",
                problems=problems,
            ),
        )
    # Two items, each a piece of work of its own: one notice each, never one twice.
    urls = Counter((notice.recipient.username, notice.url) for notice in sent)
    assert set(urls.values()) == {1}
    assert per_person(sent)["cun05"] == 2
