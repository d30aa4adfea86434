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
