"""In Chromium: a clerk registers a subject with plates as people type them, corrects one on the
lead page (the refusal beside the field), finds the lead by plate; axe finds nothing on the way."""

import pytest
from playwright.sync_api import Page, expect

from saohei.testing.axe import assert_no_axe_violations
from saohei.testing.browser import sign_in

pytestmark = pytest.mark.browser


def test_plates_from_registration_to_search(page: Page, demo_live: str) -> None:
    sign_in(page, demo_live, "banshi")
    page.goto(f"{demo_live}/leads/new/")
    page.locator("#id_source").select_option("public_report")
    page.locator("#id_channel").select_option("phone")
    page.locator("#id_summary").fill("反映北港村有人开车强行收取渔船停靠费")
    page.locator("#id_subjects-0-name").fill("刘某")
    page.locator("#id_subjects-0-plates").fill("鲁k·12345，鲁KD 12345")
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.get_by_test_id("lead-status")).to_have_text("已登记")
    number = page.get_by_test_id("lead-number").inner_text()
    plates = page.get_by_test_id("subject-plates")
    expect(plates).to_have_text("鲁K12345、鲁KD12345")
    assert_no_axe_violations(page)

    page.get_by_text("修改车牌号").click()
    page.get_by_label("车牌号").fill("鲁K12345、鲁K1234")
    page.get_by_role("button", name="保存车牌号").click()
    error = page.get_by_test_id("field-error")
    expect(error).to_contain_text("第2个车牌“鲁K1234”")
    expect(page.get_by_label("车牌号")).to_have_value("鲁K12345、鲁K1234")
    assert_no_axe_violations(page)

    page.get_by_label("车牌号").fill("鲁K12345、鲁K1234挂")
    page.get_by_role("button", name="保存车牌号").click()
    expect(plates).to_have_text("鲁K12345、鲁K1234挂")

    page.goto(f"{demo_live}/leads/?q=鲁k 1234 挂")
    expect(page.get_by_role("link", name=number)).to_be_visible()
