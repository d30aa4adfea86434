"""On a 390 px phone: a village head opens the month from the home page's 待办 and sends a
零报告, confirmed by ticking the sentence itself."""

import pytest
from playwright.sync_api import expect

from saohei.organisations.models import Unit
from saohei.testing.browser import NewPage, sign_in
from saohei.village_reports.models import ReportKind, VillageReport

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def test_village_head_sends_a_zero_report_from_a_phone(new_page: NewPage, demo_live: str) -> None:
    phone = new_page(PHONE)  # type: ignore[arg-type]
    sign_in(phone, demo_live, "cun02")
    phone.goto(f"{demo_live}/")
    phone.get_by_test_id("waiting").get_by_role("link", name="东岛村").first.click()
    form = phone.get_by_test_id("report-form")
    expect(form).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    expect(phone.get_by_test_id("form-unit")).to_have_text("东岛村")

    # Unconfirmed, the 零报告 is sent back with the reason beside the box.
    form.get_by_label("零报告", exact=True).check()
    form.get_by_role("button", name="报送").click()
    expect(phone.get_by_test_id("report-form")).to_contain_text("零报告须由负责人确认")
    assert not VillageReport.objects.exists()

    form = phone.get_by_test_id("report-form")
    form.get_by_label("零报告", exact=True).check()
    form.get_by_label("我确认：本月未发现涉黑涉恶线索").check()
    form.get_by_role("button", name="报送").click()

    expect(phone.get_by_test_id("own-status").first).to_have_text("零报告")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    report = VillageReport.objects.get()
    assert report.kind == ReportKind.ZERO
    assert report.village == Unit.objects.get(name="东岛村")
