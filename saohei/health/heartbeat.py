"""Task workers report that they are alive; the health check reads it (decision 0047).

A daemon thread beside the worker's loop writes its row every INTERVAL seconds on a connection
of its own, so a long task does not make a live worker look dead; a database outage only skips
beats (the worker reconnects by itself, decision 0045)."""

import logging
import threading
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


def start_beating(*, worker_id: str, stop: threading.Event) -> threading.Thread:
    def loop() -> None:
        while not stop.is_set():
            try:
                beat(worker_id=worker_id)
            except DatabaseError as error:
                logger.warning("心跳未能写入（%s）", type(error).__name__)
            finally:
                connection.close()  # this thread's own connection
            stop.wait(INTERVAL)

    thread = threading.Thread(target=loop, name="heartbeat", daemon=True)
    thread.start()
    return thread


def worker_check() -> tuple[bool, str]:
    """The health check: some worker reported within SAOHEI_WORKER_STALE_SECONDS."""
    newest = WorkerHeartbeat.objects.order_by("-beat_at").values_list("beat_at", flat=True).first()
    if newest is None:
        return False, "没有后台任务进程报告过心跳"
    age = timezone.now() - newest
    if age > timedelta(seconds=settings.SAOHEI_WORKER_STALE_SECONDS):
        return False, f"后台任务进程已 {int(age.total_seconds())} 秒没有心跳"
    return True, f"{int(age.total_seconds())} 秒前有心跳"
