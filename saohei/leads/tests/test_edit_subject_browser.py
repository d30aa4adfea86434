"""In Chromium: two people open one subject's edit page; the second save lists what the first
saved beside what was typed, keeps the typing and goes through when sent again; then the subject
is removed with a reason from the lead's page. axe finds nothing on the way (decision 0056)."""

import pytest
from playwright.sync_api import expect

from saohei.leads import services
from saohei.leads.tests.conftest import registrar
from saohei.organisations.models import Unit
from saohei.testing.axe import assert_no_axe_violations
from saohei.testing.browser import NewPage, sign_in

pytestmark = pytest.mark.browser


def test_a_stale_subject_edit_shows_what_changed_then_the_subject_is_removed(
    new_page: NewPage, demo_live: str
) -> None:
    lead = registrar(Unit.objects.get(name="港西镇"))(
        subjects=[services.SubjectInput(name="申屠亮", id_number="370281200307268626")]
    )
    clerk, leader = (
        new_page({"width": 1280, "height": 800}),
        new_page({"width": 1280, "height": 800}),
    )
    sign_in(clerk, demo_live, "banshi")
    sign_in(leader, demo_live, "shuji")
    for page in (clerk, leader):
        page.goto(f"{demo_live}/leads/{lead.pk}/")
        page.get_by_test_id("subject-actions").get_by_role("link", name="修改").click()

    leader.get_by_label("姓名").fill("申屠明")
    leader.get_by_role("button", name="保存修改").click()
    expect(leader.get_by_text("已修改被反映人 申屠明")).to_be_visible()

    clerk.get_by_label("绰号").fill("亮子")
    clerk.get_by_role("button", name="保存修改").click()
    stale = clerk.get_by_test_id("stale-changes")
    expect(stale).to_contain_text("他人已保存的内容（第2版）")
    expect(stale.get_by_test_id("stale-change")).to_have_count(2)
    expect(stale.get_by_test_id("stale-change").first).to_contain_text("申屠明")
    expect(clerk.get_by_label("绰号")).to_have_value("亮子")
    assert_no_axe_violations(clerk)

    clerk.get_by_role("button", name="保存修改").click()
    expect(clerk.get_by_text("已修改被反映人 申屠亮（亮子）")).to_be_visible()

    clerk.get_by_test_id("subject-actions").get_by_role("link", name="移除").click()
    expect(clerk.get_by_test_id("subject-to-remove")).to_contain_text("370281********8626")
    assert_no_axe_violations(clerk)
    clerk.get_by_label("移除理由").fill("经核实为重复登记")
    clerk.get_by_role("button", name="确认移除").click()
    expect(clerk.get_by_text("未登记被反映人。")).to_be_visible()
    expect(clerk.get_by_text("经核实为重复登记")).to_be_visible()
