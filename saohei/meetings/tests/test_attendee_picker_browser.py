"""A 研判会 with six attendees, chosen with 全选本单位 and two checkboxes (issue 11: it took 19
clicks with Ctrl+click in a multiple select)."""

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, expect

from saohei.meetings.models import Meeting, MeetingKind
from saohei.organisations.models import User
from saohei.testing.browser import NewPage, sign_in

pytestmark = pytest.mark.browser


def test_six_attendees_take_three_clicks(new_page: NewPage, demo_live: str) -> None:
    clicks: list[str] = []

    def click(locator: Locator, what: str) -> None:
        locator.click()
        clicks.append(what)

    page = new_page()  # type: ignore[call-arg]
    sign_in(page, demo_live, "banshi")
    page.goto(f"{demo_live}/meetings/new/")
    picker = page.locator("[data-people-picker]")
    town = picker.locator('[data-unit-name="港西镇"]')
    police = picker.locator('[data-unit-name="港西派出所"]')
    # The 三员 and the custodian are not offered at all.
    expect(picker).not_to_contain_text("周宁")
    expect(picker).not_to_contain_text("陈淑芳")

    page.locator("#id_kind").select_option(MeetingKind.ANALYSIS)
    page.locator("#id_title").fill("十二月线索研判会")
    page.locator("#id_place").fill("镇政府会议室")
    page.locator("#id_chair").select_option(label="港西镇·孙志远")
    page.locator("#id_recorder").select_option(label="港西镇·李晓静")
    click(town.get_by_role("button", name="全选本单位"), "全选本单位（港西镇）")
    click(police.get_by_text("王立强"), "王立强")
    picker.locator("[data-people-search]").fill("东岛")
    click(
        picker.locator('[data-unit-name="东岛村"]').locator("[data-people-person]"), "东岛村负责人"
    )
    expect(picker.locator("[data-people-count]")).to_have_text("6")
    page.locator("#id_topics").fill("研判本月新增线索")
    click(page.get_by_role("button", name="保存"), "保存")

    expect(page.get_by_text("会议已登记。")).to_be_visible()
    meeting = Meeting.objects.get(title="十二月线索研判会")
    assert meeting.kind == MeetingKind.ANALYSIS
    assert meeting.held_on == timezone.localdate()  # the date started on today
    assert meeting.attendees.count() == 6
    assert set(meeting.attendees.values_list("username", flat=True)) >= {
        "shuji",
        "zhenzhang",
        "fushuji",
        "banshi",
        "suozhang",
    }
    attendee_clicks = [what for what in clicks if what != "保存"]
    print(f"attendee clicks: {len(attendee_clicks)} {attendee_clicks}; with submit {len(clicks)}")
    assert len(attendee_clicks) == 3
    assert not User.objects.filter(username="xitong", pk__in=meeting.attendees.all()).exists()


def test_attendee_picker_fits_a_phone(new_page: NewPage, demo_live: str) -> None:
    page = new_page({"width": 390, "height": 844})
    sign_in(page, demo_live, "banshi")
    page.goto(f"{demo_live}/meetings/new/")
    picker = page.locator("[data-people-picker]")

    picker.locator('[data-unit-name="港西派出所"]').get_by_role("button", name="全选本单位").click()

    expect(picker.locator("[data-people-count]")).to_have_text("3")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box = picker.locator("[data-people-person]").first.bounding_box()
    assert box is not None and box["height"] >= 32
