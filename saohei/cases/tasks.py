from django_tasks import task

from saohei.cases.services import run_import_job


@task()
def run_case_import(job_id: int) -> dict[str, int]:
    """Check and write one uploaded import (all-or-nothing); its progress is on the job."""
    job = run_import_job(job_id=job_id)
    return {"created": job.cases_created, "updated": job.cases_updated, "errors": job.error_count}
