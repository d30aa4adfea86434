"""The heart of the system in a real browser: register → assign → investigate → conclude →
sign-off → feedback, by the clerk and the party secretary."""

import pytest
from playwright.sync_api import Page, expect

from saohei.leads.models import Lead, Status
from saohei.testing.browser import sign_in

pytestmark = pytest.mark.browser


def sign_out(page: Page) -> None:
    page.get_by_test_id("logout").click()
    expect(page.locator('input[name="username"]')).to_be_visible()


def test_lead_goes_from_registration_to_feedback(page: Page, demo_live: str) -> None:
    sign_in(page, demo_live, "banshi")
    page.goto(f"{demo_live}/leads/new/")
    page.locator("#id_source").select_option("upper_assigned")
    page.locator("#id_channel").select_option("platform")
    page.locator("#id_upstream_office").fill("荣成市扫黑办")
    page.locator("#id_upstream_reference").fill("荣扫黑办交〔2026〕8号")
    page.locator("#id_summary").fill("反映北港村有人强行收取渔船停靠费")
    page.locator("#id_subjects-0-name").fill("刘某")
    page.locator("#id_subjects-0-id_number").fill("11010519491231002X")
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.get_by_test_id("lead-status")).to_have_text("已登记")
    number = page.get_by_test_id("lead-number").inner_text()
    assert "110105********002X" in page.content()
    assert "11010519491231002X" not in page.content()

    assign = page.get_by_test_id("assign-form")
    assign.locator("#id_handling_unit").select_option(label="港西镇")
    assign.locator("#id_police_unit").select_option(label="港西派出所")
    assign.get_by_role("button", name="交办").click()
    expect(page.get_by_test_id("lead-status")).to_have_text("已交办")
    expect(page.get_by_test_id("exchange-log")).to_contain_text("推送 港西派出所 协查")

    form = page.get_by_test_id("investigate-form")
    form.locator("#id_content").fill("会同派出所走访码头经营户，调取接处警记录")
    form.get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("investigation-entries")).to_contain_text("调取接处警记录")

    propose = page.get_by_test_id("propose-form")
    propose.locator("#id_conclusion").select_option("excluded")
    propose.locator("#id_basis").fill("经走访核实，系码头正常管理收费，排除涉黑涉恶可能")
    propose.get_by_role("button", name="提交领导审核").click()
    expect(page.get_by_test_id("lead-status")).to_have_text("待审核")
    sign_out(page)

    sign_in(page, demo_live, "shuji")
    page.goto(f"{demo_live}/leads/")
    page.get_by_role("link", name=number).click()
    sign_off = page.get_by_test_id("sign-off-form")
    sign_off.locator("#id_decision").select_option("approve")
    sign_off.get_by_role("button", name="提交审核意见").click()
    expect(page.get_by_test_id("lead-status")).to_have_text("已办结")
    expect(page.get_by_test_id("lead-conclusion")).to_have_text("查否-排除涉黑涉恶")
    sign_out(page)

    sign_in(page, demo_live, "banshi")
    page.goto(f"{demo_live}/leads/")
    page.get_by_role("link", name=number).click()
    feedback = page.get_by_test_id("feedback-form")
    feedback.locator("#id_content").fill("经核查，反映问题不属实，已排除涉黑涉恶可能。")
    feedback.get_by_role("button", name="记录反馈").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="下载反馈报告（Word）").click()
    assert download.value.suggested_filename == f"feedback-{number}.docx"
    page.get_by_test_id("archive").click()
    expect(page.get_by_test_id("lead-status")).to_have_text("已归档")

    lead = Lead.objects.get(number=number)
    assert lead.status == Status.ARCHIVED
    assert lead.signed_off_by is not None and lead.signed_off_by.username == "shuji"
    assert list(lead.events.values_list("kind", flat=True)) == [
        "registered",
        "assigned",
        "shared",
        "investigation",
        "proposed",
        "signed_off",
        "fed_back",
        "archived",
    ]
