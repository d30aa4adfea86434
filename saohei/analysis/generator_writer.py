"""Stores generated history (`generator.generate_history`) fast: bulk inserts in batches.

Sealing an identifier (SM4-GCM and two HMAC-SM3 digests) is the slow part, so each distinct ID
number and mobile is sealed once while it recurs (`cases.importing.Sealer`); the ground truth
(`PlantedGroup`, `Decoy`, `PersonRecord.person_key`) is never written.
"""

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.db import transaction

from saohei.analysis.generator import CaseRecord, HistoryRecord, TownSpec
from saohei.audit.models import AuditAction
from saohei.audit.services import record_event
from saohei.cases.importing import PersonRow, Sealer
from saohei.cases.models import Case, CasePerson, CasePersonPlate
from saohei.cases.services import new_case_person
from saohei.organisations.models import Unit, UnitKind
from saohei.organisations.services import build_unit

# Distinct identifiers kept sealed at once: a group's members recur within a town's history.
SEALED_CACHE = 200_000


@dataclass
class WriteReport:
    cases: int = 0
    persons: int = 0
    plates: int = 0
    # Identifiers actually sealed (the others came from the cache).
    sealed: int = 0
    seconds: float = 0.0
    cases_per_town: dict[str, int] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return self.cases + self.persons + self.plates

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    def summary(self) -> str:
        return (
            f"写入案件 {self.cases} 起、涉案人员 {self.persons} 人、车牌 {self.plates} 个，"
            f"加密 {self.sealed} 个标识，用时 {self.seconds:.1f} 秒，"
            f"每秒 {self.rows_per_second:.0f} 行"
        )


def write_history(
    records: Iterable[HistoryRecord],
    *,
    unit_for_town: Mapping[str, Unit],
    village_for_name: Mapping[tuple[str, str], Unit],
    batch_size: int = 1000,
    on_batch: Callable[[WriteReport], None] | None = None,
) -> WriteReport:
    """Bulk-create the cases, persons and plates of `records` in one transaction, with one
    audit event (导入治安案件, marked generated) per town. Ground-truth records are skipped.
    `village_for_name` maps (town, village) names to village units; `on_batch` sees progress."""
    report = WriteReport()
    sealer = Sealer(max_cached=SEALED_CACHE)
    started = time.perf_counter()
    with transaction.atomic():
        batch: list[CaseRecord] = []
        for record in records:
            if not isinstance(record, CaseRecord):
                continue
            batch.append(record)
            if len(batch) >= batch_size:
                _write_batch(batch, unit_for_town, village_for_name, sealer, report)
                batch = []
                report.seconds = time.perf_counter() - started
                if on_batch is not None:
                    on_batch(report)
        if batch:
            _write_batch(batch, unit_for_town, village_for_name, sealer, report)
        for town, count in report.cases_per_town.items():
            record_event(
                action=AuditAction.CASES_IMPORTED,
                unit=unit_for_town[town],
                details={"generated": True, "created": count},
            )
    report.sealed = sealer.sealed
    report.seconds = time.perf_counter() - started
    return report


def _write_batch(
    batch: list[CaseRecord],
    unit_for_town: Mapping[str, Unit],
    village_for_name: Mapping[tuple[str, str], Unit],
    sealer: Sealer,
    report: WriteReport,
) -> None:
    cases = Case.objects.bulk_create(
        Case(
            unit=unit_for_town[record.town],
            number=record.number,
            cause=record.cause,
            nature=record.nature,
            occurred_on=record.occurred_on,
            occurred_time=record.occurred_time,
            place=record.place,
            village=village_for_name[(record.town, record.village)],
            summary=record.summary,
            outcome=record.outcome,
            means=record.means,
            motive=record.motive,
        )
        for record in batch
    )
    persons: list[CasePerson] = []
    plates: list[tuple[int, tuple[str, ...]]] = []
    for case, record in zip(cases, batch, strict=True):
        for person in record.persons:
            row = PersonRow(
                case_number=record.number,
                name=person.name,
                id_number=person.id_number,
                phone=person.phone,
                address="",
                role=person.role,
                plates=list(person.plates),
            )
            persons.append(new_case_person(case.pk, row, sealer))
            plates.append((len(persons) - 1, person.plates))
    CasePerson.objects.bulk_create(persons)
    new_plates = [
        CasePersonPlate(person_id=persons[index].pk, number=number)
        for index, numbers in plates
        for number in numbers
    ]
    CasePersonPlate.objects.bulk_create(new_plates)
    report.cases += len(cases)
    report.persons += len(persons)
    report.plates += len(new_plates)
    for record in batch:
        report.cases_per_town[record.town] = report.cases_per_town.get(record.town, 0) + 1


def town_units(
    towns: Sequence[TownSpec], *, parent: Unit | None
) -> tuple[dict[str, Unit], dict[tuple[str, str], Unit]]:
    """The units of `towns` under `parent` (built where missing, each village once), as the
    two mappings `write_history` takes."""
    unit_for_town: dict[str, Unit] = {}
    village_for_name: dict[tuple[str, str], Unit] = {}
    for order, spec in enumerate(towns, start=1):
        town = Unit.objects.filter(name=spec.name, parent=parent).first() or build_unit(
            name=spec.name, kind=UnitKind.TOWN, parent=parent, code=spec.code, sort_order=order
        )
        unit_for_town[spec.name] = town
        existing = {unit.name: unit for unit in Unit.objects.filter(parent=town)}
        for position, name in enumerate(spec.villages, start=1):
            village = existing.get(name) or build_unit(
                name=name, kind=UnitKind.VILLAGE, parent=town, sort_order=100 + position
            )
            village_for_name[(spec.name, name)] = village
    return unit_for_town, village_for_name
