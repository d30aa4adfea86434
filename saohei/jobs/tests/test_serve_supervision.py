"""`bin/serve` (what `make run` starts) restarts a task worker that dies and keeps the site up
(issue 14 "Faults", decision 0045): before, the worker's end shut gunicorn down with it."""

import os
import signal
import subprocess
import urllib.request
from pathlib import Path

from saohei.testing.processes import BASE_DIR, free_port, run_manage, server_environment, wait_for


def _descendants(pid: int) -> dict[int, str]:
    """pid → command line of every process below `pid` (read from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found: dict[int, str] = {}
    waiting = [pid]
    while waiting:
        for child in children.get(waiting.pop(), []):
            try:
                command = (Path("/proc") / str(child) / "cmdline").read_bytes()
            except OSError:
                continue
            found[child] = command.replace(b"\0", b" ").decode(errors="replace")
            waiting.append(child)
    return found


def _workers(serve: int) -> set[int]:
    return {pid for pid, command in _descendants(serve).items() if "run_worker" in command}


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


def test_a_killed_worker_is_started_again_and_the_site_stays_up(tmp_path: Path) -> None:
    env = server_environment(tmp_path / "var")
    migrated = run_manage(env, "migrate", "--noinput", "-v0")
    assert migrated.returncode == 0, migrated.stderr
    port = free_port()
    serve = subprocess.Popen(  # noqa: S603 (the project's own script)
        [str(BASE_DIR / "bin" / "serve")],
        cwd=BASE_DIR,
        env={**env, "PORT": str(port), "SAOHEI_WEB_WORKERS": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert wait_for(lambda: _answers(port), 60), "the site never answered"
        assert wait_for(lambda: _workers(serve.pid), 30), "no task worker started"
        (first,) = _workers(serve.pid)

        os.kill(first, signal.SIGKILL)
        assert wait_for(lambda: _workers(serve.pid) - {first}, 30), "the worker was not restarted"
        assert serve.poll() is None
        assert _answers(port), "the site went down with the worker"
    finally:
        os.killpg(serve.pid, signal.SIGTERM)
        _, errors = serve.communicate(timeout=30)
    assert "后台任务进程已退出" in errors
