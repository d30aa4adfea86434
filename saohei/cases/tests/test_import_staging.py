"""An import prepares its rows with nothing locked and writes them in one short transaction
(issue 14, "a long import on SQLite never holds other writers"; the figure is in `make bench`):
the preparing runs outside any transaction, the scratch file is private and gone afterwards,
and what is written is exactly what the rows said — plates, sealed values, re-imports."""

import os
import stat
import tempfile
from collections.abc import Callable
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from saohei.cases import staging
from saohei.cases.models import Case, CasePerson, ImportJob, ImportStatus
from saohei.cases.tests.helpers import PERSON_HEADER, case_row, person_row, xlsx_file
from saohei.organisations.models import Unit

# Outside a test's transaction, as the worker runs: on SQLite that is the path that attaches the
# scratch database and copies in SQL (inside one, the batches are copied as on PostgreSQL).
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The process's temporary directory, where the staged rows go."""
    directory = tmp_path / "scratch"
    directory.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(directory))
    return directory


def test_rows_are_prepared_outside_any_transaction_into_a_private_file_deleted_after(
    import_file: Callable[..., ImportJob], scratch: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, Any] = {}
    real_stage = staging.stage

    def stage_watched(job: Any, parsed: Any, directory: Path) -> staging.StagedRows:
        seen["in_transaction"] = connection.in_atomic_block or (
            connection.vendor == "sqlite" and connection.connection.in_transaction
        )
        staged = real_stage(job, parsed, directory)
        seen["mode"] = stat.S_IMODE(os.stat(staged.path).st_mode)
        seen["directory"] = directory
        seen["path"] = staged.path
        return staged

    monkeypatch.setattr(staging, "stage", stage_watched)
    job = import_file(
        xlsx_file(
            cases=[case_row(number=f"S-{n:03d}") for n in range(5)],
            persons=[person_row(number="S-001", name="王某", id_number="11010519491231002X")],
        )
    )

    assert job.status == ImportStatus.SUCCEEDED, job.message
    assert seen["in_transaction"] is False
    assert seen["mode"] == 0o600
    assert seen["path"].suffix == ".sqlite3"
    assert seen["directory"].parent == scratch and not seen["directory"].exists()
    assert list(scratch.iterdir()) == []


def test_batches_beyond_the_first_are_written_whole_with_plates_and_sealed_values(
    import_file: Callable[..., ImportJob], town: Unit, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(staging, "BATCH", 3)  # seven cases, five persons: several batches each
    job = import_file(
        xlsx_file(
            cases=[case_row(number=f"B-{n:03d}", village="东岛村") for n in range(7)],
            persons=[
                person_row(number="B-000", name="甲某", id_number="11010519491231002X", plates=""),
                person_row(number="B-002", name="乙某", phone="13912345678", plates="鲁K12345"),
                person_row(number="B-004", name="丙某", plates=""),
                person_row(number="B-006", name="丁某", plates="鲁KD12345"),
                person_row(number="B-006", name="戊某", role="被害人", plates=""),
            ],
            person_header=[*PERSON_HEADER, "车牌号"],
        )
    )

    assert job.status == ImportStatus.SUCCEEDED, job.message
    assert (job.cases_created, job.persons_written) == (7, 5)
    cases = Case.objects.filter(unit=town, number__startswith="B-")
    assert cases.count() == 7 and all(
        case.village and case.village.name == "东岛村" for case in cases
    )
    persons = {person.name: person for person in CasePerson.objects.filter(case__in=cases)}
    assert persons["甲某"].unsealed_id_number() == "11010519491231002X"
    assert persons["甲某"].case.number == "B-000"
    assert persons["乙某"].id_number_masked == "" and persons["乙某"].phone_masked
    assert [plate.number for plate in persons["乙某"].plates.all()] == ["鲁K12345"]
    assert [plate.number for plate in persons["丁某"].plates.all()] == ["鲁KD12345"]
    assert persons["戊某"].case.number == "B-006" and not persons["戊某"].plates.exists()


def test_a_re_import_updates_in_place_and_replaces_the_persons_of_every_case_it_touches(
    import_file: Callable[..., ImportJob], town: Unit
) -> None:
    first = import_file(
        xlsx_file(
            cases=[case_row(number="R-001", cause="寻衅滋事"), case_row(number="R-002")],
            persons=[
                person_row(number="R-001", name="旧甲"),
                person_row(number="R-002", name="旧乙"),
            ],
        )
    )
    ids = dict(Case.objects.filter(unit=town).values_list("number", "pk"))

    second = import_file(
        xlsx_file(
            cases=[case_row(number="R-001", cause="故意伤害"), case_row(number="R-003")],
            persons=[person_row(number="R-001", name="新甲")],
        )
    )

    assert first.status == second.status == ImportStatus.SUCCEEDED
    assert (second.cases_created, second.cases_updated) == (1, 1)
    updated = Case.objects.get(unit=town, number="R-001")
    assert updated.pk == ids["R-001"] and updated.cause == "故意伤害"
    assert updated.import_job_id == second.pk
    assert [p.name for p in updated.persons.all()] == ["新甲"]
    # A case the re-import does not name keeps its persons.
    assert [p.name for p in Case.objects.get(unit=town, number="R-002").persons.all()] == ["旧乙"]


def _imported_moments(import_file: Callable[..., ImportJob], town: Unit) -> Case:
    before = timezone.now()
    job = import_file(
        xlsx_file(cases=[case_row(number="T-001", occurred="2015-06-01 21:35")], persons=None)
    )
    assert job.status == ImportStatus.SUCCEEDED, job.message
    case = Case.objects.get(unit=town, number="T-001")
    assert before - timedelta(seconds=5) <= case.created_at <= timezone.now()
    assert before - timedelta(seconds=5) <= case.updated_at <= timezone.now()
    assert (case.occurred_on, case.occurred_time) == (date(2015, 6, 1), time(21, 35))
    return case


def test_dates_times_and_moments_come_back_as_written_copied_by_sql(
    import_file: Callable[..., ImportJob], town: Unit
) -> None:
    _imported_moments(import_file, town)


@pytest.mark.django_db  # inside the test's transaction: the batches are copied as on PostgreSQL
def test_dates_times_and_moments_come_back_as_written_copied_in_batches(
    import_file: Callable[..., ImportJob], town: Unit
) -> None:
    _imported_moments(import_file, town)
