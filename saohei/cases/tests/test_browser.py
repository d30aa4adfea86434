"""In Chromium: the import page polls its progress with htmx until the job has finished, under
the strict CSP, and the reviewer records a conclusion through the form."""

import pytest
from playwright.sync_api import Page, expect

from saohei.cases import services
from saohei.cases.models import Case, CaseReview
from saohei.cases.tests.helpers import case_row, person_row, xlsx_file
from saohei.organisations.models import Unit, User
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
