"""The task worker survives a database outage (issue 14 "Faults", decision 0045): PostgreSQL cut
off for a few seconds on loopback (`CuttableProxy`), the worker refused and its connections
closed; afterwards it runs the next task by itself, in the same process."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from saohei.analysis.tasks import refresh_pending_task
from saohei.health.models import WorkerHeartbeat
from saohei.jobs.management.commands.run_worker import (
    FIRST_PAUSE,
    HEALTHY_AFTER,
    LONGEST_PAUSE,
    next_pause,
)
from saohei.testing.processes import BASE_DIR, server_environment, wait_for
from saohei.testing.proxy import CuttableProxy


def test_pauses_double_up_to_the_longest_and_start_over_after_a_healthy_run() -> None:
    pauses = [FIRST_PAUSE / 2]
    for _ in range(9):
        pauses.append(next_pause(pauses[-1], ran_for=0.1))
    assert pauses[1:4] == [FIRST_PAUSE, FIRST_PAUSE * 2, FIRST_PAUSE * 4]
    assert pauses[-1] == LONGEST_PAUSE
    assert next_pause(LONGEST_PAUSE, ran_for=HEALTHY_AFTER) == FIRST_PAUSE


def _succeeded(task_id: str) -> bool:
    status = DBTaskResult.objects.filter(id=task_id).values_list("status", flat=True).first()
    return status == "SUCCESSFUL"


@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres") is False,
    reason="an outage needs a database server: PostgreSQL only (SQLite is a file)",
)
@pytest.mark.django_db(transaction=True)
def test_the_worker_outlives_a_database_outage_and_runs_the_next_task(tmp_path: Path) -> None:
    settings_dict = connection.settings_dict
    with CuttableProxy(int(settings_dict["PORT"] or 5432)) as proxy:
        url = f"postgres://{settings_dict['USER']}@127.0.0.1:{proxy.port}/{settings_dict['NAME']}"
        env = server_environment(tmp_path, DATABASE_URL=url, SAOHEI_CONN_MAX_AGE="0")
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "run_worker", "--interval", "0.2", "--no-startup-delay"],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            before = refresh_pending_task.enqueue()
            assert wait_for(lambda: _succeeded(before.id), 60), "the worker never ran a task"
            assert WorkerHeartbeat.objects.exists(), "the worker reports no heartbeat"

            proxy.cut()
            after = refresh_pending_task.enqueue()  # written past the proxy, straight to the server
            time.sleep(4)
            assert worker.poll() is None, "the worker exited during the outage"
            assert not _succeeded(after.id)

            proxy.restore()
            assert wait_for(lambda: _succeeded(after.id), 60), "no task ran after the outage"
            assert worker.poll() is None
        finally:
            worker.send_signal(signal.SIGTERM)
            output, _ = worker.communicate(timeout=30)
    assert "数据库连接中断" in output
    assert worker.returncode == 0
