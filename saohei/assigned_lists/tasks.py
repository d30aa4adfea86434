from django_tasks import TaskContext, task

from saohei.health.heartbeat import reports_heartbeat

from .services import run_list_import_job


@task(takes_context=True)
def run_list_import(context: TaskContext, job_id: int) -> dict[str, int | str]:
    """Write one long 交办清单 (all-or-nothing); its progress is on the job, and the worker that
    runs it, so that a job whose worker dies is found (decision 0048)."""
    worker_ids = context.task_result.worker_ids
    worker_id = worker_ids[-1] if worker_ids else ""
    # Only a worker that beats can be told dead; a job of any other runs unwatched.
    job = run_list_import_job(
        job_id=job_id, worker_id=worker_id if reports_heartbeat(worker_id) else ""
    )
    return {"status": job.status, "rows": job.processed_rows}
