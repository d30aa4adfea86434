"""A village head creates a read-only token in Chromium, copies it from the page, the API
answers it and refuses it a write, and the list shows it without the token (decision 0059)."""

import json
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import Page, expect

from saohei.testing.browser import sign_in

pytestmark = pytest.mark.browser


def _api(base: str, path: str, token: str, method: str = "GET") -> tuple[int, dict]:  # type: ignore[type-arg]
    request = urllib.request.Request(  # noqa: S310 (the test's own live server)
        base + path,
        method=method,
        data=b"{}" if method != "GET" else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_a_village_head_creates_a_read_only_token_and_uses_it(page: Page, demo_live: str) -> None:
    sign_in(page, demo_live, "cun01")
    page.goto(f"{demo_live}/api-tokens/")
    page.get_by_role("link", name="创建令牌").click()
    page.get_by_label("名称").fill("村务看板")
    expect(page.get_by_label("只读")).to_be_checked()
    page.get_by_label("有效期").select_option("30")
    page.get_by_role("button", name="创建令牌").click()

    token = page.get_by_test_id("new-token").inner_text().strip()
    assert token.startswith("shb_")
    assert _api(demo_live, "/api/v1/me", token)[1]["username"] == "cun01"
    status, body = _api(demo_live, "/api/v1/leads", token, method="POST")
    assert status == 403 and body["error"]["code"] == "read_only_token"

    page.get_by_role("link", name="返回接口令牌").click()
    row = page.get_by_role("row").filter(has_text="村务看板")
    expect(row).to_contain_text("只读")
    expect(row).to_contain_text("有效")
    assert token not in page.content()
    row.get_by_role("button", name="吊销").click()
    expect(page.get_by_role("row").filter(has_text="村务看板")).to_contain_text("已吊销")
    assert _api(demo_live, "/api/v1/me", token)[0] == 401
