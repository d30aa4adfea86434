"""On a phone: a village head records 宣传车 trips with a photo, then sees them in the ledger."""

import pytest
from playwright.sync_api import expect

from saohei.organisations.models import Unit
from saohei.publicity.models import PublicityActivity
from saohei.testing.browser import NewPage, sign_in
from saohei.testing.images import image_bytes

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def test_village_head_records_an_activity_with_a_photo_from_a_phone(
    new_page: NewPage, demo_live: str
) -> None:
    phone = new_page(PHONE)  # type: ignore[arg-type]
    sign_in(phone, demo_live, "cun02")
    phone.goto(f"{demo_live}/publicity/")
    phone.get_by_test_id("record-link").click()
    form = phone.get_by_test_id("activity-form")
    # Measured once the form's page has arrived (a page mid-navigation has no document element).
    expect(form).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    # The form names the village the head records for, not the town (issue 11).
    expect(phone.get_by_test_id("form-unit")).to_have_text("东岛村")
    form.locator("#id_kind").select_option(label="宣传车")
    # A village head's form is already set to their own village.
    expect(form.locator("#id_village")).to_have_value(str(Unit.objects.get(name="东岛村").pk))
    form.locator("#id_quantity").fill("3")
    form.locator("#id_hours").fill("4.5")
    form.locator("#id_reach").fill("600")
    form.locator("#id_place").fill("全村巡回")
    form.locator("#id_photos").set_input_files(
        {"name": "宣传车.png", "mimeType": "image/png", "buffer": image_bytes("PNG")}
    )
    form.get_by_role("button", name="登记").click()
    expect(phone.get_by_test_id("photo-list")).to_contain_text("宣传车.png")
    # The thumbnail loads under the strict CSP: a picture, not a broken image.
    thumbnail = phone.get_by_test_id("file-thumb")
    thumbnail.scroll_into_view_if_needed()  # loading="lazy": fetched once on screen
    expect(thumbnail).to_be_visible()
    phone.wait_for_function(
        "() => { const img = document.querySelector('[data-testid=file-thumb]');"
        " return img.complete && img.naturalWidth > 0; }"
    )
    expect(phone.get_by_test_id("activity-quantity")).to_contain_text("3 次（4.5 小时）")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    phone.goto(f"{demo_live}/publicity/")
    expect(phone.get_by_test_id("activity-table")).to_contain_text("宣传车")
    expect(phone.get_by_test_id("filtered-totals")).to_contain_text("宣传车 3 次")
    activity = PublicityActivity.objects.get()
    assert activity.village is not None and activity.village.name == "东岛村"
    assert activity.photos.count() == 1
