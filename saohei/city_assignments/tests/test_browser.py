"""In Chromium: the city assigns a lead to 港西镇 on its page; the town's office finds it in its
queue, concludes it and submits its 反馈 on the lead's page; the city returns it with a reason
and a new 反馈期限 (a past one refused first), which the town sees on its lead;
the town works it again and re-submits; the city accepts. axe finds nothing on the city's pages.
The town's 核查/拟办结/审核 steps go through the leads services (their pages have their own
browser tests); the 反馈 and every city step go through the pages."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from saohei.city_assignments.models import AssignedTown
from saohei.city_assignments.services import RETURN_WORKING_DAYS
from saohei.leads import services as lead_services
from saohei.leads.models import Lead, Status
from saohei.organisations.models import User
from saohei.testing.axe import assert_no_axe_violations
from saohei.testing.browser import NewPage, sign_in
from saohei.workdays.calendar import add_working_days

pytestmark = pytest.mark.browser


def _conclude(lead: Lead) -> None:
    """核查, 拟办结 by the clerk, 审核 by the secretary (through the services)."""
    clerk, leader = User.objects.get(username="banshi"), User.objects.get(username="shuji")
    if lead.status == Status.REGISTERED:
        lead_services.assign_lead(actor=clerk, lead=lead, handling_unit=lead.unit, handler=clerk)
    lead_services.record_investigation(
        actor=clerk, lead=lead, occurred_on=timezone.localdate(), content="走访滩涂承包户六户"
    )
    lead_services.propose_conclusion(
        actor=clerk,
        lead=lead,
        conclusion="partly_confirmed",
        basis="经走访核实，部分属实，已责令退还",
    )
    lead_services.sign_off(actor=leader, lead=lead, approve=True)


def _feed_back(page: Page, base: str, lead: Lead, content: str) -> None:
    page.goto(f"{base}/leads/{lead.pk}/")
    form = page.get_by_test_id("feedback-form")
    form.get_by_label("反馈内容").fill(content)
    form.get_by_role("button", name="记录反馈").click()
    expect(page.get_by_text("已记录反馈上级。")).to_be_visible()


def test_city_assigns_town_feeds_back_city_returns_then_accepts(
    new_page: NewPage, demo_live: str
) -> None:
    city, clerk = new_page({"width": 1280, "height": 800}), new_page({"width": 1280, "height": 800})
    sign_in(city, demo_live, "shiban")
    sign_in(clerk, demo_live, "banshi")

    # 1. The city assigns on its page.
    city.get_by_role("button", name="线索摸排").click()
    city.get_by_role("link", name="市级交办").click()
    city.get_by_role("link", name="交办线索").click()
    assert_no_axe_violations(city)
    city.get_by_label("港西镇").check()
    deadline = timezone.localdate() + timedelta(days=15)
    city.get_by_label("反馈期限").fill(deadline.isoformat())
    city.get_by_label("交办意见").fill("请于期限内核查反馈")
    city.get_by_label("问题内容").fill("反映港西镇有人强占集体滩涂养殖")
    city.get_by_label("来源").select_option(label="上级交办")
    city.get_by_role("button", name="交办", exact=True).click()
    expect(city.get_by_text("已交办 1 个镇")).to_be_visible()
    row = city.get_by_test_id("town-row")
    expect(row.get_by_test_id("town-progress")).to_have_text("待反馈")
    assert_no_axe_violations(city)

    # 2. The town finds it in its queue, concludes it and reports back on the lead's page.
    lead = AssignedTown.objects.select_related("lead").get().lead
    clerk.goto(f"{demo_live}/leads/")
    expect(clerk.get_by_role("link", name=lead.number)).to_be_visible()
    _conclude(lead)
    _feed_back(clerk, demo_live, lead, "经走访核实，滩涂承包手续齐全，部分占用已退还")

    # 3. The city returns it with a reason.
    city.reload()
    expect(row.get_by_test_id("town-progress")).to_have_text("已反馈待审核")
    expect(row.get_by_test_id("town-feedback")).to_contain_text("部分占用已退还")
    assert_no_axe_violations(city)
    row.get_by_label("退回理由").fill("未写明占用面积和退还时间，请补充核查")
    # The form proposes ten working days; the city picks its own date.
    proposed = add_working_days(timezone.localdate(), RETURN_WORKING_DAYS)
    expect(row.get_by_label("新的反馈期限")).to_have_value(proposed.isoformat())
    yesterday = timezone.localdate() - timedelta(days=1)
    row.get_by_label("新的反馈期限").fill(yesterday.isoformat())
    row.get_by_role("button", name="退回重查").click()
    # A past date is refused beside the field; nothing was returned.
    row = city.get_by_test_id("town-row")
    expect(row.get_by_text("新的反馈期限不能早于今天")).to_be_visible()
    expect(row.get_by_test_id("town-progress")).to_have_text("已反馈待审核")
    new_deadline = timezone.localdate() + timedelta(days=20)
    row.get_by_label("新的反馈期限").fill(new_deadline.isoformat())
    row.get_by_role("button", name="退回重查").click()
    expect(
        city.get_by_text(f"已将港西镇的反馈退回重查，新的反馈期限 {new_deadline:%Y-%m-%d}。")
    ).to_be_visible()
    row = city.get_by_test_id("town-row")
    expect(row.get_by_test_id("town-progress")).to_have_text("已退回重查")
    expect(row.get_by_test_id("town-return-deadline")).to_have_text(
        f"新的反馈期限 {new_deadline:%Y-%m-%d}"
    )
    lead.refresh_from_db()
    assert lead.status == Status.INVESTIGATING and lead.due_on == new_deadline

    # 4. The town sees the reason and the new deadline on its lead, works it again, re-submits.
    clerk.goto(f"{demo_live}/leads/{lead.pk}/")
    expect(clerk.get_by_text("未写明占用面积和退还时间，请补充核查")).to_be_visible()
    expect(clerk.get_by_text(f"要求 {new_deadline:%Y-%m-%d} 前办结", exact=False)).to_be_visible()
    _conclude(lead)
    _feed_back(clerk, demo_live, lead, "补充核查：占用滩涂二十亩，已于本月全部退还")

    # 5. The city accepts the new 反馈.
    city.reload()
    expect(row.get_by_test_id("town-feedback")).to_contain_text("已于本月全部退还")
    row.get_by_role("button", name="采纳").click()
    expect(city.get_by_text("已采纳港西镇的反馈。")).to_be_visible()
    expect(row.get_by_test_id("town-progress")).to_have_text("已采纳")
    city.get_by_role("link", name="返回列表").click()
    expect(city.get_by_test_id("assignment-table")).to_contain_text(
        "反映港西镇有人强占集体滩涂养殖"
    )
    assert_no_axe_violations(city)
    # The clerk's filter: 已办结 for 港西镇 finds it, 待审核反馈 no longer does.
    filters = city.get_by_test_id("assignment-filters")
    filters.get_by_label("状态").select_option(label="已办结")
    filters.get_by_label("镇（街道）").select_option(label="港西镇")
    filters.get_by_role("button", name="查询").click()
    expect(city.get_by_test_id("assignment-table")).to_contain_text(
        "反映港西镇有人强占集体滩涂养殖"
    )
    city.get_by_test_id("assignment-filters").get_by_label("状态").select_option(label="待审核反馈")
    city.get_by_test_id("assignment-filters").get_by_role("button", name="查询").click()
    expect(city.get_by_test_id("assignment-table")).to_contain_text("没有符合条件的交办事项")
    assert_no_axe_violations(city)
