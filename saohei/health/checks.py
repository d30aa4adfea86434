"""The system's health, for a load balancer and for monitoring (issue 14 "Operations", decision
0047): a registry of checks, each answering ok or not with a short Chinese detail that holds no
personal data. This context defines the checks of the platform itself (database, migrations,
disk); the contexts that own a moving part register theirs from `AppConfig.ready()` (`jobs`: the
worker's heartbeat; `backups`: the age of the last backup), so this one imports none of them.

`needed_to_serve` marks the checks without which a web server cannot answer requests: the load
balancer's `/healthz` reads only those, so a stopped worker or an old backup never takes the web
servers out of rotation; `/healthz/full` and `manage.py health` read them all.
"""

import shutil
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor


@dataclass(frozen=True)
class CheckResult:
    name: str
    label: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class Check:
    name: str
    label: str
    run: Callable[[], tuple[bool, str]]
    needed_to_serve: bool = False


_CHECKS: dict[str, Check] = {}


def register_check(check: Check) -> None:
    _CHECKS[check.name] = check


def run_checks(*, serving_only: bool = False) -> list[CheckResult]:
    """Every registered check (or those needed to serve), each one guarded: a check that raises
    fails with the exception's class as its detail (its text could quote a statement's values)."""
    results = []
    for check in _CHECKS.values():
        if serving_only and not check.needed_to_serve:
            continue
        try:
            ok, detail = check.run()
        except Exception as error:
            ok, detail = False, f"检查出错（{type(error).__name__}）"
        results.append(CheckResult(check.name, check.label, ok, detail))
    return results


def _database() -> tuple[bool, str]:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return True, "可连接"


def _migrations() -> tuple[bool, str]:
    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        return False, f"有 {len(plan)} 个数据库迁移尚未执行"
    return True, "已是最新"


def _disk() -> tuple[bool, str]:
    # Uploads, the SQLite file and the backups live in the var directory.
    free_mb = shutil.disk_usage(settings.VAR_DIR).free // (1024 * 1024)
    least = settings.SAOHEI_HEALTH_MIN_FREE_MB
    if free_mb < least:
        return False, f"数据目录剩余 {free_mb} MB，低于 {least} MB"
    return True, f"数据目录剩余 {free_mb} MB"


register_check(Check("database", "数据库", _database, needed_to_serve=True))
register_check(Check("migrations", "数据库迁移", _migrations, needed_to_serve=True))
register_check(Check("disk", "磁盘空间", _disk))


def _worker() -> tuple[bool, str]:
    # Imported late: the models of this app are not ready when the registry is first imported.
    from saohei.health.heartbeat import worker_check

    return worker_check()


register_check(Check("worker", "后台任务进程", _worker))
