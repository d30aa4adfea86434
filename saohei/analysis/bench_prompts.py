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
    from saohei.analysis.models import Prompt, PromptIncident
    from saohei.analysis.registry import rebuild
    from saohei.organisations.models import Unit, UnitKind
    from saohei.organisations.services import build_unit

    towns = int(os.environ.get("SAOHEI_BENCH_PROMPT_TOWNS", "6"))
    per_year = int(os.environ.get("SAOHEI_BENCH_PROMPT_CASES", "300"))
    years = range(2019, 2026)
    found = right = planted = true_prompts = all_prompts = 0
    false_by_source: Counter[str] = Counter()
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
        prompts = Prompt.objects.filter(unit_id__in=town_ids, is_current=True)
        numbers: dict[int, set[str]] = {}
        for prompt_id, number in PromptIncident.objects.filter(prompt__in=prompts).values_list(
            "prompt_id", "number"
        ):
            numbers.setdefault(prompt_id, set()).add(number)
        levels = {prompt.pk: prompt.get_level_display() for prompt in prompts}
        towns_of = {prompt.pk: town_ids[prompt.unit_id] for prompt in prompts}
        for group in groups:
            planted += 1
            match = _best_prompt(group, numbers, towns_of)
            if match is not None:
                found += 1
                right += levels[match] == str(group.expected_level)
        for incident_numbers in numbers.values():
            all_prompts += 1
            if any(incident_numbers & set(group.case_numbers) for group in groups):
                true_prompts += 1
            else:
                false_by_source[_decoy_of(incident_numbers, decoys)] += 1
        print(
            f"  seed {seed}: {len(cases):,} cases, {len(groups)} planted groups, "
            f"{len(decoys)} decoys, {len(numbers)} prompts; rebuild {seconds:.1f} s"
        )
        Unit.objects.filter(pk=city.pk).update(is_active=False)
    recall = found / planted if planted else 0.0
    precision = true_prompts / all_prompts if all_prompts else 0.0
    print(f"  recall    {found}/{planted} planted groups found = {recall:.3f}")
    print(f"  level     {right}/{found} found with the expected level")
    print(
        f"  precision {true_prompts}/{all_prompts} prompts rest on a planted group = {precision:.3f}"
    )
    for source, count in false_by_source.most_common():
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
