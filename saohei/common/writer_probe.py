"""For `make bench`: how long another writer of a SQLite site waits while a long write runs.

`other_writer(database)` starts a process (`python -m saohei.common.writer_probe DB STOP`) that
stands for everyone else using the site: it writes one row in its own transaction every 20 ms
and reports the longest it waited for the write lock. The case import and the 交办清单 import
benches use it (decisions 0057 and 0061).
"""

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


def probe_writer(database: Path, stop: Path) -> None:
    """The child that stands for everyone else while an import runs on SQLite: a one-row write
    transaction every 20 ms; prints the longest it waited for the write lock."""
    import sqlite3

    db = sqlite3.connect(database, timeout=120, isolation_level=None)
    db.execute("CREATE TABLE IF NOT EXISTS bench_writer_probe (at REAL)")
    print("ready", flush=True)
    longest, writes = 0.0, 0
    while not stop.exists():
        started = time.perf_counter()
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO bench_writer_probe VALUES (?)", (started,))
        db.execute("COMMIT")
        longest = max(longest, time.perf_counter() - started)
        writes += 1
        time.sleep(0.02)
    db.execute("DROP TABLE bench_writer_probe")
    print(json.dumps({"longest_wait": longest, "writes": writes}))


@contextmanager
def other_writer(database: Path) -> Iterator[Callable[[], dict[str, float]]]:
    """A `probe_writer` process on `database` for the length of the block."""
    stop = database.with_suffix(".stop-probe")
    probe = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "saohei.common.writer_probe", str(database), str(stop)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert probe.stdout is not None
    probe.stdout.readline()
    result: dict[str, float] = {}
    try:
        yield lambda: result
    finally:
        stop.touch()
        result.update(json.loads(probe.communicate(timeout=300)[0].strip().splitlines()[-1]))
        stop.unlink()


if __name__ == "__main__":
    probe_writer(Path(sys.argv[1]), Path(sys.argv[2]))
