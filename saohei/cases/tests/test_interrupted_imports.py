"""An import whose task worker dies is found, marked failed and can be run again from the files
it kept (issue 14 "Faults", decision 0048). Before, a SIGKILLed import showed "写入中 100%" or
"校验中" for ever, with no retry, and its CSV (ID numbers in clear) stayed in the var dir."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from saohei.audit.models import AuditAction, AuditEvent, AuditResult
from saohei.cases import services
from saohei.cases.models import Case, ImportJob, ImportStatus
from saohei.cases.tests.helpers import CASE_HEADER, case_row, csv_file
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.health.heartbeat import beat
from saohei.health.models import WorkerHeartbeat
from saohei.organisations.models import Unit, User
from saohei.testing.processes import BASE_DIR, server_environment, wait_for

pytestmark = pytest.mark.django_db


def _stored_job(town: Unit, *, rows: int = 3) -> ImportJob:
    upload = csv_file([CASE_HEADER] + [case_row(number=f"GX-{n}") for n in range(rows)])
    return services.create_import_job(
        actor=User.objects.get(username="banshi"), unit=town, file=upload
    )


def _left_by_a_killed_worker(job: ImportJob, status: str = ImportStatus.VALIDATING) -> None:
    """What a worker killed mid-import leaves: the job claimed, its files, no heartbeat since."""
    ImportJob.objects.filter(pk=job.pk).update(status=status, worker_id="dead-worker")
    beat(worker_id="dead-worker")
    WorkerHeartbeat.objects.filter(worker_id="dead-worker").update(
        beat_at=timezone.now() - timedelta(minutes=10)
    )


@pytest.mark.parametrize("status", [ImportStatus.VALIDATING, ImportStatus.WRITING])
def test_a_job_of_a_dead_worker_is_failed_keeping_its_files(town: Unit, status: str) -> None:
    job = _stored_job(town)
    _left_by_a_killed_worker(job, status)
    assert services.fail_interrupted_imports() == 1
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and job.interrupted_at is not None
    assert job.can_retry and Path(job.file.path).exists()
    assert "重新导入" in job.message
    event = AuditEvent.objects.filter(action=AuditAction.CASES_IMPORTED).latest("sequence")
    assert event.result == AuditResult.FAILURE and event.details["interrupted"] is True
    assert services.fail_interrupted_imports() == 0  # once


def test_a_job_of_a_live_worker_and_a_command_line_job_are_left_running(town: Unit) -> None:
    running = _stored_job(town)
    ImportJob.objects.filter(pk=running.pk).update(
        status=ImportStatus.WRITING, worker_id="live-worker"
    )
    beat(worker_id="live-worker")
    command_line = _stored_job(town)
    ImportJob.objects.filter(pk=command_line.pk).update(status=ImportStatus.VALIDATING)
    assert services.fail_interrupted_imports() == 0
    assert set(ImportJob.objects.values_list("status", flat=True)) == {
        ImportStatus.WRITING,
        ImportStatus.VALIDATING,
    }


def test_a_retry_runs_the_kept_files_and_deletes_them(town: Unit) -> None:
    job = _stored_job(town, rows=4)
    kept = Path(job.file.path)
    _left_by_a_killed_worker(job)
    services.fail_interrupted_imports()
    job.refresh_from_db()

    services.retry_import(actor=User.objects.get(username="banshi"), job=job)
    job.refresh_from_db()
    assert job.status == ImportStatus.PENDING and job.worker_id == ""
    assert AuditEvent.objects.filter(action=AuditAction.CASES_IMPORT_RETRIED).count() == 1
    finished = services.run_import_job(job_id=job.pk)
    assert finished.status == ImportStatus.SUCCEEDED
    assert Case.objects.filter(unit=town).count() >= 4
    assert not kept.exists() and not finished.file


def test_only_an_interrupted_job_with_its_files_can_be_retried(town: Unit) -> None:
    banshi = User.objects.get(username="banshi")
    done = services.run_import_job(job_id=_stored_job(town).pk)
    with pytest.raises(ServiceError, match="不能重新开始"):
        services.retry_import(actor=banshi, job=done)
    assert done.status == ImportStatus.SUCCEEDED


def test_a_retry_is_refused_to_whoever_may_not_import_the_town(town: Unit) -> None:
    job = _stored_job(town)
    _left_by_a_killed_worker(job)
    services.fail_interrupted_imports()
    job.refresh_from_db()
    for username in ("cun01", "shiban"):
        with pytest.raises(ActionNotAllowed):
            services.retry_import(actor=User.objects.get(username=username), job=job)
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED


def test_kept_files_expire_after_a_day(town: Unit) -> None:
    job = _stored_job(town)
    kept = Path(job.file.path)
    _left_by_a_killed_worker(job)
    services.fail_interrupted_imports()
    assert services.expire_interrupted_import_files() == 0
    later = timezone.now() + services.RETRY_WINDOW + timedelta(minutes=1)
    assert services.expire_interrupted_import_files(now=later) == 1
    job.refresh_from_db()
    assert not kept.exists() and not job.can_retry
    assert "已过 24 小时保留期" in job.message


def test_the_job_page_finds_the_interruption_and_offers_the_retry(
    town: Unit, client_as: Callable[[str], Client]
) -> None:
    job = _stored_job(town)
    _left_by_a_killed_worker(job)
    office = client_as("banshi")
    page = office.get(f"/cases/imports/{job.pk}/").content.decode()
    assert "导入被中断" in page and 'data-testid="retry-import"' in page
    response = office.post(f"/cases/imports/{job.pk}/retry/")
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportStatus.PENDING


def test_the_retry_page_refuses_the_wrong_role_town_and_anonymous(
    town: Unit, client_as: Callable[[str], Client]
) -> None:
    job = _stored_job(town)
    _left_by_a_killed_worker(job)
    services.fail_interrupted_imports()
    url = f"/cases/imports/{job.pk}/retry/"
    assert client_as("cun01").post(url).status_code in (403, 404)
    assert client_as("shiban").post(url).status_code in (403, 404)
    anonymous = Client().post(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert client_as("banshi").get(url).status_code == 405
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED


def _status(job: ImportJob) -> str:
    return ImportJob.objects.values_list("status", flat=True).get(pk=job.pk)


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="a worker in another process needs a database server: PostgreSQL only",
)
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_import_leaves_nothing_and_the_retry_completes(
    tmp_path: Path, settings: Any
) -> None:
    from saohei.demo.loader import load_demo_town

    load_demo_town(with_history=False)
    town = Unit.objects.get(name="港西镇")
    # The worker runs the tasks (not the immediate backend of these tests) and reads the upload
    # from its own var directory's uploads, where this process stores it.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.MEDIA_ROOT = tmp_path / "var" / "uploads"
    database = settings.DATABASES["default"]
    url = f"postgres://{database['USER']}@127.0.0.1:{database['PORT'] or 5432}/{database['NAME']}"
    env = server_environment(
        tmp_path / "var",
        DATABASE_URL=url,
        SAOHEI_CONN_MAX_AGE="0",
        SAOHEI_DATA_KEY=",".join(f"{k}:{v.hex()}" for k, v in settings.SAOHEI_DATA_KEYS.items()),
        SAOHEI_INDEX_KEY=settings.SAOHEI_INDEX_KEY.hex(),
        SAOHEI_AUDIT_KEY=settings.SAOHEI_AUDIT_KEY.hex(),
    )

    def start_worker() -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "manage.py", "run_worker", "--interval", "0.1", "--no-startup-delay"],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )

    rows = 20_000
    upload = csv_file([CASE_HEADER] + [case_row(number=f"GX-{n}") for n in range(rows)])
    job = services.submit_case_import(
        actor=User.objects.get(username="banshi"), unit=town, file=upload
    )
    worker = start_worker()
    try:
        assert wait_for(lambda: _status(job) != ImportStatus.PENDING, 60, step=0.05), (
            "never started"
        )
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
        assert _status(job) in (ImportStatus.VALIDATING, ImportStatus.WRITING)
        assert not Case.objects.filter(unit=town).exists()

        settings.SAOHEI_WORKER_STALE_SECONDS = 1
        time.sleep(1.5)
        assert services.fail_interrupted_imports() == 1
        job.refresh_from_db()
        assert job.can_retry

        services.retry_import(actor=User.objects.get(username="banshi"), job=job)
        worker = start_worker()
        assert wait_for(lambda: _status(job) == ImportStatus.SUCCEEDED, 180, step=0.5)
        assert Case.objects.filter(unit=town).count() == rows
        job.refresh_from_db()
        assert not job.file
    finally:
        worker.kill()
        worker.wait(timeout=10)
