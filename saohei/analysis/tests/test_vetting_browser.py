"""In Chromium: the office uploads a GBK candidate list, reads the 联审 sheet and downloads it;
a list with a bad row comes back with each row's reason. axe finds nothing on the way."""

from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from saohei.analysis.tests.registry_helpers import P, id_number, make_case
from saohei.organisations.models import Unit
from saohei.testing.axe import assert_no_axe_violations
from saohei.testing.browser import sign_in

pytestmark = pytest.mark.browser


def test_a_list_from_upload_to_the_sheet_and_its_export(
    page: Page, demo_live: str, tmp_path: Path
) -> None:
    town = Unit.objects.get(name="港西镇")
    make_case(town, P("黄大勇", role="gatherer", id_number=id_number(21)), on=date(2024, 3, 5))
    bad = tmp_path / "有错的名单.csv"
    bad.write_bytes(
        f"村,姓名,身份证号,拟任职务\r\n月亮村,李四,{id_number(22)},委员\r\n".encode("gbk")
    )
    good = tmp_path / "候选人名单.csv"
    good.write_bytes(
        (
            "村,姓名,身份证号,拟任职务\r\n"
            f"东岛村,黄大勇,{id_number(21)},村委会委员\r\n"
            f"北港村,孙清白,{id_number(23)},村委会主任\r\n"
        ).encode("gbk")
    )
    sign_in(page, demo_live, "banshi")
    page.goto(f"{demo_live}/analysis/vetting/")
    page.get_by_label("候选人名单").set_input_files(str(bad))
    page.get_by_role("button", name="上传并联审").click()
    expect(page.get_by_test_id("vetting-errors")).to_contain_text("“月亮村”不是港西镇的村（社区）")
    assert_no_axe_violations(page)

    page.get_by_label("候选人名单").set_input_files(str(good))
    page.get_by_role("button", name="上传并联审").click()
    sheet = page.get_by_test_id("vetting-sheet")
    expect(sheet).to_contain_text("治安案件")
    expect(page.get_by_test_id("vetting-result")).to_have_text(["需复核", "无记录"])
    assert id_number(21) not in page.content()
    assert_no_axe_violations(page)

    with page.expect_download() as download:
        page.get_by_test_id("vetting-export").click()
    assert download.value.suggested_filename.startswith("候选人资格联审表-")
    saved = tmp_path / "联审表.xlsx"
    download.value.save_as(saved)
    workbook = load_workbook(saved, read_only=True)
    rows = [row for row in workbook.worksheets[0].iter_rows(values_only=True)]
    assert any(row[3] == "黄大勇" and row[6] == "需复核" for row in rows if len(row) > 6)
