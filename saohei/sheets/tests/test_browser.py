"""In Chromium: a clerk corrects one word a station's export uses on 来文表格对照, from the case
import page, and the page passes axe."""

import pytest
from playwright.sync_api import Page, expect

from saohei.cases.kinds import CASE_SHEET
from saohei.cases.models import PersonRole
from saohei.organisations.models import Unit, User
from saohei.sheets.models import SenderMapping
from saohei.testing.axe import assert_no_axe_violations
from saohei.testing.browser import sign_in

pytestmark = pytest.mark.browser


def test_the_clerk_corrects_a_word_from_the_import_page(page: Page, demo_live: str) -> None:
    mapping = SenderMapping.objects.create(
        unit=Unit.objects.get(name="港西镇"),
        kind=CASE_SHEET.key,
        sender="港西派出所",
        values={"role": {"主犯": PersonRole.PARTICIPANT.value}},
        updated_by=User.objects.get(username="banshi"),
    )
    sign_in(page, demo_live, "banshi")
    page.goto(f"{demo_live}/cases/imports/")
    page.get_by_test_id("mappings-link").click()
    page.get_by_role("link", name="港西派出所").click()
    expect(page).to_have_url(f"{demo_live}/sheets/mappings/{mapping.pk}/")
    assert_no_axe_violations(page)
    page.get_by_label("角色：主犯").select_option(PersonRole.ORGANISER.value)
    page.get_by_test_id("save-values").click()
    expect(page.get_by_label("角色：主犯")).to_have_value(PersonRole.ORGANISER.value)
    mapping.refresh_from_db()
    assert mapping.values == {"role": {"主犯": PersonRole.ORGANISER.value}}
    page.goto(f"{demo_live}/sheets/mappings/")
    assert_no_axe_violations(page)
