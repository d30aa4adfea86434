"""A long 交办清单 is imported as a background job (decision 0061, addendum): a progress page
polled by htmx, all-or-nothing, a failure retried without a new upload, one job however often
确认导入 is pressed, the staged rows emptied once written."""

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from saohei.assigned_lists import services
from saohei.assigned_lists.models import AssignedList, AssignedListRow, ListImportJob
from saohei.assigned_lists.tests.helpers import list_row, merged_xlsx
from saohei.assigned_lists.tests.test_import import _mapped, stage
from saohei.audit.models import AuditAction, AuditEvent, AuditResult
from saohei.common.errors import ServiceError
from saohei.health.heartbeat import beat
from saohei.health.jobs import JobStatus
from saohei.health.models import WorkerHeartbeat
from saohei.leads import services as lead_services
from saohei.leads.models import Lead
from saohei.organisations.models import Unit, User
from saohei.sheets.models import StagedSheet

pytestmark = pytest.mark.django_db

# Longer than INLINE_ROWS, so 确认导入 makes a job; short enough for a quick test.
LONG = services.INLINE_ROWS + 60


@pytest.fixture(autouse=True)
def _immediate_tasks(settings: Any) -> None:
    """The task runs in this process when it is enqueued, as the case import's tests run it."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def long_list(banshi: User, town: Unit) -> StagedSheet:
    _mapped(banshi, town)
    rows = [list_row(n, f"RC-{n:04d}") for n in range(1, LONG + 1)]
    return stage(banshi, town, merged_xlsx(rows))


def _confirm(client: Client, staged: StagedSheet, capture: Any) -> Any:
    with capture(execute=True):
        return client.post(f"/assigned-lists/import/{staged.pk}/", {"action": "import"})


def test_a_long_list_is_imported_through_the_job_and_its_staged_rows_emptied(
    client_as, long_list, django_capture_on_commit_callbacks
):
    client = client_as("banshi")
    page = client.get(f"/assigned-lists/import/{long_list.pk}/").content.decode()
    assert "清单较长，确认后在后台导入" in page

    response = _confirm(client, long_list, django_capture_on_commit_callbacks)

    job = ListImportJob.objects.get()
    assert response["Location"] == f"/assigned-lists/jobs/{job.pk}/"
    assert job.status == JobStatus.SUCCEEDED and job.processed_rows == LONG
    assigned = AssignedList.objects.get()
    assert job.assigned_list == assigned and assigned.created_count == LONG
    assert AssignedListRow.objects.filter(assigned_list=assigned).count() == LONG
    assert Lead.objects.filter(upstream_reference__startswith="RC-").count() == LONG
    long_list.refresh_from_db()
    assert long_list.rows == [] and long_list.imported_at is not None
    shown = client.get(response["Location"]).content.decode()
    assert "导入成功" in shown and f"/assigned-lists/{assigned.pk}/" in shown
    # The preview of an imported list leads to the list.
    again = client.get(f"/assigned-lists/import/{long_list.pk}/")
    assert again["Location"] == f"/assigned-lists/{assigned.pk}/"


def test_a_short_list_is_still_imported_in_the_request(banshi, town, client_as):
    _mapped(banshi, town)
    staged = stage(banshi, town, merged_xlsx([list_row(1, "RC-1"), list_row(2, "RC-2")]))
    response = client_as("banshi").post(
        f"/assigned-lists/import/{staged.pk}/", {"action": "import"}
    )
    assigned = AssignedList.objects.get()
    assert response["Location"] == f"/assigned-lists/{assigned.pk}/"
    assert not ListImportJob.objects.exists()
    staged.refresh_from_db()
    assert staged.rows == []


def test_a_second_confirm_starts_no_second_job(
    client_as, long_list, django_capture_on_commit_callbacks
):
    client = client_as("banshi")
    first = _confirm(client, long_list, django_capture_on_commit_callbacks)
    second = _confirm(client, long_list, django_capture_on_commit_callbacks)
    assert ListImportJob.objects.count() == 1 and AssignedList.objects.count() == 1
    job = ListImportJob.objects.get()
    assert first["Location"] == f"/assigned-lists/jobs/{job.pk}/"
    # The second lands on the imported list (or, while the first runs, on its job).
    assert second.status_code == 302


def test_a_submit_while_the_job_waits_returns_the_same_job(banshi, long_list):
    first = services.submit_list_import(actor=banshi, staged=long_list)  # not run: no commit
    second = services.submit_list_import(actor=banshi, staged=long_list)
    assert first.pk == second.pk and first.status == JobStatus.PENDING
    assert ListImportJob.objects.count() == 1


def test_a_failure_writes_nothing_and_a_retry_needs_no_new_upload(
    banshi, long_list, client_as, monkeypatch, django_capture_on_commit_callbacks
):
    real = lead_services.register_leads

    def failing(**kwargs: Any) -> list[Lead]:
        # The new leads are written, with their subjects and audit events; then the disk fills.
        real(**kwargs)
        raise RuntimeError("disk full")

    monkeypatch.setattr(lead_services, "register_leads", failing)
    leads_before = Lead.objects.count()
    # The task backend logs the task's own exception (re-raised after the job is marked).
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_list_import(actor=banshi, staged=long_list)

    job = ListImportJob.objects.get()
    assert job.status == JobStatus.FAILED and "未写入任何内容" in job.message
    assert Lead.objects.count() == leads_before
    assert not AssignedList.objects.exists() and not AssignedListRow.objects.exists()
    long_list.refresh_from_db()
    assert long_list.rows and long_list.imported_at is None
    event = AuditEvent.objects.filter(action=AuditAction.ASSIGNED_LIST_IMPORTED).latest("sequence")
    assert event.result == AuditResult.FAILURE
    client = client_as("banshi")
    page = client.get(f"/assigned-lists/jobs/{job.pk}/").content.decode()
    assert "导入失败" in page and 'data-testid="retry-import"' in page

    monkeypatch.setattr(lead_services, "register_leads", real)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/assigned-lists/jobs/{job.pk}/retry/")
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert Lead.objects.count() == leads_before + LONG
    assert AuditEvent.objects.filter(action=AuditAction.ASSIGNED_LIST_IMPORT_RETRIED).exists()


def test_a_row_problem_found_when_the_job_runs_fails_it_with_the_reason(
    banshi, long_list, django_capture_on_commit_callbacks
):
    job = services.submit_list_import(actor=banshi, staged=long_list)
    # Refused when the worker runs: the clerk lost the right to import meanwhile.
    banshi.role_grants.all().delete()
    services.run_list_import_job(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "只有本镇扫黑办工作人员可以导入交办清单" in job.message
    assert not AssignedList.objects.exists()


def test_a_job_of_a_dead_worker_is_failed_and_retried(
    banshi, long_list, client_as, django_capture_on_commit_callbacks
):
    job = services.submit_list_import(actor=banshi, staged=long_list)
    # What a worker killed mid-write leaves: the job claimed, no heartbeat since.
    ListImportJob.objects.filter(pk=job.pk).update(
        status=JobStatus.WRITING, worker_id="dead-worker", total_rows=LONG
    )
    beat(worker_id="dead-worker")
    WorkerHeartbeat.objects.filter(worker_id="dead-worker").update(
        beat_at=timezone.now() - timedelta(minutes=10)
    )
    page = client_as("banshi").get(f"/assigned-lists/jobs/{job.pk}/").content.decode()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.interrupted_at is not None
    assert "导入被中断" in page and 'data-testid="retry-import"' in page
    with django_capture_on_commit_callbacks(execute=True):
        services.retry_list_import(actor=banshi, job=job)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED


def test_a_failed_jobs_staged_rows_expire_after_a_day(banshi, long_list):
    job = services.submit_list_import(actor=banshi, staged=long_list)
    ListImportJob.objects.filter(pk=job.pk).update(
        status=JobStatus.FAILED, finished_at=timezone.now() - timedelta(hours=25)
    )
    assert services.expire_failed_list_imports() == 1
    long_list.refresh_from_db()
    job.refresh_from_db()
    assert long_list.rows == [] and not job.can_retry and "保留期" in job.message
    assert services.expire_failed_list_imports() == 0


def test_reimport_by_sender_and_reference_works_through_the_job(
    banshi, town, django_capture_on_commit_callbacks
):
    _mapped(banshi, town)
    rows = [list_row(n, f"RC-{n:04d}") for n in range(1, LONG + 1)]
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_list_import(actor=banshi, staged=stage(banshi, town, merged_xlsx(rows)))
    lead = Lead.objects.get(upstream_reference="RC-0001")
    rows[0] = list_row(1, "RC-0001", content="有人在码头强行收取渔船停靠费，并殴打不交费的船主")
    corrected = stage(banshi, town, merged_xlsx(rows))

    with django_capture_on_commit_callbacks(execute=True):
        job = services.submit_list_import(actor=banshi, staged=corrected)

    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    second = job.assigned_list
    assert second is not None
    assert (second.created_count, second.updated_count) == (0, 1)
    assert Lead.objects.filter(upstream_reference__startswith="RC-").count() == LONG
    lead.refresh_from_db()
    assert "殴打" in lead.summary + lead.narrative


def test_the_progress_fragment_is_polled_until_the_job_ends(banshi, long_list, client_as):
    job = services.submit_list_import(actor=banshi, staged=long_list)  # not run: no commit
    client = client_as("banshi")
    fragment = client.get(f"/assigned-lists/jobs/{job.pk}/", headers={"HX-Request": "true"})
    text = fragment.content.decode()
    assert "<html" not in text and "排队中" in text
    assert f'hx-get="/assigned-lists/jobs/{job.pk}/"' in text
    services.run_list_import_job(job_id=job.pk)
    text = client.get(f"/assigned-lists/jobs/{job.pk}/", headers={"HX-Request": "true"}).content
    assert "导入成功" in text.decode() and b"hx-get" not in text


@pytest.mark.parametrize("username", ["cun01", "shuji"])
def test_a_village_head_and_a_leader_cannot_open_the_job(banshi, long_list, client_as, username):
    job = services.submit_list_import(actor=banshi, staged=long_list)
    client = client_as(username)
    assert client.get(f"/assigned-lists/jobs/{job.pk}/").status_code == 403
    assert client.post(f"/assigned-lists/jobs/{job.pk}/retry/").status_code == 403


def test_another_towns_clerk_gets_404_for_the_job(banshi, long_list, client_as, other_town):
    job = services.submit_list_import(actor=banshi, staged=long_list)
    client = client_as("gdbanshi")
    assert client.get(f"/assigned-lists/jobs/{job.pk}/").status_code == 404
    assert client.post(f"/assigned-lists/jobs/{job.pk}/retry/").status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in_from_the_job(banshi, long_list):
    job = services.submit_list_import(actor=banshi, staged=long_list)
    response = Client().get(f"/assigned-lists/jobs/{job.pk}/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert Client().post(f"/assigned-lists/jobs/{job.pk}/retry/").status_code == 302


def test_the_list_page_shows_a_waiting_job_to_the_clerk_only(banshi, long_list, client_as):
    job = services.submit_list_import(actor=banshi, staged=long_list)  # not run: no commit
    page = client_as("banshi").get("/assigned-lists/").content.decode()
    assert 'data-testid="list-jobs"' in page and f"/assigned-lists/jobs/{job.pk}/" in page
    assert (
        'data-testid="list-jobs"' not in client_as("shuji").get("/assigned-lists/").content.decode()
    )


def test_a_list_over_the_sites_cap_is_refused_with_the_figure(banshi: User, town: Unit) -> None:
    """SQLite keeps the cap it had before the job (every other writer waits for the write);
    PostgreSQL takes the job's."""
    cap = services.max_list_rows()
    assert cap == (1000 if connection.vendor == "sqlite" else 5000)
    # Counted with the rows above the header, as the sheet reader counts (a title and a
    # two-row header here).
    rows = [list_row(n, f"CAP-{n:05d}") for n in range(1, cap + services.HEADER_SEARCH_ROWS)]
    with pytest.raises(ServiceError, match=f"超过 {cap + services.HEADER_SEARCH_ROWS} 行"):
        stage(banshi, town, merged_xlsx(rows))
    assert not StagedSheet.objects.exists()
    assert not Lead.objects.exists()
