"""`python -m saohei.bench prompts`: the 研判提示's precision and recall on generated histories.

The generator (`generator.py`) plants groups with a known expected level and decoys that must
never prompt, among ordinary background cases; the whole history is written, the registry
rebuilt (prompts included) and every prompt compared with the truth:

- a planted group is **found** when a current prompt of its town shares at least half of the
  group's cases; its level is **right** when that prompt's level is the group's expected one;
- a prompt is **true** when it shares a case with a planted group; otherwise it is a false
  prompt, named by the decoy it rests on, if any (background co-offending if none).

Prints, does not assert (the thresholds are asserted case by case in tests/test_prompts.py).
"""

import os
import time
from collections import Counter
from dataclasses import dataclass, field

from saohei.analysis.generator import (
    Decoy,
    PlantedGroup,
    generate_history,
    numbered_towns,
    split_history,
)

SEEDS = (11, 12, 13)


def bench_prompts() -> None:
    from saohei.analysis.generator_writer import town_units, write_history
    from saohei.analysis.registry import rebuild
    from saohei.organisations.models import Unit, UnitKind
    from saohei.organisations.services import build_unit

    towns = int(os.environ.get("SAOHEI_BENCH_PROMPT_TOWNS", "6"))
    per_year = int(os.environ.get("SAOHEI_BENCH_PROMPT_CASES", "300"))
    years = range(2019, 2026)
    total = Score()
    print(f"研判提示 on generated histories: {towns} towns x {per_year} cases x {len(years)} years")
    for seed in SEEDS:
        specs = numbered_towns(towns)
        city = build_unit(
            name=f"评测市（虚构）{seed}", kind=UnitKind.CITY_OFFICE, parent=None, code=f"B{seed}"
        )
        unit_for_town, village_for_name = town_units(specs, parent=city)
        cases, groups, decoys = split_history(
            generate_history(
                seed=seed,
                towns=specs,
                years=years,
                cases_per_town_year=per_year,
                groups=towns * 2,
                decoys=towns,
            )
        )
        write_history(cases, unit_for_town=unit_for_town, village_for_name=village_for_name)
        started = time.perf_counter()
        rebuild()
        seconds = time.perf_counter() - started
        town_ids = {unit.pk: name for name, unit in unit_for_town.items()}
        scored = score_prompts(town_ids, groups, decoys)
        total.add(scored)
        print(
            f"  seed {seed}: {len(cases):,} cases, {len(groups)} planted groups, "
            f"{len(decoys)} decoys, {scored.prompts} prompts; rebuild {seconds:.1f} s"
        )
        Unit.objects.filter(pk=city.pk).update(is_active=False)
    print_score(total)


@dataclass
class Score:
    """Prompts against the generator's truth (the module's docstring says what counts)."""

    planted: int = 0
    found: int = 0
    right: int = 0
    prompts: int = 0
    true_prompts: int = 0
    false_by_source: Counter[str] = field(default_factory=Counter)

    def add(self, other: "Score") -> None:
        self.planted += other.planted
        self.found += other.found
        self.right += other.right
        self.prompts += other.prompts
        self.true_prompts += other.true_prompts
        self.false_by_source.update(other.false_by_source)


def score_prompts(
    town_ids: dict[int, str], groups: list[PlantedGroup], decoys: list[Decoy]
) -> Score:
    """The current prompts of these towns (unit id → town name) against their planted groups."""
    from saohei.analysis.models import Prompt, PromptIncident

    prompts = Prompt.objects.filter(unit_id__in=town_ids, is_current=True)
    numbers: dict[int, set[str]] = {}
    for prompt_id, number in PromptIncident.objects.filter(prompt__in=prompts).values_list(
        "prompt_id", "number"
    ):
        numbers.setdefault(prompt_id, set()).add(number)
    levels = {prompt.pk: prompt.get_level_display() for prompt in prompts}
    towns_of = {prompt.pk: town_ids[prompt.unit_id] for prompt in prompts}
    score = Score(planted=len(groups), prompts=len(numbers))
    # A planted group's case numbers are unique across towns (they carry the town's code).
    planted_numbers = {number for group in groups for number in group.case_numbers}
    for group in groups:
        match = _best_prompt(group, numbers, towns_of)
        if match is not None:
            score.found += 1
            score.right += levels[match] == str(group.expected_level)
    for incident_numbers in numbers.values():
        if incident_numbers & planted_numbers:
            score.true_prompts += 1
        else:
            score.false_by_source[_decoy_of(incident_numbers, decoys)] += 1
    return score


def print_score(score: Score) -> None:
    recall = score.found / score.planted if score.planted else 0.0
    precision = score.true_prompts / score.prompts if score.prompts else 0.0
    print(f"  recall    {score.found}/{score.planted} planted groups found = {recall:.3f}")
    print(f"  level     {score.right}/{score.found} found with the expected level")
    print(
        f"  precision {score.true_prompts}/{score.prompts} prompts rest on a planted group "
        f"= {precision:.3f}"
    )
    for source, count in score.false_by_source.most_common():
        print(f"    false prompts from {source}: {count}")


def _best_prompt(
    group: PlantedGroup, numbers: dict[int, set[str]], towns_of: dict[int, str]
) -> int | None:
    wanted = set(group.case_numbers)
    best, best_overlap = None, 0
    for prompt_id, incident_numbers in numbers.items():
        overlap = len(wanted & incident_numbers)
        if towns_of[prompt_id] == group.town and overlap > best_overlap:
            best, best_overlap = prompt_id, overlap
    return best if best is not None and best_overlap * 2 >= len(wanted) else None


def _decoy_of(incident_numbers: set[str], decoys: list[Decoy]) -> str:
    for decoy in decoys:
        if incident_numbers & set(decoy.case_numbers):
            return f"decoy {decoy.kind}"
    return "background co-offending"
