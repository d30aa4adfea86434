"""Health checks (issue 14 "Operations", decision 0047): the load balancer's `/healthz` reads
what a web server needs to serve; `/healthz/full` and `manage.py health` read everything, the
worker's heartbeat included; anonymous callers learn ok or fail and nothing else."""

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from saohei.backups.models import BackupRun, BackupStatus
from saohei.health.checks import run_checks
from saohei.health.heartbeat import beat
from saohei.health.models import WorkerHeartbeat
from saohei.testing.processes import run_manage, server_environment

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def enough_disk(settings: Any) -> None:
    settings.SAOHEI_HEALTH_MIN_FREE_MB = 0


@pytest.fixture
def backed_up() -> None:
    """A backup that finished an hour ago (the backups context's check, decision 0047)."""
    _backup(hours_ago=1)


def _backup(*, hours_ago: float) -> None:
    finished = timezone.now() - timedelta(hours=hours_ago)
    BackupRun.objects.create(
        started_at=finished - timedelta(minutes=1),
        finished_at=finished,
        status=BackupStatus.SUCCEEDED,
        file_name="saohei-test.sbk",
    )


def _check(name: str) -> Any:
    (result,) = [result for result in run_checks() if result.name == name]
    return result


def _get(path: str) -> tuple[int, bytes]:
    response = Client().get(path)
    return response.status_code, response.content


def test_a_live_worker_and_a_migrated_database_are_healthy(backed_up: None) -> None:
    beat(worker_id="w1")
    assert _get("/healthz") == (200, b"ok")
    assert _get("/healthz/full") == (200, b"ok")
    assert all(result.ok for result in run_checks())


def test_without_a_worker_monitoring_fails_but_the_load_balancer_keeps_the_server() -> None:
    assert _get("/healthz/full") == (503, b"fail")
    assert _get("/healthz") == (200, b"ok")
    (worker,) = [result for result in run_checks() if result.name == "worker"]
    assert not worker.ok and "没有后台任务进程" in worker.detail


def test_a_worker_silent_for_longer_than_allowed_is_reported(
    settings: Any, backed_up: None
) -> None:
    settings.SAOHEI_WORKER_STALE_SECONDS = 120
    beat(worker_id="w1")
    WorkerHeartbeat.objects.update(beat_at=timezone.now() - timedelta(seconds=300))
    (worker,) = [result for result in run_checks() if result.name == "worker"]
    assert not worker.ok and "秒没有心跳" in worker.detail
    beat(worker_id="w2")  # another worker is alive: the newest heartbeat counts
    assert _get("/healthz/full") == (200, b"ok")


def test_heartbeats_of_long_ended_workers_are_let_go() -> None:
    beat(worker_id="old")
    WorkerHeartbeat.objects.update(beat_at=timezone.now() - timedelta(days=2))
    beat(worker_id="new")
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["new"]


def test_low_disk_space_fails_monitoring_only(settings: Any, backed_up: None) -> None:
    beat(worker_id="w1")
    settings.SAOHEI_HEALTH_MIN_FREE_MB = 10**12
    (disk,) = [result for result in run_checks() if result.name == "disk"]
    assert not disk.ok and "低于" in disk.detail
    assert _get("/healthz/full") == (503, b"fail")
    assert _get("/healthz") == (200, b"ok")


def test_no_backup_or_an_old_one_fails_monitoring_only() -> None:
    beat(worker_id="w1")
    assert not _check("backup").ok and "尚无成功的备份" in _check("backup").detail
    assert _get("/healthz/full") == (503, b"fail")
    assert _get("/healthz") == (200, b"ok")
    _backup(hours_ago=30)
    assert not _check("backup").ok and "超过 26 小时" in _check("backup").detail
    _backup(hours_ago=2)
    assert _check("backup").ok
    assert _get("/healthz/full") == (200, b"ok")


def test_a_check_that_raises_fails_with_the_error_class_only(settings: Any, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path / "gone"
    (disk,) = [result for result in run_checks() if result.name == "disk"]
    assert not disk.ok
    assert disk.detail == "检查出错（FileNotFoundError）"


def test_pending_migrations_fail_and_the_command_names_them(tmp_path: Path) -> None:
    env = server_environment(tmp_path / "var", SAOHEI_HEALTH_MIN_FREE_MB="0")
    before = run_manage(env, "health")
    assert before.returncode != 0
    assert "数据库迁移：异常" in before.stdout
    migrated = run_manage(env, "migrate", "--noinput", "-v0")
    assert migrated.returncode == 0, migrated.stderr
    after = run_manage(env, "health")
    assert "数据库迁移：正常" in after.stdout
    assert "数据库：正常" in after.stdout
    assert "后台任务进程：异常" in after.stdout  # no worker in this installation
    assert after.returncode != 0
