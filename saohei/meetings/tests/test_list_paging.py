"""The meeting list pages newest first by cursor, keeping its filters across pages."""

import re
from collections.abc import Callable
from datetime import timedelta

from django.test import Client
from django.utils import timezone

from saohei.meetings.models import MeetingKind
from saohei.meetings.tests.conftest import RecordMeeting


def meeting_ids(page: str) -> list[str]:
    return re.findall(r'href="/meetings/(\d+)/"', page)


def test_every_meeting_is_reached_page_by_page_with_the_filter_kept(
    record_meeting: RecordMeeting, client_as: Callable[[str], Client]
) -> None:
    today = timezone.localdate()
    meetings = [record_meeting(held_on=today - timedelta(days=n % 30 + 1)) for n in range(52)]
    client = client_as("banshi")

    first = client.get(f"/meetings/?kind={MeetingKind.ANALYSIS}").content.decode()
    after = re.search(r'kind=analysis&amp;after=([\w-]+)"', first)
    assert after is not None and len(set(meeting_ids(first))) == 50
    second = client.get(f"/meetings/?kind=analysis&after={after.group(1)}").content.decode()

    seen = set(meeting_ids(first)) | set(meeting_ids(second))
    assert {str(meeting.pk) for meeting in meetings} <= seen
