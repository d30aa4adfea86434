"""Benchmark of extraction: the labelled set's figures for each name engine, jionlp's own
extractors on the same identifiers, load and first-call times, and characters per second.

Prints, does not assert (the thresholds are asserted in tests/test_extraction_quality.py). Needs
no database: `python -m saohei.bench extraction`.
"""

import contextlib
import io
import subprocess
import sys
import time
from typing import TYPE_CHECKING

from saohei.analysis.extraction.evaluation import (
    KINDS,
    LABELLED,
    Evaluation,
    Score,
    evaluate,
    load_labelled,
)
from saohei.analysis.extraction.places import resolve
from saohei.analysis.extraction.text import normalise
from saohei.common.timing import median_fetch_ms, median_ms

# 20 texts written after the rules were settled and never tuned against: the optimism of the
# labelled set's own figures, measured.
HOLDOUT = LABELLED.with_name("holdout.jsonl")

# Import and first call in a fresh interpreter: what a worker pays once.
_COLD = """
import time
started = time.perf_counter()
from saohei.analysis.extraction import extract
imported = time.perf_counter()
extract("村主任张三在港西村打人，电话13905312468。", name_engine="{engine}")
print(f"{{imported - started:.2f}} {{time.perf_counter() - imported:.2f}}")
"""


def _print_scores(label: str, evaluation: Evaluation) -> None:
    print(f"{label}: {evaluation.characters} characters in {evaluation.seconds:.2f} s", end="")
    print(f" = {evaluation.characters / evaluation.seconds:,.0f} chars/s (warm)")
    for kind in KINDS:
        score = evaluation.scores[kind]
        print(
            f"  {kind:<11} P {score.precision:.3f}  R {score.recall:.3f}  F1 {score.f1:.3f}"
            f"  (tp {score.true_positives}, fp {score.false_positives},"
            f" fn {score.false_negatives})"
        )


def _jionlp_identifiers() -> dict[str, Score]:
    """jionlp's extractors on the same NFKC text, spans mapped back the same way."""
    with contextlib.redirect_stdout(io.StringIO()):
        import jionlp
    extractors = {
        "id_numbers": lambda text: jionlp.extract_id_card(text, detail=True),
        "phones": lambda text: [
            found
            for found in jionlp.extract_phone_number(text, detail=True)
            if found["type"] == "cell_phone"
        ],
        "plates": lambda text: jionlp.extract_motor_vehicle_licence_plate(text, detail=True),
    }
    scores = {kind: Score() for kind in extractors}
    for sample in load_labelled():
        normalised = normalise(sample["text"])
        for kind, extractor in extractors.items():
            got = set()
            for found in extractor(normalised.text):
                span = normalised.span(*found["offset"])
                got.add((span.start, span.end))
            expected = {(item["start"], item["end"]) for item in sample[kind]}
            scores[kind].true_positives += len(got & expected)
            scores[kind].false_positives += len(got - expected)
            scores[kind].false_negatives += len(expected - got)
    return scores


def bench_extraction() -> None:
    print("extraction (labelled set: saohei/analysis/tests/data/labelled.jsonl)")
    started = time.perf_counter()
    resolve("荣成市港西镇")
    print(f"jionlp location parser: import and dictionary {time.perf_counter() - started:.2f} s")
    for engine in ("lac", "jieba"):
        result = subprocess.run(  # noqa: S603 (our own interpreter and code)
            [sys.executable, "-c", _COLD.format(engine=engine)],
            capture_output=True,
            text=True,
            check=True,
        )
        imported, first = result.stdout.split()
        print(f"{engine}: import {imported} s, first call (loads the model) {first} s")
        evaluate(engine, load_labelled()[:3])  # the model loaded
        _print_scores(f"{engine} names", evaluate(engine))
        _print_scores(f"{engine} names, held-out set", evaluate(engine, load_labelled(HOLDOUT)))
    started = time.perf_counter()
    scores = _jionlp_identifiers()
    print(f"jionlp's extractors on the same identifiers ({time.perf_counter() - started:.2f} s):")
    for kind, score in scores.items():
        print(f"  {kind:<11} P {score.precision:.3f}  R {score.recall:.3f}")


if __name__ == "__main__":
    bench_extraction()


def bench_generator(*, towns: int = 4, cases: int = 2000, years: int = 10) -> None:
    """Generated history written through `generate_cases`: it prints rows per second."""
    from django.core.management import call_command

    print(f"generate_cases: {towns} towns x {cases} cases x {years} years")
    call_command("generate_cases", towns=towns, cases=cases, years=years, seed=1)


if TYPE_CHECKING:
    from saohei.organisations.models import Unit

# ---------------------------------------------------------------------------------------------
# 重点人员 and 同案人员 (decision 0031): `python -m saohei.bench lists`

# Appearances per batch: the page is measured on one batch in the window, then again after a
# batch in another town and a batch older than the window have been added.
LISTS_BATCH = 100_000

# Planted groups: members who offend together in several cases of the window.
PLANTED_GROUPS, PLANTED_MEMBERS, PLANTED_CASES = 10, 4, 6


def _bench_cases(town: "Unit", *, appearances: int, years: tuple[int, int], seed: int) -> int:
    """Cases of 1–5 persons (a quarter victims or witnesses) drawn from a pool of people with ID
    numbers, spread over `years` ago; written straight to the tables, as an import would."""
    import datetime
    import random

    from django.utils import timezone
    from stdnum.cn import ric

    from saohei.cases.models import Case, CasePerson, Nature
    from saohei.common.pii import blind_index, mask_id_number
    from saohei.organisations.models import Unit

    generator = random.Random(seed)  # noqa: S311 (benchmark data, not secrets)
    villages: list[Unit | None] = [*Unit.objects.filter(parent=town).villages()] or [None]
    pool = []
    for serial in range(appearances // 5):
        body = f"37098219{70 + serial % 30:02d}0101{serial % 1000:03d}"
        id_number = body + ric.calc_check_digit(body + "0")
        # The index is made unique per person; the masked form only shows.
        pool.append(
            (
                f"人员{seed}{serial}",
                blind_index("id_number", id_number + str(serial)),
                mask_id_number(id_number),
            )
        )
    causes = ["寻衅滋事", "故意伤害", "聚众斗殴", "故意毁坏财物", "敲诈勒索", "非法拘禁"]
    roles = ["gatherer", "participant", "participant", "participant", "victim", "witness"]
    today = timezone.localdate()
    first_day, span = today - datetime.timedelta(days=365 * years[1]), 365 * (years[1] - years[0])
    written, number = 0, 0
    while written < appearances:
        batch_cases, batch_people = [], []
        for _ in range(2_000):
            number += 1
            batch_cases.append(
                Case(
                    unit=town,
                    number=f"B{seed}-{number:07d}",
                    cause=generator.choice(causes),
                    nature=generator.choice([Nature.CRIMINAL, Nature.PUBLIC_SECURITY]),
                    occurred_on=first_day + datetime.timedelta(days=generator.randrange(span)),
                    village=generator.choice(villages),
                )
            )
        Case.objects.bulk_create(batch_cases)
        for case in batch_cases:
            for name, index, masked in generator.sample(pool, generator.randint(1, 5)):
                batch_people.append(
                    CasePerson(
                        case=case,
                        name=name,
                        role=generator.choice(roles),
                        id_number_index=index,
                        id_number_masked=masked,
                    )
                )
        CasePerson.objects.bulk_create(batch_people, batch_size=2_000)
        written += len(batch_people)
    # Planted groups in the window: the same members together in several cases.
    for group in range(PLANTED_GROUPS):
        members = generator.sample(pool, PLANTED_MEMBERS)
        for _ in range(PLANTED_CASES):
            number += 1
            case = Case.objects.create(
                unit=town,
                number=f"B{seed}-G{number:07d}",
                cause="寻衅滋事",
                nature=Nature.CRIMINAL,
                occurred_on=today - datetime.timedelta(days=generator.randrange(700)),
                village=villages[group % len(villages)],
            )
            CasePerson.objects.bulk_create(
                CasePerson(
                    case=case,
                    name=name,
                    role="participant",
                    id_number_index=index,
                    id_number_masked=masked,
                )
                for name, index, masked in members
            )
    return written


def bench_lists(client_class: type, *, password: str) -> None:
    import time

    from django.db import connection
    from django.utils import timezone

    from saohei.analysis.lists import (
        ListFilters,
        _ranking_sql,
        default_window,
        find_co_offenders,
        perpetrator_appearances,
        rank_key_persons,
    )
    from saohei.analysis.models import Appearance
    from saohei.analysis.registry import rebuild
    from saohei.organisations.models import Unit, UnitKind, User
    from saohei.organisations.services import build_unit
    from saohei.testing.totp import sign_in_client

    town = Unit.objects.get(name="港西镇")
    user = User.objects.get(username="banshi")
    start, end = default_window(timezone.localdate())
    village = Unit.objects.filter(parent=town).villages().first()
    assert village is not None, "the demo town has villages"

    def measure(label: str) -> None:
        print(f"-- {label}: {Appearance.objects.count():,} appearances in the registry")
        window = ListFilters(date_from=start, date_to=end)
        first = rank_key_persons(user, window)
        timings = [
            ("重点人员 page 1 (3 years, one town)", lambda: rank_key_persons(user, window)),
            (
                "重点人员 page 2 (cursor)",
                lambda: rank_key_persons(user, window, after=first.next_cursor),
            ),
            (
                "重点人员 one village",
                lambda: rank_key_persons(
                    user, ListFilters(date_from=start, date_to=end, village_id=village.pk)
                ),
            ),
            (
                "重点人员 案由 寻衅滋事",
                lambda: rank_key_persons(
                    user, ListFilters(date_from=start, date_to=end, offence="寻衅滋事")
                ),
            ),
            ("同案人员 (≥ 2 together)", lambda: find_co_offenders(user, window)),
        ]
        for name, action in timings:
            print(f"{name:<44} {median_ms(action, runs=5):8.1f} ms median")
        found = find_co_offenders(user, window)
        print(f"{'  pairs found / groups of 3+':<44} {found.total_pairs:>8} / {len(found.groups)}")
        client = client_class()
        sign_in_client(client, "banshi", password)
        for name, url in [
            ("重点人员 page, rendered", "/analysis/key-persons/"),
            ("同案人员 page, rendered", "/analysis/co-offenders/"),
            ("重点人员 .xlsx (whole ranking)", "/analysis/key-persons/export.xlsx"),
        ]:
            print(f"{name:<44} {median_fetch_ms(client, url, runs=5):8.1f} ms median")
        sql, params = _ranking_sql(perpetrator_appearances(user, window))
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
                plan = [row[-1] for row in cursor.fetchall() if "appearance" in row[-1]]
            print(f"{'  plan (appearances)':<44} {'; '.join(plan)}")

    started = time.perf_counter()
    written = _bench_cases(town, appearances=LISTS_BATCH, years=(0, 10), seed=1)
    print(
        f"{'generate cases (10 years, one town)':<44} {written:>8} persons in "
        f"{time.perf_counter() - started:6.1f} s"
    )
    started = time.perf_counter()
    rebuild()
    print(f"{'rebuild the registry':<44} {time.perf_counter() - started:8.1f} s")
    measure("one town, 10 years")

    other = build_unit(name="柳林镇（测试）", kind=UnitKind.TOWN, parent=town.parent, code="LLB")
    build_unit(name="柳林村（测试）", kind=UnitKind.VILLAGE, parent=other)
    _bench_cases(other, appearances=LISTS_BATCH, years=(0, 10), seed=2)
    _bench_cases(town, appearances=LISTS_BATCH, years=(10, 30), seed=3)
    started = time.perf_counter()
    rebuild()
    print(f"{'rebuild the registry':<44} {time.perf_counter() - started:8.1f} s")
    measure("plus another town and 20 older years (same window)")
