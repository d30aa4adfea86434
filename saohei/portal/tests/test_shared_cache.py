"""The portal's counters are shared by every server process: two separate processes, each with
its own cache connection, count one client's wrong receipts together, on the database cache
(the default) and on Redis (SAOHEI_REDIS_URL)."""

from pathlib import Path

from saohei.testing.processes import run_manage, server_environment

# What one gunicorn worker does for `hits` wrong receipts from one client, then whether it
# would answer that client's next guess with 429.
COUNT_WRONG_RECEIPTS = """
from django.core.cache import caches
from django.test import RequestFactory
from saohei.portal import ratelimit
request = RequestFactory().post("/jubao/check/", REMOTE_ADDR="198.51.100.7")
for _ in range({hits}):
    ratelimit.count_hit(request, ratelimit.WRONG_RECEIPT)
print(type(caches["default"]).__name__, ratelimit.is_limited(request, ratelimit.WRONG_RECEIPT))
"""


def _manage(env: dict[str, str], *args: str) -> str:
    result = run_manage(env, *args)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""


def _two_workers_count(env: dict[str, str]) -> list[str]:
    first = _manage(env, "shell", "-c", COUNT_WRONG_RECEIPTS.format(hits=12))
    second = _manage(env, "shell", "-c", COUNT_WRONG_RECEIPTS.format(hits=8))
    return [first, second]


def test_two_processes_share_the_wrong_receipt_count_in_the_database_cache(tmp_path: Path) -> None:
    env = server_environment(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    _manage(env, "createcachetable")
    # 12 + 8 = the limit of 20: only a shared count reaches it.
    assert _two_workers_count(env) == ["DatabaseCache False", "DatabaseCache True"]


def test_two_processes_share_the_wrong_receipt_count_in_redis(tmp_path: Path) -> None:
    # Each run has its own SECRET_KEY (generated into tmp_path), hence its own counter keys.
    env = server_environment(tmp_path, SAOHEI_REDIS_URL="redis://127.0.0.1:6379/15")
    assert _two_workers_count(env) == ["RedisCache False", "RedisCache True"]
