"""Start the project as a separate process, the way a server starts it: a fresh var directory
(its own generated keys and SQLite file), none of the test run's database or cache settings."""

import os
import subprocess
import sys
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
