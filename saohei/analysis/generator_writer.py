"""Stores generated history (`generator.generate_history`) fast: bulk inserts in batches.

Sealing an identifier (SM4-GCM and two HMAC-SM3 digests) is the slow part, so each distinct ID
number and mobile is sealed once while it recurs (`cases.importing.Sealer`); the ground truth
(`PlantedGroup`, `Decoy`, `PersonRecord.person_key`) is never written.
"""

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from saohei.analysis.generator import CaseRecord, HistoryRecord, TownSpec
from saohei.audit.models import AuditAction
from saohei.audit.services import record_event
from saohei.cases.importing import Sealer
from saohei.cases.models import Case, CasePerson, CasePersonPlate
from saohei.cases.services import CASE_UPDATE_FIELDS
from saohei.common.bulk import insert_rows
from saohei.common.pii import mask_id_number, mask_mobile
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


# The import's updatable columns (without its job), and what a new row needs besides.
CASE_FIELDS = (
    "unit",
    "number",
    *(name for name in CASE_UPDATE_FIELDS if name != "import_job"),
    "created_at",
)
PERSON_FIELDS = (
    "case",
    "name",
    "role",
    "address",
    *(f"id_number_{part}" for part in ("key", "sealed", "index", "suffix_index", "masked")),
    *(f"phone_{part}" for part in ("key", "sealed", "index", "suffix_index", "masked")),
)


def _sealed_columns(
    sealer: Sealer, kind: str, value: str, mask: Callable[[str], str]
) -> tuple[str, ...]:
    """key, ciphertext, index, suffix index and mask, as `SealedIdentity.set_id_number` and
    `set_phone` store them; all empty when the case did not record the identifier."""
    if not value:
        return ("",) * 5
    sealed = sealer(kind, value)
    return (sealed.key_id, sealed.ciphertext, sealed.index, sealed.suffix_index, mask(value))


def _write_batch(
    batch: list[CaseRecord],
    unit_for_town: Mapping[str, Unit],
    village_for_name: Mapping[tuple[str, str], Unit],
    sealer: Sealer,
    report: WriteReport,
) -> None:
    # Rows as tuples, not model instances: building instances cost more than the inserts.
    now = timezone.now()
    rows = []
    for record in batch:
        values = {
            "unit": unit_for_town[record.town].pk,
            "number": record.number,
            "cause": record.cause,
            "nature": record.nature,
            "occurred_on": record.occurred_on,
            "occurred_time": record.occurred_time,
            "place": record.place,
            "village": village_for_name[(record.town, record.village)].pk,
            "summary": record.summary,
            "outcome": record.outcome,
            "means": record.means,
            "motive": record.motive,
            "created_at": now,
            "updated_at": now,
        }
        rows.append(tuple(values[name] for name in CASE_FIELDS))
    insert_rows(Case, CASE_FIELDS, rows)
    case_ids: dict[tuple[str, str], int] = {}
    for town in {record.town for record in batch}:
        numbers = [record.number for record in batch if record.town == town]
        stored = Case.objects.filter(unit=unit_for_town[town], number__in=numbers)
        case_ids.update(((town, number), pk) for number, pk in stored.values_list("number", "pk"))
    plain: list[tuple[object, ...]] = []
    with_plates: list[tuple[CasePerson, tuple[str, ...]]] = []
    for record in batch:
        case_id = case_ids[(record.town, record.number)]
        for person in record.persons:
            row = (
                case_id,
                person.name,
                person.role,
                "",
                *_sealed_columns(sealer, "id_number", person.id_number, mask_id_number),
                *_sealed_columns(sealer, "phone", person.phone, mask_mobile),
            )
            if person.plates:
                fields = dict(zip(PERSON_FIELDS[1:], row[1:], strict=True))
                with_plates.append((CasePerson(case_id=case_id, **fields), person.plates))
            else:
                plain.append(row)
    insert_rows(CasePerson, PERSON_FIELDS, plain)
    # The few persons with a vehicle need their ids back for the plates.
    CasePerson.objects.bulk_create(person for person, _ in with_plates)
    new_plates = [
        CasePersonPlate(person_id=person.pk, number=number)
        for person, numbers in with_plates
        for number in numbers
    ]
    CasePersonPlate.objects.bulk_create(new_plates)
    report.cases += len(batch)
    report.persons += len(plain) + len(with_plates)
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
