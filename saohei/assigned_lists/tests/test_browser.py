"""In Chromium: a long list's import page polls its progress with htmx until the job has
finished, under the strict CSP, as the case import's does (cases/tests/test_browser.py)."""

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from saohei.assigned_lists import services
from saohei.assigned_lists.models import AssignedList, ListImportJob
from saohei.assigned_lists.tests.helpers import list_row, merged_xlsx
from saohei.assigned_lists.tests.test_import import _mapped, stage
from saohei.organisations.models import Unit, User
from saohei.testing.browser import sign_in

pytestmark = pytest.mark.browser


def test_the_progress_bar_updates_without_reloading_until_the_list_is_imported(
    page: Page, demo_live: str, settings: Any
) -> None:
    # Enqueued and left waiting: the test runs the job itself once the page is open.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    problems: list[str] = []
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    banshi = User.objects.get(username="banshi")
    town = Unit.objects.get(name="港西镇")
    _mapped(banshi, town)
    rows = [list_row(n, f"BR-{n:04d}") for n in range(1, services.INLINE_ROWS + 11)]
    staged = stage(banshi, town, merged_xlsx(rows))
    sign_in(page, demo_live, "banshi")
    page.goto(f"{demo_live}/assigned-lists/import/{staged.pk}/")
    page.get_by_test_id("confirm-import").click()
    expect(page.get_by_test_id("import-status")).to_have_text("排队中")
    page.evaluate("window.__notReloaded = true")

    job = services.run_list_import_job(job_id=ListImportJob.objects.get(staged=staged).pk)

    expect(page.get_by_test_id("import-status")).to_have_text("导入成功", timeout=5000)
    assert page.evaluate("window.__notReloaded") is True
    page.get_by_test_id("job-done").click()
    assigned = AssignedList.objects.get(staged=staged)
    assert job.assigned_list_id == assigned.pk
    expect(page).to_have_url(f"{demo_live}/assigned-lists/{assigned.pk}/")
    assert not problems, problems
