"""An import's rows made ready for the database before the transaction that writes them.

Building a row is the slow part of an import (measured at 20,000 cases: nearly all of the nine
seconds in the transaction went to model instances, Django's value preparation and sealing ID
numbers), and on SQLite every other writer waits for the transaction. So the rows are prepared
first, with nothing locked, into a scratch SQLite database of the process's own (memory stays at
one batch). The transaction then copies them: on SQLite with `INSERT … SELECT` from the scratch
database attached to the connection (SQLite's own speed, no Python per row), on PostgreSQL —
where the transaction blocks no other writer — with `executemany` per batch.
"""

import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from django.db import connection, models
from django.utils import timezone

from saohei.cases import importing
from saohei.cases.models import Case, CasePerson, ImportJob
from saohei.common.phones import mask_phone
from saohei.common.pii import mask_id_number

# Rows per batch: large enough for executemany to be fast, small enough that one batch's
# memory does not matter.
BATCH = 2_000


def _adapter(field: models.Field[Any, Any]) -> Callable[[Any], Any]:
    """What the database driver is given for `field`: the backend's own adaptation for dates,
    times and moments (as Django does), the value itself for text and numbers."""
    ops = connection.ops
    if isinstance(field, models.DateTimeField):
        return ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return ops.adapt_datefield_value
    if isinstance(field, models.TimeField):
        return ops.adapt_timefield_value
    return lambda value: value


def _storable(value: Any) -> Any:
    """As the scratch database keeps it: dates and times as ISO text, which both engines read
    back into their date and time columns (PostgreSQL casts the literal)."""
    if isinstance(value, date | time | datetime):
        return value.isoformat()
    return value


@dataclass(frozen=True)
class Columns:
    """A model's columns in one fixed order, with the adapter of each."""

    model: type[models.Model]
    fields: list[models.Field[Any, Any]]

    @classmethod
    def of(cls, model: type[models.Model], *, leave_out: Sequence[str]) -> "Columns":
        fields = [
            field
            for field in model._meta.concrete_fields
            if not field.primary_key and field.name not in leave_out
        ]
        return cls(model, fields)

    @property
    def names(self) -> list[str]:
        return [str(field.column) for field in self.fields]

    @property
    def field_names(self) -> list[str]:
        return [field.name for field in self.fields]

    def values(self, instance: models.Model) -> tuple[Any, ...]:
        return tuple(
            _storable(_adapter(field)(getattr(instance, field.attname))) for field in self.fields
        )


CASE_COLUMNS = Columns.of(Case, leave_out=())
# A person's case is known only once the case is written: staged by its number instead.
PERSON_COLUMNS = Columns.of(CasePerson, leave_out=("case",))


def case_from_row(job: ImportJob, row: importing.CaseRow) -> Case:
    return Case(
        unit_id=job.unit_id,
        number=row.number,
        cause=row.cause,
        nature=row.nature,
        occurred_on=row.occurred_on,
        occurred_time=row.occurred_time,
        place=row.place,
        village_id=row.village_id,
        summary=row.summary,
        outcome=row.outcome,
        means=row.means,
        motive=row.motive,
        import_job=job,
        updated_at=timezone.now(),
    )


def person_from_row(row: importing.PersonRow, sealer: importing.Sealer) -> CasePerson:
    id_masked = mask_id_number(row.id_number) if row.id_number else ""
    phone_masked = mask_phone(row.phone) if row.phone else ""
    person = CasePerson(
        name=row.name,
        address=row.address,
        role=row.role,
        id_number_masked=id_masked,
        phone_masked=phone_masked,
    )
    if row.id_number:
        person.set_id_number(sealer("id_number", row.id_number), masked=id_masked)
    if row.phone:
        person.set_phone(sealer("phone", row.phone), masked=phone_masked)
    if row.phone2:
        # Sealed and indexed as a phone: the same number matches in either place.
        person.set_second_phone(sealer("phone", row.phone2), masked=mask_phone(row.phone2))
    return person


CASE_TABLE = "staged_case"
PERSON_TABLE = "staged_person"
# The name the scratch database is attached under on SQLite.
SCHEMA = "import_staging"


def _value_columns(count: int) -> list[str]:
    return [f"v{index}" for index in range(count)]


class StagedRows:
    """The scratch database: `staged_case` (number, v0…) in the file's order, `staged_person`
    (seq, case_number, plates as a JSON list or "", v0…) in the file's order. It lives in a
    temporary directory of this process (mode 0600) and goes with it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        # The import carries a 涉案人员 table (even an empty one: the touched cases lose theirs).
        self.has_person_table = False
        self.case_values = _value_columns(len(CASE_COLUMNS.fields))
        self.person_values = _value_columns(len(PERSON_COLUMNS.fields))

    def _open(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path)

    def create(self) -> sqlite3.Connection:
        self.path.touch(mode=0o600, exist_ok=False)
        db = self._open()
        db.execute("PRAGMA journal_mode=OFF")
        db.execute("PRAGMA synchronous=OFF")
        db.execute(
            f"CREATE TABLE {CASE_TABLE} (number TEXT NOT NULL, {', '.join(self.case_values)})"
        )
        db.execute(
            f"CREATE TABLE {PERSON_TABLE} (seq INTEGER PRIMARY KEY, case_number TEXT NOT NULL,"
            f" plates TEXT NOT NULL, {', '.join(self.person_values)})"
        )
        return db

    def finish(self, db: sqlite3.Connection) -> None:
        # The writing transaction looks cases up by number, from both sides.
        db.execute(f"CREATE INDEX staged_case_number ON {CASE_TABLE} (number)")
        db.execute(f"CREATE INDEX staged_person_case ON {PERSON_TABLE} (case_number)")
        db.commit()
        db.close()

    def rows(
        self, table: str, *, where: str = "", size: int = 0
    ) -> Iterator[list[tuple[Any, ...]]]:
        """The rows of `table` in the file's order, `size` at a time (0: the module's batch)."""
        db = self._open()
        try:
            cursor = db.execute(f"SELECT * FROM {table} {where} ORDER BY rowid")  # noqa: S608
            while batch := cursor.fetchmany(size or BATCH):
                yield batch
        finally:
            db.close()

    def plates_of(self, plates: str) -> list[str]:
        return json.loads(plates) if plates else []


def stage(job: ImportJob, parsed: importing.ParsedImport, directory: Path) -> StagedRows:
    """Every case and person of `parsed`, ready for the database, into `directory`."""
    staged = StagedRows(directory / "staged.sqlite3")
    now: datetime = timezone.now()
    sealer = importing.Sealer()
    db = staged.create()
    marks = ", ".join(["?"] * (len(staged.case_values) + 1))
    for start in range(0, len(parsed.cases), BATCH):
        batch = []
        for row in parsed.cases[start : start + BATCH]:
            case = case_from_row(job, row)
            case.created_at = case.updated_at = now
            batch.append((row.number, *CASE_COLUMNS.values(case)))
        db.executemany(f"INSERT INTO {CASE_TABLE} VALUES ({marks})", batch)  # noqa: S608
    staged.has_person_table = parsed.has_person_table
    if parsed.has_person_table:
        marks = ", ".join(["?"] * (len(staged.person_values) + 2))
        for start in range(0, len(parsed.persons), BATCH):
            people = []
            for person_row in parsed.persons[start : start + BATCH]:
                person = person_from_row(person_row, sealer)
                plates = json.dumps(list(person_row.plates)) if person_row.plates else ""
                people.append((person_row.case_number, plates, *PERSON_COLUMNS.values(person)))
            db.executemany(
                f"INSERT INTO {PERSON_TABLE} (case_number, plates, {', '.join(staged.person_values)})"  # noqa: S608
                f" VALUES ({marks})",
                people,
            )
    staged.finish(db)
    return staged
