"""Browser fixtures: one Debian Chromium per xdist worker, a fresh zh-CN context per test.

Registered for every test package by `pytest_plugins` in saohei/conftest.py.

Never `playwright install`: the tests drive the system's /usr/bin/chromium (apt package
`chromium`). Without it the browser tests are skipped on a workstation and fail on CI.
"""

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    ViewportSize,
    expect,
    sync_playwright,
)
from pytest_django.live_server_helper import LiveServer

from saohei.demo.loader import load_demo_town
from saohei.demo.town import DEMO_PASSWORD
from saohei.organisations.models import User
from saohei.testing.totp import current_totp

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
# Playwright's default is 30 s; a page of this app answers in well under a second.
TIMEOUT_MS = 10_000

NewPage = Callable[[ViewportSize], Page]


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    missing = "Chromium (/usr/bin/chromium, apt package chromium) not installed"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{missing}; CI=true, where the browser tests must run", pytrace=False)
    pytest.skip(f"{missing}; browser tests skipped")


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    _require_chromium()
    # Playwright's sync API runs an event loop in this thread; the test body and the fixtures
    # still use the ORM synchronously, which Django refuses unless told it is safe here.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as driver:
            yield driver
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    """One Chromium per xdist worker (a session is per worker process)."""
    chromium = playwright_driver.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    yield chromium
    chromium.close()


@pytest.fixture
def new_page(browser: Browser) -> Iterator[NewPage]:
    """Open a page in its own context (own cookies); every context is closed after the test."""
    contexts: list[BrowserContext] = []

    def make(viewport: ViewportSize = DESKTOP) -> Page:
        context = browser.new_context(
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            viewport=viewport,
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: NewPage) -> Page:
    """A desktop-sized page, so the navbar (and its 退出 button) is expanded."""
    return new_page(DESKTOP)


@pytest.fixture
def demo_live(transactional_db: None, live_server: LiveServer) -> str:
    """The demo town, committed so the live server's thread sees it; returns the base URL."""
    load_demo_town(with_history=False)
    return live_server.url


def sign_in(
    page: Page, base: str, username: str, on_token_page: Callable[[Page], None] | None = None
) -> None:
    """Sign in through the login page, entering the TOTP step when the account has one.

    `on_token_page` looks at the TOTP step before the token is entered (the axe walk)."""
    page.goto(f"{base}/accounts/login/")
    page.locator('input[name="username"]').fill(username)
    page.locator('input[name="password"]').fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    welcome = page.get_by_test_id("welcome")
    token = page.locator('input[name="token"]')
    expect(welcome.or_(token)).to_be_visible()
    if token.is_visible():
        if on_token_page is not None:
            on_token_page(page)
        token.fill(current_totp(User.objects.get(username=username)))
        page.get_by_role("button", name="验证并登录").click()
    expect(welcome).to_be_visible()
