"""Precision and recall of `extract` on the labelled set (tests/data/labelled.jsonl).

A found span counts only if its start and end are exactly a labelled span's (and, for an ID
number, its validity agrees). The test asserts the figures; `python -m saohei.bench extraction`
prints them for each name engine.
"""

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from saohei.analysis.extraction import extract

KINDS = ("persons", "id_numbers", "phones", "plates", "places")
LABELLED = Path(__file__).resolve().parent.parent / "tests" / "data" / "labelled.jsonl"
# Local names the caller takes from the org tree: the demo town's units.
LOCAL_PLACES = [
    "荣成市",
    "港西镇",
    "港西村",
    "王家庄村",
    "沙窝村",
    "南岭村",
    "海埠村",
    "松林村",
    "渔家疃村",
    "北港村",
    "青石村",
    "石湾村",
    "大疃村",
    "龙泉村",
    "柳树庄村",
    "盐场村",
    "后海村",
    "杨家洼村",
    "西岛村",
    "马家寨村",
    "东岛村",
]


@dataclass
class Score:
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        labelled = self.true_positives + self.false_negatives
        return self.true_positives / labelled if labelled else 1.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


@dataclass
class Evaluation:
    scores: dict[str, Score]
    characters: int
    seconds: float
    misses: list[tuple[str, str, str]]  # (kind, "missed"/"wrong", the span's text in context)


def load_labelled(path: Path = LABELLED) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def _keys(items: list[dict[str, Any]]) -> Iterator[tuple[Any, ...]]:
    for item in items:
        yield (item["start"], item["end"], item.get("valid"))


def evaluate(
    name_engine: str | None = None, samples: list[dict[str, Any]] | None = None
) -> Evaluation:
    samples = load_labelled() if samples is None else samples
    scores = {kind: Score() for kind in KINDS}
    misses: list[tuple[str, str, str]] = []
    seconds = 0.0
    for sample in samples:
        text = sample["text"]
        started = time.perf_counter()
        found = extract(text, local_places=LOCAL_PLACES, name_engine=name_engine)
        seconds += time.perf_counter() - started
        for kind in KINDS:
            got = {(s.start, s.end, getattr(s, "valid", None)) for s in getattr(found, kind)}
            expected = set(_keys(sample[kind]))
            score = scores[kind]
            score.true_positives += len(got & expected)
            score.false_positives += len(got - expected)
            score.false_negatives += len(expected - got)
            for start, end, _ in sorted(expected - got):
                misses.append((kind, "missed", f"{text[start:end]} ← {text}"))
            for start, end, _ in sorted(got - expected):
                misses.append((kind, "wrong", f"{text[start:end]} ← {text}"))
    characters = sum(len(sample["text"]) for sample in samples)
    return Evaluation(scores, characters, seconds, misses)
