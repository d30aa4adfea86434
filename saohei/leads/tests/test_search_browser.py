"""Issue 11 in a real browser: the clerk types a mobile as people write it, and "强揽工程"."""

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from saohei.leads import services
from saohei.organisations.models import Unit, User
from saohei.testing.browser import sign_in

pytestmark = pytest.mark.browser


def test_clerk_finds_a_lead_by_a_mobile_typed_with_spaces_and_by_words_apart(
    page: Page, demo_live: str
) -> None:
    lead = services.register_lead(
        actor=User.objects.get(username="banshi"),
        unit=Unit.objects.get(name="港西镇"),
        data=services.LeadInput(
            received_at=timezone.now(),
            channel="phone",
            source="public_report",
            summary="有人强揽村里的修路工程",
            subjects=[services.SubjectInput(name="刘某", phone="13912345678")],
        ),
    )
    sign_in(page, demo_live, "banshi")
    page.goto(f"{demo_live}/leads/")
    page.locator("#id_q").fill("+86 139 1234 5678")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_test_id("lead-table")).to_contain_text(lead.number)

    page.locator("#id_q").fill("强揽工程")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_test_id("lead-table")).to_contain_text(lead.number)

    page.locator("#id_q").fill("强揽 沙场")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_test_id("no-results")).to_contain_text("没有找到与“强揽 沙场”相符的线索")
