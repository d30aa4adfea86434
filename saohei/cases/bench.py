"""Benchmark of the case import: 100,000 cases and ~150,000 persons (half with ID numbers) in
one .xlsx, imported through the real service, then imported again (every case updated), then
exported as the ledger.

The memory section (`bench_import_memory`) imports the largest workbook the guards accept, and
a decompression bomb, each in a fresh Django process like the worker's, and prints its peak
resident memory (target: under 300 MB).

Prints, does not assert. `make bench` runs it on saohei.bench's throw-away test database;
`python -m saohei.cases.bench` runs it alone on one of its own.
"""

import contextlib
import json
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import django

from saohei.common.writer_probe import other_writer


def _rss_mb() -> float:
    """Resident memory now (Linux /proc), in MB."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


@contextmanager
def _peak_rss() -> Iterator[Callable[[], float]]:
    """Samples resident memory every 50 ms; yields a function returning the peak seen."""
    peak = [_rss_mb()]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.05):
            peak[0] = max(peak[0], _rss_mb())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield lambda: peak[0]
    finally:
        stop.set()
        sampler.join()
        peak[0] = max(peak[0], _rss_mb())


def _generate(path: Path, *, cases: int, villages: list[str], all_identified: bool = False) -> int:
    """Write the workbook; returns how many person rows it holds. `all_identified`: every person
    has an ID number and a phone (the most memory a row can take)."""
    import xlsxwriter
    from stdnum.cn import ric

    from saohei.cases.importing import CASE_COLUMNS, CASE_TABLE, PERSON_COLUMNS, PERSON_TABLE

    causes = ["寻衅滋事", "故意伤害", "聚众斗殴", "故意毁坏财物", "敲诈勒索", "非法拘禁"]
    means = ["暴力", "威胁", "软暴力", "其他"]
    motives = ["婚恋", "家庭", "邻里", "劳动", "合法债务", "单纯牟利", "其他"]
    roles = ["纠集者", "参与者", "被害人", "证人", "组织者"]
    # Shared strings, as Excel writes them (constant_memory would write inline strings instead).
    workbook = xlsxwriter.Workbook(str(path))
    case_sheet = workbook.add_worksheet(CASE_TABLE)
    person_sheet = workbook.add_worksheet(PERSON_TABLE)
    for column, spec in enumerate(CASE_COLUMNS):
        case_sheet.write_string(0, column, spec.title)
    for column, spec in enumerate(PERSON_COLUMNS):
        person_sheet.write_string(0, column, spec.title)
    person_row = 1
    for n in range(cases):
        number = f"BENCH-{n:06d}"
        year, month, day = 2012 + n % 14, 1 + n % 12, 1 + n % 28
        values = [
            number,
            causes[n % len(causes)],
            "刑事" if n % 5 == 0 else "治安",
            f"{year}-{month:02d}-{day:02d} {n % 24:02d}:{n % 60:02d}",
            f"第{n % 300}号码头附近",
            villages[n % len(villages)],
            "双方因琐事发生争执，继而互相推搡，造成一方轻微伤，现场围观群众十余人。",
            "行政拘留十日，责令赔偿损失",
            means[n % len(means)],
            motives[n % len(motives)],
        ]
        for column, value in enumerate(values):
            case_sheet.write_string(n + 1, column, value)
        # 1.5 persons a case on average; every other person has an ID number, drawn from a pool
        # a little smaller than the rows so some people recur across cases.
        for k in range(1 + n % 2):
            has_id = all_identified or person_row % 2 == 0
            id_number = ""
            if has_id:
                body = f"110105{1960 + person_row % 40}{1 + person_row % 12:02d}{1 + person_row % 28:02d}{person_row % 997:03d}"
                id_number = body + ric.calc_check_digit(body + "0")
            has_phone = all_identified or person_row % 3 == 0
            phone = f"139{person_row % 100_000_000:08d}" if has_phone else ""
            person = [number, f"人员{n}-{k}", id_number, phone, "港西镇", roles[person_row % 5]]
            for column, value in enumerate(person):
                person_sheet.write_string(person_row, column, value)
            person_row += 1
    workbook.close()
    return person_row - 1


def bench_case_import(*, cases: int = 100_000) -> None:
    """Generate, import, re-import and export; print rows/s, seconds and peak memory."""
    from django.test import override_settings

    from saohei.cases.exports import write_ledger
    from saohei.cases.models import Case, ImportStatus
    from saohei.cases.queries import with_listing_relations
    from saohei.cases.services import import_cases_file
    from saohei.organisations.models import Unit, UnitKind
    from saohei.organisations.services import build_unit

    town = Unit.objects.filter(kind=UnitKind.TOWN).order_by("path").first()
    if town is None:
        town = build_unit(name="基准镇", kind=UnitKind.TOWN, parent=None, code="JZ")
        for order in range(20):
            build_unit(name=f"基准{order}村", kind=UnitKind.VILLAGE, parent=town)
    villages = list(
        Unit.objects.filter(parent=town).villages().active().values_list("name", flat=True)
    )
    with tempfile.TemporaryDirectory() as directory, override_settings(MEDIA_ROOT=directory):
        path = Path(directory) / "cases.xlsx"
        started = time.perf_counter()
        # Generated in a child process, so its memory does not count towards the import's peak.
        with multiprocessing.get_context("fork").Pool(1) as pool:
            persons = pool.apply(_generate, (path,), {"cases": cases, "villages": villages})
        print(
            f"{'case import: generate .xlsx':<44} {cases + persons:>8} rows in "
            f"{time.perf_counter() - started:7.2f} s  ({path.stat().st_size / 1e6:.1f} MB file)"
        )
        for label in (f"case import: {cases} new cases", f"case re-import: {cases} updates"):
            baseline = _rss_mb()
            with _peak_rss() as peak, path.open("rb") as file:
                started = time.perf_counter()
                job = import_cases_file(actor=None, unit=town, file=file)
                elapsed = time.perf_counter() - started
            if job.status != ImportStatus.SUCCEEDED:
                print(f"{label}: FAILED {job.message} {job.errors[:5]}")
                return
            rows = cases + persons
            print(
                f"{label:<44} {rows:>8} rows in {elapsed:7.2f} s  = {rows / elapsed:10.0f} /s"
                f"  (cases {job.cases_created} new / {job.cases_updated} updated, "
                f"persons {job.persons_written})"
            )
            print(f"{'  peak resident memory':<44} {peak():8.0f} MB (before: {baseline:.0f} MB)")
        ledger = with_listing_relations(Case.objects.filter(unit=town)).order_by(
            "-occurred_on", "-id"
        )
        with _peak_rss() as peak, tempfile.TemporaryFile() as target:
            started = time.perf_counter()
            count = write_ledger(
                ledger.iterator(chunk_size=2000), exported_by="基准", filters="", target=target
            )
            elapsed = time.perf_counter() - started
        print(
            f"{'case ledger export (.xlsx, constant memory)':<44} {count:>8} in {elapsed:7.2f} s"
            f"  = {count / elapsed:10.0f} /s  (peak {peak():.0f} MB)"
        )


MEMORY_TARGET_MB = 300


def _import_in_child(path: Path) -> dict[str, object]:
    """Run `python -m saohei.cases.bench --import-one PATH`: a fresh process, as the worker is."""
    completed = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "saohei.cases.bench", "--import-one", str(path)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    if completed.returncode != 0:
        return {"outcome": f"child failed: {completed.stderr.strip()[-300:]}"}
    return dict(json.loads(completed.stdout.strip().splitlines()[-1]))


def bench_import_memory() -> None:
    """The largest accepted workbook (max_import_rows() data rows, every person with an ID number
    and a phone) and a bomb, each imported in a child process; prints the child's resident
    memory before and at its peak."""
    from saohei.cases.importing import max_import_rows
    from saohei.testing.officebombs import styled_cells_bomb

    # 1.5 persons a case: 40,000 cases and 60,000 persons on SQLite, 100,000 and 150,000 on
    # PostgreSQL.
    cases = max_import_rows() * 2 // 5
    with tempfile.TemporaryDirectory() as directory:
        largest, bomb = Path(directory) / "largest.xlsx", Path(directory) / "bomb.xlsx"
        started = time.perf_counter()
        with multiprocessing.get_context("fork").Pool(1) as pool:
            persons = pool.apply(
                _generate,
                (largest,),
                {"cases": cases, "villages": ["基准0村"], "all_identified": True},
            )
            bomb.write_bytes(styled_cells_bomb(cells=10_000_000))
        print(
            f"{'import memory: generate largest + bomb':<44} {cases + persons:>8} rows in "
            f"{time.perf_counter() - started:7.2f} s  ({largest.stat().st_size / 1e6:.1f} MB and "
            f"{bomb.stat().st_size / 1e3:.0f} KB)"
        )
        for label, path in (("largest accepted .xlsx", largest), ("decompression bomb", bomb)):
            result = _import_in_child(path)
            print(
                f"{'import memory: ' + label:<44} {result.get('peak_mb', 0):8.0f} MB peak"
                f" (before {result.get('before_mb', 0):.0f} MB, target < {MEMORY_TARGET_MB} MB,"
                f" {result.get('seconds', 0):.1f} s): {result['outcome']}"
            )
            if "writer_wait" in result:
                wait: dict[str, float] = result["writer_wait"]  # type: ignore[assignment]
                print(
                    f"{'  another writer, longest wait (SQLite)':<44} {wait['longest_wait']:8.2f} s"
                    f" ({wait['writes']:.0f} one-row writes every 20 ms during the import)"
                )


def _import_one(path: Path) -> None:
    """The child of bench_import_memory: a throw-away database of its own, one town, one import;
    prints one JSON line."""
    from django.db import connection
    from django.test import override_settings
    from django.test.utils import setup_test_environment

    from saohei.cases.models import ImportStatus
    from saohei.cases.services import import_cases_file
    from saohei.common.errors import ServiceError
    from saohei.organisations.models import UnitKind
    from saohei.organisations.services import build_unit

    setup_test_environment()
    # Its own name: the parent's bench may hold the default test database. A file for SQLite,
    # as in production: an in-memory database would count its own pages as the import's memory.
    name = f"test_saohei_memory_{os.getpid()}"
    if connection.vendor == "sqlite":
        name = str(Path(tempfile.gettempdir()) / f"{name}.sqlite3")
    connection.settings_dict.setdefault("TEST", {})["NAME"] = name
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        town = build_unit(name="基准镇", kind=UnitKind.TOWN, parent=None, code="JZ")
        build_unit(name="基准0村", kind=UnitKind.VILLAGE, parent=town)
        # On SQLite, another process writes all along: how long it waits is how long the
        # import holds every other writer of the site.
        other = (
            other_writer(Path(name)) if connection.vendor == "sqlite" else contextlib.nullcontext()
        )
        with (
            tempfile.TemporaryDirectory() as media,
            override_settings(MEDIA_ROOT=media),
            other as waits,
            _peak_rss() as peak,
            path.open("rb") as file,
        ):
            before = _rss_mb()
            started = time.perf_counter()
            try:
                job = import_cases_file(actor=None, unit=town, file=file)
                outcome = (
                    f"{job.cases_created} cases, {job.persons_written} persons"
                    if job.status == ImportStatus.SUCCEEDED
                    else f"refused: {job.message}"
                )
            except ServiceError as error:
                outcome = f"refused: {error.message}"
            seconds = time.perf_counter() - started
        result: dict[str, Any] = {
            "before_mb": before,
            "peak_mb": peak(),
            "seconds": seconds,
            "outcome": outcome,
        }
        if waits is not None:
            result["writer_wait"] = waits()
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)
    print(json.dumps(result, ensure_ascii=False))


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    if sys.argv[1:2] == ["--import-one"]:
        _import_one(Path(sys.argv[2]))
        return
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        print(f"database: {connection.vendor}")
        bench_case_import()
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)


if __name__ == "__main__":
    main()
