"""A meeting record saved on a stale version is refused; a task is completed once (0044)."""

from dataclasses import replace

import pytest

from saohei.audit.models import AuditAction, AuditEvent
from saohei.common.errors import ServiceError
from saohei.meetings import services
from saohei.meetings.models import Meeting, MeetingDecision, Task
from saohei.meetings.tests.conftest import MakeDecision, MakeTask, RecordMeeting
from saohei.organisations.models import User

pytestmark = pytest.mark.django_db


def _record_of(meeting: Meeting) -> services.MeetingRecord:
    return services.MeetingRecord(
        title=meeting.title,
        held_on=meeting.held_on,
        place=meeting.place,
        chair=meeting.chair,
        recorder=meeting.recorder,
        attendees=list(meeting.attendees.all()),
        topics=meeting.topics,
        reported=meeting.reported,
        minutes=meeting.minutes,
    )


def test_a_record_saved_on_a_stale_version_is_refused_and_the_first_kept(
    record_meeting: RecordMeeting,
):
    meeting = record_meeting()
    stale = Meeting.objects.get(pk=meeting.pk)
    banshi = User.objects.get(username="banshi")
    services.update_meeting(
        actor=banshi,
        meeting=meeting,
        record=replace(_record_of(meeting), minutes="会议决定加强巡查"),
        version=1,
    )

    with pytest.raises(ServiceError, match="该会议记录在您打开之后已被"):
        services.update_meeting(
            actor=User.objects.get(username="shuji"),
            meeting=stale,
            record=replace(_record_of(stale), place="村委会"),
            version=stale.version,
        )

    saved = Meeting.objects.get(pk=meeting.pk)
    assert (saved.minutes, saved.place, saved.version) == ("会议决定加强巡查", "镇政府会议室", 2)
    assert AuditEvent.objects.filter(action=AuditAction.MEETING_UPDATED).count() == 1


def test_a_task_completed_meanwhile_is_not_completed_again(make_task: MakeTask):
    task = make_task()
    stale = Task.objects.get(pk=task.pk)
    services.complete_task(actor=User.objects.get(username="cun02"), task=task, result="已完成")

    with pytest.raises(ServiceError, match="该任务已被他人处理，请刷新后重试"):
        services.complete_task(actor=User.objects.get(username="banshi"), task=stale, result="又办")

    assert Task.objects.get(pk=task.pk).result == "已完成"
    assert AuditEvent.objects.filter(action=AuditAction.MEETING_TASK_COMPLETED).count() == 1


def test_a_decision_edited_on_a_stale_version_is_refused_and_the_first_kept(
    make_decision: MakeDecision,
):
    decision = make_decision()
    stale = MeetingDecision.objects.get(pk=decision.pk)
    banshi = User.objects.get(username="banshi")
    services.edit_decision(
        actor=banshi,
        decision=decision,
        data=services.DecisionInput(
            text="在码头增设宣传板两块", owner=banshi, due_on=decision.due_on
        ),
        version=1,
    )

    with pytest.raises(ServiceError, match="该决定事项在您打开之后已被"):
        services.edit_decision(
            actor=banshi,
            decision=stale,
            data=services.DecisionInput(
                text=stale.text, owner=User.objects.get(username="cun02"), due_on=stale.due_on
            ),
            version=stale.version,
        )

    saved = MeetingDecision.objects.get(pk=decision.pk)
    assert (saved.text, saved.owner, saved.version) == ("在码头增设宣传板两块", banshi, 2)
    assert AuditEvent.objects.filter(action=AuditAction.MEETING_DECISION_UPDATED).count() == 1
