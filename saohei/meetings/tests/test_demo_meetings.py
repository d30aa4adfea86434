import pytest
from django.utils import timezone

from saohei.demo.meetings import load_demo_meetings
from saohei.meetings.models import Meeting, MeetingKind, SelfInspectionProblem, Task, TaskStatus
from saohei.meetings.queries import list_schedule_statuses
from saohei.organisations.models import Unit, User
from saohei.rectifications.models import RectificationItem, SourceKind

pytestmark = pytest.mark.django_db


def test_demo_meetings_load_once_with_a_missed_month(demo: None) -> None:
    town = Unit.objects.get(name="港西镇")
    assert load_demo_meetings(town) == 7
    assert load_demo_meetings(town) == 0
    assert Meeting.objects.filter(kind=MeetingKind.ANALYSIS).count() == 4
    topic = Meeting.objects.get(kind=MeetingKind.TOPIC)
    assert topic.materials.count() == 2
    assert SelfInspectionProblem.objects.count() == 2
    assert RectificationItem.objects.filter(source_kind=SourceKind.SELF_INSPECTION).count() == 2
    assert RectificationItem.objects.filter(source_kind=SourceKind.MEETING).count() == 1
    (status,) = list_schedule_statuses(
        User.objects.get(username="banshi"), today=timezone.localdate()
    )
    assert len(status.missed) == 1


def test_demo_has_one_open_and_one_done_task_once(demo: None) -> None:
    town = Unit.objects.get(name="港西镇")
    load_demo_meetings(town)
    load_demo_meetings(town)
    tasks = list(Task.objects.order_by("status").select_related("assignee", "decision__meeting"))
    assert [task.status for task in tasks] == [TaskStatus.DONE, TaskStatus.OPEN]
    assert {task.assignee.username for task in tasks} == {"suozhang", "cun01"}
    assert all(task.decision.meeting.kind == MeetingKind.TOPIC for task in tasks)
    assert tasks[0].result


def test_an_older_demo_gets_its_tasks_on_the_next_load(demo: None) -> None:
    town = Unit.objects.get(name="港西镇")
    load_demo_meetings(town)
    Task.objects.all().delete()
    assert load_demo_meetings(town) == 0
    assert Task.objects.count() == 2
