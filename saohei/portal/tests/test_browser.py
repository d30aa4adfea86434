"""The public site in Debian's Chromium on a phone-sized screen: a villager reports, writes down
the receipt, and comes back with it — once with JavaScript switched off entirely."""

import re
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, ViewportSize, expect

from saohei.leads.defaults import seed_defaults
from saohei.leads.models import DictionaryEntry, SourceTimeLimit
from saohei.organisations.models import User
from saohei.testing.browser import TIMEOUT_MS
from saohei.tips import services as tip_services
from saohei.tips.models import MessageDirection, Tip
from saohei.vault.models import ReporterIdentity

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 390, "height": 844}
_DIGITS = "零一二三四五六七八九"


class Watched:
    """A phone page that records console errors and requests leaving the server."""

    def __init__(self, page: Page, base: str) -> None:
        self.page = page
        self.errors: list[str] = []
        self.foreign: list[str] = []
        own = urlsplit(base).netloc
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))
        page.on(
            "request",
            lambda request: (
                self.foreign.append(request.url)
                if urlsplit(request.url).scheme != "data" and urlsplit(request.url).netloc != own
                else None
            ),
        )

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"{message.text} @ {message.location}")


@pytest.fixture
def portal_live(demo_live: str) -> str:
    # A transactional test's teardown may have emptied the dictionaries; the form lists them.
    seed_defaults(DictionaryEntry, SourceTimeLimit)
    return demo_live


@pytest.fixture
def phone_without_javascript(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport=PHONE, java_script_enabled=False
    )
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


def _answer_challenge(page: Page) -> None:
    label = page.locator('label[for="id_challenge_answer"]').inner_text()
    match = re.search(r"(.)加(.)等于几", label)
    assert match, label
    answer = _DIGITS.index(match.group(1)) + _DIGITS.index(match.group(2))
    page.locator("#id_challenge_answer").fill(str(answer))


def _fits_the_screen(page: Page) -> None:
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"page is {width[0]}px wide on a {width[1]}px phone"


def _read_receipt(page: Page) -> str:
    receipt = page.get_by_test_id("receipt")
    expect(receipt).to_be_visible()
    groups = receipt.inner_text().split()
    assert [len(group) for group in groups] == [4, 4, 4, 4], groups
    _fits_the_screen(page)
    return "".join(groups)


def _check_progress(page: Page, base: str, receipt: str) -> None:
    page.goto(f"{base}/jubao/")
    page.get_by_role("link", name="查询进度").first.click()
    page.get_by_label("16位查询码").fill(
        f"{receipt[:4]} {receipt[4:8]} {receipt[8:12]} {receipt[12:]}"
    )
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_test_id("reporter-status")).to_be_visible()


def test_anonymous_tip_without_javascript_on_a_phone(
    phone_without_javascript: Page, portal_live: str
) -> None:
    page = phone_without_javascript
    watched = Watched(page, portal_live)
    page.goto(f"{portal_live}/jubao/")
    expect(page.get_by_test_id("notice-liability")).to_contain_text("诬告")
    _fits_the_screen(page)
    page.get_by_test_id("start").click()

    page.get_by_label("主要问题").fill("龙泉村有人夜里在村口拦运沙车收“过路费”，不给就砸车玻璃")
    page.get_by_label("事发时间").fill("今年夏天以来，多在夜间")
    page.locator("#id_persons-0-name").fill("龙某")
    page.locator("#id_persons-0-alias").fill("龙三")
    page.locator("#id_attachments").set_input_files(
        {"name": "现场.png", "mimeType": "image/png", "buffer": b"\x89PNG\r\n\x1a\n" + b"\0" * 64}
    )
    _answer_challenge(page)
    page.get_by_label("我已阅读《举报须知》").check()
    _fits_the_screen(page)
    page.get_by_test_id("submit").click()

    receipt = _read_receipt(page)
    assert receipt not in page.url
    tip = Tip.objects.get()
    assert not tip.is_real_name and tip.attachments.count() == 1

    _check_progress(page, portal_live, receipt)
    expect(page.get_by_test_id("reporter-status")).to_have_text("已提交，待受理")
    page.get_by_label("补充内容或回复").fill("补充：拦车的人开一辆黑色面包车")
    page.get_by_role("button", name="提交补充").click()
    expect(page.get_by_test_id("notice")).to_contain_text("已收到您的补充")
    expect(page.get_by_test_id("conversation")).to_contain_text("黑色面包车")
    assert tip.messages.get().direction == MessageDirection.FROM_REPORTER
    assert watched.errors == [] and watched.foreign == []


def test_real_name_tip_and_the_offices_answer_on_a_phone(
    new_page: Callable[[ViewportSize], Page], portal_live: str
) -> None:
    page = new_page(PHONE)
    watched = Watched(page, portal_live)
    page.goto(f"{portal_live}/jubao/new/")
    page.get_by_label("问题类别").select_option(label="欺行霸市、强买强卖、收保护费")
    page.get_by_label("发生在哪个村（社区）").select_option(label="龙泉村")
    page.get_by_label("主要问题").fill("龙泉村码头有人强迫渔民低价卖海参，不卖就不让出海")
    page.locator("summary", has_text="被举报人2").click()
    page.locator("#id_persons-1-name").fill("某村干部")
    page.locator("#id_persons-1-role").select_option("village_cadre")
    page.get_by_label("实名举报：留下姓名和电话").check()
    page.locator("#id_reporter_name").fill("（测试）村民乙")
    page.locator("#id_reporter_phone").fill("13912345678")
    _answer_challenge(page)
    page.get_by_label("我已阅读《举报须知》").check()
    page.get_by_test_id("submit").click()
    receipt = _read_receipt(page)

    tip = Tip.objects.get()
    assert tip.is_real_name and tip.concerns_officials
    assert ReporterIdentity.objects.get().reference == tip.reporter_reference
    tip_services.send_message_to_reporter(
        actor=User.objects.get(username="shuji"), tip=tip, body="已收到，请保持电话畅通"
    )

    _check_progress(page, portal_live, receipt)
    expect(page.get_by_test_id("conversation")).to_contain_text("已收到，请保持电话畅通")
    expect(page.get_by_test_id("conversation")).not_to_contain_text(
        User.objects.get(username="shuji").real_name
    )
    _fits_the_screen(page)
    assert watched.errors == [], watched.errors
    assert watched.foreign == [], watched.foreign


def test_a_wrong_receipt_on_a_phone(
    new_page: Callable[[ViewportSize], Page], portal_live: str
) -> None:
    page = new_page(PHONE)
    watched = Watched(page, portal_live)
    page.goto(f"{portal_live}/jubao/check/")
    page.get_by_label("16位查询码").fill("1234 5678 9012 3456")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_test_id("check-error")).to_have_text(tip_services.WRONG_RECEIPT_MESSAGE)
    assert watched.errors == []
