"""/api/v1/meetings: decisions (add, edit, to task, to ledger) and tasks (list, get, complete)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from saohei.audit.models import AuditAction, AuditEvent
from saohei.meetings.models import Meeting, MeetingDecision, Task, TaskStatus
from saohei.meetings.tests.conftest import Api, MakeDecision, MakeTask, RecordMeeting
from saohei.organisations.models import Unit, User

pytestmark = pytest.mark.django_db


def person_id(username: str) -> int:
    return User.objects.get(username=username).pk


def future(days: int = 10) -> str:
    return str(timezone.localdate() + timedelta(days=days))


@pytest.fixture
def meeting(record_meeting: RecordMeeting) -> Meeting:
    """A 研判会 attended by cun02 and suozhang; cun04 did not attend."""
    return record_meeting()


def assert_error(response: object, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.content  # type: ignore[attr-defined]
    body = response.json()["error"]  # type: ignore[attr-defined]
    assert body["code"] == code and body["message"]
    return body  # type: ignore[no-any-return]


def test_office_adds_edits_and_hands_on_a_decision(meeting: Meeting) -> None:
    office = Api("banshi")
    response = office.post(
        f"/{meeting.pk}/decisions",
        {"text": "增设宣传板", "owner_id": person_id("banshi"), "working_days": 5},
    )
    assert response.status_code == 201, response.content
    decision = response.json()
    assert decision["lock_reason"] == "" and decision["task_id"] is None
    response = office.put(
        f"/{meeting.pk}/decisions/{decision['id']}",
        {"text": "增设宣传板并报送照片", "owner_id": person_id("cun02"), "due_on": future(20)},
    )
    assert response.status_code == 200, response.content
    assert response.json()["owner"] == User.objects.get(username="cun02").real_name
    response = office.post(f"/{meeting.pk}/decisions/{decision['id']}/task", {})
    assert response.status_code == 201, response.content
    task = response.json()
    assert task["assignee_id"] == person_id("cun02")
    assert task["due_on"] == future(20)
    assert task["status"] == TaskStatus.OPEN and task["due_state"] == "ok"
    detail = office.get(f"/{meeting.pk}").json()
    assert detail["decisions"][0]["task_id"] == task["id"]
    assert "已转为任务" in detail["decisions"][0]["lock_reason"]
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        AuditAction.MEETING_DECISION_ADDED,
        AuditAction.MEETING_DECISION_UPDATED,
        AuditAction.MEETING_DECISION_TO_TASK,
    } <= actions


def test_edit_after_handing_on_is_refused_with_the_reason(
    meeting: Meeting, make_decision: MakeDecision
) -> None:
    decision = make_decision(meeting=meeting)
    office = Api("banshi")
    response = office.post(
        f"/{meeting.pk}/decisions/{decision.pk}/rectification",
        {"measures": "制作并安装", "responsible_leader_id": person_id("shuji")},
    )
    assert response.status_code == 201, response.content
    assert response.json()["rectification_item_id"]
    body = {"text": "改掉", "owner_id": person_id("banshi"), "due_on": future()}
    error = assert_error(office.put(f"/{meeting.pk}/decisions/{decision.pk}", body), 400, "invalid")
    assert "已列入整改台账" in str(error["message"])
    assert_error(office.post(f"/{meeting.pk}/decisions/{decision.pk}/task", {}), 400, "invalid")
    assert not Task.objects.exists()


def test_bad_input_is_a_400_or_422_with_the_field(meeting: Meeting) -> None:
    office = Api("banshi")
    error = assert_error(
        office.post(
            f"/{meeting.pk}/decisions", {"text": "x", "owner_id": 999999, "due_on": future()}
        ),
        400,
        "invalid",
    )
    assert "owner_id" in error["fields"]  # type: ignore[operator]
    error = assert_error(
        office.post(f"/{meeting.pk}/decisions", {"text": "x", "owner_id": person_id("banshi")}),
        400,
        "invalid",
    )
    assert "due_on" in error["fields"]  # type: ignore[operator]
    assert_error(
        office.post(f"/{meeting.pk}/decisions", {"text": "x", "owner_id": "abc"}),
        422,
        "validation_error",
    )
    assert not MeetingDecision.objects.exists()


# username → status for a write on the meeting's decisions
WRITE_REFUSALS = {
    "cun02": 403,  # attended: sees the meeting, may not write
    "suozhang": 404,  # police see only 联席会议
    "cun04": 404,  # another village's head, did not attend
    "shiban": 403,  # 督导: reads, never writes
    "gdbanshi": 404,  # another town's office
    "xitong": 404,
}


@pytest.mark.parametrize("username", sorted(WRITE_REFUSALS))
def test_decision_writes_refused_by_role_and_town(
    meeting: Meeting, make_decision: MakeDecision, other_town: Unit, username: str
) -> None:
    decision = make_decision(meeting=meeting)
    api = Api(username)
    status = WRITE_REFUSALS[username]
    code = "forbidden" if status == 403 else "not_found"
    body = {"text": "改掉", "owner_id": person_id("banshi"), "due_on": future()}
    assert_error(api.post(f"/{meeting.pk}/decisions", body), status, code)
    assert_error(api.put(f"/{meeting.pk}/decisions/{decision.pk}", body), status, code)
    assert_error(api.post(f"/{meeting.pk}/decisions/{decision.pk}/task", {}), status, code)
    assert_error(
        api.post(
            f"/{meeting.pk}/decisions/{decision.pk}/rectification",
            {"measures": "x", "responsible_leader_id": person_id("shuji")},
        ),
        status,
        code,
    )
    decision.refresh_from_db()
    assert decision.text == "在码头增设宣传板"
    assert meeting.decisions.count() == 1
    assert not Task.objects.exists()


def test_anonymous_gets_401_everywhere(meeting: Meeting, make_task: MakeTask) -> None:
    task = make_task()
    api = Api(None)
    assert_error(api.get("/tasks"), 401, "unauthorized")
    assert_error(api.get(f"/tasks/{task.pk}"), 401, "unauthorized")
    assert_error(api.post(f"/tasks/{task.pk}/complete", {"result": "x"}), 401, "unauthorized")
    assert_error(
        api.post(f"/{meeting.pk}/decisions", {"text": "x", "owner_id": 1}), 401, "unauthorized"
    )
    decision = task.decision
    assert_error(
        api.post(f"/{decision.meeting_id}/decisions/{decision.pk}/task", {}), 401, "unauthorized"
    )


def test_task_list_is_scoped(make_task: MakeTask, other_town: Unit) -> None:
    mine, theirs = make_task(), make_task(assignee="suozhang")
    assert [row["id"] for row in Api("cun02").get("/tasks").json()] == [mine.pk]
    assert [row["id"] for row in Api("cun02").get("/tasks?scope=all").json()] == [mine.pk]
    assert Api("cun04").get("/tasks").json() == []
    assert {row["id"] for row in Api("banshi").get("/tasks?scope=all").json()} == {
        mine.pk,
        theirs.pk,
    }
    assert Api("banshi").get("/tasks").json() == []
    assert {row["id"] for row in Api("shiban").get("/tasks").json()} == {mine.pk, theirs.pk}
    assert Api("gdduban").get("/tasks").json() == []
    assert Api("gdbanshi").get("/tasks?scope=all").json() == []
    assert Api("xitong").get("/tasks").json() == []
    Task.objects.filter(pk=mine.pk).update(due_on=timezone.localdate() - timedelta(days=1))
    overdue = Api("banshi").get("/tasks?scope=all&state=overdue").json()
    assert [(row["id"], row["due_state"]) for row in overdue] == [(mine.pk, "overdue")]
    assert_error(Api("banshi").get("/tasks?state=late"), 400, "invalid")
    assert_error(Api("banshi").get("/tasks?scope=everyone"), 400, "invalid")


# username → status of GET and of completing cun02's task
TASK_ACCESS = {
    "cun02": (200, 200),
    "banshi": (200, 200),
    "shiban": (200, 403),
    "cun04": (404, 404),
    "suozhang": (404, 404),
    "gdbanshi": (404, 404),
    "gdduban": (404, 404),
}


@pytest.mark.parametrize("username", sorted(TASK_ACCESS))
def test_task_get_and_complete_follow_scope(
    make_task: MakeTask, other_town: Unit, username: str
) -> None:
    task = make_task()
    read, complete = TASK_ACCESS[username]
    api = Api(username)
    assert api.get(f"/tasks/{task.pk}").status_code == read
    response = api.post(f"/tasks/{task.pk}/complete", {"result": "已完成"})
    assert response.status_code == complete, response.content
    task.refresh_from_db()
    assert (task.status == TaskStatus.DONE) == (complete == 200)
    if complete == 200:
        assert response.json()["result"] == "已完成"
        assert response.json()["done_by"] == User.objects.get(username=username).real_name


def test_complete_needs_a_result(make_task: MakeTask) -> None:
    task = make_task()
    error = assert_error(
        Api("cun02").post(f"/tasks/{task.pk}/complete", {"result": " "}), 400, "invalid"
    )
    assert "result" in error["fields"]  # type: ignore[operator]
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN


def test_supervisor_reads_the_full_meeting_through_the_api(
    meeting: Meeting, make_decision: MakeDecision, other_town: Unit
) -> None:
    make_decision(meeting=meeting)
    detail = Api("shiban").get(f"/{meeting.pk}").json()
    assert detail["minutes"] == "纪要"
    assert len(detail["decisions"]) == 1
    assert Api("gdduban").get(f"/{meeting.pk}").status_code == 404


def test_a_decision_edit_on_a_stale_version_is_a_409_and_the_first_kept(
    meeting: Meeting, make_decision: MakeDecision
) -> None:
    decision = make_decision(meeting)
    office = Api("banshi")
    read = office.get(f"/{meeting.pk}").json()["decisions"][0]
    assert read["version"] == 1
    body = {"text": "增设宣传板并报送照片", "owner_id": person_id("banshi"), "due_on": future(20)}
    saved = office.put(f"/{meeting.pk}/decisions/{decision.pk}", {**body, "version": 1})
    assert saved.status_code == 200 and saved.json()["version"] == 2

    refused = Api("shuji").put(
        f"/{meeting.pk}/decisions/{decision.pk}", {**body, "text": "改为流动宣传", "version": 1}
    )

    error = assert_error(refused, 409, "conflict")
    assert str(error["message"]).startswith("该决定事项在您打开之后已被")
    decision.refresh_from_db()
    assert (decision.text, decision.version) == ("增设宣传板并报送照片", 2)
