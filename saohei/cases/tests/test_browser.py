"""In Chromium: the import page polls its progress with htmx until the job has finished, under
the strict CSP, and the reviewer records a conclusion through the form."""

import pytest
from playwright.sync_api import Page, expect

from saohei.cases import services
from saohei.cases.models import Case, CaseReview
from saohei.cases.tests.helpers import case_row, person_row, xlsx_file
from saohei.organisations.models import Unit, User
from saohei.testing.axe import assert_no_axe_violations
from saohei.testing.browser import sign_in

pytestmark = pytest.mark.browser


def test_progress_updates_without_reloading_and_the_case_is_reviewed(
    page: Page, demo_live: str
) -> None:
    problems: list[str] = []
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    town = Unit.objects.get(name="港西镇")
    job = services.create_import_job(
        actor=User.objects.get(username="minjing"),
        unit=town,
        file=xlsx_file(cases=[case_row(number="BR-001")], persons=[person_row(number="BR-001")]),
    )
    sign_in(page, demo_live, "minjing")
    page.goto(f"{demo_live}/cases/imports/{job.pk}/")
    expect(page.get_by_test_id("import-status")).to_have_text("排队中")
    page.evaluate("window.__notReloaded = true")

    services.run_import_job(job_id=job.pk)

    expect(page.get_by_test_id("import-status")).to_have_text("导入成功", timeout=5000)
    assert page.evaluate("window.__notReloaded") is True
    assert not problems, problems

    page.get_by_test_id("logout").click()
    sign_in(page, demo_live, "banshi")
    case = Case.objects.get(number="BR-001")
    page.goto(f"{demo_live}/cases/{case.pk}/")
    form = page.get_by_test_id("review-form")
    form.locator("#id_reviewed_on").fill("2020-03-01")
    form.locator("#id_notes").fill("经会同派出所核查，系个人酒后滋事，排除涉黑涉恶可能")
    form.get_by_role("button", name="保存倒查结论").click()
    expect(page.get_by_test_id("case-review")).to_have_text("排除涉黑涉恶可能")
    assert CaseReview.objects.get().reviewer.username == "banshi"


def test_the_clerk_maps_the_stations_words_once_and_the_next_import_reads_them(
    page: Page, demo_live: str
) -> None:
    """取值对照 (decision 0065): refused for words it does not know, mapped on the job page,
    checked again without a new upload; the same station's next file goes through by itself."""
    town = Unit.objects.get(name="港西镇")
    upload = xlsx_file(
        cases=[
            case_row(number="BR-101", nature="行政案件（治安）", village="港西镇东岛村村委会一组")
        ],
        persons=[
            person_row(number="BR-101", name="王某", role="主犯"),
            person_row(number="BR-101", name="李某", role="主犯"),
        ],
    ).read()
    sign_in(page, demo_live, "banshi")

    def upload_file() -> None:
        page.goto(f"{demo_live}/cases/imports/")
        form = page.get_by_test_id("import-form")
        form.locator("#id_unit").select_option(str(town.pk))
        form.locator("#id_sender").fill("港西派出所")
        form.locator("#id_file").set_input_files(
            {"name": "派出所导出.xlsx", "mimeType": "application/octet-stream", "buffer": upload}
        )
        form.get_by_role("button", name="上传并导入").click()

    upload_file()
    expect(page.get_by_test_id("import-status")).to_have_text("导入失败", timeout=10000)
    mapping = page.get_by_test_id("value-mapping")
    rows = mapping.locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(mapping.locator("tr", has_text="主犯")).to_contain_text("2")
    assert_no_axe_violations(page)
    for word, label in (("主犯", "组织者"), ("行政案件（治安）", "治安"), ("一组", "东岛村")):
        mapping.locator("tr", has_text=word).locator("select").select_option(label=label)
    mapping.get_by_test_id("save-values").click()
    expect(page.get_by_test_id("import-status")).to_have_text("导入成功", timeout=10000)
    assert Case.objects.filter(number="BR-101", village__name="东岛村").exists()
    assert not Case.objects.get(number="BR-101").persons.exclude(role="organiser").exists()

    upload_file()
    expect(page.get_by_test_id("import-status")).to_have_text("导入成功", timeout=10000)
    remembered = page.get_by_test_id("remembered-values")
    expect(remembered.locator("tr", has_text="主犯")).to_contain_text("组织者")
    assert_no_axe_violations(page)
    expect(page.get_by_test_id("value-mapping")).to_have_count(0)
