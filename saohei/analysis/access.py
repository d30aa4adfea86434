"""What of the registry a user may see: exactly the appearances in records they may see.

A person is visible when at least one of their appearances is, and shows only those: a village
head sees nothing from another village, an official's lead stays with the leaders, a tip stays
with the intake roles (each context's own `visible_*` decides; nothing is re-decided here).

- The registry's pages (persons, lists, prompts, the link chart): the office roles and police
  (`REGISTRY_ROLES`), within their scope; others 403.
- "also appears in" on a record's page: whoever may see the record, filtered the same way.
"""

from django.db import models
from django.db.models import Q
from django.http import Http404

from saohei.analysis.models import Appearance, IncidentKind, Person
from saohei.cases.access import CASE_ROLES, visible_cases
from saohei.leads.access import visible_leads
from saohei.organisations.models import User
from saohei.tips.access import visible_tips

REGISTRY_ROLES = CASE_ROLES


def visible_appearances(user: User) -> "models.QuerySet[Appearance]":
    if not user.is_authenticated:
        return Appearance.objects.none()
    condition = (
        Q(incident_kind=IncidentKind.CASE, incident_id__in=visible_cases(user).values("pk"))
        | Q(incident_kind=IncidentKind.LEAD, incident_id__in=visible_leads(user).values("pk"))
        | Q(incident_kind=IncidentKind.TIP, incident_id__in=visible_tips(user).values("pk"))
    )
    return Appearance.objects.filter(condition)


def visible_persons(user: User) -> "models.QuerySet[Person]":
    return Person.objects.filter(pk__in=visible_appearances(user).values("person_id"))


def get_person_for_user(user: User, person_id: int) -> Person:
    """The person if any of their appearances is visible to this user; otherwise 404."""
    person = visible_persons(user).filter(pk=person_id).select_related("village", "unit").first()
    if person is None:
        raise Http404("人员不存在或您无权查看")
    return person
