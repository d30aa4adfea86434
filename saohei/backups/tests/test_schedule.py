from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.test import override_settings
from django.utils import timezone

from saohei.audit.models import AuditAction, AuditEvent, AuditResult
from saohei.backups.models import BackupRun, BackupStatus
from saohei.backups.queries import last_successful_backup
from saohei.backups.retention import backups_to_keep
from saohei.backups.services import (
    RestoreRefused,
    prune_backups,
    restore_backup,
    run_scheduled_backup,
)


def test_retention_keeps_seven_daily_four_weekly_and_six_monthly() -> None:
    # One backup a day at 02:00 for a year and a bit, newest Saturday 2026-12-05.
    newest = datetime(2026, 12, 5, 2)
    stamps = [newest - timedelta(days=days) for days in range(400)]
    kept = backups_to_keep(stamps)
    daily = {newest - timedelta(days=days) for days in range(7)}  # 11-29 … 12-05
    # ISO weeks end on Sunday: the newest of this week (12-05) and of the three before.
    weekly = {datetime(2026, 12, 5, 2), *(datetime(2026, 11, day, 2) for day in (29, 22, 15))}
    monthly = {datetime(2026, 12, 5, 2)} | {
        datetime(2026, month, day, 2)
        for month, day in ((11, 30), (10, 31), (9, 30), (8, 31), (7, 31))
    }
    assert kept == daily | weekly | monthly
    # 12-05 is in all three, 11-29 daily and weekly, 11-30 daily and monthly.
    assert len(kept) == 7 + 2 + 4


def test_retention_with_gaps_counts_only_days_that_have_a_backup() -> None:
    stamps = [datetime(2026, 12, 5, 2), datetime(2026, 12, 5, 14), datetime(2026, 11, 1, 2)]
    assert backups_to_keep(stamps) == {datetime(2026, 12, 5, 14), datetime(2026, 11, 1, 2)}


def test_prune_deletes_only_backups_retention_drops(tmp_path: Path) -> None:
    newest = datetime(2026, 12, 5, 2)
    for days in range(40):
        stamp = newest - timedelta(days=days)
        (tmp_path / f"saohei-{stamp:%Y%m%d-%H%M%S}.sbk").write_bytes(b"x")
    (tmp_path / "notes.txt").write_text("operator's own file")
    deleted = prune_backups(directory=tmp_path)
    left = sorted(path.name for path in tmp_path.iterdir())
    assert len(deleted) == 40 - (len(left) - 1)
    assert "notes.txt" in left
    assert "saohei-20261129-020000.sbk" in left and "saohei-20261031-020000.sbk" in left
    assert "saohei-20261128-020000.sbk" not in left


# Outside a test transaction: a backup copies committed data only.
@pytest.mark.django_db(transaction=True)
def test_the_schedule_backs_up_once_a_day_and_records_the_run(
    tmp_path: Path, settings: object
) -> None:
    settings.SAOHEI_BACKUP_DIR = tmp_path  # type: ignore[attr-defined]
    run = run_scheduled_backup()
    assert run is not None and run.status == BackupStatus.SUCCEEDED
    assert (tmp_path / run.file_name).stat().st_size == run.size_bytes > 0
    assert last_successful_backup() == run
    event = AuditEvent.objects.get(action=AuditAction.BACKUP_CREATED)
    assert event.result == AuditResult.SUCCESS and event.target_label == run.file_name
    assert run_scheduled_backup(now=timezone.now() + timedelta(hours=23)) is None
    later = run_scheduled_backup(now=timezone.now() + timedelta(days=1, minutes=1))
    assert later is not None and BackupRun.objects.succeeded().count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_failed_backup_is_recorded_without_being_the_last_good_one(
    tmp_path: Path, settings: object
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    settings.SAOHEI_BACKUP_DIR = blocker / "backups"  # type: ignore[attr-defined]
    run = run_scheduled_backup()
    assert run is not None and run.status == BackupStatus.FAILED and run.error
    assert last_successful_backup() is None
    event = AuditEvent.objects.get(action=AuditAction.BACKUP_CREATED)
    assert event.result == AuditResult.FAILURE


def test_restore_into_a_database_with_data_is_refused(demo: None, tmp_path: Path) -> None:
    archive = tmp_path / "never-read.sbk"
    archive.write_bytes(b"")
    with (
        override_settings(MEDIA_ROOT=tmp_path / "uploads"),
        pytest.raises(RestoreRefused, match="目标数据库不是空库"),
    ):
        restore_backup(path=archive)
    assert not (tmp_path / "uploads").exists()


def test_the_schedule_never_backs_up_inside_a_transaction(
    demo: None, tmp_path: Path, settings: object
) -> None:
    settings.SAOHEI_BACKUP_DIR = tmp_path  # type: ignore[attr-defined]
    assert run_scheduled_backup() is None
    assert not BackupRun.objects.exists() and not list(tmp_path.iterdir())


@pytest.mark.django_db
def test_a_backup_left_running_by_a_killed_process_is_failed_and_its_partial_file_removed(
    tmp_path: Path,
) -> None:
    import os

    from saohei.backups.services import ABANDONED_AFTER, fail_abandoned_backups

    long_ago = timezone.now() - ABANDONED_AFTER - timedelta(minutes=5)
    killed = BackupRun.objects.create(started_at=long_ago)
    running = BackupRun.objects.create()  # began just now: still going
    partial = tmp_path / ".saohei-20261205-010000.sbk.partial"
    partial.write_bytes(b"half")
    os.utime(partial, (long_ago.timestamp(), long_ago.timestamp()))
    fresh = tmp_path / ".saohei-20261205-090000.sbk.partial"
    fresh.write_bytes(b"being written")
    with override_settings(SAOHEI_BACKUP_DIR=tmp_path):
        assert fail_abandoned_backups() == 1
        assert fail_abandoned_backups() == 0
    killed.refresh_from_db()
    running.refresh_from_db()
    assert killed.status == BackupStatus.FAILED and "中断" in killed.error
    assert running.status == BackupStatus.RUNNING
    assert not partial.exists() and fresh.exists()
    event = AuditEvent.objects.filter(action=AuditAction.BACKUP_CREATED).latest("sequence")
    assert event.result == AuditResult.FAILURE
    assert last_successful_backup() is None
