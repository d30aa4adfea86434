from django.utils import timezone
from django_tasks import task

from saohei.assigned_lists.services import (
    expire_failed_list_imports,
    fail_interrupted_list_imports,
)
from saohei.audit.services import take_checkpoint
from saohei.backups.models import BackupStatus
from saohei.backups.services import run_scheduled_backup
from saohei.cases.services import expire_interrupted_import_files, fail_interrupted_imports
from saohei.leads.deadlines import run_deadline_reminders
from saohei.meetings.deadlines import run_task_reminders
from saohei.notifications.services import requeue_stalled_deliveries
from saohei.publicity.services import accrue_schedules
from saohei.rectifications.deadlines import run_rectification_reminders
from saohei.village_reports.deadlines import run_village_report_reminders


@task()
def send_deadline_reminders() -> dict[str, int | str]:
    """Hourly: reminders and escalations for leads, rectification items, meeting tasks and the
    villages' monthly reports (idempotent), a backup when the last good one is a day old, then the audit log's failure
    summaries and a checkpoint of its head."""
    today = timezone.localdate()
    leads = run_deadline_reminders(today=today)
    rectifications = run_rectification_reminders(today=today)
    tasks = run_task_reminders(today=today)
    # Villages that have not sent their monthly report (or 零报告) by the town's due day.
    village_reports = run_village_report_reminders(today=today)
    # Imports whose worker died are marked failed; their kept files expire after a day.
    interrupted = fail_interrupted_imports()
    expired = expire_interrupted_import_files()
    # The same for 交办清单 jobs: their staged rows are kept a day for a retry.
    interrupted += fail_interrupted_list_imports()
    expired += expire_failed_list_imports()
    # SMS and e-mail sends whose task was lost are queued again (decision 0060).
    notices = requeue_stalled_deliveries()
    # Standing publicity (LED screens, IP broadcast): each day that ended becomes one ledger row.
    publicity = accrue_schedules(today=today)
    # When the last good backup is a day old; a failure is recorded and retried next hour.
    backup = run_scheduled_backup()
    # Last, so that the checkpoint's head covers everything this run wrote.
    audit = take_checkpoint()
    return {
        "reminded": leads.reminded,
        "urged": leads.urged,
        "supervised": leads.supervised,
        "rectifications_reminded": rectifications.reminded,
        "rectifications_urged": rectifications.urged,
        "rectifications_supervised": rectifications.supervised,
        "tasks_reminded": tasks.reminded,
        "tasks_urged": tasks.urged,
        "tasks_supervised": tasks.supervised,
        "village_reports_reminded": village_reports.reminded,
        "village_reports_urged": village_reports.urged,
        "village_reports_supervised": village_reports.supervised,
        "publicity_days_accrued": publicity.days,
        "notices_requeued": notices,
        "imports_interrupted": interrupted,
        "import_files_expired": expired,
        "audit_failure_summaries": audit.summaries,
        "audit_checkpoint_sequence": audit.checkpoint.sequence,
        "backup_file": backup.file_name if backup is not None else "",
        "backup_failed": int(backup is not None and backup.status == BackupStatus.FAILED),
    }
