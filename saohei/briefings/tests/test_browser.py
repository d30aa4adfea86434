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
