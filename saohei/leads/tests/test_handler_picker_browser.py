"""承办人 follows 承办单位 in the browser: only the chosen unit's people are offered."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from saohei.leads import services
from saohei.leads.models import Channel, Source
from saohei.organisations.models import Unit, User
from saohei.testing.browser import NewPage, sign_in

pytestmark = pytest.mark.browser


def test_handler_options_follow_the_chosen_handling_unit(new_page: NewPage, demo_live: str) -> None:
    clerk = User.objects.get(username="banshi")
    lead = services.register_lead(
        actor=clerk,
        unit=Unit.objects.get(name="港西镇"),
        data=services.LeadInput(
            received_at=timezone.now() - timedelta(hours=1),
            channel=Channel.PHONE,
            source=Source.PUBLIC_REPORT,
            summary="有人在码头强行收取渔船停靠费",
        ),
    )
    page = new_page()  # type: ignore[call-arg]
    sign_in(page, demo_live, "banshi")
    page.goto(f"{demo_live}/leads/{lead.pk}/")
    assign = page.get_by_test_id("assign-form")
    handler = assign.locator("#id_handler")
    shown = handler.locator("option:not([hidden])")

    assign.locator("#id_handling_unit").select_option(label="东岛村")
    expect(shown).to_have_text(["（不指定）", "东岛村·李海滨"])

    handler.select_option(label="东岛村·李海滨")
    assign.locator("#id_handling_unit").select_option(label="北港村")
    # 东岛村's head is not of 北港村: the choice is cleared, 北港村's head is offered.
    expect(handler).to_have_value("")
    expect(shown).to_have_text(["（不指定）", "北港村·刘春江"])

    assign.locator("#id_handling_unit").select_option(label="港西镇")
    assert shown.count() > 20  # the whole town: its office, the station and every village head
