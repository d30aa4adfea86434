"""Benchmark of the person registry at a province's scale (issue 12 "Scale", decisions 0034 and
0036).

`python -m saohei.bench registry` on saohei.bench's throw-away test database (a file for SQLite:
millions of rows do not belong in memory; PostgreSQL with DATABASE_URL set). The history is the
project's own generator (`generator.generate_history`: background cases, planted groups with a
known level, decoys that must not prompt), for a province of towns under the demo's city office,
written raw (executemany of prepared tuples with stand-in blind indexes: sealing is not what is
measured). Parameters by environment variable:

- SAOHEI_BENCH_TOWNS (default 1,000) towns of 12 villages, SAOHEI_BENCH_CASES_PER_YEAR (default
  202) cases a town a year over SAOHEI_BENCH_YEARS (default 14) years: 2.8 million police cases
  and just over 6 million person links by default (the generator records about 2.1 persons a
  case); one planted group in every 5 towns and one decoy
  of each kind in every 10;
- SAOHEI_BENCH_SEED (default 12).

Targets: the full rebuild (prompts included) within 5 minutes and 2 GB, an incremental refresh
after one saved case under 1 s, "also appears in" on a record's page under 50 ms. Beside the
timings, the prompts' recall and precision against the planted truth. Prints, does not assert.
"""

import hashlib
import os
import resource
import time
from collections.abc import Iterable, Iterator
from functools import partial
from typing import TYPE_CHECKING

from saohei.analysis.generator import (
    CaseRecord,
    Decoy,
    HistoryRecord,
    PlantedGroup,
    generate_history,
    numbered_towns,
)

if TYPE_CHECKING:
    from saohei.organisations.models import User

# Cases written at a time: the writer's memory stays small, whatever the size.
CHUNK = 20_000


def _digest(kind: str, value: str) -> str:
    """A stand-in blind index: the same value, the same index (the real one is an HMAC-SM3)."""
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()


def _max_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_seconds() -> float:
    """User and system time of this process (SQLite's sorter threads included)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _load() -> str:
    return "load {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


CASE_COLUMNS = (
    "id, unit_id, number, cause, nature, occurred_on, place, village_id, summary, outcome, "
    "means, motive, created_at, updated_at"
)
PERSON_COLUMNS = (
    "id, case_id, name, role, id_number_key, id_number_sealed, id_number_index, "
    "id_number_suffix_index, id_number_masked, phone_key, phone_sealed, phone_index, "
    "phone_suffix_index, phone_masked, address"
)


def _rows(
    records: Iterable[CaseRecord],
    *,
    town_ids: dict[str, int],
    village_ids: dict[tuple[str, str], int],
    after: tuple[int, int, int],
) -> Iterator[tuple[list[tuple], list[tuple], list[tuple]]]:
    """Case, person and plate rows in chunks; ids continue after `after` (the last case, person
    and plate already stored)."""
    from saohei.common.pii import mask_id_number, mask_mobile

    case_id, person_id, plate_id = after
    cases: list[tuple] = []
    persons: list[tuple] = []
    plates: list[tuple] = []
    stamp = "2026-01-01 00:00:00"
    for record in records:
        case_id += 1
        cases.append(
            (
                case_id,
                town_ids[record.town],
                record.number,
                record.cause,
                record.nature,
                record.occurred_on.isoformat(),
                record.place,
                village_ids[(record.town, record.village)],
                record.summary,
                record.outcome,
                record.means,
                record.motive,
                stamp,
                stamp,
            )
        )
        for person in record.persons:
            person_id += 1
            id_number, phone = person.id_number, person.phone
            persons.append(
                (
                    person_id,
                    case_id,
                    person.name,
                    person.role,
                    "",
                    "",
                    _digest("id", id_number) if id_number else "",
                    "",
                    mask_id_number(id_number) if id_number else "",
                    "",
                    "",
                    _digest("phone", phone) if phone else "",
                    "",
                    mask_mobile(phone) if phone else "",
                    "",
                )
            )
            for number in person.plates:
                plate_id += 1
                plates.append((plate_id, person_id, number))
        if len(cases) >= CHUNK:
            yield cases, persons, plates
            cases, persons, plates = [], [], []
    if cases:
        yield cases, persons, plates


def generate(
    *, towns: int, per_year: int, years: int, seed: int
) -> tuple[int, int, list[PlantedGroup], list[Decoy], dict[int, str]]:
    """A province's history written raw under the demo's city office: (cases, person links,
    planted groups, decoys, town unit id → town name)."""
    from django.db import connection, transaction

    from saohei.analysis.generator_writer import town_units
    from saohei.analysis.registry import _large_page_cache, _secondary_indexes_set_aside
    from saohei.cases.models import Case, CasePerson, CasePersonPlate
    from saohei.organisations.models import Unit, UnitKind

    specs = numbered_towns(towns)
    city = Unit.objects.get(kind=UnitKind.CITY_OFFICE, parent=None)
    unit_for_town, village_for_name = town_units(specs, parent=city)
    town_ids = {name: unit.pk for name, unit in unit_for_town.items()}
    village_ids = {key: unit.pk for key, unit in village_for_name.items()}
    groups: list[PlantedGroup] = []
    decoys: list[Decoy] = []

    def cases_only(records: Iterable[HistoryRecord]) -> Iterator[CaseRecord]:
        for record in records:
            if isinstance(record, CaseRecord):
                yield record
            elif isinstance(record, PlantedGroup):
                groups.append(record)
            else:
                decoys.append(record)

    last = [
        model.objects.order_by("-id").values_list("id", flat=True).first() or 0
        for model in (Case, CasePerson, CasePersonPlate)
    ]
    history = generate_history(
        seed=seed,
        towns=specs,
        years=range(2026 - years, 2026),
        cases_per_town_year=per_year,
        groups=max(towns // 5, 1),
        decoys=max(towns // 10, 1),
    )
    written_cases = links = 0
    tables = (Case._meta.db_table, CasePerson._meta.db_table, CasePersonPlate._meta.db_table)
    with (
        transaction.atomic(),
        _large_page_cache(),
        _secondary_indexes_set_aside(*tables),
        connection.cursor() as cursor,
    ):
        for case_rows, person_rows, plate_rows in _rows(
            cases_only(history),
            town_ids=town_ids,
            village_ids=village_ids,
            after=(last[0], last[1], last[2]),
        ):
            for table, columns, rows in (
                (tables[0], CASE_COLUMNS, case_rows),
                (tables[1], PERSON_COLUMNS, person_rows),
                (tables[2], "id, person_id, number", plate_rows),
            ):
                if rows:
                    placeholders = ", ".join(["%s"] * len(rows[0]))
                    cursor.executemany(
                        f"INSERT INTO {table} ({columns}) VALUES ({placeholders})",  # noqa: S608
                        rows,
                    )
            written_cases += len(case_rows)
            links += len(person_rows)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return written_cases, links, groups, decoys, {pk: name for name, pk in town_ids.items()}


def _busiest_case(kind_of_person: str) -> tuple[int, int]:
    """(case id, appearances of its busiest person): the case of the person seen most often
    ("busiest") or of a person seen once ("ordinary")."""
    from saohei.analysis.models import Appearance, Person

    persons = Person.objects.filter(appearance_count__gt=0)
    person = (
        persons.order_by("-appearance_count", "id").first()
        if kind_of_person == "busiest"
        else persons.filter(appearance_count=1).order_by("id").first()
    )
    assert person is not None
    case_id = (
        Appearance.objects.filter(person=person, incident_kind="case")
        .order_by("id")
        .values_list("incident_id", flat=True)
        .first()
    )
    assert case_id is not None
    return case_id, person.appearance_count


def _leader_of(case_id: int) -> "User":
    """A bench account holding 组长 at the case's town (the demo's leaders see only 港西镇)."""
    from saohei.cases.models import Case
    from saohei.common.roles import Role
    from saohei.organisations.models import RoleGrant, User

    town = Case.objects.select_related("unit").get(pk=case_id).unit
    user, _ = User.objects.get_or_create(
        username=f"bench-leader-{town.pk}", defaults={"real_name": "评测组长", "unit": town}
    )
    RoleGrant.objects.get_or_create(user=user, role=Role.LEADER, unit=town)
    return User.objects.get(pk=user.pk)


def bench_registry() -> None:
    from django.db import connection

    from saohei.analysis.bench_prompts import print_score, score_prompts
    from saohei.analysis.queries import related_for_incident
    from saohei.analysis.registry import rebuild, refresh
    from saohei.common.timing import median_ms
    from saohei.organisations.models import User

    towns = int(os.environ.get("SAOHEI_BENCH_TOWNS", "1000"))
    per_year = int(os.environ.get("SAOHEI_BENCH_CASES_PER_YEAR", "202"))
    years = int(os.environ.get("SAOHEI_BENCH_YEARS", "14"))
    seed = int(os.environ.get("SAOHEI_BENCH_SEED", "12"))
    print(
        f"registry on {connection.vendor}: {towns:,} towns × {per_year} cases × {years} years "
        f"({_load()})"
    )
    started = time.perf_counter()
    cases, links, groups, decoys, town_names = generate(
        towns=towns, per_year=per_year, years=years, seed=seed
    )
    print(
        f"{'generate (raw executemany)':<44} {time.perf_counter() - started:8.1f} s  "
        f"{cases:,} cases, {links:,} links, {len(groups)} planted groups, {len(decoys)} decoys"
    )
    print(f"{'peak RSS before the rebuild':<44} {_max_rss_mb():8.0f} MB  ({_load()})")
    if connection.vendor == "postgresql":
        print("  (CPU and RSS are this process's: the PostgreSQL server's are not counted)")
    began, cpu = time.perf_counter(), _cpu_seconds()

    def progress(number: int, total: int, label: str) -> None:
        print(
            f"  {number}/{total} {label:<36} done at {time.perf_counter() - began:7.1f} s, "
            f"CPU {_cpu_seconds() - cpu:7.1f} s ({_load()})",
            flush=True,
        )

    result = rebuild(progress=progress)
    print(
        f"{'full rebuild (prompts included)':<44} {result.seconds:8.1f} s  "
        f"{result.appearances:,} appearances, {result.persons:,} persons; "
        f"CPU {_cpu_seconds() - cpu:.1f} s ({_load()})"
    )
    for label, seconds in result.steps:
        print(f"  {label:<40} {seconds:8.1f} s")
    print(f"{'peak RSS after the rebuild (ru_maxrss)':<44} {_max_rss_mb():8.0f} MB")
    print("prompts against the planted truth:")
    print_score(score_prompts(town_names, groups, decoys))

    office = User.objects.get(username="shiban")
    for kind_of_person in ("busiest", "ordinary"):
        case_id, seen = _busiest_case(kind_of_person)
        incremental = median_ms(partial(refresh, [("case", case_id)]), runs=5)
        print(
            f"{'incremental refresh, one case (median of 5)':<44} {incremental:8.0f} ms  "
            f"({kind_of_person}: its person has {seen:,} appearances; {_load()})"
        )
        for who, user in (("town leader", _leader_of(case_id)), ("city supervisor", office)):
            query = median_ms(
                partial(related_for_incident, user, "case", case_id, for_registry=True), runs=5
            )
            print(f"{'also appears in (' + who + ', median of 5)':<44} {query:8.1f} ms")
