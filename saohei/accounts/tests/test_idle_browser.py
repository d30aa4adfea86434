"""The idle warning and local drafts in Chromium (decision 0019).

The policy's shortest idle timeout is one minute. Instead of waiting it out, the page's clock
is Playwright's (`page.clock`) and the server's is moved by shifting the session's stored
`last_activity` back by the same amount: both sides see the same minute pass.
"""

import re
import time
from collections.abc import Iterator

import pytest
from django.contrib.sessions.backends.db import SessionStore
from playwright.sync_api import Page, expect

from saohei.accounts.models import SecurityPolicy
from saohei.demo.town import DEMO_PASSWORD
from saohei.organisations.models import User
from saohei.testing.browser import sign_in
from saohei.testing.totp import current_totp

pytestmark = pytest.mark.browser

SUMMARY = "村东头砂场有人强行收取保护费，每车五十元"
REPORTER = "王秀兰"


@pytest.fixture
def one_minute(demo_live: str, settings) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """Idle after 60 s, warned 20 s before; returns the live server's base URL."""
    SecurityPolicy.objects.update_or_create(pk=1, defaults={"idle_timeout_minutes": 1})
    settings.SAOHEI_IDLE_WARNING_SECONDS = 20
    yield demo_live


def pass_server_time(page: Page, seconds: int) -> None:
    """The server's side of the same passing time: the session's idle clock moves back."""
    cookie = next(c for c in page.context.cookies() if c["name"] == "sessionid")
    session = SessionStore(session_key=cookie["value"])
    session["last_activity"] = session["last_activity"] - seconds
    session.save()


def set_idle_for(page: Page, seconds: int) -> None:
    """The session was last active `seconds` ago by the wall clock, however long the test took.

    Under 30 s a page load does not restart the server's clock, so a page loaded right after
    this shows `timeout - seconds` left, even on a machine too loaded to sign in quickly.
    """
    cookie = next(c for c in page.context.cookies() if c["name"] == "sessionid")
    session = SessionStore(session_key=cookie["value"])
    session["last_activity"] = int(time.time()) - seconds
    session.save()


def server_last_activity(page: Page) -> int:
    cookie = next(c for c in page.context.cookies() if c["name"] == "sessionid")
    return int(SessionStore(session_key=cookie["value"])["last_activity"])


def draft_storage(page: Page) -> str:
    return str(page.evaluate("JSON.stringify(Object.entries(localStorage))"))


def wait_for_draft(page: Page) -> None:
    """Past the save delay. Polled from here: the page's CSP refuses wait_for_function's eval."""
    for _ in range(50):
        if "saohei.draft." in draft_storage(page):
            return
        page.wait_for_timeout(100)
    pytest.fail("no draft saved within 5 s")


def wait_for_stored_deadline(page: Page) -> None:
    """Polled, like the drafts: the page's CSP refuses wait_for_function's eval."""
    for _ in range(50):
        if "saohei.idle-deadline." in draft_storage(page):
            return
        page.wait_for_timeout(100)
    pytest.fail("the page shared no idle deadline within 5 s")


def sign_in_here(page: Page, username: str) -> None:
    """Sign in on the login page already open (keeping its ?next=)."""
    page.locator('input[name="username"]').fill(username)
    page.locator('input[name="password"]').fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    token = page.locator('input[name="token"]')
    if token.is_visible():
        token.fill(current_totp(User.objects.get(username=username)))
        page.get_by_role("button", name="验证并登录").click()


def test_warning_counts_down_the_last_seconds(page: Page, one_minute: str) -> None:
    sign_in(page, one_minute, "banshi")
    page.clock.install()
    page.goto(f"{one_minute}/leads/")
    warning = page.get_by_test_id("idle-warning")
    expect(warning).to_be_hidden()

    page.clock.fast_forward(45_000)

    expect(warning).to_be_visible()
    expect(warning).to_have_attribute("role", "alertdialog")
    expect(page.get_by_test_id("idle-continue")).to_be_focused()
    countdown = page.get_by_test_id("idle-countdown")
    first = int(countdown.inner_text())
    assert 5 <= first <= 15
    page.clock.fast_forward(3_000)
    # The installed clock also runs on by itself, so on a loaded machine more than the three
    # forwarded seconds may have passed: the countdown shows at least three fewer, never below 0.
    after = int(countdown.inner_text())
    assert 0 <= after <= first - 3


def test_continue_working_renews_the_server_session(page: Page, one_minute: str) -> None:
    sign_in(page, one_minute, "banshi")
    page.clock.install()
    page.goto(f"{one_minute}/leads/")
    before = server_last_activity(page)
    page.clock.fast_forward(45_000)
    pass_server_time(page, 45)
    expect(page.get_by_test_id("idle-warning")).to_be_visible()

    page.get_by_test_id("idle-continue").click()

    expect(page.get_by_test_id("idle-warning")).to_be_hidden()
    assert server_last_activity(page) >= before
    # 30 s more on both clocks: 75 s after the original clock, 30 s after the renewal.
    page.clock.fast_forward(30_000)
    pass_server_time(page, 30)
    expect(page.get_by_test_id("idle-warning")).to_be_hidden()
    expect(page).to_have_url(f"{one_minute}/leads/")
    page.reload()
    expect(page).to_have_url(f"{one_minute}/leads/")
    expect(page.get_by_test_id("logout")).to_be_visible()


def test_time_up_sends_to_login_and_the_draft_comes_back(page: Page, one_minute: str) -> None:
    sign_in(page, one_minute, "banshi")
    page.clock.install()
    page.goto(f"{one_minute}/leads/new/")
    page.locator("#id_source").select_option("self_found")
    page.locator('textarea[name="summary"]').fill(SUMMARY)
    page.locator('input[name="reporter_name"]').fill(REPORTER)
    page.locator('input[name="subjects-0-id_number"]').fill("11010519491231002X")
    page.clock.fast_forward(1_000)
    wait_for_draft(page)

    pass_server_time(page, 62)
    page.clock.fast_forward(62_000)

    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=%2Fleads%2Fnew%2F$"))
    expect(page.get_by_text("因长时间未操作已退出，您填写的内容已保存在本机草稿中")).to_be_visible()
    stored = draft_storage(page)
    assert SUMMARY in stored
    # A reporter's identity and a subject's sealed number never reach the browser's storage.
    assert REPORTER not in stored
    assert "11010519491231002X" not in stored

    sign_in_here(page, "banshi")

    expect(page).to_have_url(f"{one_minute}/leads/new/")
    summary = page.locator('textarea[name="summary"]')
    expect(summary).to_have_value("")
    page.get_by_role("button", name=re.compile(r"^恢复草稿（保存于 \d\d:\d\d）$")).click()
    expect(summary).to_have_value(SUMMARY)
    expect(page.locator("#id_source")).to_have_value("self_found")
    expect(page.locator('input[name="reporter_name"]')).to_have_value("")

    page.get_by_role("button", name="登记", exact=True).click()

    expect(page.get_by_text(re.compile("线索已登记"))).to_be_visible()
    assert "saohei.draft." not in draft_storage(page)
    page.goto(f"{one_minute}/leads/new/")
    expect(page.get_by_test_id("draft-offer")).to_have_count(0)


def test_draft_survives_a_reload_and_sign_out_removes_it(page: Page, demo_live: str) -> None:
    sign_in(page, demo_live, "banshi")
    page.goto(f"{demo_live}/leads/new/")
    page.locator('textarea[name="summary"]').fill(SUMMARY)
    wait_for_draft(page)

    page.reload()

    offer = page.get_by_test_id("draft-offer")
    expect(offer).to_be_visible()
    page.get_by_role("button", name=re.compile("^恢复草稿")).click()
    expect(page.locator('textarea[name="summary"]')).to_have_value(SUMMARY)
    expect(offer).to_have_count(0)

    page.get_by_test_id("logout").click()

    expect(page.get_by_text("您已安全退出")).to_be_visible()
    assert "saohei.draft." not in draft_storage(page)
    assert SUMMARY not in draft_storage(page)


def test_a_refused_submit_keeps_the_draft(page: Page, demo_live: str) -> None:
    sign_in(page, demo_live, "banshi")
    page.goto(f"{demo_live}/leads/new/")
    page.locator('textarea[name="summary"]').fill(SUMMARY)
    page.locator('input[name="received_at"]').fill("")
    wait_for_draft(page)

    page.get_by_role("button", name="登记", exact=True).click()

    expect(page.locator('input[name="received_at"]')).to_have_attribute("aria-invalid", "true")
    assert SUMMARY in draft_storage(page)


def test_continue_working_in_one_tab_closes_the_warning_in_the_other(
    page: Page, one_minute: str, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.SAOHEI_IDLE_WARNING_SECONDS = 50
    sign_in(page, one_minute, "banshi")
    # The home page shares its (soon too late) deadline when its script has run, which can be
    # after its content shows: wait for it, then forget it, so only the pages below count.
    wait_for_stored_deadline(page)
    page.evaluate("localStorage.clear()")
    # Each page loads 15 s into a one-minute timeout, inside its 50 s warning window, by the
    # wall clock: a slow sign-in or page load on a loaded machine cannot renew the session.
    set_idle_for(page, 15)
    page.goto(f"{one_minute}/leads/")
    # Checked while this tab is in front: a tab behind another may be starved of timer ticks
    # on a loaded machine, which says nothing about the page.
    expect(page.get_by_test_id("idle-warning")).to_be_visible()
    other = page.context.new_page()
    set_idle_for(page, 15)
    other.goto(f"{one_minute}/rectifications/")
    expect(other.get_by_test_id("idle-warning")).to_be_visible()

    other.get_by_test_id("idle-continue").click()

    expect(other.get_by_test_id("idle-warning")).to_be_hidden()
    # Back to the first tab: its own deadline is still inside the warning window, so only the
    # deadline the other tab renewed and shared can keep its warning closed.
    page.bring_to_front()
    expect(page.get_by_test_id("idle-warning")).to_be_hidden()


def test_a_draft_older_than_seven_days_is_not_offered_and_is_removed(
    page: Page, demo_live: str
) -> None:
    sign_in(page, demo_live, "banshi")
    page.goto(f"{demo_live}/leads/new/")
    page.locator('textarea[name="summary"]').fill(SUMMARY)
    wait_for_draft(page)
    page.evaluate(
        """() => {
            const key = Object.keys(localStorage).find(k => k.startsWith('saohei.draft.'));
            const draft = JSON.parse(localStorage.getItem(key));
            draft.savedAt -= 8 * 24 * 60 * 60 * 1000;
            localStorage.setItem(key, JSON.stringify(draft));
        }"""
    )

    page.reload()

    expect(page.locator('textarea[name="summary"]')).to_have_value("")
    expect(page.get_by_test_id("draft-offer")).to_have_count(0)
    assert "saohei.draft." not in draft_storage(page)
