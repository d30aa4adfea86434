import pytest

from saohei.demo.meetings import load_demo_meetings
from saohei.meetings.models import Meeting, MeetingKind, SelfInspectionProblem
from saohei.meetings.queries import list_schedule_statuses
from saohei.organisations.models import Unit, User
from saohei.rectifications.models import RectificationItem, SourceKind

pytestmark = pytest.mark.django_db


def test_demo_meetings_load_once_with_a_missed_month(demo: None) -> None:
    from django.utils import timezone

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
