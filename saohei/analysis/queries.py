"""Reads of the 研判提示, always through `access.visible_prompts`."""

from dataclasses import dataclass

from django.db import models
from django.db.models import Count
from django.urls import NoReverseMatch, reverse

from saohei.analysis.access import visible_prompts
from saohei.analysis.models import (
    Appearance,
    IdentifierKind,
    IncidentKind,
    PersonIdentifier,
    Prompt,
    PromptLevel,
    PromptStatus,
)
from saohei.cases.access import case_towns
from saohei.cases.models import CasePerson
from saohei.common.models import SealedIdentity
from saohei.common.roles import Role
from saohei.leads.access import is_office_member
from saohei.leads.models import Subject
from saohei.organisations.access import grant_paths, units_within
from saohei.organisations.models import Unit, UnitKind, User


@dataclass(frozen=True)
class PromptFilters:
    level: str = ""
    status: str = ""
    # The prompts whose cluster no longer meets the criteria are kept as a record, out of sight.
    include_past: bool = False


def filter_prompts(user: User, filters: PromptFilters) -> "models.QuerySet[Prompt]":
    prompts = visible_prompts(user)
    if not filters.include_past:
        prompts = prompts.filter(is_current=True)
    if filters.level in PromptLevel.values:
        prompts = prompts.filter(level=filters.level)
    if filters.status in PromptStatus.values:
        prompts = prompts.filter(status=filters.status)
    return prompts


def person_url(person_id: int) -> str:
    """The person page (built by the registry's pages; its path if that URL is not here yet)."""
    try:
        return reverse("analysis:person", args=[person_id])
    except NoReverseMatch:
        return f"/analysis/persons/{person_id}/"


def incident_url(kind: str, incident_id: int) -> str:
    if kind == IncidentKind.CASE:
        return reverse("cases:detail", args=[incident_id])
    return reverse("leads:detail", args=[incident_id])


@dataclass(frozen=True)
class LevelCount:
    level: str
    label: str
    count: int


@dataclass(frozen=True)
class TownCount:
    town: Unit
    counts: list[LevelCount]
    total: int


def open_prompt_levels(user: User) -> list[LevelCount]:
    """The leaders' card: open current prompts they may see, by level (strongest first)."""
    counted = dict(
        visible_prompts(user)
        .filter(is_current=True, status=PromptStatus.OPEN)
        .values_list("level")
        .annotate(n=Count("id"))
        .values_list("level", "n")
    )
    return [
        LevelCount(level, label, counted.get(level, 0))
        for level, label in reversed(PromptLevel.choices)
    ]


def open_prompts_by_town(user: User) -> list[TownCount]:
    """上级督导: counts of open prompts per town below, never the prompts themselves."""
    paths = grant_paths(user, {Role.SUPERVISOR})
    if not paths:
        return []
    towns = list(units_within(paths).filter(kind=UnitKind.TOWN).order_by("path"))
    rows = (
        Prompt.objects.filter(unit__in=towns, is_current=True, status=PromptStatus.OPEN)
        .values_list("unit_id", "level")
        .annotate(n=Count("id"))
    )
    counted: dict[int, dict[str, int]] = {}
    for unit_id, level, n in rows:
        counted.setdefault(unit_id, {})[level] = n
    result = []
    for town in towns:
        levels = counted.get(town.pk, {})
        result.append(
            TownCount(
                town=town,
                counts=[
                    LevelCount(level, label, levels.get(level, 0))
                    for level, label in reversed(PromptLevel.choices)
                ],
                total=sum(levels.values()),
            )
        )
    return result


def can_see_prompts(user: User) -> bool:
    return case_towns(user).exists()


def sealed_source(appearance: Appearance) -> SealedIdentity | None:
    """The case person or lead subject an appearance was read from (its sealed identifiers)."""
    if appearance.incident_kind == IncidentKind.CASE:
        return CasePerson.objects.filter(pk=appearance.source_id).first()
    if appearance.incident_kind == IncidentKind.LEAD:
        return Subject.objects.filter(pk=appearance.source_id).first()
    return None


def may_see_full_id_numbers(user: User, prompt: Prompt) -> bool:
    """Members' ID numbers in full for the office of the prompt's town (each reveal audited);
    masked for everyone else, police included (they see cases, not the leads behind a prompt)."""
    return is_office_member(user, prompt.unit)


def member_id_numbers(person_ids: set[int], *, full: bool) -> dict[int, str]:
    """Each person's ID number: the masked form of the one given most often, or in full the one
    of their latest appearance (unsealed from its source row)."""
    found: dict[int, str] = {}
    if not full:
        for person_id, masked in (
            PersonIdentifier.objects.filter(person_id__in=person_ids, kind=IdentifierKind.ID_NUMBER)
            .order_by("-appearance_count", "id")
            .values_list("person_id", "masked")
        ):
            found.setdefault(person_id, masked)
        return found
    latest = (
        Appearance.objects.filter(person_id__in=person_ids)
        .exclude(id_number_index="")
        .order_by("-occurred_on", "-id")
    )
    for appearance in latest:
        if appearance.person_id is None or appearance.person_id in found:
            continue
        source = sealed_source(appearance)
        if source is not None:
            found[appearance.person_id] = source.unsealed_id_number()
    return found
