"""The job machinery the imports share (health.jobs): rows written inside a long transaction are
told to the job's row on a connection of its own, where the polling page sees them."""

import threading
import time

import pytest
from django.db import connection, transaction

from saohei.cases.models import ImportJob
from saohei.health.jobs import JobStatus, report_progress
from saohei.organisations.models import UnitKind
from saohei.organisations.services import build_unit


def _seen_by_another_connection(pk: int) -> int:
    seen: list[int] = []

    def read() -> None:
        try:
            seen.append(ImportJob.objects.get(pk=pk).processed_rows)
        finally:
            connection.close()

    thread = threading.Thread(target=read)
    thread.start()
    thread.join()
    return seen[0]


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="on SQLite a second writer waits for the import's lock: no count while writing",
)
@pytest.mark.django_db(transaction=True)
def test_rows_written_inside_a_transaction_reach_the_page_while_it_runs() -> None:
    town = build_unit(name="进度镇", kind=UnitKind.TOWN, parent=None, code="JD")
    job = ImportJob.objects.create(
        unit=town, file_name="a.csv", file_sha256="0" * 64, status=JobStatus.WRITING
    )
    with transaction.atomic(), report_progress(job, every=0.05) as counter:
        counter.add(7)
        deadline = time.monotonic() + 5
        while _seen_by_another_connection(job.pk) != 7 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _seen_by_another_connection(job.pk) == 7
