"""In Chromium: the dashboard's charts draw under the strict CSP and a click drills down."""

import re
from typing import Any

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from saohei.home.tests.conftest import build_known
from saohei.testing.browser import NewPage, sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def record_errors(page: Page) -> list[str]:
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if (
            message.type in ("error", "warning") and "Content Security Policy" in message.text
        ) or message.type == "error":
            errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(f"pageerror: {error}"))
    return errors


def point_position(page: Page, chart_id: str, series: int, category: int, value: float) -> Any:
    """Where on the page a data point of a chart is drawn (ECharts converts data to pixels)."""
    return page.evaluate(
        """([chartId, series, category, value]) => {
            const element = document.querySelector(`[data-chart="${chartId}"]`);
            element.scrollIntoView({block: "center", behavior: "instant"});
            const chart = window.echarts.getInstanceByDom(element);
            const [x, y] = chart.convertToPixel({seriesIndex: series}, [category, value]);
            const box = element.getBoundingClientRect();
            return {x: box.left + x, y: box.top + y};
        }""",
        [chart_id, series, category, value],
    )


def test_leader_dashboard_draws_its_charts_and_a_bar_opens_its_list(
    page: Page, demo_live: str
) -> None:
    known = build_known()
    errors = record_errors(page)
    sign_in(page, demo_live, "shuji")
    expect(page.get_by_test_id("dashboard")).to_be_visible()
    for chart_id in ("lead-states", "overdue-by-village", "rectification-states", "trend"):
        expect(page.locator(f'[data-chart="{chart_id}"] canvas')).to_have_count(1)
    assert page.locator("[data-chart] canvas").count() >= 6
    # The trend's 受理 bar for this month: half-way up the bar of 6.
    month = f"{known.today:%Y-%m}"
    categories = page.evaluate(
        "JSON.parse(document.getElementById('dashboard-data').textContent).trend.categories"
    )
    spot = point_position(page, "trend", 0, categories.index(month), 3)
    page.mouse.click(spot["x"], spot["y"])
    expect(page).to_have_url(re.compile(r"/leads/\?date_from=.*&date_to="))
    expect(page.locator("h1")).to_contain_text("共 6 条")
    assert errors == [], errors


def test_clicking_a_stacked_segment_opens_the_overdue_leads_of_that_state(
    page: Page, demo_live: str
) -> None:
    build_known()
    errors = record_errors(page)
    sign_in(page, demo_live, "shuji")
    expect(page.locator('[data-chart="lead-states"] canvas')).to_have_count(1)
    # 已交办 (third state), 已逾期 (first series, at the bottom of the stack): two leads.
    spot = point_position(page, "lead-states", 0, 2, 1)
    page.mouse.click(spot["x"], spot["y"])
    expect(page).to_have_url(re.compile(r"/leads/\?status=assigned&due=overdue$"))
    expect(page.locator("h1")).to_contain_text("共 2 条")
    table = page.get_by_test_id("lead-table")
    expect(table).to_contain_text("T-1")
    expect(table).to_contain_text("T-9")
    assert errors == [], errors


def test_village_head_dashboard_fits_a_phone(new_page: NewPage, demo_live: str) -> None:
    build_known()
    page = new_page(PHONE)  # type: ignore[arg-type]
    errors = record_errors(page)
    sign_in(page, demo_live, "cun02")
    expect(page.locator('[data-chart="lead-states"] canvas')).to_have_count(1)
    expect(page.locator('[data-chart="rectification-states"] canvas')).to_have_count(1)
    canvas_width = page.locator('[data-chart="lead-states"] canvas').evaluate(
        "(canvas) => canvas.getBoundingClientRect().width"
    )
    assert 300 <= canvas_width <= PHONE["width"]
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"page is {width[0]}px wide on a {width[1]}px phone"
    # 整改中 (first bar): this village's two open items.
    spot = point_position(page, "rectification-states", 0, 0, 1)
    page.mouse.click(spot["x"], spot["y"])
    expect(page).to_have_url(re.compile(r"/rectifications/\?status=open$"))
    expect(page.locator("h1")).to_contain_text("共 2 项")
    assert errors == [], errors
