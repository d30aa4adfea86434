from django.utils import timezone
from django_tasks import task

from saohei.leads.deadlines import run_deadline_reminders


@task()
def send_deadline_reminders() -> dict[str, int]:
    """Hourly: reminders and escalations for lead deadlines (idempotent per deadline)."""
    run = run_deadline_reminders(today=timezone.localdate())
    return {"reminded": run.reminded, "urged": run.urged, "supervised": run.supervised}
