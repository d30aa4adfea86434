"""The lead ledger and the tip queue on the office's screens (1366 and 1280 px) and the lead
ledger on paper (decision 0017)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page

from saohei.leads import services
from saohei.leads.models import Channel, Lead, Source
from saohei.organisations.models import Unit, User
from saohei.testing.browser import sign_in
from saohei.testing.layout import MAX_ROW_HEIGHT, TEXT_LINES
from saohei.tips import services as tip_services

pytestmark = pytest.mark.browser

LONG_SUMMARY = (
    "群众反映东岛村码头有人长期强行收取渔船停靠费，不交就砸船扣网，并纠集多人威胁渔民。" * 6
)


def _lead_with_long_summary() -> Lead:
    office = User.objects.get(username="banshi")
    town = Unit.objects.get(name="港西镇")
    lead = services.register_lead(
        actor=office,
        unit=town,
        data=services.LeadInput(
            received_at=timezone.now() - timedelta(hours=1),
            channel=Channel.PHONE,
            source=Source.PUBLIC_REPORT,
            summary=LONG_SUMMARY,
            village=Unit.objects.get(name="东岛村"),
        ),
    )
    services.assign_lead(actor=office, lead=lead, handling_unit=town, handler=office)
    return lead


@pytest.mark.parametrize("width", [1366, 1280])
def test_long_summary_leaves_short_columns_on_one_line(
    page: Page, demo_live: str, width: int
) -> None:
    lead = _lead_with_long_summary()
    page.set_viewport_size({"width": width, "height": 800})
    sign_in(page, demo_live, "banshi")

    page.goto(f"{demo_live}/leads/")

    row = page.get_by_test_id("lead-table").locator("tbody tr").first
    cells = row.locator("td")
    assert cells.nth(0).inner_text() == lead.number
    for column in (0, 3, 5, 6, 7):  # 编号, 所属村, 承办, 状态, 时限
        assert cells.nth(column).inner_text().strip()
        assert cells.nth(column).evaluate(TEXT_LINES) < 1.5
    summary = cells.nth(4)
    assert summary.get_attribute("title") == LONG_SUMMARY
    shown = summary.locator(".app-clamp").evaluate(
        "text => text.getBoundingClientRect().height / parseFloat(getComputedStyle(text).lineHeight)"
    )
    assert shown < 2.5  # clamped to two lines
    assert row.bounding_box()["height"] <= MAX_ROW_HEIGHT  # type: ignore[index]
    # The table fits the window: nothing to scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width", [1366, 1280])
def test_long_tip_leaves_the_queues_short_columns_on_one_line(
    page: Page, demo_live: str, width: int
) -> None:
    tip_services.submit_tip(
        unit=Unit.objects.get(name="港西镇"),
        data=tip_services.TipInput(content=LONG_SUMMARY, village=Unit.objects.get(name="东岛村")),
    )
    page.set_viewport_size({"width": width, "height": 800})
    sign_in(page, demo_live, "banshi")

    page.goto(f"{demo_live}/tips/")

    row = page.get_by_test_id("tip-table").locator("tbody tr").first
    cells = row.locator("td")
    for column in (0, 1, 2):  # 编号, 时间, 村
        assert cells.nth(column).inner_text().strip()
        assert cells.nth(column).evaluate(TEXT_LINES) < 1.5
    assert cells.nth(4).get_attribute("title") == LONG_SUMMARY
    assert row.bounding_box()["height"] <= MAX_ROW_HEIGHT  # type: ignore[index]


def test_printed_list_hides_navigation_says_its_filters_and_fits_a4_landscape(
    page: Page, demo_live: str
) -> None:
    _lead_with_long_summary()
    sign_in(page, demo_live, "banshi")
    page.goto(f"{demo_live}/leads/?source=public_report")
    # A4 landscape less 12 mm margins each side: 273 mm at 96 dpi.
    printable = int(273 / 25.4 * 96)
    page.set_viewport_size({"width": printable, "height": 700})

    page.emulate_media(media="print")

    assert not page.locator("nav.app-navbar").is_visible()
    assert not page.locator('main form[method="get"]').is_visible()
    assert page.get_by_test_id("print-filters").inner_text() == "筛选：来源 群众举报"
    assert page.get_by_test_id("print-watermark").is_visible()
    table = page.get_by_test_id("lead-table").bounding_box()
    assert table is not None and table["x"] >= 0 and table["x"] + table["width"] <= printable
    for header in ("承办", "状态", "时限"):
        cell = page.get_by_test_id("lead-table").get_by_role("columnheader", name=header)
        box = cell.bounding_box()
        assert box is not None and box["x"] + box["width"] <= printable
    display = page.evaluate(
        "getComputedStyle(document.querySelector('[data-testid=lead-table] thead')).display"
    )
    assert display == "table-header-group"
    assert len(page.pdf(format="A4", landscape=True)) > 0
