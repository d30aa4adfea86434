from datetime import timedelta

from django.utils import timezone

from saohei.backups.models import BackupRun

# The hourly job backs up once a day; past this the 系统管理员 is told to look and the health
# check fails (decision 0047).
BACKUP_OVERDUE = timedelta(hours=26)


def last_successful_backup() -> BackupRun | None:
    """The newest backup that finished well (for the 系统管理员's panel and the health check)."""
    return BackupRun.objects.succeeded().order_by("-finished_at", "-pk").first()


def last_backup_attempt() -> BackupRun | None:
    return BackupRun.objects.order_by("-started_at", "-pk").first()


def backup_age(run: BackupRun | None) -> timedelta | None:
    if run is None or run.finished_at is None:
        return None
    return timezone.now() - run.finished_at


def backup_check() -> tuple[bool, str]:
    """The health check of the last successful backup's age (registered in `apps.py`)."""
    age = backup_age(last_successful_backup())
    if age is None:
        return False, "尚无成功的备份"
    hours = int(age.total_seconds() // 3600)
    if age > BACKUP_OVERDUE:
        return (
            False,
            f"最近一次成功备份在 {hours} 小时前，超过 {BACKUP_OVERDUE.total_seconds() // 3600:.0f} 小时",
        )
    return True, f"最近一次成功备份在 {hours} 小时前"
