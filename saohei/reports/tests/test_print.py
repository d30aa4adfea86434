"""Every printed staff page carries who printed it and when, light grey, hidden on screen."""

import re

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from saohei.demo.town import DEMO_PASSWORD
from saohei.reports.tests.conftest import ClientAs
from saohei.testing.browser import NewPage


@pytest.mark.parametrize(
    ("username", "url", "stamp"),
    [
        ("banshi", "/reports/", "打印人：李晓静（banshi）"),
        ("shiban", "/reports/statistics/", "打印人：赵建民（shiban）"),
        ("cun02", "/", "打印人：李海滨（cun02）"),
    ],
)
def test_staff_pages_carry_the_signed_in_users_print_stamp(
    client_as: ClientAs, username: str, url: str, stamp: str
) -> None:
    body = client_as(username).get(url).content.decode()
    match = re.search(r'<div class="print-watermark d-none d-print-block"[^>]*>([^<]*)</div>', body)
    assert match is not None
    text = match.group(1)
    assert stamp in text
    assert f"打印时间：{timezone.localtime():%Y-%m-%d}" in text
    # Strict CSP: the stamp is styled from the static stylesheet, never inline.
    assert "saohei/watermark.css" in body
    assert "<style" not in body and ' style="' not in body


def test_the_sign_in_page_has_no_stamp(demo: None) -> None:
    assert "print-watermark" not in Client().get("/accounts/login/").content.decode()


@pytest.mark.browser
def test_watermark_shows_in_print_and_not_on_screen(new_page: NewPage, demo_live: str) -> None:
    page = new_page()  # type: ignore[call-arg]
    page.goto(f"{demo_live}/accounts/login/")
    page.locator('input[name="username"]').fill("banshi")
    page.locator('input[name="password"]').fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_test_id("welcome")).to_be_visible()
    page.goto(f"{demo_live}/reports/")

    watermark = page.get_by_test_id("print-watermark")
    expect(watermark).to_be_hidden()
    page.emulate_media(media="print")
    expect(watermark).to_be_visible()
    expect(watermark).to_contain_text("打印人：李晓静（banshi）")
    style = watermark.evaluate(
        "element => { const s = getComputedStyle(element); return [s.position, s.color]; }"
    )
    assert style == ["fixed", "rgb(180, 180, 180)"]
    page.emulate_media(media="screen")
    expect(watermark).to_be_hidden()
