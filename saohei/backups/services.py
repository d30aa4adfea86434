"""Backups out, restores in, and the schedule with retention. Keys never go into a backup."""

import contextlib
import logging
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from saohei.audit.models import AuditAction, AuditResult
from saohei.audit.queries import check_integrity, verify_chain
from saohei.audit.services import record_event
from saohei.backups import database
from saohei.backups.archive import ArchiveError, DecryptingReader, EncryptingWriter, key_check
from saohei.backups.bundle import unpack, write_bundle
from saohei.backups.models import BackupRun, BackupStatus
from saohei.backups.queries import last_successful_backup
from saohei.backups.retention import backups_to_keep
from saohei.common.errors import ServiceError

logger = logging.getLogger(__name__)

FORMAT = 1
SUFFIX = ".sbk"
_NAME = re.compile(r"^saohei-(\d{8}-\d{6})\.sbk$")
_STAMP = "%Y%m%d-%H%M%S"
SCHEDULE_INTERVAL = timedelta(days=1)
# A backup still "running" this long after it began was killed with its process (a demo
# town's takes seconds, a province's database minutes).
ABANDONED_AFTER = timedelta(hours=6)


class BackupFailed(ServiceError):
    """The backup could not be written; the run is recorded as failed."""


class RestoreRefused(ServiceError):
    """The restore was refused before anything was written (or was undone)."""


def backup_directory() -> Path:
    return Path(settings.SAOHEI_BACKUP_DIR)


def _key_checks(data_key_ids: list[str]) -> dict[str, Any]:
    """Values that show at restore whether the operator gave the same keys; not the keys."""
    data_keys = settings.SAOHEI_DATA_KEYS
    return {
        "audit": key_check(settings.SAOHEI_AUDIT_KEY, b"audit").hex(),
        "index": key_check(settings.SAOHEI_INDEX_KEY, b"index").hex(),
        "data": {
            key_id: key_check(data_keys[key_id], b"data").hex()
            for key_id in data_key_ids
            if data_keys.get(key_id) is not None
        },
    }


def create_backup(*, output_dir: Path | None = None, actor: Any = None) -> BackupRun:
    """Write one encrypted backup (database snapshot, every upload, manifest) while the system
    serves; record the run and one audit event, whatever the outcome."""
    if connection.in_atomic_block:
        # The snapshot is of committed data, and SQLite's would wait on this transaction for ever.
        raise BackupFailed("不能在数据库事务中备份")
    directory = output_dir or backup_directory()
    run = BackupRun.objects.create()
    started = timezone.localtime(run.started_at)
    name = f"saohei-{started.strftime(_STAMP)}{SUFFIX}"
    partial = directory / f".{name}.partial"
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="saohei-backup-") as scratch:
            # The checkpoint file before the database: then every checkpoint in the backup names
            # a head the snapshot holds, and the restore can hold the two against each other.
            checkpoints = _copy_checkpoint_file(Path(scratch))
            snapshot = database.snapshot(Path(scratch))
            manifest = {
                "format": FORMAT,
                "created_at": started.isoformat(),
                "engine": snapshot.engine,
                "tables": snapshot.table_counts,
                "migrations": snapshot.migrations,
                "data_key_ids": snapshot.data_key_ids,
                "key_checks": _key_checks(snapshot.data_key_ids),
            }
            with partial.open("xb") as target:
                writer = EncryptingWriter(target, key=settings.SAOHEI_BACKUP_KEY)
                written = write_bundle(
                    writer,
                    database_file=snapshot.path,
                    media_root=Path(settings.MEDIA_ROOT),
                    checkpoint_file=checkpoints,
                    manifest=manifest,
                )
                writer.close()
                target.flush()
                os.fsync(target.fileno())
        os.replace(partial, directory / name)
    except Exception as error:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        _finish(run, actor=actor, error=f"{type(error).__name__}: {error}"[:2000])
        raise BackupFailed(f"备份失败：{error}") from error
    run.file_name = name
    run.size_bytes = (directory / name).stat().st_size
    _finish(run, actor=actor, files=len(written["files"]), tables=len(written["tables"]))
    return run


def _copy_checkpoint_file(scratch: Path) -> Path | None:
    source = Path(settings.SAOHEI_AUDIT_CHECKPOINT_FILE)
    copy = scratch / "checkpoints.log"
    try:
        copy.write_bytes(source.read_bytes())
    except FileNotFoundError:
        return None
    return copy


def _finish(run: BackupRun, *, actor: Any, error: str = "", **counts: int) -> None:
    with transaction.atomic():
        run.finished_at = timezone.now()
        run.status = BackupStatus.FAILED if error else BackupStatus.SUCCEEDED
        run.error = error
        run.save(update_fields=["finished_at", "status", "error", "file_name", "size_bytes"])
        record_event(
            action=AuditAction.BACKUP_CREATED,
            actor=actor,
            target=run,
            target_label=run.file_name,
            result=AuditResult.FAILURE if error else AuditResult.SUCCESS,
            details={"size_bytes": run.size_bytes, **counts},
        )


@dataclass(frozen=True)
class RestoreReport:
    tables: int
    rows: int
    files: int
    audit_events_checked: int
    migrations: int
    # What became of the backup's audit checkpoint file, in a sentence for the operator.
    checkpoints: str = ""


def restore_backup(*, path: Path) -> RestoreReport:
    """Restore into an empty installation of the same engine, with the same data, index and
    audit keys. Everything is decrypted and verified in a scratch directory first; a refusal
    writes nothing."""
    media_root = Path(settings.MEDIA_ROOT)
    _require_empty_target(media_root)
    media_root.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # Beside the uploads directory, so that the verified files are moved in, not copied.
    with tempfile.TemporaryDirectory(prefix=".restore-", dir=media_root.parent) as scratch:
        try:
            with path.open("rb") as source:
                unpacked = unpack(
                    DecryptingReader(source, key=settings.SAOHEI_BACKUP_KEY), Path(scratch)
                )
        except OSError as error:
            raise RestoreRefused(f"无法读取备份文件：{error.strerror}") from error
        except ArchiveError as error:
            raise RestoreRefused(f"拒绝恢复：{error}。未写入任何数据。") from error
        manifest = unpacked.manifest
        _check_manifest(manifest)
        database.load(manifest["engine"], unpacked.database_file)
        try:
            report = _check_loaded(manifest, checkpoint_file=unpacked.checkpoint_file)
        except RestoreRefused:
            database.unload(manifest["engine"])
            raise
        if unpacked.uploads.exists():
            if media_root.exists():
                media_root.rmdir()  # checked empty above
            os.replace(unpacked.uploads, media_root)
        report = _place_checkpoint_file(report, unpacked.checkpoint_file)
    record_event(
        action=AuditAction.BACKUP_RESTORED,
        target_label=path.name,
        details={"tables": report.tables, "rows": report.rows, "files": report.files},
    )
    return report


def _require_empty_target(media_root: Path) -> None:
    if media_root.exists() and any(media_root.iterdir()):
        raise RestoreRefused(
            f"拒绝恢复：上传文件目录 {media_root} 不是空的。请在全新的安装上恢复。"
        )
    filled = database.tables_with_rows()
    if filled:
        example = ", ".join(sorted(filled)[:3])
        raise RestoreRefused(
            f"拒绝恢复：目标数据库不是空库（{len(filled)} 张表中已有数据，如 {example}）。"
            "请新建一个空数据库（不要先运行 migrate）后再恢复。"
        )


def _check_manifest(manifest: dict[str, Any]) -> None:
    """Same engine, no migration this release does not know, and the same keys."""
    if manifest.get("format") != FORMAT:
        raise RestoreRefused("拒绝恢复：备份格式版本不受支持。未写入任何数据。")
    if manifest["engine"] != database.engine():
        raise RestoreRefused(
            f"拒绝恢复：备份来自 {manifest['engine']} 数据库，目标是 {database.engine()}；"
            "只能恢复到同一种数据库。未写入任何数据。"
        )
    known = {
        f"{app}.{name}"
        for app, name in MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    }
    unknown = sorted(set(manifest["migrations"]) - known)
    if unknown:
        raise RestoreRefused(
            f"拒绝恢复：备份来自更新的版本（本版本没有迁移 {', '.join(unknown[:3])}）。"
            "请先升级到备份时的版本。未写入任何数据。"
        )
    expected = manifest["key_checks"]
    current = _key_checks(manifest["data_key_ids"])
    problems = []
    missing = [key_id for key_id in manifest["data_key_ids"] if key_id not in current["data"]]
    if missing:
        problems.append(f"缺少数据密钥 {', '.join(missing)}（SAOHEI_DATA_KEY）")
    problems += [
        f"数据密钥 {key_id} 与备份时不同"
        for key_id, value in current["data"].items()
        if value != expected["data"].get(key_id)
    ]
    if current["audit"] != expected["audit"]:
        problems.append("审计密钥（SAOHEI_AUDIT_KEY）与备份时不同")
    if current["index"] != expected["index"]:
        problems.append("索引密钥（SAOHEI_INDEX_KEY）与备份时不同")
    if problems:
        raise RestoreRefused(
            "拒绝恢复：" + "；".join(problems) + "。请提供备份时使用的密钥。未写入任何数据。"
        )


def _check_loaded(manifest: dict[str, Any], *, checkpoint_file: Path | None) -> RestoreReport:
    """Row counts of the loaded database against the manifest, then the audit chain and its
    head against the backup's latest checkpoint."""
    counts, migrations, _ = database.describe_current()
    if counts != manifest["tables"]:
        different = sorted(
            table
            for table in set(counts) | set(manifest["tables"])
            if counts.get(table) != manifest["tables"].get(table)
        )
        raise RestoreRefused(
            f"拒绝恢复：恢复后的行数与清单不符（{', '.join(different[:3])}），已撤销。"
        )
    chain = verify_chain()
    if not chain.is_intact:
        raise RestoreRefused(
            f"拒绝恢复：审计日志在第 {chain.broken_at_sequence} 条记录处断裂（{chain.problem}），已撤销。"
        )
    if checkpoint_file is not None:
        integrity = check_integrity(checkpoint_source=checkpoint_file)
        if integrity.checkpoint_problems:
            raise RestoreRefused(
                "拒绝恢复：审计日志与备份中的检查点不符（"
                + "；".join(integrity.checkpoint_problems)
                + "），已撤销。"
            )
    return RestoreReport(
        tables=len(counts),
        rows=sum(counts.values()),
        files=len(manifest["files"]),
        audit_events_checked=chain.checked,
        migrations=len(migrations),
    )


def _place_checkpoint_file(report: RestoreReport, restored: Path | None) -> RestoreReport:
    """The backup's checkpoint file becomes this installation's, unless it already has one: that
    file was kept apart from the database on purpose, and may name events newer than the backup
    (verify_audit then reports them missing, which is what happened)."""
    target = Path(settings.SAOHEI_AUDIT_CHECKPOINT_FILE)
    if restored is None:
        return replace(report, checkpoints="备份中没有审计检查点文件")
    if target.exists():
        return replace(
            report, checkpoints=f"保留本机已有的审计检查点文件 {target}（未用备份中的覆盖）"
        )
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    shutil.copyfile(restored, target)
    target.chmod(0o600)
    return replace(report, checkpoints=f"审计检查点文件已恢复到 {target}")


def backup_files(directory: Path) -> dict[datetime, Path]:
    """The backups in `directory` by the moment in their names (other files are left alone)."""
    found = {}
    for path in directory.glob(f"saohei-*{SUFFIX}"):
        match = _NAME.match(path.name)
        if match:
            found[datetime.strptime(match.group(1), _STAMP)] = path
    return found


def prune_backups(*, directory: Path | None = None) -> list[str]:
    """Delete the backups retention does not keep (7 daily, 4 weekly, 6 monthly)."""
    files = backup_files(directory or backup_directory())
    kept = backups_to_keep(files)
    deleted = []
    for stamp, path in sorted(files.items()):
        if stamp not in kept:
            path.unlink(missing_ok=True)
            deleted.append(path.name)
    return deleted


def fail_abandoned_backups(*, now: datetime | None = None) -> int:
    """Mark failed the runs a killed process left "running", and delete the partial files such
    a process leaves in the backup directory. Returns how many runs were marked."""
    now = now or timezone.now()
    cutoff = now - ABANDONED_AFTER
    marked = 0
    for run in BackupRun.objects.filter(status=BackupStatus.RUNNING, started_at__lt=cutoff):
        _finish(run, actor=None, error="备份被中断（进程意外停止），未生成备份文件")
        marked += 1
    directory = backup_directory()
    if directory.exists():
        for partial in directory.glob(f".saohei-*{SUFFIX}.partial"):
            if datetime.fromtimestamp(partial.stat().st_mtime, tz=UTC) < cutoff:
                partial.unlink(missing_ok=True)
    return marked


def run_scheduled_backup(*, now: datetime | None = None) -> BackupRun | None:
    """From the hourly job: back up when the last successful backup is a day old, then prune.
    A failure is recorded and logged; the next hour tries again. Runs a killed process left
    "running" are marked failed first."""
    fail_abandoned_backups(now=now)
    if connection.in_atomic_block:
        logger.warning("scheduled backup skipped: called inside a transaction")
        return None
    now = now or timezone.now()
    last = last_successful_backup()
    if (
        last is not None
        and last.finished_at is not None
        and now - last.finished_at < SCHEDULE_INTERVAL
    ):
        return None
    try:
        run = create_backup()
    except BackupFailed:
        logger.exception("scheduled backup failed")
        return BackupRun.objects.order_by("-started_at", "-pk").first()
    prune_backups()
    return run
