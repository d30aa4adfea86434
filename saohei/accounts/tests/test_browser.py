"""Sign-in as a person does it: Debian's Chromium, the live server, the demo town's accounts."""

import re
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from django.contrib.sessions.models import Session
from playwright.sync_api import ConsoleMessage, Page, Request, ViewportSize, expect

from saohei.accounts.policy import get_policy
from saohei.demo.town import DEMO_PASSWORD
from saohei.organisations.models import User

pytestmark = pytest.mark.browser

NEW_PASSWORD = "Gangxi#2027x"
PHONE: ViewportSize = {"width": 390, "height": 844}


def login_url(base: str) -> re.Pattern[str]:
    """The login page, with or without a ?next= query."""
    return re.compile(re.escape(f"{base}/accounts/login/") + r"(\?.*)?$")


def real_name(username: str) -> str:
    return User.objects.get(username=username).real_name


def submit_login(page: Page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.locator('input[name="username"]').fill(username)
    page.locator('input[name="password"]').fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="登录", exact=True).click()


def form_error(page: Page) -> str:
    error = page.get_by_test_id("form-error")
    expect(error).to_be_visible()
    return error.inner_text()


def test_staff_member_signs_in_and_sees_home_page(page: Page, demo_live: str) -> None:
    name = real_name("banshi")
    assert name == "李晓静"

    page.goto(f"{demo_live}/")
    expect(page).to_have_url(login_url(demo_live))  # anonymous: sent to sign in first
    expect(page.get_by_test_id("welcome")).to_have_count(0)

    submit_login(page, demo_live, "banshi", DEMO_PASSWORD)

    expect(page).to_have_url(f"{demo_live}/")
    expect(page.get_by_test_id("welcome")).to_contain_text(name)
    expect(page.get_by_test_id("logout")).to_be_visible()
    expect(page).to_have_title(re.compile("首页"))


def test_wrong_password_shows_chinese_error_and_stays_on_login(page: Page, demo_live: str) -> None:
    submit_login(page, demo_live, "banshi", "Wrong#Password1")

    expect(page).to_have_url(login_url(demo_live))
    message = form_error(page)
    assert "用户名或密码错误" in message
    # The typed user name is kept, the password is not echoed back into the page.
    expect(page.locator('input[name="username"]')).to_have_value("banshi")
    expect(page.locator('input[name="password"]')).to_have_value("")
    expect(page.get_by_test_id("welcome")).to_have_count(0)
    expect(page.get_by_test_id("logout")).to_have_count(0)


def test_fifth_failure_locks_account_with_clear_message(page: Page, demo_live: str) -> None:
    threshold = get_policy().lockout_threshold
    assert threshold == 5, "the demo town should use the 等保 default of 5 attempts"

    for attempt in range(1, threshold):
        submit_login(page, demo_live, "banshi", f"Wrong#Password{attempt}")
        message = form_error(page)
        # The answer an unknown username gets: it never confirms that the account exists.
        assert message.strip() == "用户名或密码错误。", message

    submit_login(page, demo_live, "banshi", "Wrong#Password5")
    message = form_error(page)
    assert "锁定" in message
    assert f"连续 {threshold} 次" in message, message
    assert "已被锁定" in message, message

    # Now even the right password is refused, with the same clear reason.
    submit_login(page, demo_live, "banshi", DEMO_PASSWORD)
    expect(page).to_have_url(login_url(demo_live))
    message = form_error(page)
    assert "锁定" in message
    assert "联系安全管理员" in message, message
    expect(page.get_by_test_id("welcome")).to_have_count(0)

    page.goto(f"{demo_live}/")
    expect(page).to_have_url(login_url(demo_live))


def test_forced_password_change_on_first_login(page: Page, demo_live: str) -> None:
    User.objects.filter(username="banshi").update(must_change_password=True)
    password_url = f"{demo_live}/accounts/password/"

    submit_login(page, demo_live, "banshi", DEMO_PASSWORD)
    expect(page).to_have_url(password_url)
    expect(page.get_by_test_id("password-reason")).to_contain_text("初始密码")

    # Nothing else opens until the password is changed.
    page.goto(f"{demo_live}/")
    expect(page).to_have_url(password_url)
    expect(page.get_by_test_id("password-reason")).to_be_visible()
    expect(page.get_by_test_id("welcome")).to_have_count(0)

    def change(new_password: str) -> None:
        page.locator('input[name="old_password"]').fill(DEMO_PASSWORD)
        page.locator('input[name="new_password"]').fill(new_password)
        page.locator('input[name="new_password_again"]').fill(new_password)
        with page.expect_navigation():
            page.get_by_role("button", name="保存新密码").click()

    change("short1")
    expect(page).to_have_url(password_url)
    new_password_block = page.locator("div.mb-3", has=page.locator('input[name="new_password"]'))
    field_error = new_password_block.locator(".invalid-feedback")
    expect(field_error).to_be_visible()
    expect(field_error).to_contain_text("密码长度至少 8 位")
    # Still forced: the weak attempt changed nothing.
    expect(page.get_by_test_id("password-reason")).to_be_visible()

    change(NEW_PASSWORD)
    expect(page).to_have_url(f"{demo_live}/")
    expect(page.get_by_test_id("welcome")).to_contain_text(real_name("banshi"))
    expect(page.get_by_role("alert").filter(has_text="密码已修改")).to_be_visible()

    with page.expect_navigation():
        page.get_by_test_id("logout").click()
    expect(page).to_have_url(login_url(demo_live))

    submit_login(page, demo_live, "banshi", DEMO_PASSWORD)
    expect(page).to_have_url(login_url(demo_live))
    assert "用户名或密码错误" in form_error(page)

    submit_login(page, demo_live, "banshi", NEW_PASSWORD)
    expect(page).to_have_url(f"{demo_live}/")  # no longer sent to the password page
    expect(page.get_by_test_id("welcome")).to_contain_text(real_name("banshi"))


def test_logout_ends_the_server_session(page: Page, demo_live: str) -> None:
    submit_login(page, demo_live, "banshi", DEMO_PASSWORD)
    expect(page.get_by_test_id("welcome")).to_be_visible()
    old_cookie = next(c for c in page.context.cookies() if c.get("name") == "sessionid")
    session_key = old_cookie.get("value")
    assert session_key
    assert Session.objects.filter(session_key=session_key).exists()

    with page.expect_navigation():
        page.get_by_test_id("logout").click()
    expect(page).to_have_url(login_url(demo_live))
    expect(page.get_by_role("alert").filter(has_text="您已安全退出")).to_be_visible()

    page.goto(f"{demo_live}/")
    expect(page).to_have_url(login_url(demo_live))
    expect(page.get_by_test_id("welcome")).to_have_count(0)
    assert not Session.objects.filter(session_key=session_key).exists()

    # A copy of the old cookie (say, kept by an attacker) opens nothing any more.
    page.context.add_cookies([{"name": "sessionid", "value": session_key, "url": demo_live}])
    replayed = [c.get("value") for c in page.context.cookies() if c.get("name") == "sessionid"]
    assert replayed == [session_key]
    page.goto(f"{demo_live}/")
    expect(page).to_have_url(login_url(demo_live))
    expect(page.get_by_test_id("welcome")).to_have_count(0)


def test_village_head_home_page_fits_a_phone_screen(
    new_page: Callable[[ViewportSize], Page], demo_live: str
) -> None:
    page = new_page(PHONE)
    submit_login(page, demo_live, "cun01", DEMO_PASSWORD)

    expect(page).to_have_url(f"{demo_live}/")
    expect(page.get_by_test_id("welcome")).to_contain_text(real_name("cun01"))
    expect(page.get_by_test_id("colleagues")).to_be_visible()
    # The menu folds behind the toggler on a phone.
    expect(page.get_by_role("button", name="展开菜单")).to_be_visible()
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[1] == PHONE["width"]
    assert width[0] <= width[1], f"page is {width[0]}px wide on a {width[1]}px phone"


def test_pages_load_no_external_resources(page: Page, demo_live: str) -> None:
    requested: list[str] = []
    failed: list[str] = []
    console_errors: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on("requestfailed", lambda request: failed.append(_describe_failure(request)))
    page.on(
        "console",
        lambda message: (
            console_errors.append(_describe(message)) if message.type == "error" else None
        ),
    )
    page.on("pageerror", lambda error: console_errors.append(f"pageerror: {error}"))

    response = page.goto(f"{demo_live}/accounts/login/")
    assert response is not None
    csp = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in csp, csp  # the strict policy really is in force
    page.locator('input[name="username"]').fill("banshi")
    page.locator('input[name="password"]').fill(DEMO_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="登录", exact=True).click()
    expect(page).to_have_url(f"{demo_live}/")
    expect(page.get_by_test_id("welcome")).to_be_visible()
    page.wait_for_load_state("networkidle")

    # The vendored scripts ran under the CSP, and the stylesheets applied.
    loaded = page.evaluate(
        "[typeof window.htmx, typeof window.bootstrap].map((t) => t !== 'undefined')"
    )
    assert loaded == [True, True], "htmx, Bootstrap JS: " + str(loaded)
    navbar_colour = page.locator("nav.app-navbar").evaluate(
        "(el) => getComputedStyle(el).backgroundColor"
    )
    assert navbar_colour == "rgb(122, 31, 31)", navbar_colour

    own_host = urlsplit(demo_live).netloc
    static = [url for url in requested if urlsplit(url).path.startswith("/static/")]
    assert len(static) >= 5, requested  # bootstrap css+js, app.css, htmx, our scripts
    foreign = [
        url
        for url in requested
        if urlsplit(url).scheme != "data" and urlsplit(url).netloc != own_host
    ]
    assert foreign == [], f"requests left the server: {foreign}"
    assert failed == [], failed
    assert console_errors == [], console_errors


def _describe(message: ConsoleMessage) -> str:
    return f"{message.text} @ {message.location}"


def _describe_failure(request: Request) -> str:
    return f"{request.url}: {request.failure}"
