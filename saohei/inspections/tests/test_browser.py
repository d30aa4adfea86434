"""The whole path in Chromium: the office records a round with a failed folder → the village's
on-site list shows the item (and its .docx/.pdf download) → the village head, on a phone, sends
progress with a photo and asks for 销号 → the office verifies → the list shows 已销号.

It covers what the two partial tests did (finding → on-site list on a phone; evidence → 销号).
"""

import io

import pytest
from django.utils import timezone
from docx import Document
from playwright.sync_api import Page, expect

from saohei.inspections.models import Finding, InspectionRound
from saohei.inspections.tests.conftest import PNG
from saohei.organisations.models import Unit, User
from saohei.rectifications.models import Status
from saohei.testing.browser import NewPage, sign_in

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
NOTE = "谈心谈话记录缺少谈话对象签字"


def download(page: Page, testid: str) -> bytes:
    with page.expect_download() as started:
        page.get_by_test_id(testid).click()
    path = started.value.path()
    with open(path, "rb") as file:
        return file.read()


def test_failed_folder_to_closed_item_through_the_pages(new_page: NewPage, demo_live: str) -> None:
    village = Unit.objects.get(name="东岛村")
    banshi = User.objects.get(username="banshi")

    # 1. The office records the round and a folder found missing.
    office = new_page(DESKTOP)  # type: ignore[arg-type]
    sign_in(office, demo_live, "banshi")
    office.goto(f"{demo_live}/inspections/new/")
    office.locator("#id_title").fill("市扫黑办部署村级档案检查")
    office.locator("#id_deployed_by").fill("荣成市扫黑办")
    office.locator("#id_inspected_on").fill(timezone.localdate().isoformat())
    office.locator(f"input[name=inspectors][value='{banshi.pk}']").check()
    office.get_by_label("东岛村", exact=True).check()
    office.locator("#id_working_days").fill("10")
    office.get_by_role("button", name="登记", exact=True).click()
    inspection = InspectionRound.objects.get()
    expect(office).to_have_url(f"{demo_live}/inspections/{inspection.pk}/")

    form = office.get_by_test_id("finding-form")
    form.locator("#id_village").select_option(str(village.pk))
    form.locator("#id_folder").select_option(label="谈心谈话")
    form.locator("#id_result").select_option("missing")
    form.locator("#id_note").fill(NOTE)
    form.locator("#id_photos").set_input_files(
        {"name": "档案柜.png", "mimeType": "image/png", "buffer": PNG}
    )
    form.get_by_role("button", name="登记", exact=True).click()
    expect(office.get_by_test_id("finding-table")).to_contain_text(NOTE)
    item = Finding.objects.get().rectification_item
    assert item is not None

    # 2. The village's on-site list shows the item, and both printable files answer.
    office.get_by_test_id("round-villages").get_by_role("link", name="东岛村").click()
    onsite = office.get_by_test_id("onsite-table")
    expect(onsite).to_contain_text(NOTE)
    expect(onsite).to_contain_text("整改中")
    docx = Document(io.BytesIO(download(office, "download-docx")))
    assert NOTE in [cell.text for row in docx.tables[0].rows for cell in row.cells]
    assert download(office, "download-pdf").startswith(b"%PDF")

    # 3. The village head, on a phone, opens the item from the list and sends evidence.
    phone = new_page(PHONE)  # type: ignore[arg-type]
    sign_in(phone, demo_live, "cun02")
    phone.goto(f"{demo_live}/inspections/{inspection.pk}/onsite/{village.pk}/")
    phone.get_by_test_id(f"item-status-{item.pk}").click()
    expect(phone).to_have_url(f"{demo_live}/rectifications/{item.pk}/")
    progress = phone.get_by_test_id("progress-form")
    progress.locator("#id_content").fill("已补签全部谈话记录并归档")
    progress.locator("#id_evidence").set_input_files(
        {"name": "签字页.png", "mimeType": "image/png", "buffer": PNG}
    )
    progress.get_by_role("button", name="提交进展").click()
    expect(phone.get_by_test_id("progress-list")).to_contain_text("签字页.png")
    phone.get_by_test_id("closure-form").get_by_role("button", name="申请销号").click()
    expect(phone.get_by_test_id("item-status")).to_have_text("已申请销号")
    expect(phone.get_by_test_id("verify-form")).to_have_count(0)
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # 4. The office verifies; the item is closed and the round's village page says so.
    office.goto(f"{demo_live}/rectifications/{item.pk}/")
    verify = office.get_by_test_id("verify-form")
    verify.locator("#id_decision").select_option("accept")
    verify.locator("#id_reason").fill("经现场核实，同意销号")
    verify.get_by_role("button", name="提交审核").click()
    expect(office.get_by_test_id("item-status")).to_have_text("已销号")
    item.refresh_from_db()
    assert item.status == Status.CLOSED

    office.goto(f"{demo_live}/inspections/{inspection.pk}/onsite/{village.pk}/")
    expect(office.get_by_test_id(f"item-status-{item.pk}")).to_have_text("已销号")
    phone.goto(f"{demo_live}/inspections/{inspection.pk}/onsite/{village.pk}/")
    expect(phone.get_by_test_id(f"item-status-{item.pk}")).to_have_text("已销号")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
