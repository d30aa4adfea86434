"""Who may see and judge the city's assignments (decision 0062).

- Only 上级督导 granted on a 市扫黑办 (or above it) work here, and only on that office's
  assignments; a town's accounts never see this context: their side is the lead in their queue.
- Every supervisor of the city reads its assignments and the towns' 反馈: they are addressed
  to the office, not to one person.
- A lead about an official (保护伞) keeps its leader-only visibility: its content (the city's
  text, the town's 反馈 and conclusion) shows only to those who may open the lead under
  `leads.access` (the supervisor who assigned it, leaders over the town); the others see the
  town, its progress and the deadline, and may not judge its 反馈.
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from saohei.city_assignments.models import AssignedTown, CityAssignment
from saohei.common.roles import Role
from saohei.leads.access import involves_official, visible_leads
from saohei.leads.models import Lead
from saohei.organisations.access import grant_paths, units_within
from saohei.organisations.models import Unit, UnitKind, User


def supervised_cities(user: User) -> list[Unit]:
    """The 市扫黑办 units this user supervises for."""
    if not user.is_authenticated:
        return []
    paths = grant_paths(user, {Role.SUPERVISOR})
    return list(
        units_within(paths).filter(kind=UnitKind.CITY_OFFICE, is_active=True).order_by("path")
    )


def is_city_supervisor(user: User, city: Unit) -> bool:
    return any(unit.pk == city.pk for unit in supervised_cities(user))


def assignable_towns(city: Unit) -> list[Unit]:
    return list(
        units_within([city.path]).filter(kind=UnitKind.TOWN, is_active=True).order_by("path")
    )


def visible_assignments(user: User) -> QuerySet[CityAssignment]:
    return CityAssignment.objects.filter(city__in=supervised_cities(user))


def get_assignment_for_user(user: User, assignment_id: int) -> CityAssignment:
    """The assignment if the user supervises its city; otherwise 404, so ids cannot be probed."""
    assignment = visible_assignments(user).filter(pk=assignment_id).select_related("city").first()
    if assignment is None:
        raise Http404("交办事项不存在或您无权查看")
    return assignment


def get_town_of(assignment: CityAssignment, town_row_id: int) -> AssignedTown:
    """A town row of `assignment`, which the caller has fetched through this module."""
    row = (
        assignment.towns.filter(pk=town_row_id)
        .select_related("town", "lead", "lead__unit", "assignment")
        .first()
    )
    if row is None:
        raise Http404("交办事项不存在或您无权查看")
    return row


def readable_lead_ids(user: User, lead_ids: list[int]) -> set[int]:
    """Of these leads, those whose content this user may read: not about an official, or one
    the leads' own rules let the user open."""
    if not lead_ids:
        return set()
    leads = Lead.objects.filter(pk__in=lead_ids).filter(
        ~involves_official() | Q(pk__in=visible_leads(user).filter(pk__in=lead_ids).values("pk"))
    )
    return set(leads.values_list("pk", flat=True))


def may_read_assignment(user: User, assignment: CityAssignment) -> bool:
    """The city's own text: hidden from other supervisors when marked as about an official."""
    if not assignment.involves_official or assignment.created_by_id == user.pk:
        return True
    lead_ids = list(assignment.towns.values_list("lead_id", flat=True))
    return bool(lead_ids) and readable_lead_ids(user, lead_ids) == set(lead_ids)


def may_judge(user: User, row: AssignedTown) -> bool:
    return is_city_supervisor(user, row.assignment.city) and bool(
        readable_lead_ids(user, [row.lead_id])
    )
