"""The calendar in Debian's Chromium: a village head's phone, an office clerk's desk."""

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from saohei.testing.browser import sign_in
from saohei.workdays.models import CalendarOverride

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 390, "height": 844}


def test_the_spring_festival_month_fits_a_phone_screen(
    new_page: Callable[[ViewportSize], Page], demo_live: str
) -> None:
    page = new_page(PHONE)
    console_errors: list[str] = []
    page.on(
        "console",
        lambda message: console_errors.append(message.text) if message.type == "error" else None,
    )
    sign_in(page, demo_live, "cun01")
    page.goto(f"{demo_live}/workdays/?month=2026-02")

    expect(page.get_by_test_id("month-title")).to_have_text("2026年2月")
    expect(page.locator('td[data-day="2026-02-16"]')).to_contain_text("休")
    expect(page.locator('td[data-day="2026-02-14"]')).to_contain_text("班")
    expect(page.get_by_test_id("override-form")).to_have_count(0)
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"page is {width[0]}px wide on a {width[1]}px phone"
    # A strict CSP reports any inline style or script as a console error.
    assert console_errors == []


def test_an_office_clerk_enters_a_holiday_through_the_form(
    new_page: Callable[[ViewportSize], Page], demo_live: str
) -> None:
    page = new_page({"width": 1280, "height": 800})
    sign_in(page, demo_live, "banshi")
    page.goto(f"{demo_live}/workdays/?month=2027-02")
    expect(page.get_by_test_id("year-warning")).to_contain_text("2027年的法定节假日尚未录入")

    form = page.get_by_test_id("override-form")
    form.get_by_label("日期").fill("2027-02-08")
    form.get_by_label("调整为").select_option("0")
    form.get_by_label("原因").fill("2027年春节")
    with page.expect_navigation():
        form.get_by_role("button", name="保存").click()

    expect(page.locator('td[data-day="2027-02-08"]')).to_have_attribute("data-kind", "holiday")
    expect(page.get_by_test_id("override-row")).to_contain_text("2027年春节")
    expect(page.get_by_test_id("year-warning")).to_have_count(0)
    assert CalendarOverride.objects.filter(reason="2027年春节").count() == 1

    with page.expect_navigation():
        page.get_by_test_id("remove-override").click()
    expect(page.get_by_test_id("override-row")).to_have_count(0)
    assert not CalendarOverride.objects.exists()
