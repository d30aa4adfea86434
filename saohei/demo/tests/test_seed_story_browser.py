"""The seed's story, end to end in Chromium, through the pages only (issue 14).

"通过近期摸排收到村民举报线索1起，与派出所联合调查后，已排除涉黑涉恶可能" and "书记同村级主要负责人
进行谈心谈话……列出问题清单，明确整改措施和整改期限": a villager reports on a phone and keeps the
receipt; the office accepts the tip and assigns the lead jointly with the 派出所; the police
record their findings; the office proposes 排除 and a leader who did not propose it signs it
off; the reporter follows the progress with the receipt and never sees who worked on it or what
they wrote. The secretary's talk with a village head puts a problem on the rectification
ledger; the village head reports progress with a photo from a phone and asks for 销号; the
office verifies and closes it. The briefing, generated and saved as a draft, says both, and the
audit chain that every step wrote still verifies.

After the demo town is loaded nothing is done but through the pages: each person signs in to
their own browser context (the villager and the village head on a 360 px phone, checked to fit
it) and starts each step from their home page, at its 我的待办 where the step waits there."""

import re
from dataclasses import dataclass, field
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, Response, ViewportSize, expect

from saohei.audit.models import AuditAction, AuditEvent
from saohei.testing.browser import DESKTOP, NewPage, sign_in
from saohei.testing.images import image_bytes
from saohei.testing.layout import PHONE, assert_fits_a_phone

pytestmark = pytest.mark.browser

VILLAGE = "港西村"
VILLAGE_HEAD = "cun01"  # 王建国, head of 港西村
# Who worked the tip (clerk, police, leader) and the head of its village: the reporter's pages
# must name none of them.
STAFF_NAMES = ("李晓静", "王立强", "孙志远", "王建国")
TIP_TEXT = "港西村渔港码头有人每天向卸货渔船强收“看船费”，不交就扎破渔网，已经半年多了"
FINDINGS = "会同港西派出所走访码头渔船主十二户，调取接处警记录，收费系码头管理员按价目表收取停靠费"
BASIS = "经与派出所联合调查，系码头正常管理收费，未发现暴力威胁，排除涉黑涉恶可能"
OFFICE_MESSAGE = "您反映的问题已与派出所联合调查完毕，感谢您的支持"
PROBLEM = "村级线索摸排零报告台账不全"
PROGRESS = "已补齐本年度线索摸排零报告台账，村两委成员逐月签字确认"
_DIGITS = "零一二三四五六七八九"


@dataclass
class Watch:
    """What went wrong on any page of the walk: a server error or a script error."""

    problems: list[str] = field(default_factory=list)

    def page(self, page: Page) -> Page:
        page.on("response", self._response)
        page.on("pageerror", lambda error: self.problems.append(f"pageerror: {error}"))
        page.on(
            "console",
            lambda message: (
                self.problems.append(f"console: {message.text}")
                if message.type == "error"
                else None
            ),
        )
        return page

    def _response(self, response: Response) -> None:
        if response.status >= 500:
            self.problems.append(f"{response.status} {response.url}")


def _home(page: Page, base: str) -> None:
    page.goto(f"{base}/")
    expect(page.get_by_test_id("welcome")).to_be_visible()


def _from_waiting(page: Page, kind: str, text: str) -> None:
    """Open the entry of the home page's 我的待办 of this kind whose link names `text`."""
    column = page.get_by_test_id("waiting").locator("[id^=waiting-]").filter(has_text=kind)
    expect(column).to_have_count(1)
    column.get_by_role("link").filter(has_text=text).click()


def _menu(page: Page, group: str, entry: str) -> None:
    """Open a page from the main menu on an office screen: the group, then its entry."""
    navbar = page.locator("nav.app-navbar")
    navbar.get_by_role("button", name=group, exact=True).click()
    navbar.get_by_role("link", name=entry, exact=True).click()


def _answer_challenge(page: Page) -> None:
    label = page.locator('label[for="id_challenge_answer"]').inner_text()
    match = re.search(r"(.)加(.)等于几", label)
    assert match, label
    answer = _DIGITS.index(match.group(1)) + _DIGITS.index(match.group(2))
    page.locator("#id_challenge_answer").fill(str(answer))


def _villager_reports(phone: Page, base: str) -> str:
    """The 举报须知 first, then the form; the receipt is shown once, on the answer to the POST."""
    phone.goto(f"{base}/jubao/")
    expect(phone.get_by_test_id("notice-liability")).to_contain_text("诬告")
    assert_fits_a_phone(phone, "举报须知")
    phone.get_by_test_id("start").click()
    phone.get_by_label("问题类别").select_option(label="欺行霸市、强买强卖、收保护费")
    phone.get_by_label("发生在哪个村（社区）").select_option(label=VILLAGE)
    phone.get_by_label("主要问题").fill(TIP_TEXT)
    phone.get_by_label("事发时间").fill("今年五月以来，每天清晨")
    phone.locator("#id_attachments").set_input_files(
        {"name": "码头.jpg", "mimeType": "image/jpeg", "buffer": image_bytes("JPEG")}
    )
    _answer_challenge(phone)
    phone.get_by_label("我已阅读《举报须知》").check()
    assert_fits_a_phone(phone, "举报表")
    phone.get_by_test_id("submit").click()
    receipt = phone.get_by_test_id("receipt")
    expect(receipt).to_be_visible()
    groups = receipt.inner_text().split()
    assert [len(group) for group in groups] == [4, 4, 4, 4], groups
    assert_fits_a_phone(phone, "查询码")
    receipt_digits = "".join(groups)
    # Shown once, in the answer to the POST: never in an address the phone keeps.
    assert receipt_digits not in phone.url
    return receipt_digits


def _reporter_checks(phone: Page, base: str, receipt: str, status: str) -> str:
    """The progress page as the reporter sees it, reached from 举报须知 with the receipt."""
    phone.goto(f"{base}/jubao/")
    phone.get_by_role("link", name="查询进度").first.click()
    phone.get_by_label("16位查询码").fill(" ".join(re.findall(".{4}", receipt)))
    phone.get_by_role("button", name="查询").click()
    expect(phone.get_by_test_id("reporter-status")).to_have_text(status)
    assert receipt not in phone.url
    assert_fits_a_phone(phone, f"办理进度（{status}）")
    return phone.locator("body").inner_text()


def _assert_nothing_internal(shown: str, lead_number: str) -> None:
    """The reporter sees a status and the office's messages: no person, lead or note."""
    internal = (*STAFF_NAMES, lead_number, "港西派出所", FINDINGS[:12], BASIS[:12])
    assert [text for text in internal if text in shown] == [], shown


def _office_accepts_and_assigns(office: Page, base: str) -> str:
    _home(office, base)
    _from_waiting(office, "待受理举报", VILLAGE)
    expect(office.get_by_test_id("tip-content")).to_contain_text("看船费")
    expect(office.get_by_test_id("tip-reporter")).to_have_text("匿名举报")
    accept = office.get_by_test_id("accept-form")
    accept.locator("#id_summary").fill("反映港西村渔港码头有人强收“看船费”，不交就扎破渔网")
    accept.get_by_role("button", name="受理").click()
    expect(office.locator(".alert-success")).to_contain_text("已受理，登记为线索")
    expect(office.get_by_test_id("tip-status")).to_have_text("已受理（已登记线索）")
    office.get_by_test_id("tip-lead").click()

    number = office.get_by_test_id("lead-number").inner_text()
    expect(office.get_by_test_id("lead-status")).to_have_text("已登记")
    expect(office.get_by_test_id("reporter")).to_have_text("匿名举报")
    assign = office.get_by_test_id("assign-form")
    assign.locator("#id_handling_unit").select_option(label="港西镇")
    assign.locator("#id_handler").select_option(label="港西镇·李晓静")
    assign.locator("#id_police_unit").select_option(label="港西派出所")
    assign.get_by_role("button", name="交办").click()
    expect(office.get_by_test_id("lead-status")).to_have_text("已交办")
    expect(office.get_by_test_id("exchange-log")).to_contain_text("推送 港西派出所 协查")
    return number


def _police_record_findings(police: Page, base: str, number: str) -> None:
    _home(police, base)
    _from_waiting(police, "待协查线索", number)
    expect(police.get_by_test_id("lead-number")).to_have_text(number)
    investigate = police.get_by_test_id("investigate-form")
    investigate.locator("#id_content").fill(FINDINGS)
    investigate.locator("#id_evidence").set_input_files(
        {"name": "走访照片.jpg", "mimeType": "image/jpeg", "buffer": image_bytes("JPEG")}
    )
    investigate.get_by_role("button", name="保存").click()
    expect(police.get_by_test_id("lead-status")).to_have_text("核查中")
    entries = police.get_by_test_id("investigation-entries")
    expect(entries).to_contain_text("王立强（港西派出所）")
    expect(entries).to_contain_text("走访照片.jpg")
    # Answered: the lead is no longer waiting on the station.
    _home(police, base)
    expect(police.get_by_test_id("waiting")).not_to_contain_text(number)


def _office_proposes(office: Page, base: str, number: str) -> None:
    _home(office, base)
    _menu(office, "线索摸排", "线索")
    office.get_by_test_id("lead-table").get_by_role("link", name=number).click()
    expect(office.get_by_test_id("investigation-entries")).to_contain_text(FINDINGS[:20])
    propose = office.get_by_test_id("propose-form")
    propose.locator("#id_conclusion").select_option(value="excluded")
    propose.locator("#id_basis").fill(BASIS)
    propose.get_by_role("button", name="提交领导审核").click()
    expect(office.get_by_test_id("lead-status")).to_have_text("待审核")


def _leader_signs_off(leader: Page, base: str, number: str) -> None:
    _home(leader, base)
    _from_waiting(leader, "待审核办结", number)
    sign_off = leader.get_by_test_id("sign-off-form")
    expect(sign_off).to_contain_text("查否-排除涉黑涉恶（李晓静）")
    sign_off.locator("#id_decision").select_option(value="approve")
    sign_off.get_by_role("button", name="提交审核意见").click()
    expect(leader.get_by_test_id("lead-status")).to_have_text("已办结")
    expect(leader.get_by_text("审核人：孙志远")).to_be_visible()


def _office_writes_to_the_reporter(office: Page, base: str, number: str) -> None:
    _home(office, base)
    _menu(office, "线索摸排", "举报受理")
    office.get_by_test_id("tip-tabs").get_by_role("link").filter(has_text="已受理").click()
    office.get_by_test_id("tip-table").locator("tr").filter(has_text=number).get_by_role(
        "link"
    ).click()
    message = office.get_by_test_id("message-form")
    message.locator("#id_body").fill(OFFICE_MESSAGE)
    message.get_by_role("button", name="发送").click()
    expect(office.get_by_test_id("tip-conversation")).to_contain_text(OFFICE_MESSAGE)


def _office_records_the_secretarys_talk(office: Page, base: str) -> None:
    _home(office, base)
    _menu(office, "压实责任", "谈心谈话")
    office.get_by_role("link", name="登记谈话").click()
    office.locator("#id_place").fill("港西村村委会")
    office.locator("#id_interviewer").select_option(label="港西镇·孙志远")
    picker = office.locator("[data-people-picker]")
    picker.locator("[data-people-search]").fill(VILLAGE)
    picker.get_by_text("王建国").click()
    office.get_by_label("线索摸查").check()
    office.locator("#id_content").fill("听取港西村线索摸排情况汇报，强调零报告也要逐月签字上报")
    office.locator("#id_problems").fill(PROBLEM)
    office.locator("#id_measures").fill("补齐零报告台账，村两委成员逐月签字")
    office.locator("#id_problem_village").select_option(label=VILLAGE)
    office.locator("#id_responsible_person").select_option(label=f"{VILLAGE}·王建国")
    office.get_by_role("button", name="登记", exact=True).click()
    expect(office.get_by_text("谈话记录已登记。")).to_be_visible()
    expect(office.locator("main")).to_contain_text(PROBLEM)


def _village_head_closes_from_a_phone(phone: Page, base: str) -> None:
    _home(phone, base)
    _from_waiting(phone, "待整改事项", PROBLEM[:8])
    expect(phone.get_by_test_id("item-description")).to_have_text(PROBLEM)
    assert_fits_a_phone(phone, "整改事项")
    progress = phone.get_by_test_id("progress-form")
    progress.locator("#id_content").fill(PROGRESS)
    progress.locator("#id_evidence").set_input_files(
        {"name": "签字页.jpg", "mimeType": "image/jpeg", "buffer": image_bytes("JPEG")}
    )
    progress.get_by_role("button", name="提交进展").click()
    expect(phone.get_by_test_id("progress-list")).to_contain_text("签字页.jpg")
    phone.get_by_test_id("closure-form").get_by_role("button", name="申请销号").click()
    expect(phone.get_by_test_id("item-status")).to_have_text("已申请销号")
    # The owner never verifies his own item.
    expect(phone.get_by_test_id("verify-form")).to_have_count(0)
    assert_fits_a_phone(phone, "已申请销号")


def _office_verifies(office: Page, base: str) -> None:
    _home(office, base)
    _from_waiting(office, "待审核销号", PROBLEM[:8])
    expect(office.get_by_test_id("progress-list")).to_contain_text(PROGRESS[:12])
    verify = office.get_by_test_id("verify-form")
    verify.locator("#id_decision").select_option("accept")
    verify.locator("#id_reason").fill("经现场查看台账，已逐月签字，同意销号")
    verify.get_by_role("button", name="提交审核").click()
    expect(office.get_by_test_id("item-status")).to_have_text("已销号")
    expect(office.get_by_test_id("verification")).to_contain_text("李晓静")


def _follow_figure(office: Page, key: str, *shown: str) -> None:
    """Follow a number of the briefing to the records it counts, and come back."""
    office.get_by_test_id("briefing").locator(f'a[href*="/figures/{key}/"]').click()
    expect(office.get_by_test_id("figure-total")).to_contain_text("共 1 条记录")
    for text in shown:
        expect(office.get_by_test_id("figure-records")).to_contain_text(text)
    office.go_back()


def _office_drafts_the_briefing(office: Page, base: str, number: str) -> tuple[str, str]:
    """The briefing generated from the menu, its numbers followed to the lead and the item, and
    saved as a draft: the generated text and the draft's, section by section."""
    _home(office, base)
    _menu(office, "简报报表", "工作简报")
    office.get_by_role("button", name="生成简报").click()
    generated = office.get_by_test_id("briefing").inner_text()
    _follow_figure(office, "leads.public_report", number, "已办结")
    _follow_figure(office, "rectifications.closed", PROBLEM, "已销号")
    office.get_by_test_id("save-draft").click()
    expect(office.get_by_text("已保存为草稿")).to_be_visible()
    sections = office.get_by_test_id("draft-form").locator("textarea")
    drafted = "\n".join(sections.nth(i).input_value() for i in range(sections.count()))
    return generated, drafted


def test_the_seeds_story_from_a_villagers_tip_to_the_briefing(
    new_page: NewPage, demo_live: str
) -> None:
    base = demo_live
    watch = Watch()

    def person(username: str | None, viewport: ViewportSize = DESKTOP) -> Page:
        page = watch.page(new_page(viewport))
        if username is not None:
            sign_in(page, base, username)
        return page

    villager = person(None, PHONE)
    receipt = _villager_reports(villager, base)

    office = person("banshi")
    number = _office_accepts_and_assigns(office, base)
    shown = _reporter_checks(villager, base, receipt, "核查中")
    _assert_nothing_internal(shown, number)

    _police_record_findings(person("suozhang"), base, number)
    _office_proposes(office, base, number)
    _leader_signs_off(person("shuji"), base, number)
    _office_writes_to_the_reporter(office, base, number)

    shown = _reporter_checks(villager, base, receipt, "已办结")
    expect(villager.get_by_test_id("conversation")).to_contain_text("扫黑办 · ")
    expect(villager.get_by_test_id("conversation")).to_contain_text(OFFICE_MESSAGE)
    _assert_nothing_internal(shown, number)

    _office_records_the_secretarys_talk(office, base)
    _village_head_closes_from_a_phone(person(VILLAGE_HEAD, PHONE), base)
    _office_verifies(office, base)

    # The seed's own sentences, now written from what the pages recorded.
    for text in _office_drafts_the_briefing(office, base, number):
        assert "收到群众举报线索1起，与派出所联合调查后，已排除涉黑涉恶可能。" in text, text
        assert "由镇党委书记同1个村级主要负责人进行谈心谈话，并就线索摸查等工作" in text, text
        assert "问题整改台账共列入整改事项1项，已销号1项。" in text, text

    assert watch.problems == [], watch.problems
    done = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        AuditAction.TIP_SUBMITTED,
        AuditAction.TIP_ACCEPTED,
        AuditAction.LEAD_ASSIGNED,
        AuditAction.LEAD_INVESTIGATED,
        AuditAction.LEAD_PROPOSED,
        AuditAction.LEAD_SIGNED_OFF,
        AuditAction.TIP_MESSAGE_SENT,
        AuditAction.TALK_RECORDED,
        AuditAction.RECTIFICATION_OPENED,
        AuditAction.RECTIFICATION_PROGRESS,
        AuditAction.RECTIFICATION_REQUESTED,
        AuditAction.RECTIFICATION_VERIFIED,
        AuditAction.BRIEFING_DRAFT_SAVED,
    } <= done
    out = StringIO()
    call_command("verify_audit", stdout=out)
    assert "审计日志完整" in out.getvalue(), out.getvalue()
