from datetime import timedelta

from django.utils import timezone

from saohei.backups.models import BackupRun


def last_successful_backup() -> BackupRun | None:
    """The newest backup that finished well (for the 系统管理员's panel and the health check)."""
    return BackupRun.objects.succeeded().order_by("-finished_at", "-pk").first()


def last_backup_attempt() -> BackupRun | None:
    return BackupRun.objects.order_by("-started_at", "-pk").first()


def backup_age(run: BackupRun | None) -> timedelta | None:
    if run is None or run.finished_at is None:
        return None
    return timezone.now() - run.finished_at
