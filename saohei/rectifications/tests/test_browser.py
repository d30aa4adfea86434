"""On a phone: the village head uploads a photo and asks for 销号; the office verifies → 已销号."""

import pytest
from playwright.sync_api import Page, expect

from saohei.organisations.models import Unit, User
from saohei.rectifications import services
from saohei.rectifications.models import RectificationItem, SourceKind, Status
from saohei.rectifications.tests.conftest import PNG
from saohei.testing.browser import NewPage, sign_in

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def _item_for_cun02() -> RectificationItem:
    town = Unit.objects.get(name="港西镇")
    village = Unit.objects.get(name="东岛村")
    return services.open_item(
        actor=User.objects.get(username="banshi"),
        unit=town,
        source=services.ItemSource(
            kind=SourceKind.ARCHIVE_INSPECTION, label="村级档案检查", url=""
        ),
        data=services.ItemInput(
            village=village,
            description="谈心谈话记录缺少谈话对象签字",
            measures="补签并规范记录格式",
            responsible_leader=User.objects.get(username="shuji"),
            responsible_unit=village,
            responsible_person=User.objects.get(username="cun02"),
            working_days=10,
        ),
    )


def _submit_progress(
    phone: Page, live: str, item: RectificationItem, note: str, file: tuple[str, str, bytes]
) -> None:
    """As cun02 on the phone: fill the progress form with a note and one file, and submit."""
    sign_in(phone, live, "cun02")
    phone.goto(f"{live}/rectifications/{item.pk}/")
    form = phone.get_by_test_id("progress-form")
    form.locator("#id_content").fill(note)
    name, mime_type, content = file
    form.locator("#id_evidence").set_input_files(
        {"name": name, "mimeType": mime_type, "buffer": content}
    )
    form.get_by_role("button", name="提交进展").click()


def test_village_head_submits_evidence_from_a_phone_and_office_closes(
    new_page: NewPage, demo_live: str
) -> None:
    item = _item_for_cun02()
    phone = new_page(PHONE)  # type: ignore[arg-type]
    _submit_progress(phone, demo_live, item, "已补签全部谈话记录", ("签字页.png", "image/png", PNG))
    expect(phone.get_by_test_id("progress-list")).to_contain_text("签字页.png")
    phone.get_by_test_id("closure-form").get_by_role("button", name="申请销号").click()
    expect(phone.get_by_test_id("item-status")).to_have_text("已申请销号")
    expect(phone.get_by_test_id("verify-form")).to_have_count(0)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390

    office = new_page({"width": 1280, "height": 800})
    sign_in(office, demo_live, "banshi")
    office.goto(f"{demo_live}/rectifications/{item.pk}/")
    verify = office.get_by_test_id("verify-form")
    verify.locator("#id_decision").select_option("accept")
    verify.locator("#id_reason").fill("经现场核实，同意销号")
    verify.get_by_role("button", name="提交审核").click()
    expect(office.get_by_test_id("item-status")).to_have_text("已销号")
    assert RectificationItem.objects.get(pk=item.pk).status == Status.CLOSED


def test_a_refused_file_keeps_the_note_and_is_marked_beside_the_file_field(
    new_page: NewPage, demo_live: str
) -> None:
    item = _item_for_cun02()
    phone = new_page(PHONE)  # type: ignore[arg-type]
    note = "已召开村两委会议研究整改措施，补齐两期零报告并由村负责人签字确认存档"
    old_word_file = ("说明.doc", "application/msword", b"\xd0\xcf\x11\xe0 doc")
    _submit_progress(phone, demo_live, item, note, old_word_file)
    form = phone.get_by_test_id("progress-form")
    expect(form.locator("#id_content")).to_have_value(note)
    evidence = form.locator("#id_evidence")
    expect(evidence).to_have_attribute("aria-invalid", "true")
    expect(form.locator("#id_evidence_error")).to_contain_text("类型不受支持")
    expect(form.locator("#id_evidence_error")).to_contain_text("请重新选择文件")
    assert not item.progress_updates.exists()
