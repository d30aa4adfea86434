"""`make bench`: numbers for the foundation's hot paths, on a throw-away test database.

Prints, does not assert: targets are judged by people reading the numbers.
"""

import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable

import django

from saohei.common.timing import median_fetch_ms, median_ms


def _timed(label: str, count: int, action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    elapsed = time.perf_counter() - started
    print(f"{label:<44} {count:>8} in {elapsed:7.2f} s  = {count / elapsed:10.0f} /s")
    return elapsed


SECTIONS = (
    "foundation",
    "leads",
    "cases",
    "import-memory",
    "dashboard",
    "extraction",
    "generator",
    "lists",
    "assigned-lists",
    "prompts",
    "registry",
)


def main() -> None:
    """`python -m saohei.bench [section …]`: every section, or only those named."""
    sections = sys.argv[1:] or list(SECTIONS)
    unknown = [name for name in sections if name not in SECTIONS]
    if unknown:
        sys.exit(f"unknown section {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    if "extraction" in sections:
        # Pure text work: no database to build for it.
        from saohei.analysis.bench import bench_extraction

        bench_extraction()
        sections = [name for name in sections if name != "extraction"]
        if not sections:
            return
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    if {"registry", "assigned-lists"} & set(sections) and connection.vendor == "sqlite":
        # Millions of rows, or another process writing beside the bench: a file, not the
        # in-memory database SQLite tests default to.
        connection.settings_dict["TEST"]["NAME"] = os.environ.get(
            "SAOHEI_BENCH_SQLITE",
            os.path.join(tempfile.gettempdir(), "saohei-bench-registry.sqlite3"),
        )
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    # The dashboard's warm numbers come from the shared cache, as on a server (`make run`).
    call_command("createcachetable", verbosity=0)
    try:
        _run(Client, sections)
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)


def _run(client_class: type, sections: list[str]) -> None:
    from django.db import connection

    from saohei.cases.bench import bench_case_import, bench_import_memory
    from saohei.demo.loader import load_demo_town
    from saohei.demo.town import DEMO_PASSWORD
    from saohei.home.bench import bench_dashboard
    from saohei.leads.bench import bench_lead_list

    print(f"database: {connection.vendor}")
    started = time.perf_counter()
    load_demo_town()
    print(f"{'load_demo (36 accounts, Argon2)':<44} {time.perf_counter() - started:8.2f} s")
    if "foundation" in sections:
        _bench_foundation(client_class)
    if "leads" in sections:
        bench_lead_list()
    if "cases" in sections:
        bench_case_import()
    if "import-memory" in sections:
        bench_import_memory()
    if "generator" in sections:
        from saohei.analysis.bench import bench_generator

        bench_generator()
    if "dashboard" in sections:
        bench_dashboard(password=DEMO_PASSWORD)
        # On the same 100,000 leads: the pages that read across every context.
        _bench_reports(client_class, password=DEMO_PASSWORD)
    if "lists" in sections:
        from saohei.analysis.bench import bench_lists

        bench_lists(client_class, password=DEMO_PASSWORD)
    if "assigned-lists" in sections:
        from saohei.assigned_lists.bench import bench_list_import

        bench_list_import()
    if "prompts" in sections:
        from saohei.analysis.bench_prompts import bench_prompts

        bench_prompts()
    if "registry" in sections:
        from saohei.analysis.bench_registry import bench_registry

        bench_registry()


def _bench_reports(client_class: type, *, password: str) -> None:
    from saohei.briefings.compose import compose
    from saohei.briefings.documents import from_briefing, to_docx, to_pdf
    from saohei.organisations.models import Unit
    from saohei.testing.totp import sign_in_client

    town = Unit.objects.get(name="港西镇")
    briefing = compose(town)
    document = from_briefing(briefing)
    for label, action in [
        ("briefing compose (all figures)", lambda: compose(town)),
        ("briefing .docx", lambda: to_docx(document, exported_by="bench")),
        ("briefing .pdf (WeasyPrint)", lambda: to_pdf(document, exported_by="bench")),
    ]:
        print(f"{label:<44} {median_ms(action, runs=3):8.1f} ms median")
    client = client_class()
    # The leader signs in with the second factor, as the policy requires.
    sign_in_client(client, "shuji", password)
    for label, url in [
        ("月报 page (statistics, one town)", "/reports/statistics/"),
        ("月报 .xlsx", "/reports/statistics/export.xlsx"),
        ("publicity totals page", "/publicity/totals/"),
        ("briefing page (generated, with links)", f"/briefings/?unit={town.pk}"),
    ]:
        print(f"{label:<44} {median_fetch_ms(client, url, runs=3):8.1f} ms median")


def _bench_foundation(client_class: type) -> None:
    from saohei.accounts.services import check_password_attempt
    from saohei.audit.models import AuditAction, AuditEvent
    from saohei.audit.queries import verify_chain
    from saohei.audit.services import record_event
    from saohei.demo.town import DEMO_PASSWORD

    appends = 5000
    _timed(
        "audit append (one transaction each)",
        appends,
        lambda: [record_event(action=AuditAction.LOGOUT, details={"n": n}) for n in range(appends)],
    )
    total = AuditEvent.objects.count()
    elapsed = _timed("audit chain verification", total, verify_chain)
    print(f"{'  projected for 1,000,000 events':<44} {elapsed / total * 1e6:8.0f} s")
    # Measured apart: tracing slows Python several times over.
    tracemalloc.start()
    verify_chain()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{'  peak Python memory while verifying':<44} {peak / 1e6:8.1f} MB (streams in chunks)")

    durations = []
    for _ in range(10):
        started = time.perf_counter()
        check_password_attempt(username="banshi", password=DEMO_PASSWORD, ip_address="127.0.0.1")
        durations.append(time.perf_counter() - started)
    print(
        f"{'password check (Argon2, production cost)':<44} {statistics.median(durations) * 1000:8.1f} ms median"
    )

    client = client_class()
    response = client.post("/accounts/login/", {"username": "banshi", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    renders = []
    for _ in range(50):
        started = time.perf_counter()
        client.get("/")
        renders.append(time.perf_counter() - started)
    print(
        f"{'home page render (signed in, in-process)':<44} {statistics.median(renders) * 1000:8.1f} ms median"
    )


if __name__ == "__main__":
    main()
