"""In Chromium: the office generates the briefing from the menu, follows a number to the records
it counts, saves the briefing as a draft, edits it and downloads the Word file."""

from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from saohei.briefings.models import BriefingDraft
from saohei.organisations.models import Unit, User
from saohei.publicity.models import PlaceType, PublicityActivity, PublicityKind
from saohei.testing.browser import sign_in

pytestmark = pytest.mark.browser


def test_office_generates_follows_a_number_edits_and_exports(page: Page, demo_live: str) -> None:
    problems: list[str] = []
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    office = User.objects.get(username="banshi")
    activity = PublicityActivity.objects.create(
        town=Unit.objects.get(name="港西镇"),
        occurred_on=timezone.localdate(),
        kind=PublicityKind.objects.get(code="slogan"),
        place_type=PlaceType.RURAL,
        place="港西村村委会",
        quantity=Decimal(30),
        handler=office,
        created_by=office,
    )
    sign_in(page, demo_live, "banshi")

    page.get_by_role("button", name="简报报表").click()
    page.get_by_role("link", name="工作简报").click()
    page.get_by_role("button", name="生成简报").click()
    briefing = page.get_by_test_id("briefing")
    expect(briefing).to_contain_text("张贴各类宣传标语30条")
    briefing.get_by_role("link", name="30条").click()
    expect(page.locator(f'[data-record="{activity.pk}"]')).to_contain_text("港西村村委会")

    page.go_back()
    page.get_by_test_id("save-draft").click()
    page.locator("#id_section_publicity").fill("港西镇组织集中宣传，张贴标语30条。")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.get_by_text("草稿已保存")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_test_id("draft-export-docx").click()
    assert download.value.suggested_filename.endswith(".docx")
    draft = BriefingDraft.objects.get()
    assert next(s for s in draft.sections if s["key"] == "publicity")["text"].startswith(
        "港西镇组织集中宣传"
    )
    assert not problems, problems


def test_office_sets_the_closing_lines_and_the_page_prints_them(page: Page, demo_live: str) -> None:
    problems: list[str] = []
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, demo_live, "banshi")
    page.goto(f"{demo_live}/briefings/")
    page.get_by_role("button", name="生成简报").click()
    page.get_by_test_id("edit-settings").click()

    page.locator("#id_copies").fill("0")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("共印份数至少为 1")).to_be_visible()
    page.locator("#id_report_to").fill("荣成市扫黑办")
    page.locator("#id_distribute_to").fill("各村（社区）")
    page.locator("#id_copies").fill("30")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("版头版记已保存")).to_be_visible()

    page.goto(f"{demo_live}/briefings/?unit={Unit.objects.get(name='港西镇').pk}")
    masthead = page.get_by_test_id("masthead")
    expect(masthead).to_contain_text("工作简报")
    expect(masthead).to_contain_text("港西镇扫黑除恶专项斗争领导小组办公室")
    # The series name is printed in red, and issuer and date share one line (a flex row).
    series = masthead.locator(".app-briefing-series")
    assert series.evaluate("e => getComputedStyle(e).color") == "rgb(192, 0, 0)"
    issuer = masthead.locator(".app-briefing-issuer span")
    first, second = issuer.nth(0).bounding_box(), issuer.nth(1).bounding_box()
    assert first and second and abs(first["y"] - second["y"]) < 2
    closing = page.get_by_test_id("closing")
    expect(closing).to_contain_text("报：荣成市扫黑办")
    expect(closing).to_contain_text("发：各村（社区）")
    expect(closing).to_contain_text("（共印30份）")
    assert not problems, problems
