"""Migrations run forward on the data of an earlier release (issue 14 "Faults", decision 0051).

The test builds that data itself: the code of the release (tag `release/issue-11`, the last
landing before 研判 added the registry, its prompts and the one reminder log) is taken from git,
migrated and loaded with the demo town and its history into a fresh var directory; then this
code migrates the same database forward and must find everything still there and readable: row
counts, the audit chain, a sealed reporter identity and the health checks.

SQLite files in the var directory, whichever database the suite runs on: the old code is run
as a server would run it, in its own process with its own settings."""

import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from saohei.testing.processes import BASE_DIR, server_environment

EARLIER_RELEASE = "216ed9b09cdbaa56c6a67189f0bb8a27b599463b"  # tag release/issue-11

COUNT = (
    "import django; django.setup(); from django.apps import apps; "
    "import json; print(json.dumps({m._meta.label: m._default_manager.count() "
    "for m in apps.get_models() if m._meta.app_label in LABELS}))"
)
LABELS = {
    "leads",
    "tips",
    "vault",
    "rectifications",
    "meetings",
    "publicity",
    "accountability",
    "deadlines",
}


def _earlier_code(into: Path) -> Path:
    if shutil.which("git") is None or not (BASE_DIR / ".git").exists():
        pytest.skip("not a git checkout: the earlier release's code cannot be taken from history")
    archive = subprocess.run(  # noqa: S603 (git, our own repository)
        ["git", "archive", "--format=tar", EARLIER_RELEASE],  # noqa: S607
        cwd=BASE_DIR,
        capture_output=True,
        check=False,
    )
    if archive.returncode != 0:
        pytest.skip(f"the earlier release is not in this clone's history: {archive.stderr!r}")
    tar_path = into.with_suffix(".tar")
    tar_path.write_bytes(archive.stdout)
    with tarfile.open(tar_path) as tar:
        tar.extractall(into, filter="data")
    return into


def _manage(code: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (the project's own manage.py, old or new)
        [sys.executable, "manage.py", *args],
        cwd=code,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def _counts(code: Path, env: dict[str, str]) -> dict[str, int]:
    import json

    done = subprocess.run(  # noqa: S603 (our own interpreter)
        [sys.executable, "-c", COUNT.replace("LABELS", repr(sorted(LABELS)))],
        cwd=code,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_this_release_migrates_the_data_of_the_earlier_one(tmp_path: Path) -> None:
    old = _earlier_code(tmp_path / "old")
    env = server_environment(tmp_path / "var", SAOHEI_HEALTH_MIN_FREE_MB="0")
    for args in (("migrate", "--noinput", "-v0"), ("load_demo",)):
        done = _manage(old, env, *args)
        assert done.returncode == 0, done.stderr[-2000:]
    before = _counts(old, env)
    assert before["leads.Lead"] > 0 and before["vault.ReporterIdentity"] > 0

    migrated = _manage(BASE_DIR, env, "migrate", "--noinput", "-v0")
    assert migrated.returncode == 0, migrated.stderr[-2000:]

    after = _counts(BASE_DIR, env)
    kept = before.keys() & after.keys()
    assert {label: after[label] for label in kept} == {label: before[label] for label in kept}
    # The three reminder logs were folded into the one of `deadlines` (decision 0038).
    folded = before.keys() - after.keys()
    assert folded == {"leads.ReminderLog", "rectifications.ReminderLog", "meetings.TaskReminder"}
    assert after["deadlines.ReminderLog"] == sum(before[label] for label in folded)
    audit = _manage(BASE_DIR, env, "verify_audit")
    assert audit.returncode == 0 and "审计日志完整" in audit.stdout, audit.stdout + audit.stderr
    health = _manage(BASE_DIR, env, "health")
    assert "数据库迁移：正常" in health.stdout, health.stdout
    # The keys the earlier release generated fit the data it sealed (decision 0046), and a
    # sealed reporter identity still opens under this release's code.
    opened = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); "
            "from saohei.custody.keys import key_mismatches; print(key_mismatches())",
        ],
        cwd=BASE_DIR,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert opened.stdout.strip().splitlines()[-1] == "[]"
