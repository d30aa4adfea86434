"""On a 360×740 phone (decision 0018): every list a village head and a clerk open reads as cards
without sideways scrolling, no text under 14 px, every control at least 44×44 px, the unread
badge beside the menu button, and a village head's home page opens with 我的待办."""

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from saohei.demo.loader import load_demo_town
from saohei.notifications import services as notification_services
from saohei.notifications.models import NotificationKind
from saohei.notifications.queries import count_unread
from saohei.organisations.models import User
from saohei.testing.browser import NewPage, sign_in
from saohei.testing.layout import PHONE, assert_fits_a_phone

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots" / "phone"

VILLAGE_HEAD_PAGES = [
    "/",
    "/leads/",
    "/meetings/tasks/",
    "/rectifications/",
    "/talks/",
    "/inspections/",
    "/publicity/",
    "/reports/",
    "/notifications/",
]
PUBLIC_PAGES = ["/jubao/", "/jubao/new/", "/jubao/check/"]
CLERK_PAGES = [
    "/",
    "/leads/",
    "/tips/",
    "/cases/",
    "/meetings/",
    "/meetings/tasks/",
    "/meetings/self-inspections/",
    "/meetings/schedules/",
    "/rectifications/",
    "/talks/",
    "/talks/coverage/",
    "/inspections/",
    "/inspections/folders/",
    "/publicity/",
    "/briefings/",
    "/reports/",
    "/notifications/",
]
CUSTODIAN_PAGES = ["/vault/", "/vault/rewards/"]


@pytest.fixture
def town_live(transactional_db: None, live_server: LiveServer) -> str:
    """The demo town with its history, so every list has rows to turn into cards."""
    load_demo_town(with_history=True)
    return live_server.url


def _screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _assert_fits_a_phone(page: Page, name: str) -> None:
    _screenshot(page, name)
    assert_fits_a_phone(page, name)


def _phone(new_page: NewPage, base: str, username: str) -> Page:
    page = new_page(PHONE)
    sign_in(page, base, username)
    return page


def _screen_name(username: str, path: str) -> str:
    return f"{username}{path.rstrip('/').replace('/', '-') or '-home'}"


def test_village_heads_lists_and_home_fit_a_phone(new_page: NewPage, town_live: str) -> None:
    head = User.objects.get(username="cun02")
    notification_services.notify(
        recipients=[head], title="请于本周内报送本村线索摸排情况", kind=NotificationKind.INFO
    )
    unread = str(count_unread(head))
    page = _phone(new_page, town_live, "cun02")

    for path in VILLAGE_HEAD_PAGES:
        page.goto(f"{town_live}{path}")
        _assert_fits_a_phone(page, _screen_name("cun02", path))
        # The unread count shows beside the menu button while the menu stays shut.
        toggler = page.locator(".navbar-toggler")
        assert toggler.get_attribute("aria-expanded") == "false"
        badge = page.get_by_test_id("notification-badge-compact")
        assert badge.is_visible(), path
        assert badge.inner_text() == unread


def test_village_heads_home_opens_with_the_work_waiting_before_any_chart(
    new_page: NewPage, town_live: str
) -> None:
    page = _phone(new_page, town_live, "cun02")

    waiting = page.get_by_test_id("waiting").bounding_box()
    first_chart = page.locator("[data-chart], [data-testid=kpis]").first.bounding_box()

    assert waiting is not None and first_chart is not None
    assert waiting["y"] + waiting["height"] <= first_chart["y"]
    # Figures that read 0 or — say nothing to a village head on a phone: they are folded away,
    # and come back on an office screen.
    cards = page.get_by_test_id("kpi")
    assert cards.count() == 6
    for card in cards.all():
        value = card.get_by_test_id("kpi-value").text_content().strip()  # type: ignore[union-attr]
        assert card.is_visible() == (value not in ("0", "—")), value
    page.set_viewport_size({"width": 1280, "height": 800})
    assert all(card.is_visible() for card in cards.all())
    # The office's navbar is as before: one 通知 link, inside the expanded menu.
    assert page.get_by_test_id("notification-link").is_visible()
    assert not page.get_by_test_id("notification-link-compact").is_visible()


def test_clerks_lists_and_dashboard_fit_a_phone(new_page: NewPage, town_live: str) -> None:
    page = _phone(new_page, town_live, "banshi")

    for path in CLERK_PAGES:
        page.goto(f"{town_live}{path}")
        _assert_fits_a_phone(page, _screen_name("banshi", path))


def test_custodians_lists_fit_a_phone(new_page: NewPage, town_live: str) -> None:
    page = _phone(new_page, town_live, "baoguan")

    for path in CUSTODIAN_PAGES:
        page.goto(f"{town_live}{path}")
        _assert_fits_a_phone(page, _screen_name("baoguan", path))


def test_public_tip_form_fits_a_phone(new_page: NewPage, town_live: str) -> None:
    page = new_page(PHONE)

    for path in PUBLIC_PAGES:
        page.goto(f"{town_live}{path}")
        _assert_fits_a_phone(page, _screen_name("public", path))


def test_a_list_row_becomes_a_card_with_its_column_names_on_a_phone(
    new_page: NewPage, town_live: str
) -> None:
    page = _phone(new_page, town_live, "banshi")

    page.goto(f"{town_live}/leads/")

    table = page.get_by_test_id("lead-table")
    assert not table.locator("thead").is_visible()
    row = table.locator("tbody tr").first
    assert row.evaluate("r => getComputedStyle(r).display") != "table-row"
    status = row.locator("td").nth(6)
    assert status.get_attribute("data-label") == "状态"
    assert status.evaluate("c => getComputedStyle(c, '::before').content") == '"状态"'
