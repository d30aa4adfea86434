"""In Chromium: axe finds no violation on any page type, for any role of the demo town.

The page types come from the URLconf, not from a list here: every named route is either reached
by a crawl of the demo town (as a visitor and signed in as each role, following links and form
actions from the home page and every route without arguments), answers a GET with 405 (an
action), or is named in EXCLUDED with the reason. A new page that nobody links to fails until it
is linked or excluded, so it is not forgotten.

A page type is a route with the forms it shows: a lead's detail page carries other forms in
each state and for each role, and forms are where labels and ids go wrong. Each page type is
checked once, as the first role in ROLES that opens it; the home page, whose dashboard and menu
differ by role, is checked for every role."""

import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

import lxml.html
import pytest
from django.test import Client
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve
from playwright.sync_api import Browser, BrowserContext, Page, expect
from pytest_django.live_server_helper import LiveServer

from saohei.analysis.tests.prompt_helpers import prompt_on_first_case
from saohei.briefings.services import create_draft
from saohei.demo.city import load_demo_city_assignments
from saohei.demo.loader import load_demo_town
from saohei.demo.town import DEMO_PASSWORD
from saohei.meetings import services
from saohei.meetings.models import Meeting
from saohei.organisations.models import Unit, User
from saohei.testing.axe import axe_violations
from saohei.testing.browser import DESKTOP, TIMEOUT_MS, sign_in
from saohei.testing.totp import sign_in_client
from saohei.tips.services import TipInput, submit_tip

pytestmark = pytest.mark.browser

# One account per role of the demo town; the office first, as it opens the most page types.
ROLES = [
    "banshi",  # 扫黑办工作人员
    "shuji",  # 组长
    "fushuji",  # 副组长
    "minjing",  # 派出所民警
    "cun01",  # 村负责人
    "shiban",  # 上级督导
    "baoguan",  # 举报信息保管员
    "xitong",  # 系统管理员
    "anquan",  # 安全管理员
    "shenji",  # 审计管理员
]

# Routes the crawl does not reach as a page, and why they need no axe run of their own (routes
# that only take a POST are found by their 405 and need no entry).
EXCLUDED = {
    "home:healthz": "plain-text health check for the proxy",
    "home:healthz_full": "plain-text health check for monitoring",
    "accounts:otp_verify": "the TOTP step; checked while signing in (`on_token_page`)",
    "leads:feedback_docx": "a .docx file; the demo history has no feedback report",
    "leads:attachment": "a file download; the demo history has no attachments",
    "tips:attachment": "a file download; the demo tip has no attachment",
    "rectifications:evidence": "a file download; the demo history has no evidence",
    "inspections:photo": "an image download; the demo history has no photos",
    "meetings:material": "a file download; the demo history has no materials",
    "publicity:photo": "an image download; the demo history has no photos",
    "briefings:export": "a .docx/.pdf file",
    "briefings:draft_export": "a .docx/.pdf file",
    "inspections:onsite_download": "a .docx/.pdf file",
    # The demo's candidate list comes with the demo data later; until then no run to open.
    "analysis:vetting_run": "the demo has no 联审 run (test_vetting.py renders the sheet)",
    "analysis:vetting_export": "an .xlsx file; the demo has no 联审 run",
    # The demo has no 交办清单 yet; assigned_lists/tests open each of these pages.
    "assigned_lists:staged": "the demo has no uploaded 交办清单 (test_views.py opens it)",
    "assigned_lists:rejected": "an .xlsx file; the demo has no uploaded 交办清单",
    "assigned_lists:detail": "the demo has no imported 交办清单 (test_views.py opens it)",
    "assigned_lists:feedback": "an .xlsx file; the demo has no imported 交办清单",
    "assigned_lists:reports": "a .zip file; the demo has no imported 交办清单",
    "assigned_lists:job": "the demo has no long 交办清单 import (test_import_job.py and test_browser.py open it)",
    "cases:import_rejected": "an .xlsx file; the demo's imports refused no rows",
    "sheets:mapping": "the demo has no saved 来文表格对照 (sheets/tests/test_browser.py runs axe on it)",
}
# How many URLs of one route a role opens: the office, first, sees the most states of a record
# (its detail pages show other forms in each); later roles look for the forms only they get.
OFFICE_SAMPLES, OTHER_SAMPLES = 4, 1
# Forms also checked as sent back with errors: the shared field template draws every form's
# messages, so one staff form and the portal's stand for all.
ERROR_STATES = {"访客": "/jubao/new/", ROLES[0]: "/leads/new/"}
# The refusal pages (templates/403.html, 404.html and the portal's own), not in the URLconf.
REFUSALS = {
    "访客": [("/jubao/no-such-page/", 404)],
    ROLES[0]: [("/no-such-page/", 404), ("/audit/", 403)],
}
# Prefixes that are not HTML pages at all.
NOT_PAGES = ("/api/", "/static/")


def _routes(
    patterns: list[Any] | None = None, prefix: str = "/", namespace: str = ""
) -> Iterator[tuple[str, str]]:
    """Every named route of the project as (`namespace:name`, `/leads/<int:lead_id>/`)."""
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        route = str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or ""
            joined = f"{namespace}:{inner}" if namespace and inner else namespace or inner
            if not (prefix + route).startswith(NOT_PAGES):
                yield from _routes(pattern.url_patterns, prefix + route, joined)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), prefix + route


def _links(url: str, document: Any) -> Iterator[str]:
    """Links, htmx requests and form actions; a GET form also as submitted with its defaults."""
    for element in document.iter():
        for attribute in ("href", "action", "hx-get", "hx-post"):
            value = element.get(attribute)
            if value and not value.startswith(("#", "mailto:", "javascript:")):
                yield urljoin(url, value)
    for form in document.forms:
        if (form.get("method") or "get").lower() == "get":
            yield urljoin(url, form.get("action") or url) + "?" + urlencode(form.form_values())


def _shape(name: str, url: str, document: Any) -> tuple[str, frozenset[tuple[str, ...]]]:
    """A page type: the route and the forms it shows (a record's state and the viewer's role
    decide which forms a detail page carries, and forms are where labels and ids go wrong)."""
    forms = set()
    for form in document.forms:
        action = urlsplit(urljoin(url, form.get("action") or url)).path
        try:
            target = resolve(action).view_name
        except Resolver404:
            target = action
        fields = sorted(
            {e.get("name") or "" for e in form.inputs if e.get("type") not in ("hidden", "submit")}
        )
        forms.add((target, *fields))
    return name, frozenset(forms)


@dataclass
class Crawl:
    """What each named route turned out to be, and one URL of each page type (route + forms)."""

    kinds: dict[str, str] = field(default_factory=dict)
    shapes: set[tuple[str, frozenset[tuple[str, ...]]]] = field(default_factory=set)


def _crawl(client: Client, starts: list[str], crawl: Crawl, *, samples: int) -> list[str]:
    """Follow links from `starts`, opening each route `samples` times at most; return one URL
    of each page type new to `crawl`."""
    queue = deque(starts)
    tried: set[str] = set()
    opened: dict[str, int] = {}
    new_pages: list[str] = []
    while queue:
        url = queue.popleft()
        parts = urlsplit(url)
        if parts.netloc not in ("", "testserver") or parts.path.startswith(NOT_PAGES):
            continue
        try:
            name = resolve(parts.path).view_name
        except Resolver404:
            continue
        if (
            url in tried
            or name in EXCLUDED
            or opened.get(name, 0) >= samples
            or crawl.kinds.get(name) in ("file", "action")  # once is enough
        ):
            continue
        tried.add(url)
        response = client.get(url)
        if response.status_code in (403, 404):
            continue  # another sample of the route may be one this role can open
        opened[name] = opened.get(name, 0) + 1
        content_type = response.get("Content-Type", "")
        if response.status_code == 200 and content_type.startswith("text/html"):
            crawl.kinds.setdefault(name, "page")
            document = lxml.html.fromstring(response.content.decode())
            shape = _shape(name, url, document)
            if shape not in crawl.shapes:
                crawl.shapes.add(shape)
                new_pages.append(url)
            queue.extend(_links(url, document))
        elif response.status_code == 200:
            crawl.kinds.setdefault(name, "file")
        elif response.status_code == 405:
            crawl.kinds.setdefault(name, "action")
        elif response.status_code in (301, 302):
            crawl.kinds.setdefault(name, "redirect")
    return new_pages


def _post_only(client: Client, routes: dict[str, str], names: set[str]) -> set[str]:
    """The routes among `names` that refuse a GET (405) whatever their arguments."""
    refused = set()
    for name in names:
        url = re.sub(r"<(?:int:)?\w+>", "1", routes[name])
        url = re.sub(r"<\w+:\w+>", "x", url)
        if client.get(url).status_code == 405:
            refused.add(name)
    return refused


def _new_context(browser: Browser) -> BrowserContext:
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=DESKTOP)
    context.set_default_timeout(TIMEOUT_MS)
    return context


class Findings:
    """axe's violations by page, as the page's path and who looked."""

    def __init__(self) -> None:
        self.pages: dict[str, list[str]] = {}
        self.checked = 0
        self.token_page_checked = False

    def check(self, page: Page, who: str) -> None:
        self.checked += 1
        if violations := axe_violations(page):
            parts = urlsplit(page.url)
            self.pages[f"{parts.path}{'?' if parts.query else ''}{parts.query} ({who})"] = (
                violations
            )

    def check_token_page(self, page: Page) -> None:
        """The TOTP step of signing in: the same page for every role, so checked once."""
        if not self.token_page_checked:
            self.token_page_checked = True
            self.check(page, "动态口令")

    def visit(self, page: Page, url: str, who: str, status: int = 200) -> None:
        response = page.goto(url)
        assert response is not None and response.status == status, (url, who)
        self.check(page, who if status == 200 else f"{who} {status}")

    def check_errors(self, page: Page, url: str, who: str) -> None:
        """The form sent back with its messages beside the fields (the browser's own checks off,
        as on a browser without them)."""
        page.goto(url)
        page.evaluate("document.querySelectorAll('form').forEach(f => { f.noValidate = true; })")
        page.locator('main form[method="post"] button[type="submit"]').last.click()
        expect(page.get_by_test_id("field-error").first).to_be_visible()
        self.check(page, f"{who} 出错")


def test_every_page_type_has_no_axe_violations(
    transactional_db: None, live_server: LiveServer, browser: Browser
) -> None:
    report = load_demo_town(with_history=True)
    assert report.tip_receipt, "the demo town's tip gives its receipt on the run that creates it"
    office = User.objects.get(username="banshi")
    # The demo history has no saved briefing draft, nor a decision still open (a decision's own
    # page is linked only until it is handed on).
    create_draft(actor=office, unit=Unit.objects.get(name="港西镇"), date_from=None, date_to=None)
    services.add_decision(
        actor=office,
        meeting=Meeting.objects.latest("held_on", "id"),  # the first row of the list
        data=services.DecisionInput(
            text="对照典型案例梳理村级工程项目",
            owner=User.objects.get(username="cun01"),
            working_days=10,
        ),
    )
    # The demo's cases yield no 研判提示 (issue 12): one is written as the registry would, so
    # that its page (and the 研判会's forms on it) is crawled.
    prompt_on_first_case()
    # The demo's tip has been accepted; one still pending shows its own forms (受理, 添加被举报人).
    submit_tip(
        unit=Unit.objects.get(name="港西镇"),
        data=TipInput(content="东岛村申屠亮在码头强收卸货费，不交就打人。"),
    )
    # The city's assignments (decision 0062) come with the `load_demo` command, not the town.
    load_demo_city_assignments()
    crawl = Crawl()
    # The visitor first, so the login page and the portal are checked as a visitor sees them.
    visitor_pages = _crawl(Client(), ["/accounts/login/", "/jubao/"], crawl, samples=1)
    routes = dict(_routes())
    starts = ["/", *(route for route in routes.values() if "<" not in route)]
    plans: list[tuple[str, list[str]]] = []
    for number, username in enumerate(ROLES):
        client = sign_in_client(Client(), username, DEMO_PASSWORD)
        new_pages = _crawl(
            client, starts, crawl, samples=OTHER_SAMPLES if number else OFFICE_SAMPLES
        )
        plans.append((username, [url for url in new_pages if url != "/"]))

    # 1. Every named route was met by the crawl, refuses a GET, or is excluded with a reason.
    assert set(EXCLUDED) <= set(routes), f"stale: {sorted(set(EXCLUDED) - set(routes))}"
    missing = set(routes) - set(crawl.kinds) - set(EXCLUDED)
    missing -= _post_only(client, routes, missing)
    assert not missing, f"routes no crawl reached; link them or add to EXCLUDED: {sorted(missing)}"

    base = live_server.url
    findings = Findings()
    # 2. The visitor: the login page, the portal, and the portal's answer to a receipt.
    context = _new_context(browser)
    page = context.new_page()
    for url in visitor_pages:
        findings.visit(page, f"{base}{url}", "访客")
    page.goto(f"{base}/jubao/check/")
    page.locator('input[name="receipt"]').fill(report.tip_receipt)
    page.locator('form button[type="submit"]').last.click()
    expect(page.get_by_role("heading", name="办理进度")).to_be_visible()
    findings.check(page, "访客 回执")
    findings.check_errors(page, f"{base}{ERROR_STATES['访客']}", "访客")
    for url, status in REFUSALS["访客"]:
        findings.visit(page, f"{base}{url}", "访客", status)
    context.close()

    # 3. Each role in its own context: the TOTP step (once), the home page, whose dashboard and
    # menu differ by role, then the page types no earlier role opened.
    for username, urls in plans:
        context = _new_context(browser)
        page = context.new_page()
        sign_in(page, base, username, on_token_page=findings.check_token_page)
        findings.check(page, username)
        for url in urls:
            findings.visit(page, f"{base}{url}", username)
        if username in ERROR_STATES:
            findings.check_errors(page, f"{base}{ERROR_STATES[username]}", username)
        for url, status in REFUSALS.get(username, []):
            findings.visit(page, f"{base}{url}", username, status)
        context.close()

    assert findings.token_page_checked, "no role of the demo town signs in with TOTP"
    assert findings.checked > 80, f"only {findings.checked} page types were found"
    assert not findings.pages, "\n".join(
        f"{where}:\n  " + "\n  ".join(lines) for where, lines in findings.pages.items()
    )
