"""Decisions edited and handed on as tasks; tasks completed. Each service with its audit event."""

from datetime import timedelta

import pytest
from django.utils import timezone

from saohei.audit.models import AuditAction, AuditEvent
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.meetings import services
from saohei.meetings.models import MeetingDecision, MeetingKind, Task, TaskStatus
from saohei.meetings.tests.conftest import MakeDecision, MakeTask, RecordMeeting
from saohei.notifications.models import Notification
from saohei.organisations.models import User
from saohei.rectifications.models import RectificationItem
from saohei.workdays.calendar import add_working_days

pytestmark = pytest.mark.django_db


def person(username: str) -> User:
    return User.objects.get(username=username)


def events(action: AuditAction) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action))


# --- adding and editing decisions -------------------------------------------------------------


def test_decision_deadline_in_working_days_counts_from_the_meeting(
    record_meeting: RecordMeeting,
) -> None:
    meeting = record_meeting(kind=MeetingKind.TOPIC)
    decision = services.add_decision(
        actor=person("banshi"),
        meeting=meeting,
        data=services.DecisionInput(
            text="补齐档案",
            owner=person("cun02"),
            working_days=5,
        ),
    )
    assert decision.due_on == add_working_days(meeting.held_on, 5)
    (event,) = events(AuditAction.MEETING_DECISION_ADDED)
    assert event.details["after"]["owner"] == "cun02"


def test_decision_needs_a_deadline(record_meeting: RecordMeeting) -> None:
    meeting = record_meeting(kind=MeetingKind.TOPIC)
    with pytest.raises(ServiceError) as error:
        services.add_decision(
            actor=person("banshi"),
            meeting=meeting,
            data=services.DecisionInput(
                text="补齐档案",
                owner=person("cun02"),
            ),
        )
    assert error.value.field == "due_on"
    assert not MeetingDecision.objects.exists()


def test_a_deadline_is_a_date_or_working_days_not_both(make_decision: MakeDecision) -> None:
    decision = make_decision()
    with pytest.raises(ServiceError) as error:
        services.edit_decision(
            actor=person("banshi"),
            decision=decision,
            data=services.DecisionInput(
                text="x",
                owner=decision.owner,
                due_on=decision.due_on,
                working_days=3,
            ),
        )
    assert error.value.field == "working_days"
    with pytest.raises(ServiceError) as error:
        services.decision_to_task(
            actor=person("banshi"), decision=decision, due_on=decision.due_on, working_days=3
        )
    assert error.value.field == "working_days"
    assert not Task.objects.exists()


def test_office_edits_a_decision_with_before_and_after_in_the_audit(
    make_decision: MakeDecision,
) -> None:
    decision = make_decision()
    new_due = timezone.localdate() + timedelta(days=20)
    services.edit_decision(
        actor=person("fushuji"),
        decision=decision,
        data=services.DecisionInput(
            text="在码头和集市增设宣传板",
            owner=person("cun02"),
            due_on=new_due,
        ),
    )
    decision.refresh_from_db()
    assert (decision.text, decision.owner.username, decision.due_on) == (
        "在码头和集市增设宣传板",
        "cun02",
        new_due,
    )
    (event,) = events(AuditAction.MEETING_DECISION_UPDATED)
    assert event.details["changed"] == ["text", "owner", "due_on"]
    assert event.details["before"]["owner"] == "banshi"
    assert event.details["after"]["owner"] == "cun02"
    assert event.details["after"]["due_on"] == new_due.isoformat()
    # The new owner is told.
    assert Notification.objects.filter(
        recipient=person("cun02"), title__startswith="会议决定事项改由您负责："
    ).exists()


def test_an_edit_that_changes_nothing_writes_nothing(make_decision: MakeDecision) -> None:
    decision = make_decision()
    services.edit_decision(
        actor=person("banshi"),
        decision=decision,
        data=services.DecisionInput(
            text=decision.text,
            owner=decision.owner,
            due_on=decision.due_on,
        ),
    )
    assert not events(AuditAction.MEETING_DECISION_UPDATED)


@pytest.mark.parametrize("username", ["cun02", "suozhang", "shiban", "xitong"])
def test_only_the_office_edits_decisions(make_decision: MakeDecision, username: str) -> None:
    decision = make_decision()
    with pytest.raises(ActionNotAllowed):
        services.edit_decision(
            actor=person(username),
            decision=decision,
            data=services.DecisionInput(
                text="改掉",
                owner=decision.owner,
                due_on=decision.due_on,
            ),
        )
    decision.refresh_from_db()
    assert decision.text == "在码头增设宣传板"
    assert not events(AuditAction.MEETING_DECISION_UPDATED)


def test_a_decision_handed_on_can_no_longer_be_edited(
    make_decision: MakeDecision, make_task: MakeTask
) -> None:
    task = make_task()
    with pytest.raises(ServiceError, match="已转为任务"):
        services.edit_decision(
            actor=person("banshi"),
            decision=task.decision,
            data=services.DecisionInput(
                text="改掉",
                owner=task.decision.owner,
                due_on=task.decision.due_on,
            ),
        )
    on_ledger = make_decision()
    services.decision_to_rectification(
        actor=person("banshi"),
        decision=on_ledger,
        measures="制作并安装",
        responsible_leader=person("shuji"),
    )
    with pytest.raises(ServiceError, match="已列入整改台账"):
        services.edit_decision(
            actor=person("banshi"),
            decision=on_ledger,
            data=services.DecisionInput(
                text="改掉",
                owner=on_ledger.owner,
                due_on=on_ledger.due_on,
            ),
        )
    assert not MeetingDecision.objects.filter(text="改掉").exists()
    assert not events(AuditAction.MEETING_DECISION_UPDATED)


# --- decision → task --------------------------------------------------------------------------


def test_decision_becomes_a_task_for_a_village_head_who_is_told(
    make_decision: MakeDecision,
) -> None:
    decision = make_decision()
    task = services.decision_to_task(
        actor=person("banshi"), decision=decision, assignee=person("cun02")
    )
    assert task.status == TaskStatus.OPEN
    assert task.due_on == decision.due_on
    assert task.unit == decision.meeting.unit
    assert task.assignee.username == "cun02"
    (event,) = events(AuditAction.MEETING_DECISION_TO_TASK)
    assert event.target_id == str(task.pk)
    assert event.details["decision"] == decision.pk
    notice = Notification.objects.get(
        recipient=person("cun02"), title__startswith="会议决定事项已交办给您："
    )
    assert notice.url == f"/meetings/tasks/{task.pk}/"


def test_task_defaults_to_the_owner_and_takes_working_days(make_decision: MakeDecision) -> None:
    decision = make_decision(owner=person("suozhang"))
    task = services.decision_to_task(actor=person("shuji"), decision=decision, working_days=3)
    assert task.assignee.username == "suozhang"
    assert task.due_on == add_working_days(timezone.localdate(), 3)


def test_a_decision_becomes_a_task_once_and_then_not_a_ledger_item(
    make_decision: MakeDecision,
) -> None:
    decision = make_decision()
    services.decision_to_task(actor=person("banshi"), decision=decision)
    with pytest.raises(ServiceError, match="不能重复交办"):
        services.decision_to_task(actor=person("banshi"), decision=decision)
    with pytest.raises(ServiceError, match="已转为任务"):
        services.decision_to_rectification(
            actor=person("banshi"),
            decision=decision,
            measures="制作",
            responsible_leader=person("shuji"),
        )
    assert Task.objects.count() == 1
    assert not RectificationItem.objects.exists()
    assert len(events(AuditAction.MEETING_DECISION_TO_TASK)) == 1


def test_a_ledger_item_decision_cannot_become_a_task(make_decision: MakeDecision) -> None:
    decision = make_decision()
    services.decision_to_rectification(
        actor=person("banshi"),
        decision=decision,
        measures="制作",
        responsible_leader=person("shuji"),
    )
    with pytest.raises(ServiceError, match="已列入整改台账"):
        services.decision_to_task(actor=person("banshi"), decision=decision)
    assert not Task.objects.exists()


@pytest.mark.parametrize("username", ["cun02", "suozhang", "shiban", "baoguan"])
def test_only_the_office_hands_decisions_on(make_decision: MakeDecision, username: str) -> None:
    decision = make_decision()
    with pytest.raises(ActionNotAllowed):
        services.decision_to_task(actor=person(username), decision=decision)
    assert not Task.objects.exists()
    assert not events(AuditAction.MEETING_DECISION_TO_TASK)


@pytest.mark.parametrize("username", ["baoguan", "xitong", "shiban"])
def test_assignee_must_work_in_the_town(make_decision: MakeDecision, username: str) -> None:
    decision = make_decision()
    with pytest.raises(ServiceError) as error:
        services.decision_to_task(
            actor=person("banshi"), decision=decision, assignee=person(username)
        )
    assert error.value.field == "assignee"
    assert not Task.objects.exists()


def test_task_deadline_cannot_be_in_the_past(make_decision: MakeDecision) -> None:
    decision = make_decision()
    with pytest.raises(ServiceError) as error:
        services.decision_to_task(
            actor=person("banshi"),
            decision=decision,
            due_on=timezone.localdate() - timedelta(days=1),
        )
    assert error.value.field == "due_on"
    with pytest.raises(ServiceError) as error:
        services.decision_to_task(actor=person("banshi"), decision=decision, working_days=0)
    assert error.value.field == "working_days"
    assert not Task.objects.exists()


def test_a_past_decision_deadline_must_be_set_again(record_meeting: RecordMeeting) -> None:
    meeting = record_meeting(kind=MeetingKind.TOPIC, held_on=timezone.localdate() - timedelta(30))
    decision = services.add_decision(
        actor=person("banshi"),
        meeting=meeting,
        data=services.DecisionInput(
            text="补开",
            owner=person("banshi"),
            due_on=timezone.localdate() - timedelta(days=2),
        ),
    )
    with pytest.raises(ServiceError, match="重新确定"):
        services.decision_to_task(actor=person("banshi"), decision=decision)
    task = services.decision_to_task(
        actor=person("banshi"), decision=decision, due_on=timezone.localdate()
    )
    assert task.due_on == timezone.localdate()


# --- completing a task ------------------------------------------------------------------------


def test_assignee_completes_with_a_result_and_the_office_is_told(make_task: MakeTask) -> None:
    task = make_task()
    services.complete_task(actor=person("cun02"), task=task, result="已安装宣传板3块")
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    assert task.result == "已安装宣传板3块"
    assert task.done_by == person("cun02")
    assert task.done_at is not None
    (event,) = events(AuditAction.MEETING_TASK_COMPLETED)
    assert event.details["late"] is False
    assert Notification.objects.filter(
        recipient=person("banshi"), title__startswith="会议任务已办结："
    ).exists()


def test_the_office_may_complete_for_the_assignee(make_task: MakeTask) -> None:
    task = make_task()
    services.complete_task(actor=person("shuji"), task=task, result="村里电话报告已完成")
    task.refresh_from_db()
    assert task.done_by == person("shuji")


def test_result_is_required_and_completion_happens_once(make_task: MakeTask) -> None:
    task = make_task()
    with pytest.raises(ServiceError) as error:
        services.complete_task(actor=person("cun02"), task=task, result="   ")
    assert error.value.field == "result"
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN
    services.complete_task(actor=person("cun02"), task=task, result="完成")
    with pytest.raises(ServiceError, match="已办结"):
        services.complete_task(actor=person("banshi"), task=task, result="再来")
    assert len(events(AuditAction.MEETING_TASK_COMPLETED)) == 1


@pytest.mark.parametrize("username", ["cun04", "suozhang", "shiban", "xitong"])
def test_others_cannot_complete_a_task(make_task: MakeTask, username: str) -> None:
    task = make_task()
    with pytest.raises(ActionNotAllowed):
        services.complete_task(actor=person(username), task=task, result="完成")
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN
    assert not events(AuditAction.MEETING_TASK_COMPLETED)


def test_other_towns_office_cannot_touch_this_towns_decisions(
    make_decision: MakeDecision, other_town: object
) -> None:
    decision = make_decision()
    with pytest.raises(ActionNotAllowed):
        services.decision_to_task(actor=person("gdbanshi"), decision=decision)
    with pytest.raises(ActionNotAllowed):
        services.edit_decision(
            actor=person("gdbanshi"),
            decision=decision,
            data=services.DecisionInput(
                text="改掉",
                owner=decision.owner,
                due_on=decision.due_on,
            ),
        )
    assert not Task.objects.exists()


def test_update_meeting_names_the_changed_fields(record_meeting: RecordMeeting) -> None:
    meeting = record_meeting(kind=MeetingKind.TOPIC)
    services.update_meeting(
        actor=person("banshi"),
        meeting=meeting,
        record=services.MeetingRecord(
            title="专题会议（更正）",
            held_on=meeting.held_on,
            place=meeting.place,
            chair=meeting.chair,
            recorder=meeting.recorder,
            attendees=list(meeting.attendees.all()),
            topics=meeting.topics,
            reported=meeting.reported,
            minutes="补充纪要",
        ),
    )
    (event,) = events(AuditAction.MEETING_UPDATED)
    assert event.details["changed"] == ["title", "minutes"]
