"""On a phone: the office records a failed folder; the village head opens the on-site list."""

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from saohei.demo.town import DEMO_PASSWORD
from saohei.inspections import services
from saohei.inspections.models import Finding
from saohei.organisations.models import Unit, User
from saohei.testing.browser import NewPage

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.locator('input[name="username"]').fill(username)
    page.locator('input[name="password"]').fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_test_id("welcome")).to_be_visible()


def test_finding_on_a_phone_lands_on_the_village_heads_onsite_list(
    new_page: NewPage, demo_live: str
) -> None:
    village = Unit.objects.get(name="东岛村")
    inspection = services.create_round(
        actor=User.objects.get(username="banshi"),
        unit=Unit.objects.get(name="港西镇"),
        title="村级档案检查",
        deployed_by="荣成市扫黑办",
        inspected_on=timezone.localdate(),
        inspectors=[User.objects.get(username="banshi")],
        villages=[village],
    )

    office = new_page(PHONE)  # type: ignore[arg-type]
    sign_in(office, demo_live, "banshi")
    office.goto(f"{demo_live}/inspections/{inspection.pk}/")
    office.locator("#id_village").select_option(str(village.pk))
    office.locator("#id_folder").select_option(label="谈心谈话")
    office.locator("#id_result").select_option("missing")
    office.locator("#id_note").fill("谈心谈话记录缺少谈话对象签字")
    office.get_by_role("button", name="登记", exact=True).click()
    expect(office.get_by_test_id("finding-table")).to_contain_text("谈心谈话记录缺少谈话对象签字")
    assert Finding.objects.get().rectification_item is not None

    head = new_page(PHONE)  # type: ignore[arg-type]
    sign_in(head, demo_live, "cun02")
    head.goto(f"{demo_live}/inspections/{inspection.pk}/onsite/{village.pk}/")
    expect(head.get_by_test_id("onsite-table")).to_contain_text("谈心谈话记录缺少谈话对象签字")
    assert head.evaluate("document.documentElement.scrollWidth") <= 390
