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

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.http import Http404

from saohei.analysis.models import Appearance, IncidentKind, Person, VettingRun
from saohei.cases.access import CASE_ROLES, visible_cases
from saohei.leads.access import OFFICE_ROLES, visible_leads
from saohei.organisations.access import grant_paths, units_within
from saohei.organisations.models import Unit, UnitKind, UnitQuerySet, User
from saohei.tips.access import visible_tips

REGISTRY_ROLES = CASE_ROLES


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


def visible_persons(user: User) -> "models.QuerySet[Person]":
    return Person.objects.filter(pk__in=visible_appearances(user).values("person_id"))


def get_person_for_user(user: User, person_id: int) -> Person:
    """The person if any of their appearances is visible to this user; otherwise 404."""
    person = visible_persons(user).filter(pk=person_id).select_related("village", "unit").first()
    if person is None:
        raise Http404("人员不存在或您无权查看")
    return person


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
