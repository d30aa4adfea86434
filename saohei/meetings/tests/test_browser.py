"""The office hands a decision on as a task; the village head completes it from a phone."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from saohei.meetings import services
from saohei.meetings.models import MeetingKind, Task, TaskStatus
from saohei.organisations.models import Unit, User
from saohei.testing.browser import NewPage, sign_in

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def test_decision_becomes_a_task_the_village_head_completes(
    new_page: NewPage, demo_live: str
) -> None:
    office_user = User.objects.get(username="banshi")
    meeting = services.record_meeting(
        actor=office_user,
        unit=Unit.objects.get(name="港西镇"),
        kind=MeetingKind.TOPIC,
        record=services.MeetingRecord(
            title="专题会议",
            held_on=timezone.localdate() - timedelta(days=1),
            place="镇政府会议室",
            chair=User.objects.get(username="shuji"),
            recorder=office_user,
            attendees=[office_user, User.objects.get(username="cun02")],
            topics="部署宣传",
        ),
    )
    decision = services.add_decision(
        actor=office_user,
        meeting=meeting,
        data=services.DecisionInput(
            text="东岛村在码头增设宣传板",
            owner=office_user,
            due_on=timezone.localdate() + timedelta(days=20),
        ),
    )

    office = new_page({"width": 1280, "height": 800})
    sign_in(office, demo_live, "banshi")
    office.goto(f"{demo_live}/meetings/{meeting.pk}/")
    office.get_by_role("link", name="修改 / 转为任务 / 列入台账").click()
    form = office.get_by_test_id("task-form")
    form.locator("#id_task-assignee").select_option(str(User.objects.get(username="cun02").pk))
    form.locator("#id_task-working_days").fill("5")
    form.get_by_role("button", name="转为任务").click()
    expect(office.get_by_test_id("complete-form")).to_be_visible()
    task = Task.objects.get(decision=decision)

    phone = new_page(PHONE)  # type: ignore[arg-type]
    sign_in(phone, demo_live, "cun02")
    phone.goto(f"{demo_live}/meetings/tasks/")
    phone.get_by_role("link", name="东岛村在码头增设宣传板").click()
    complete = phone.get_by_test_id("complete-form")
    complete.locator("#id_result").fill("宣传板已安装并拍照")
    complete.get_by_role("button", name="办结").click()
    expect(phone.get_by_test_id("task-result")).to_have_text("宣传板已安装并拍照")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE

    office.goto(f"{demo_live}/meetings/{meeting.pk}/")
    expect(office.locator(f'tr[data-decision="{decision.pk}"]')).to_contain_text("已完成")
