"""Query counts of the list and detail pages on a data set where an N+1 would show."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from saohei.meetings import self_inspection, services
from saohei.meetings.models import MaterialKind, Meeting, MeetingKind, Task
from saohei.meetings.tests.conftest import RecordMeeting
from saohei.organisations.models import Unit, User

pytestmark = pytest.mark.django_db
ClientAs = Callable[[str], Client]

# Rows per page in these tests: one query per row would overshoot every limit below.
ROWS = 25


def person(username: str) -> User:
    return User.objects.get(username=username)


@pytest.fixture
def busy_meeting(record_meeting: RecordMeeting) -> Meeting:
    """All 21 village heads and the office attend; 25 decisions (a third tasks, a third on the
    ledger) and 10 materials."""
    office, leader = person("banshi"), person("shuji")
    attendees = [*User.objects.filter(username__startswith="cun"), office, leader]
    meeting = record_meeting(
        kind=MeetingKind.TOPIC,
        attendees=attendees,
        materials=[
            services.MaterialIn(MaterialKind.CASE, f"典型案例{number}") for number in range(10)
        ],
    )
    for number in range(ROWS):
        decision = services.add_decision(
            actor=office,
            meeting=meeting,
            data=services.DecisionInput(
                text=f"决定事项{number}",
                owner=attendees[number % len(attendees)],
                due_on=timezone.localdate() + timedelta(days=number + 1),
            ),
        )
        if number % 3 == 0:
            services.decision_to_task(actor=office, decision=decision)
        elif number % 3 == 1:
            services.decision_to_rectification(
                actor=office, decision=decision, measures="落实", responsible_leader=leader
            )
    return meeting


def count_queries(client: Client, url: str, django_assert_max_num_queries: Any, limit: int) -> str:
    # The first request after signing in records the session's activity; count a steady one.
    client.get(url)
    with django_assert_max_num_queries(limit):
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_meeting_list(
    client_as: ClientAs, record_meeting: RecordMeeting, django_assert_max_num_queries: Any
) -> None:
    for number in range(ROWS):
        record_meeting(title=f"研判会{number}", held_on=timezone.localdate() - timedelta(number))
    for username in ("banshi", "shiban"):
        page = count_queries(client_as(username), "/meetings/", django_assert_max_num_queries, 16)
        assert page.count("/meetings/") > ROWS


def test_meeting_detail_with_many_attendees_decisions_and_materials(
    client_as: ClientAs, busy_meeting: Meeting, django_assert_max_num_queries: Any
) -> None:
    url = f"/meetings/{busy_meeting.pk}/"
    page = count_queries(client_as("banshi"), url, django_assert_max_num_queries, 24)
    assert page.count("data-decision=") == ROWS
    assert page.count("/meetings/tasks/") >= ROWS // 3
    page = count_queries(client_as("shiban"), url, django_assert_max_num_queries, 20)
    assert page.count("data-decision=") == ROWS


def test_task_list(
    client_as: ClientAs, busy_meeting: Meeting, django_assert_max_num_queries: Any
) -> None:
    tasks = Task.objects.count()
    page = count_queries(
        client_as("banshi"), "/meetings/tasks/?scope=all", django_assert_max_num_queries, 16
    )
    assert page.count("data-task=") == tasks
    page = count_queries(client_as("shiban"), "/meetings/tasks/", django_assert_max_num_queries, 16)
    assert page.count("data-task=") == tasks


def test_self_inspection_list(
    client_as: ClientAs, town: Unit, django_assert_max_num_queries: Any
) -> None:
    office, leader = person("banshi"), person("shuji")
    today = timezone.localdate()
    for number in range(ROWS):
        inspection = self_inspection.record_self_inspection(
            actor=office,
            unit=town,
            document_title=f"通知{number}",
            document_number=f"{number}号",
            document_on=today - timedelta(days=10),
            inspected_on=today,
            requirements=["要求一", "要求二", "要求三"],
        )
        if number % 5 == 0:
            self_inspection.record_problem(
                actor=office,
                inspection=inspection,
                data=self_inspection.ProblemInput(
                    requirement=None,
                    description="问题",
                    measures="整改",
                    responsible_leader=leader,
                    responsible_person=office,
                ),
            )
    for username in ("banshi", "shiban"):
        page = count_queries(
            client_as(username), "/meetings/self-inspections/", django_assert_max_num_queries, 17
        )
        assert page.count("/meetings/self-inspections/") > ROWS
