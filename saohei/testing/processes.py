"""Start the project as a separate process, the way a server starts it: a fresh var directory
(its own generated keys and SQLite file), none of the test run's database or cache settings."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
_TEST_RUN_ONLY = (
    "DATABASE_URL",
    "SAOHEI_REDIS_URL",
    "SAOHEI_TRUST_PROXY",
    "SAOHEI_TRUSTED_PROXY_COUNT",
)


def server_environment(var_dir: Path, **settings: str) -> dict[str, str]:
    inherited = {key: value for key, value in os.environ.items() if key not in _TEST_RUN_ONLY}
    return {**inherited, "SAOHEI_VAR_DIR": str(var_dir), **settings}


def run_manage(
    env: dict[str, str], *args: str, umask: int = -1
) -> subprocess.CompletedProcess[str]:
    """`python manage.py ARGS` in the project directory; the caller checks the outcome."""
    return subprocess.run(  # noqa: S603 (our own manage.py)
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        umask=umask,
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(condition: Callable[[], object], seconds: float, step: float = 0.25) -> bool:
    """Whether `condition` came true within `seconds` (checked every `step`)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False


def start_gunicorn(
    env: dict[str, str], port: int, *, workers: int = 2, options: Sequence[str] = ()
) -> "subprocess.Popen[str]":
    """The project's gunicorn on 127.0.0.1:`port`, as the deployment runs it; stderr kept for
    `stop_unless`'s message. The caller terminates it."""
    return subprocess.Popen(  # noqa: S603 (the project's own gunicorn)
        [
            str(BASE_DIR / ".venv" / "bin" / "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            *options,
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def stop_unless(
    server: "subprocess.Popen[str]", serving: Callable[[], object], seconds: float
) -> None:
    """Return once `serving()` is true; otherwise stop the server and fail with its stderr."""
    if wait_for(serving, seconds):
        return
    server.terminate()
    _, errors = server.communicate(timeout=30)
    raise AssertionError(f"the site never served: {errors[-3000:]}")
