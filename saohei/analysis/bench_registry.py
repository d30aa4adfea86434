"""Benchmark of the person registry at province scale (issue 12 "Scale", decision 0034).

`python -m saohei.bench registry` on saohei.bench's throw-away test database (a file for SQLite:
millions of rows do not belong in memory; PostgreSQL with DATABASE_URL set). Parameters by
environment variable:

- SAOHEI_BENCH_CASES (default 2,000,000) police cases, SAOHEI_BENCH_PERSONS_PER_CASE (default 3)
  person links each: 6,000,000 links by default;
- SAOHEI_BENCH_SEED (default 12) for the data.

Targets: the full rebuild within 5 minutes and 2 GB, an incremental refresh after one saved case
under 1 s, "also appears in" on a record's page under 50 ms. Prints, does not assert.

The data are written raw (executemany of prepared tuples, fake blind indexes): sealing is not
what is measured. Realistic sharing: most people appear once, some repeat (a skewed pool),
families share a mobile under different names, a few hotline numbers are given for hundreds of
names, and planted groups of four appear together again and again.
"""

import hashlib
import os
import random
import resource
import time
from collections.abc import Iterator

from saohei.common.timing import median_ms

# One chunk of cases written at a time: the generator's memory stays small, whatever the size.
CHUNK = 50_000
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红玉兰春海波斌鹏宇浩"
ROLES = ["gatherer", "participant", "participant", "participant", "victim", "witness", "organiser"]


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _max_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _load() -> str:
    return "load {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


class _People:
    """Who a person link is: a new person most of the time, else one of a skewed pool of
    repeaters; each person's name, ID number (70 %) and mobile (50 %: a family's shared one
    for a third of them, a hotline for one link in a thousand) follow from their number."""

    def __init__(self, rnd: random.Random, cases: int) -> None:
        self.rnd = rnd
        self.fresh = 10 * cases  # numbers above this are people seen once
        self.pool = max(cases // 4, 10)

    def draw(self) -> int:
        if self.rnd.random() < 0.7:
            self.fresh += 1
            return self.fresh
        # Skewed: a few people appear very often, most repeaters a handful of times.
        return int(self.pool * self.rnd.random() ** 3)

    @staticmethod
    def name(who: int) -> str:
        return (
            SURNAMES[who % len(SURNAMES)]
            + GIVEN[(who // len(SURNAMES)) % len(GIVEN)]
            + GIVEN[(who // (len(SURNAMES) * len(GIVEN))) % len(GIVEN)]
        )

    def identifiers(self, who: int) -> tuple[str, str, str, str]:
        rnd = random.Random(who)  # noqa: S311 (test data: the same person, the same identifiers)
        id_index = _digest(f"id{who}") if rnd.random() < 0.7 else ""
        phone = ""
        chance = rnd.random()
        if chance < 0.15:
            phone = _digest(f"family{who // 3}")  # three relatives, three names, one phone
        elif chance < 0.5:
            phone = _digest(f"ph{who}")
        if self.rnd.random() < 0.001:
            phone = _digest(f"hotline{self.rnd.randrange(50)}")
        return (
            id_index,
            "3709**********1234" if id_index else "",
            phone,
            "139****1234" if phone else "",
        )


def _chunks(
    *,
    cases: int,
    per_case: int,
    seed: int,
    town_id: int,
    villages: list[int],
    after: tuple[int, int],
) -> Iterator[tuple[list[tuple], list[tuple]]]:
    """Rows in chunks; ids continue after `after` (the demo town's last case and person)."""
    rnd = random.Random(seed)  # noqa: S311 (reproducible test data)
    people = _People(rnd, cases)
    # Planted groups: four people who appear together in every 500th case.
    groups = [[people.pool + 10 * g + m for m in range(4)] for g in range(cases // 2000 + 1)]
    case_base, person_id = after
    case_rows: list[tuple] = []
    person_rows: list[tuple] = []
    for case_id in range(case_base + 1, case_base + cases + 1):
        occurred = f"20{rnd.randint(10, 25):02d}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"
        case_rows.append(
            (
                case_id,
                town_id,
                f"B{case_id:08d}",
                "寻衅滋事",
                rnd.choice(["criminal", "public_security"]),
                occurred,
                "",
                rnd.choice(villages),
                "",
                "",
                rnd.choice(["violence", "threat", "other", ""]),
                rnd.choice(["neighbour", "profit", "other", ""]),
                "2026-01-01 00:00:00",
                "2026-01-01 00:00:00",
            )
        )
        who_list = (
            groups[(case_id // 500) % len(groups)][:per_case]
            if case_id % 500 == 0
            else [people.draw() for _ in range(per_case)]
        )
        for who in who_list:
            person_id += 1
            id_index, id_masked, phone, phone_masked = people.identifiers(who)
            person_rows.append(
                (
                    person_id,
                    case_id,
                    people.name(who),
                    rnd.choice(ROLES),
                    "",
                    "",
                    id_index,
                    "",
                    id_masked,
                    "",
                    "",
                    phone,
                    "",
                    phone_masked,
                    "",
                )
            )
        if len(case_rows) >= CHUNK:
            yield case_rows, person_rows
            case_rows, person_rows = [], []
    if case_rows:
        yield case_rows, person_rows


CASE_COLUMNS = (
    "id, unit_id, number, cause, nature, occurred_on, place, village_id, summary, outcome, "
    "means, motive, created_at, updated_at"
)
PERSON_COLUMNS = (
    "id, case_id, name, role, id_number_key, id_number_sealed, id_number_index, "
    "id_number_suffix_index, id_number_masked, phone_key, phone_sealed, phone_index, "
    "phone_suffix_index, phone_masked, address"
)


def generate(*, cases: int, per_case: int, seed: int) -> int:
    """Cases and their persons written raw into the demo town; returns the person links."""
    from django.db import connection, transaction

    from saohei.analysis.registry import _large_page_cache, _secondary_indexes_set_aside
    from saohei.cases.models import Case, CasePerson
    from saohei.organisations.models import Unit

    town = Unit.objects.get(name="港西镇")
    villages = list(Unit.objects.filter(parent=town, kind="village").values_list("id", flat=True))
    links = 0
    after = (
        Case.objects.order_by("-id").values_list("id", flat=True).first() or 0,
        CasePerson.objects.order_by("-id").values_list("id", flat=True).first() or 0,
    )
    with (
        transaction.atomic(),
        _large_page_cache(),
        _secondary_indexes_set_aside(Case._meta.db_table, CasePerson._meta.db_table),
        connection.cursor() as cursor,
    ):
        for case_rows, person_rows in _chunks(
            cases=cases,
            per_case=per_case,
            seed=seed,
            town_id=town.pk,
            villages=villages,
            after=after,
        ):
            cursor.executemany(
                f"INSERT INTO {Case._meta.db_table} ({CASE_COLUMNS}) VALUES "  # noqa: S608
                f"({', '.join(['%s'] * 14)})",
                case_rows,
            )
            cursor.executemany(
                f"INSERT INTO {CasePerson._meta.db_table} ({PERSON_COLUMNS}) VALUES "  # noqa: S608
                f"({', '.join(['%s'] * 15)})",
                person_rows,
            )
            links += len(person_rows)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return links


def also_appears_in(user: object, kind: str, incident_id: int) -> list:
    """The query a record's page runs: the other appearances, visible to the viewer, of the
    persons named in this record (newest first, one page)."""
    from saohei.analysis.access import visible_appearances
    from saohei.analysis.models import Appearance

    persons = Appearance.objects.filter(
        incident_kind=kind, incident_id=incident_id, person__isnull=False
    ).values("person_id")
    return list(
        visible_appearances(user, few=True)  # type: ignore[arg-type]
        .filter(person_id__in=persons)
        .exclude(incident_kind=kind, incident_id=incident_id)
        .order_by("-occurred_on", "-id")
        .values_list("incident_kind", "incident_id", "name", "occurred_on")[:50]
    )


def bench_registry() -> None:
    from django.db import connection

    from saohei.analysis.models import Appearance, Person
    from saohei.analysis.registry import rebuild, refresh
    from saohei.organisations.models import User

    cases = int(os.environ.get("SAOHEI_BENCH_CASES", "2000000"))
    per_case = int(os.environ.get("SAOHEI_BENCH_PERSONS_PER_CASE", "3"))
    seed = int(os.environ.get("SAOHEI_BENCH_SEED", "12"))
    print(f"registry on {connection.vendor}: {cases:,} cases × {per_case} persons ({_load()})")
    started = time.perf_counter()
    links = generate(cases=cases, per_case=per_case, seed=seed)
    print(
        f"{'generate (raw executemany)':<44} {time.perf_counter() - started:8.1f} s  {links:,} links"
    )
    before = _max_rss_mb()
    print(f"{'peak RSS before the rebuild':<44} {before:8.0f} MB  ({_load()})")
    began = time.perf_counter()

    def progress(number: int, total: int, label: str) -> None:
        print(
            f"  {number}/{total} {label:<36} done at {time.perf_counter() - began:7.1f} s ({_load()})",
            flush=True,
        )

    result = rebuild(progress=progress)
    print(
        f"{'full rebuild':<44} {result.seconds:8.1f} s  {result.appearances:,} appearances, "
        f"{result.persons:,} persons ({_load()})"
    )
    for label, seconds in result.steps:
        print(f"  {label:<40} {seconds:8.1f} s")
    print(f"{'peak RSS after the rebuild (ru_maxrss)':<44} {_max_rss_mb():8.0f} MB")

    # The person seen most often, and one case of theirs: the worst case for both reads.
    busiest = Person.objects.order_by("-appearance_count").first()
    assert busiest is not None
    case_id = (
        Appearance.objects.filter(person=busiest, incident_kind="case")
        .values_list("incident_id", flat=True)
        .first()
    )
    assert case_id is not None
    incremental = median_ms(lambda: refresh([("case", case_id)]), runs=5)
    print(
        f"{'incremental refresh, one case (median of 5)':<44} {incremental:8.0f} ms  "
        f"(its busiest person: {busiest.appearance_count} appearances; {_load()})"
    )
    leader = User.objects.get(username="shuji")
    found = len(also_appears_in(leader, "case", case_id))
    query = median_ms(lambda: also_appears_in(leader, "case", case_id), runs=5)
    print(f"{'also appears in (town leader, median of 5)':<44} {query:8.1f} ms  ({found} rows)")
