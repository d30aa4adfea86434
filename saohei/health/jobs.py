"""What every background import job shares (the police case import, the 交办清单 import): its
status and progress on its own row, written outside the import's transaction so that a page can
poll it, the claim that lets a job run once, and the marking of a job whose task worker stopped
beating (decision 0048). Here, beside the heartbeat, so that sibling contexts share one copy."""

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.db import DatabaseError, connection, models, transaction
from django.utils import timezone

from saohei.health.heartbeat import dead_workers

logger = logging.getLogger("saohei.health.jobs")


class JobStatus(models.TextChoices):
    PENDING = "pending", "排队中"
    VALIDATING = "validating", "校验中"
    WRITING = "writing", "写入中"
    SUCCEEDED = "succeeded", "导入成功"
    FAILED = "failed", "导入失败"


FINISHED_JOB_STATUSES = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED})
UNFINISHED_JOB_STATUSES = (JobStatus.VALIDATING, JobStatus.WRITING)


class BackgroundJob(models.Model):
    """A job a task worker runs: who holds it, where it stands, and why it ended."""

    created_at = models.DateTimeField("提交时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    status = models.CharField(
        "状态", max_length=16, choices=JobStatus.choices, default=JobStatus.PENDING
    )
    total_rows = models.PositiveIntegerField("总行数", default=0)
    processed_rows = models.PositiveIntegerField("已校验行数", default=0)
    message = models.CharField("说明", max_length=500, blank=True)
    # The task worker that took the job (`health.WorkerHeartbeat`): a job it holds while it has
    # stopped beating was interrupted (decision 0048). Empty for the server's command line.
    worker_id = models.CharField(max_length=64, blank=True)
    # Interrupted jobs keep their input for a retry without a new upload, for a while.
    interrupted_at = models.DateTimeField("中断时间", null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_JOB_STATUSES

    @property
    def progress_percent(self) -> int:
        if self.status in FINISHED_JOB_STATUSES or self.status == JobStatus.WRITING:
            return 100
        if not self.total_rows:
            return 0
        return min(100, self.processed_rows * 100 // self.total_rows)


Job = TypeVar("Job", bound=BackgroundJob)


def set_job_fields(job: BackgroundJob, **values: Any) -> None:
    """Progress is written outside the import's transaction, so the page can poll it."""
    type(job)._default_manager.filter(pk=job.pk).update(**values)
    for name, value in values.items():
        setattr(job, name, value)


def claim_job(model: type[BackgroundJob], *, pk: int, worker_id: str) -> bool:
    """Take a pending job (once: a task run twice finds it taken)."""
    return bool(
        model._default_manager.filter(pk=pk, status=JobStatus.PENDING).update(
            status=JobStatus.VALIDATING, started_at=timezone.now(), worker_id=worker_id
        )
    )


def fail_interrupted_jobs(
    candidates: "models.QuerySet[Job]", *, message: str, on_marked: Callable[[Job], None]
) -> int:
    """Mark failed every unfinished job of `candidates` whose task worker has stopped beating:
    a killed worker leaves its job "校验中" or "写入中" for ever otherwise. Nothing was written
    (the write is one transaction, rolled back with the process); the input stays for a retry.
    `on_marked` (its audit event) runs in the same transaction. Returns how many were marked."""
    unfinished = candidates.filter(status__in=UNFINISHED_JOB_STATUSES).exclude(worker_id="")
    held = dict(unfinished.values_list("pk", "worker_id"))
    dead = dead_workers(held.values())
    marked = 0
    for pk in sorted(pk for pk, worker_id in held.items() if worker_id in dead):
        with transaction.atomic():
            now = timezone.now()
            # Conditional on the status it was seen in: a job that finished meanwhile stays so.
            if not candidates.model._default_manager.filter(
                pk=pk, status__in=UNFINISHED_JOB_STATUSES
            ).update(status=JobStatus.FAILED, finished_at=now, interrupted_at=now, message=message):
                continue
            on_marked(candidates.model._default_manager.get(pk=pk))
            marked += 1
    return marked


class ProgressCounter:
    """Rows done inside a long transaction, told to the job's row by `report_progress`."""

    def __init__(self) -> None:
        self.done = 0

    def add(self, count: int = 1) -> None:
        self.done += count


@contextmanager
def report_progress(job: BackgroundJob, *, every: float = 1.0) -> Iterator[ProgressCounter]:
    """Yield a counter whose value a thread writes to `job.processed_rows` every `every` seconds
    on a connection of its own, while the caller's transaction (which cannot show it) runs. Only
    on PostgreSQL: on SQLite that second writer would wait for the caller's own write lock, so
    the page shows "写入中" without a count there."""
    counter = ProgressCounter()
    if connection.vendor != "postgresql":
        yield counter
        return
    stop = threading.Event()
    model = type(job)

    def loop() -> None:
        told = -1
        try:
            while not stop.wait(every):
                if counter.done != told:
                    told = counter.done
                    model._default_manager.filter(pk=job.pk).update(processed_rows=told)
        except DatabaseError as error:
            logger.warning("导入进度未能写入（%s）", type(error).__name__)
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=loop, name=f"progress-{job.pk}", daemon=True)
    thread.start()
    try:
        yield counter
    finally:
        # Stopped before the caller writes the job's row in its transaction: no lock to wait on.
        stop.set()
        thread.join()
