"""The decision page (edit, 转为任务, 列入台账), 我的任务 and the task page, through the client."""

from collections.abc import Callable
from datetime import timedelta

import lxml.html
import pytest
from django.test import Client
from django.utils import timezone

from saohei.audit.models import AuditAction, AuditEvent
from saohei.meetings.models import Meeting, MeetingDecision, Task, TaskStatus
from saohei.meetings.tests.conftest import MakeDecision, MakeTask, RecordMeeting, people
from saohei.organisations.models import Unit, User

pytestmark = pytest.mark.django_db
ClientAs = Callable[[str], Client]


def person(username: str) -> User:
    return User.objects.get(username=username)


def decision_url(decision: MeetingDecision, action: str = "") -> str:
    base = f"/meetings/{decision.meeting_id}/decisions/{decision.pk}/"
    return f"{base}{action}/" if action else base


# --- the decision page ------------------------------------------------------------------------


def test_office_sees_the_three_ways_to_go_on(
    client_as: ClientAs, make_decision: MakeDecision
) -> None:
    decision = make_decision()
    page = client_as("banshi").get(decision_url(decision)).content.decode()
    for marker in (
        'data-testid="edit-form"',
        'data-testid="task-form"',
        'data-testid="rectify-form"',
    ):
        assert marker in page


@pytest.mark.parametrize(
    ("username", "status"),
    [("cun02", 403), ("suozhang", 403), ("shiban", 403), ("xitong", 403), ("gdbanshi", 404)],
)
def test_decision_page_is_the_offices_own(
    client_as: ClientAs, make_decision: MakeDecision, other_town: Unit, username: str, status: int
) -> None:
    # cun02 and suozhang attended the meeting; the 督导 reads it; gdbanshi is another town's.
    decision = make_decision()
    client = client_as(username)
    assert client.get(decision_url(decision)).status_code == status
    body = {"edit-text": "改掉", "edit-owner": decision.owner_id, "edit-due_on": "2030-01-01"}
    assert client.post(decision_url(decision, "edit"), body).status_code == status
    assert client.post(decision_url(decision, "task"), {}).status_code == status
    decision.refresh_from_db()
    assert decision.text == "在码头增设宣传板"
    assert not Task.objects.exists()


def test_anonymous_is_sent_to_login_from_every_new_page(make_task: MakeTask) -> None:
    task = make_task()
    client = Client()
    for url in (
        decision_url(task.decision),
        "/meetings/tasks/",
        f"/meetings/tasks/{task.pk}/",
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    response = client.post(f"/meetings/tasks/{task.pk}/complete/", {"result": "完成"})
    assert "/accounts/login/" in response["Location"]
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN


def test_office_edits_a_decision_through_the_page(
    client_as: ClientAs, make_decision: MakeDecision
) -> None:
    decision = make_decision()
    new_due = timezone.localdate() + timedelta(days=40)
    response = client_as("banshi").post(
        decision_url(decision, "edit"),
        {
            "edit-text": "增设宣传板并拍照报送",
            "edit-owner": person("cun02").pk,
            "edit-due_on": new_due,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/meetings/{decision.meeting_id}/"
    decision.refresh_from_db()
    assert decision.owner.username == "cun02"
    assert decision.due_on == new_due
    assert AuditEvent.objects.filter(action=AuditAction.MEETING_DECISION_UPDATED).count() == 1


def test_edit_errors_show_beside_the_fields(
    client_as: ClientAs, make_decision: MakeDecision
) -> None:
    decision = make_decision()
    response = client_as("banshi").post(
        decision_url(decision, "edit"),
        {"edit-text": "", "edit-owner": decision.owner_id, "edit-working_days": "abc"},
    )
    assert response.status_code == 400
    assert "invalid-feedback" in response.content.decode()
    # A past deadline is refused by the service beside its field.
    response = client_as("banshi").post(
        decision_url(decision, "edit"),
        {"edit-text": "x", "edit-owner": decision.owner_id, "edit-due_on": "2000-01-01"},
    )
    assert response.status_code == 400
    assert "时限不能早于会议时间" in response.content.decode()
    decision.refresh_from_db()
    assert decision.text == "在码头增设宣传板"


def test_a_handed_on_decision_explains_why_it_cannot_change(
    client_as: ClientAs, make_task: MakeTask
) -> None:
    task = make_task()
    client = client_as("banshi")
    page = client.get(decision_url(task.decision)).content.decode()
    assert "已转为任务" in page
    assert 'data-testid="edit-form"' not in page
    response = client.post(
        decision_url(task.decision, "edit"),
        {"edit-text": "改掉", "edit-owner": task.decision.owner_id, "edit-working_days": 3},
        follow=True,
    )
    assert "已转为任务" in response.content.decode()
    task.decision.refresh_from_db()
    assert task.decision.text == "在码头增设宣传板"


def test_office_hands_a_decision_on_as_a_task_and_the_meeting_shows_it(
    client_as: ClientAs, make_decision: MakeDecision
) -> None:
    decision = make_decision()
    client = client_as("banshi")
    response = client.post(
        decision_url(decision, "task"),
        {"task-assignee": person("suozhang").pk, "task-working_days": 5},
    )
    assert response.status_code == 302
    task = Task.objects.get()
    assert response["Location"] == f"/meetings/tasks/{task.pk}/"
    assert task.assignee.username == "suozhang"
    meeting_page = client.get(f"/meetings/{decision.meeting_id}/").content.decode()
    assert f"/meetings/tasks/{task.pk}/" in meeting_page
    assert "进行中" in meeting_page


def test_task_form_errors_show_beside_the_fields(
    client_as: ClientAs, make_decision: MakeDecision
) -> None:
    decision = make_decision()
    response = client_as("banshi").post(
        decision_url(decision, "task"), {"task-assignee": person("baoguan").pk}
    )
    # 保管员 is not offered as an assignee at all.
    assert response.status_code == 400
    assert "invalid-feedback" in response.content.decode()
    assert not Task.objects.exists()


def test_meeting_page_shows_the_ledger_item_of_a_decision(
    client_as: ClientAs, make_decision: MakeDecision
) -> None:
    decision = make_decision()
    client = client_as("banshi")
    response = client.post(
        decision_url(decision, "rectify"),
        {"rectify-measures": "制作并安装", "rectify-responsible_leader": person("shuji").pk},
    )
    assert response.status_code == 302
    decision.refresh_from_db()
    page = client.get(f"/meetings/{decision.meeting_id}/").content.decode()
    assert f"/rectifications/{decision.rectification_item_id}/" in page


def test_office_edits_the_meeting_through_the_page(
    client_as: ClientAs, record_meeting: RecordMeeting
) -> None:
    meeting = record_meeting()
    client = client_as("banshi")
    assert 'data-testid="edit-meeting"' in client.get(f"/meetings/{meeting.pk}/").content.decode()
    response = client.post(
        f"/meetings/{meeting.pk}/edit/",
        {
            "title": "线索研判会（更正）",
            "held_on": str(meeting.held_on),
            "place": meeting.place,
            "chair": meeting.chair_id,
            "recorder": meeting.recorder_id,
            "attendees": [u.pk for u in people("shuji", "banshi")],
            "topics": meeting.topics,
            "reported": meeting.reported,
            "minutes": "更正后的纪要",
        },
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.title == "线索研判会（更正）"
    assert meeting.attendees.count() == 2
    assert AuditEvent.objects.get(action=AuditAction.MEETING_UPDATED).details["changed"] == [
        "title",
        "attendees",
        "minutes",
    ]


# --- 我的任务 ----------------------------------------------------------------------------------


def _due(task: Task, days: int) -> None:
    Task.objects.filter(pk=task.pk).update(due_on=timezone.localdate() + timedelta(days=days))


def test_village_head_sees_only_own_tasks_with_amber_and_red(
    client_as: ClientAs, make_task: MakeTask
) -> None:
    soon, late, later = make_task(), make_task(), make_task()
    other = make_task(assignee="cun04")
    _due(soon, 0)
    _due(late, -2)
    _due(later, 30)
    response = client_as("cun02").get("/meetings/tasks/")
    assert response.status_code == 200
    page = response.content.decode()
    for task in (soon, late, later):
        assert f'data-task="{task.pk}"' in page
    assert f'data-task="{other.pk}"' not in page
    assert 'data-due="overdue"' in page and 'data-due="soon"' in page and 'data-due="ok"' in page
    overdue_only = client_as("cun02").get("/meetings/tasks/?state=overdue").content.decode()
    assert f'data-task="{late.pk}"' in overdue_only
    assert f'data-task="{soon.pk}"' not in overdue_only


def test_office_filters_every_task_of_the_town(client_as: ClientAs, make_task: MakeTask) -> None:
    open_task, done_task = make_task(), make_task(assignee="suozhang")
    Task.objects.filter(pk=done_task.pk).update(status=TaskStatus.DONE, result="完成")
    client = client_as("banshi")
    mine = client.get("/meetings/tasks/").content.decode()
    assert "data-task=" not in mine  # banshi carries out none of them
    everything = client.get("/meetings/tasks/?scope=all").content.decode()
    assert f'data-task="{open_task.pk}"' in everything
    assert f'data-task="{done_task.pk}"' in everything
    done = client.get("/meetings/tasks/?scope=all&state=done").content.decode()
    assert f'data-task="{done_task.pk}"' in done
    assert f'data-task="{open_task.pk}"' not in done
    open_only = client.get("/meetings/tasks/?scope=all&state=open").content.decode()
    assert f'data-task="{open_task.pk}"' in open_only
    assert f'data-task="{done_task.pk}"' not in open_only


def test_a_bad_filter_is_a_clear_message(client_as: ClientAs, make_task: MakeTask) -> None:
    make_task()
    response = client_as("banshi").get("/meetings/tasks/?state=whatever&scope=all")
    assert response.status_code == 400
    assert "invalid-feedback" in response.content.decode()


def test_supervisor_lists_the_tasks_of_towns_under_it_only(
    client_as: ClientAs, make_task: MakeTask, other_town: Unit
) -> None:
    task = make_task()
    assert f'data-task="{task.pk}"' in client_as("shiban").get("/meetings/tasks/").content.decode()
    assert "data-task=" not in client_as("gdduban").get("/meetings/tasks/").content.decode()


@pytest.mark.parametrize("username", ["xitong", "anquan", "shenji", "baoguan"])
def test_three_admins_and_custodian_have_no_task_pages(
    client_as: ClientAs, make_task: MakeTask, username: str
) -> None:
    task = make_task()
    client = client_as(username)
    assert client.get("/meetings/tasks/").status_code == 403
    assert client.get(f"/meetings/tasks/{task.pk}/").status_code == 403


# --- the task page ----------------------------------------------------------------------------

# username → (status of the task page, offered the completion form)
TASK_PAGE = {
    "cun02": (200, True),  # the assignee, a village head
    "banshi": (200, True),
    "shuji": (200, True),
    "shiban": (200, False),  # 督导: read only
    "cun04": (404, False),  # another village's head
    "suozhang": (404, False),  # police, not the assignee
    "gdbanshi": (404, False),  # another town's office
    "gdduban": (404, False),  # another town's 督导
}


@pytest.mark.parametrize("username", sorted(TASK_PAGE))
def test_task_page_follows_scope(
    client_as: ClientAs, make_task: MakeTask, other_town: Unit, username: str
) -> None:
    task = make_task()
    status, may_complete = TASK_PAGE[username]
    response = client_as(username).get(f"/meetings/tasks/{task.pk}/")
    assert response.status_code == status
    if status == 200:
        assert ('data-testid="complete-form"' in response.content.decode()) == may_complete


def test_assignee_completes_through_the_page(client_as: ClientAs, make_task: MakeTask) -> None:
    task = make_task()
    client = client_as("cun02")
    response = client.post(f"/meetings/tasks/{task.pk}/complete/", {"result": ""})
    assert response.status_code == 400
    assert "invalid-feedback" in response.content.decode()
    response = client.post(f"/meetings/tasks/{task.pk}/complete/", {"result": "宣传板已安装"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "宣传板已安装" in page
    assert 'data-testid="complete-form"' not in page
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE


@pytest.mark.parametrize(("username", "status"), [("shiban", 403), ("cun04", 404), ("xitong", 403)])
def test_others_cannot_complete_through_the_page(
    client_as: ClientAs, make_task: MakeTask, username: str, status: int
) -> None:
    task = make_task()
    response = client_as(username).post(f"/meetings/tasks/{task.pk}/complete/", {"result": "完成"})
    assert response.status_code == status
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN


def test_assignee_outside_the_meeting_sees_its_title_without_a_link(
    client_as: ClientAs, make_task: MakeTask
) -> None:
    # cun04 did not attend: the task names the meeting but does not open its record.
    task = make_task(assignee="cun04")
    meeting: Meeting = task.decision.meeting
    page = client_as("cun04").get(f"/meetings/tasks/{task.pk}/").content.decode()
    assert meeting.title in page
    assert f'href="/meetings/{meeting.pk}/"' not in page


def test_office_adds_a_decision_in_working_days_through_the_meeting_page(
    client_as: ClientAs, record_meeting: RecordMeeting
) -> None:
    from saohei.workdays.calendar import add_working_days

    meeting = record_meeting()
    client = client_as("banshi")
    owner = person("cun02").pk
    response = client.post(
        f"/meetings/{meeting.pk}/decisions/", {"text": "补齐档案", "owner": owner}
    )
    # Refused beside the deadline field, on the meeting's page, with the text still there.
    assert response.status_code == 400
    page = lxml.html.fromstring(response.content.decode())
    assert page.get_element_by_id("id_text").text.strip() == "补齐档案"
    due_on = page.get_element_by_id("id_due_on")
    assert due_on.get("aria-invalid") == "true"
    assert "请填写时限" in page.get_element_by_id("id_due_on_error").text_content()
    assert not meeting.decisions.exists()
    response = client.post(
        f"/meetings/{meeting.pk}/decisions/",
        {"text": "补齐档案", "owner": owner, "working_days": 10},
    )
    assert response.status_code == 302
    assert meeting.decisions.get().due_on == add_working_days(meeting.held_on, 10)


def test_every_new_page_renders_when_empty(client_as: ClientAs) -> None:
    for username in ("banshi", "shiban", "cun02", "suozhang"):
        page = client_as(username).get("/meetings/tasks/")
        assert page.status_code == 200
        assert "没有符合条件的任务" in page.content.decode()
