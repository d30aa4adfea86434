"""Task workers report that they are alive; the health check reads it (decision 0047).

A daemon thread beside the worker's loop writes its row every INTERVAL seconds on a connection
of its own, so a long task does not make a live worker look dead; a database outage only skips
beats (the worker reconnects by itself, decision 0045)."""

import logging
import threading
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from saohei.health.models import WorkerHeartbeat

INTERVAL = 15.0
logger = logging.getLogger("saohei.health.heartbeat")


# Every worker process has a fresh id (db_worker's default): rows of ended ones are let go.
KEPT_FOR = timedelta(days=1)


def beat(*, worker_id: str) -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(worker_id=worker_id, defaults={"beat_at": now})
    WorkerHeartbeat.objects.filter(beat_at__lt=now - KEPT_FOR).delete()


def _beat_once(worker_id: str) -> None:
    try:
        beat(worker_id=worker_id)
    except DatabaseError as error:
        logger.warning("心跳未能写入（%s）", type(error).__name__)
    finally:
        connection.close()  # this thread's own connection


def start_beating(*, worker_id: str, stop: threading.Event) -> threading.Thread:
    """Beat now (so a job the worker takes next is already known to come from a beating
    worker), then every INTERVAL seconds in a daemon thread until `stop` is set."""
    _beat_once(worker_id)

    def loop() -> None:
        while not stop.wait(INTERVAL):
            _beat_once(worker_id)

    thread = threading.Thread(target=loop, name="heartbeat", daemon=True)
    thread.start()
    return thread


def reports_heartbeat(worker_id: str) -> bool:
    """Whether this worker beats at all (`run_worker` does; `db_worker` and the immediate task
    backend of tests do not): only such a worker's jobs can be found interrupted."""
    return bool(worker_id) and WorkerHeartbeat.objects.filter(worker_id=worker_id).exists()


def _stale_after() -> timedelta:
    return timedelta(seconds=settings.SAOHEI_WORKER_STALE_SECONDS)


def dead_workers(worker_ids: Iterable[str]) -> set[str]:
    """Those of these workers that have not beaten within SAOHEI_WORKER_STALE_SECONDS (or ever)."""
    wanted = set(worker_ids)
    alive = WorkerHeartbeat.objects.filter(
        worker_id__in=wanted, beat_at__gte=timezone.now() - _stale_after()
    ).values_list("worker_id", flat=True)
    return wanted - set(alive)


def worker_check() -> tuple[bool, str]:
    """The health check: some worker reported within SAOHEI_WORKER_STALE_SECONDS."""
    newest = WorkerHeartbeat.objects.order_by("-beat_at").values_list("beat_at", flat=True).first()
    if newest is None:
        return False, "没有后台任务进程报告过心跳"
    age = timezone.now() - newest
    if age > _stale_after():
        return False, f"后台任务进程已 {int(age.total_seconds())} 秒没有心跳"
    return True, f"{int(age.total_seconds())} 秒前有心跳"
