"""The task worker that outlives its database: django-tasks-db's `db_worker`, restarted in the
same process after a lost or refused database connection (decision 0045).

`db_worker` ends on the first connection error (a PostgreSQL restart of five seconds stopped
imports and reminders until someone noticed). Here the loop is entered again after a pause that
doubles from half a second to half a minute and starts over once the worker has run a while.
A signal still stops it as `db_worker` does; so does any other error, for the supervisor
(`bin/serve`, systemd) to restart it.
"""

import logging
import threading
import time
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import CommandError
from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand
from django_tasks_db.management.commands.db_worker import Worker

from saohei.assigned_lists.services import fail_interrupted_list_imports
from saohei.cases.services import fail_interrupted_imports
from saohei.custody.keys import refuse_mismatched_keys_at_start
from saohei.health.heartbeat import start_beating

logger = logging.getLogger("saohei.jobs.worker")

FIRST_PAUSE = 0.5
LONGEST_PAUSE = 30.0
# A worker that ran this long since its last connection error starts its pauses over.
HEALTHY_AFTER = 60.0


def next_pause(pause: float, ran_for: float) -> float:
    """The pause before the next attempt, given the last one and how long the worker ran."""
    if ran_for >= HEALTHY_AFTER:
        return FIRST_PAUSE
    return min(pause * 2, LONGEST_PAUSE)


class ReconnectingWorker(Worker):
    def run(self) -> None:
        pause = FIRST_PAUSE / 2
        while self.running:
            started = time.monotonic()
            try:
                super().run()
                return  # --batch or --max-tasks: finished as asked
            except (OperationalError, InterfaceError) as error:
                pause = next_pause(pause, time.monotonic() - started)
                # The exception's class only: its text can quote a statement and its values.
                logger.warning("数据库连接中断（%s），%.1f 秒后重试", type(error).__name__, pause)
                for connection in connections.all():
                    connection.close()
                if self.running:
                    time.sleep(pause)


class Command(DbWorkerCommand):
    help = "运行后台任务进程（数据库连接中断后自动重连）"

    def handle(  # type: ignore[override]
        self,
        *,
        verbosity: int,
        queue_name: str,
        interval: float,
        batch: bool,
        backend_name: str,
        startup_delay: bool,
        max_tasks: int | None,
        worker_id: str,
        exclude_queues: str,
        **options: Any,
    ) -> None:
        # db_worker's own handle() with our worker; no --reload (a server's worker never reloads).
        self.configure_logging(verbosity)
        try:
            refuse_mismatched_keys_at_start()
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from error
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues 只能与 --queue-name=* 一起使用")
        worker = ReconnectingWorker(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=excluded,
        )
        worker.configure_signals()
        stop = threading.Event()
        start_beating(worker_id=worker_id, stop=stop)
        try:
            # A worker that restarts after its predecessor was killed finds that one's imports.
            fail_interrupted_imports()
            fail_interrupted_list_imports()
        except DatabaseError as error:
            logger.warning("启动时未能检查中断的导入（%s）", type(error).__name__)
        try:
            worker.run()
        finally:
            stop.set()
