from django_tasks import TaskContext, task

from saohei.cases.services import run_import_job
from saohei.health.heartbeat import reports_heartbeat


@task(takes_context=True)
def run_case_import(context: TaskContext, job_id: int) -> dict[str, int]:
    """Check and write one uploaded import (all-or-nothing); its progress is on the job, and
    the worker that runs it, so that a job whose worker dies is found (decision 0048)."""
    worker_ids = context.task_result.worker_ids
    worker_id = worker_ids[-1] if worker_ids else ""
    # Only a worker that beats can be told dead; a job of any other runs unwatched, as before.
    job = run_import_job(job_id=job_id, worker_id=worker_id if reports_heartbeat(worker_id) else "")
    return {"created": job.cases_created, "updated": job.cases_updated, "errors": job.error_count}
