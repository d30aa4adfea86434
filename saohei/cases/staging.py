"""An import's rows made ready for the database before the transaction that writes them.

Building a row is the slow part of an import (measured at 20,000 cases: nearly all of the nine
seconds in the transaction went to model instances, Django's value preparation and sealing ID
numbers), and on SQLite every other writer waits for the transaction. So the rows are prepared
first, with nothing locked, into a scratch file of pickled batches (memory stays at one batch);
the transaction then only reads the batches back and hands them to `executemany`.
"""

import pickle
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from django.db import connection, models
from django.utils import timezone

from saohei.cases import importing
from saohei.cases.models import Case, CasePerson, ImportJob
from saohei.common.pii import mask_id_number, mask_mobile

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

    def values(self, instance: models.Model) -> tuple[Any, ...]:
        return tuple(_adapter(field)(getattr(instance, field.attname)) for field in self.fields)

    def insert_sql(self, *, first: Sequence[str] = ()) -> str:
        quote = connection.ops.quote_name
        names = [*first, *self.names]
        placeholders = ", ".join(["%s"] * len(names))
        # Names come from the model; every value is a parameter.
        return (
            f"INSERT INTO {quote(self.model._meta.db_table)} "  # noqa: S608
            f"({', '.join(quote(name) for name in names)}) VALUES ({placeholders})"
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
    phone_masked = mask_mobile(row.phone) if row.phone else ""
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
    return person


@dataclass(frozen=True)
class StagedPerson:
    case_number: str
    values: tuple[Any, ...]
    plates: tuple[str, ...]


class StagedRows:
    """Batches of prepared rows in a file of the process's own scratch directory (mode 0600,
    deleted with the directory): pickle is safe here because nothing but this process writes it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.cases = 0
        self.persons = 0
        # The import carries a 涉案人员 table (even an empty one: the touched cases lose theirs).
        self.has_person_table = False
        # The cases the staged persons belong to, known before a batch is read back.
        self.person_case_numbers: set[str] = set()
        self._offsets: list[tuple[str, int]] = []

    def write(self, kind: str, batch: list[Any], target: BinaryIO) -> None:
        self._offsets.append((kind, target.tell()))
        pickle.dump(batch, target, protocol=pickle.HIGHEST_PROTOCOL)

    def batches(self, kind: str) -> Iterator[list[Any]]:
        with self.path.open("rb") as source:
            for batch_kind, offset in self._offsets:
                if batch_kind == kind:
                    source.seek(offset)
                    yield pickle.load(source)  # noqa: S301 (written by this process above)


def stage(job: ImportJob, parsed: importing.ParsedImport, directory: Path) -> StagedRows:
    """Every case and person of `parsed`, ready for the database, into `directory`."""
    staged = StagedRows(directory / "staged.pickle")
    now: datetime = timezone.now()
    sealer = importing.Sealer()
    with staged.path.open("xb") as target:
        staged.path.chmod(0o600)
        for start in range(0, len(parsed.cases), BATCH):
            batch = []
            for row in parsed.cases[start : start + BATCH]:
                case = case_from_row(job, row)
                case.created_at = case.updated_at = now
                batch.append((row.number, CASE_COLUMNS.values(case)))
            staged.write("case", batch, target)
            staged.cases += len(batch)
        staged.has_person_table = parsed.has_person_table
        if parsed.has_person_table:
            for start in range(0, len(parsed.persons), BATCH):
                people = []
                for person_row in parsed.persons[start : start + BATCH]:
                    person = person_from_row(person_row, sealer)
                    people.append(
                        StagedPerson(
                            person_row.case_number,
                            PERSON_COLUMNS.values(person),
                            tuple(person_row.plates),
                        )
                    )
                staged.person_case_numbers.update(person.case_number for person in people)
                staged.write("person", people, target)
                staged.persons += len(people)
    return staged
