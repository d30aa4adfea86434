"""What of the registry a user may see: exactly the appearances in records they may see.

A person is visible when at least one of their appearances is, and shows only those: a village
head sees nothing from another village, an official's lead stays with the leaders, a tip stays
with the intake roles (each context's own `visible_*` decides; nothing is re-decided here).

- The registry's pages (persons, lists, prompts, the link chart): the office roles and police
  (`REGISTRY_ROLES`), within their scope; others 403.
- "also appears in" on a record's page: whoever may see the record, filtered the same way.
- 村"两委"候选人资格联审: the 组长/副组长 and the office of the town (`VETTING_ROLES`); a run of
  another town is a 404. Each reason on the sheet is shown only to a viewer who may see its record.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.http import Http404

from saohei.analysis.models import (
    Appearance,
    IdentifierExclusion,
    IncidentKind,
    MergeRule,
    Person,
    Prompt,
    PromptIncident,
    SamePersonSuggestion,
    SharedIdentifier,
    SplitRule,
    VettingRun,
)
from saohei.cases.access import CASE_ROLES, case_towns, visible_cases
from saohei.leads.access import SIGN_OFF_ROLES, visible_leads
from saohei.organisations.access import grant_paths, unit_in_paths, units_within
from saohei.organisations.models import Unit, UnitKind, UnitQuerySet, User
from saohei.organisations.queries import OFFICE_ROLES
from saohei.tips.access import visible_tips

REGISTRY_ROLES = CASE_ROLES

# ---------------------------------------------------------------------------------------------
# Appearances, records and persons as the user may see them


def visible_appearances(user: User, *, few: bool = False) -> "models.QuerySet[Appearance]":
    """`few`: the caller narrows the appearances to a handful first (one person's, one record's
    "also appears in"): each is then checked on its own record by primary key, where the set-wise
    form would first gather every record the viewer may see (2 s at a province's 2 million
    cases, decision 0034)."""
    if not user.is_authenticated:
        return Appearance.objects.none()
    condition = Q()
    for kind, visible in (
        (IncidentKind.CASE, visible_cases(user)),
        (IncidentKind.LEAD, visible_leads(user)),
        (IncidentKind.TIP, visible_tips(user)),
    ):
        if few:
            condition |= Q(Exists(visible.filter(pk=OuterRef("incident_id"))), incident_kind=kind)
        else:
            condition |= Q(incident_kind=kind, incident_id__in=visible.values("pk"))
    return Appearance.objects.filter(condition)


_VISIBLE_BY_KIND: "dict[str, Callable[[User], models.QuerySet]]" = {
    IncidentKind.CASE: visible_cases,
    IncidentKind.LEAD: visible_leads,
    IncidentKind.TIP: visible_tips,
}


def visible_incidents(user: User, incidents: Iterable[tuple[str, int]]) -> set[tuple[str, int]]:
    """Which of these (kind, id) incidents the user may open: one primary-key query per kind, so
    the cost follows how many are asked about, never the size of the tables."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for kind, incident_id in incidents:
        wanted[kind].add(incident_id)
    seen: set[tuple[str, int]] = set()
    for kind, visible in _VISIBLE_BY_KIND.items():
        if ids := wanted.get(kind):
            found = visible(user).filter(pk__in=ids).values_list("pk", flat=True)
            seen.update((kind, pk) for pk in found)
    return seen


def among_visible(user: User, appearances: Iterable[Appearance]) -> list[Appearance]:
    """The appearances (already fetched, e.g. one person's) in records the user may see."""
    rows = list(appearances)
    seen = visible_incidents(user, ((row.incident_kind, row.incident_id) for row in rows))
    return [row for row in rows if (row.incident_kind, row.incident_id) in seen]


def may_use_registry(user: User) -> bool:
    """The registry's own pages (persons, search): office roles and police."""
    return user.is_authenticated and user.has_any_role(REGISTRY_ROLES)


def get_person_for_user(user: User, person_id: int) -> Person:
    """The person if any of their appearances is visible to this user; otherwise 404.

    The person's own records are checked by primary key (`visible_incidents`): through
    `visible_persons` the database walks every record the user may see (2 s for one person at
    100,000 cases on SQLite, decision 0030)."""
    person = Person.objects.filter(pk=person_id).select_related("village", "unit").first()
    incidents = (
        Appearance.objects.filter(person=person).values_list("incident_kind", "incident_id")
        if person is not None
        else []
    )
    if person is None or not visible_incidents(user, incidents):
        raise Http404("人员不存在或您无权查看")
    return person


def get_appearance_for_user(user: User, person: Person, appearance_id: int) -> Appearance:
    rows = Appearance.objects.filter(pk=appearance_id, person=person)
    appearance = next(iter(among_visible(user, rows)), None)
    if appearance is None:
        raise Http404("记录不存在或您无权查看")
    return appearance


# ---------------------------------------------------------------------------------------------
# The office's corrections (decision 0030): a rule, suggestion or shared mobile is reached only
# through records the user may see.


def _sees_any(user: User, rows: "models.QuerySet[Appearance]") -> bool:
    return bool(among_visible(user, rows.only("id", "incident_kind", "incident_id")[:500]))


def merged_person_keys(rule: MergeRule) -> set[str]:
    """The keys of the persons a merge's two sides belong to now (one while it holds)."""
    sides = [rule.first_key, rule.second_key]
    keys = set(Appearance.objects.filter(person_key__in=sides).values_list("person_key", flat=True))
    if not keys:
        # Merged on into a third person since: found by the records' own keys (not indexed:
        # the bulk rebuild writes fewer indexes, and this is a rare correction).
        keys = set(
            Appearance.objects.filter(identity_key__in=sides).values_list("person_key", flat=True)
        )
    return keys


def get_merge_rule_for_user(user: User, rule_id: int) -> MergeRule:
    """A merge of persons the user may see (through either side); otherwise 404."""
    rule = MergeRule.objects.filter(pk=rule_id).first()
    if rule is None or not _sees_any(
        user, Appearance.objects.filter(person_key__in=merged_person_keys(rule))
    ):
        raise Http404("合并记录不存在或您无权查看")
    return rule


def get_split_rule_for_user(user: User, rule_id: int) -> SplitRule:
    rule = SplitRule.objects.filter(pk=rule_id).first()
    if rule is None or not _sees_any(
        user,
        Appearance.objects.filter(incident_kind=rule.incident_kind, source_id=rule.source_id),
    ):
        raise Http404("拆分记录不存在或您无权查看")
    return rule


def get_suggestion_for_user(user: User, suggestion_id: int) -> SamePersonSuggestion:
    """A 疑似同一人 suggestion whose two persons the user may both see; otherwise 404."""
    suggestion = SamePersonSuggestion.objects.filter(pk=suggestion_id).first()
    if suggestion is None or not all(
        _sees_any(user, Appearance.objects.filter(person_key=key))
        for key in (suggestion.first_key, suggestion.second_key)
    ):
        raise Http404("提示不存在或您无权查看")
    return suggestion


def get_shared_for_user(user: User, shared_id: int) -> SharedIdentifier:
    """An over-shared mobile given in a record the user may see; otherwise 404."""
    shared = SharedIdentifier.objects.filter(pk=shared_id).first()
    if shared is None or not _sees_any(user, Appearance.objects.filter(phone_index=shared.value)):
        raise Http404("号码不存在或您无权查看")
    return shared


def get_exclusion_for_user(user: User, exclusion_id: int) -> IdentifierExclusion:
    """The exclusion list is the deployment's: any town's office keeps it (decision 0030)."""
    exclusion = IdentifierExclusion.objects.filter(pk=exclusion_id).first()
    if exclusion is None or not grant_paths(user, OFFICE_ROLES):
        raise Http404("排除清单中没有该号码")
    return exclusion


# ---------------------------------------------------------------------------------------------
# 研判提示: a prompt is visible only to whom every one of its incidents is visible, so that
# nobody reads an explanation naming records they may not open (a cross-town cluster is seen by
# the county; a prompt that rests on an official's lead stays with the leaders).


def visible_prompts(user: User, *, few: bool = False) -> "models.QuerySet[Prompt]":
    """`few`: the caller narrows to one prompt or a handful first (its page, a decision on it),
    so each incident's appearances are checked by key (`visible_appearances`)."""
    if not user.is_authenticated or not user.has_any_role(REGISTRY_ROLES):
        return Prompt.objects.none()
    seen = visible_appearances(user, few=few).filter(
        incident_kind=OuterRef("incident_kind"), incident_id=OuterRef("incident_id")
    )
    hidden = PromptIncident.objects.filter(prompt=OuterRef("pk")).exclude(Exists(seen))
    return Prompt.objects.filter(unit__in=case_towns(user)).exclude(Exists(hidden))


def get_prompt_for_user(user: User, prompt_id: int) -> Prompt:
    prompt = (
        visible_prompts(user, few=True).filter(pk=prompt_id).select_related("unit", "lead").first()
    )
    if prompt is None:
        raise Http404("研判提示不存在或您无权查看")
    return prompt


def can_decide_prompt(user: User, prompt: Prompt) -> bool:
    """The 研判会's decision is signed by a 组长/副组长 of the prompt's town."""
    return unit_in_paths(prompt.unit, grant_paths(user, SIGN_OFF_ROLES))


# ---------------------------------------------------------------------------------------------
# 村"两委"候选人资格联审

# 组长/副组长 (SIGN_OFF_ROLES) and the office staff: the 2021 换届 联审 is the township's own.
VETTING_ROLES = OFFICE_ROLES


def vetting_towns(user: User) -> UnitQuerySet:
    """Towns whose candidates the user may vet: where they hold a `VETTING_ROLES` role."""
    if not user.is_authenticated:
        return Unit.objects.none()
    return units_within(grant_paths(user, VETTING_ROLES)).filter(kind=UnitKind.TOWN)


def visible_vetting_runs(user: User) -> "models.QuerySet[VettingRun]":
    return VettingRun.objects.filter(unit__in=vetting_towns(user))


def get_vetting_run_for_user(user: User, run_id: int) -> VettingRun:
    """The run if it is of one of the user's towns; otherwise 404, so ids cannot be probed."""
    run = visible_vetting_runs(user).filter(pk=run_id).select_related("unit", "uploaded_by").first()
    if run is None:
        raise Http404("联审记录不存在或您无权查看")
    return run
