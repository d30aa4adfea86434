"""Who may see and work which lead (issues #3 and #4), decided here and nowhere else.

- 组长/副组长: every lead of the towns they are granted on.
- 扫黑办工作人员: every lead of their towns except those involving an official (保护伞): those
  route to the leaders. The clerk who registered one keeps it until the leaders' 研判.
- 村负责人: leads assigned to their village, never one involving an official or a cadre of
  their own village (conflict of interest).
- 派出所民警: leads shared with their station.
- 上级督导: the 上级交办 leads they registered for a town, i.e. assigned down (and statistics
  elsewhere); they register no lead of any other source.
- 举报信息保管员: no lead here; the custody pages list the reported leads' numbers and status.

See docs/decisions/0004-reporter-protection.md.
"""

from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Q
from django.http import Http404

from saohei.common.roles import Role
from saohei.leads.models import (
    SOURCES_NEEDING_FEEDBACK,
    Feedback,
    Lead,
    LeadQuerySet,
    Source,
    Status,
    Subject,
    SubjectRole,
)
from saohei.organisations.access import grant_paths, unit_in_paths, units_within
from saohei.organisations.models import Unit, UnitKind, User
from saohei.organisations.queries import LEADER_ROLES, OFFICE_ROLES, is_office_member

SIGN_OFF_ROLES = LEADER_ROLES
# Roles that may see subjects' ID numbers and phones in full (each full view is audited).
FULL_IDENTIFIER_ROLES = frozenset(
    {Role.LEADER, Role.DEPUTY_LEADER, Role.OFFICE_STAFF, Role.POLICE_OFFICER}
)


def involves_official() -> Q:
    """Leads about an official (保护伞): flagged, or with a subject who is a 公职人员."""
    return Q(involves_official=True) | Q(
        Exists(Subject.objects.filter(lead=OuterRef("pk"), role=SubjectRole.OFFICIAL))
    )


def _unit_ids(paths: list[str], *kinds: str) -> list[int]:
    """Ids, not a subquery: with one town the planner walks the (unit, received_at) index."""
    units = units_within(paths)
    if kinds:
        units = units.filter(kind__in=kinds)
    return list(units.values_list("pk", flat=True))


def visible_leads(user: User) -> LeadQuerySet:
    if not user.is_authenticated:
        return Lead.objects.none()
    condition = Q(pk__in=[])
    leader_paths = grant_paths(user, SIGN_OFF_ROLES)
    if leader_paths:
        condition |= Q(unit_id__in=_unit_ids(leader_paths, UnitKind.TOWN))
    staff_paths = grant_paths(user, {Role.OFFICE_STAFF})
    if staff_paths:
        towns = _unit_ids(staff_paths, UnitKind.TOWN)
        condition |= Q(unit_id__in=towns) & ~involves_official()
        # What they have just entered, until the leaders take it over.
        condition |= Q(unit_id__in=towns, created_by=user, status=Status.REGISTERED)
    village_paths = grant_paths(user, {Role.VILLAGE_HEAD})
    if village_paths:
        villages = _unit_ids(village_paths)
        cadre_of_own_village = Subject.objects.filter(
            lead=OuterRef("pk"),
            role__in=[SubjectRole.VILLAGE_CADRE, SubjectRole.OFFICIAL],
            village_id__in=villages,
        )
        condition |= (
            Q(handling_unit_id__in=villages)
            & ~involves_official()
            & ~Q(Exists(cadre_of_own_village))
        )
    police_paths = grant_paths(user, {Role.POLICE_OFFICER})
    if police_paths:
        condition |= Q(police_unit_id__in=_unit_ids(police_paths))
    if user.has_role(Role.SUPERVISOR):
        condition |= Q(created_by=user)
    # Every condition is a subquery or an id list (no join on subjects), so rows never repeat:
    # no DISTINCT, which would force a sort of the whole table before the first page.
    return Lead.objects.filter(condition)


def get_lead_for_user(user: User, lead_id: int) -> Lead:
    """The lead if this user may see it; otherwise 404, so ids cannot be probed."""
    lead = (
        visible_leads(user)
        .filter(pk=lead_id)
        .select_related(
            "unit", "village", "handling_unit", "handler", "police_unit", "target_category"
        )
        .first()
    )
    if lead is None:
        raise Http404("线索不存在或您无权查看")
    return lead


def get_feedback_for_office(user: User, lead_id: int, feedback_id: int) -> tuple[Lead, Feedback]:
    """A lead's 反馈报告 for the office of the lead's town only (404 for anyone else)."""
    lead = get_lead_for_user(user, lead_id)
    if not is_office_member(user, lead.unit):
        raise Http404("反馈报告不存在")
    feedback = lead.feedbacks.filter(pk=feedback_id).first()
    if feedback is None:
        raise Http404("反馈报告不存在")
    return lead, feedback


def can_manage_lead(user: User, lead: Lead) -> bool:
    """Office work on this lead: a leader of its town, or office staff who may see it (a lead
    about an official stays with the leaders even when a service is called directly)."""
    if not is_office_member(user, lead.unit):
        return False
    return can_sign_off(user, lead) or visible_leads(user).filter(pk=lead.pk).exists()


def manageable_lead_ids(user: User, leads: Iterable[Lead]) -> set[int]:
    """`can_manage_lead` for many leads at once (a 交办清单's), in a few queries."""
    leads = list(leads)
    offices = {lead.unit_id: is_office_member(user, lead.unit) for lead in leads}
    visible = set(
        visible_leads(user).filter(pk__in=[lead.pk for lead in leads]).values_list("pk", flat=True)
    )
    return {
        lead.pk
        for lead in leads
        if offices[lead.unit_id] and (lead.pk in visible or can_sign_off(user, lead))
    }


def registrable_towns(user: User) -> list[Unit]:
    """The towns whose ledger this user registers leads in: the office's own, a supervisor's below."""
    if not user.is_authenticated:
        return []
    paths = grant_paths(user, OFFICE_ROLES | {Role.SUPERVISOR})
    return list(units_within(paths).filter(kind=UnitKind.TOWN, is_active=True).order_by("path"))


def registrable_sources(user: User, unit: Unit) -> list[Source]:
    """登记: the office registers a lead of any source; a supervisor only the leads it assigns
    down to the town (decision 0002): 上级交办, and 12337平台下发 passed on by the city office
    (decision 0062), which its lead list then shows."""
    if not user.is_authenticated:
        return []
    if is_office_member(user, unit):
        return list(Source)
    if unit_in_paths(unit, grant_paths(user, {Role.SUPERVISOR})):
        return [Source.UPPER_ASSIGNED, Source.PLATFORM_12337]
    return []


def is_supervisor_for(user: User, lead: Lead) -> bool:
    """上级督导 over the lead's town judging the 反馈 of a lead assigned from above (0062)."""
    return lead.source in SOURCES_NEEDING_FEEDBACK and unit_in_paths(
        lead.unit, grant_paths(user, {Role.SUPERVISOR})
    )


def can_sign_off(user: User, lead: Lead) -> bool:
    return unit_in_paths(lead.unit, grant_paths(user, SIGN_OFF_ROLES))


def can_investigate(user: User, lead: Lead) -> bool:
    """The office, the handler, the village it was assigned to, or the station it was shared with."""
    if is_office_member(user, lead.unit) or lead.handler_id == user.pk:
        return True
    if lead.handling_unit is not None and unit_in_paths(
        lead.handling_unit, grant_paths(user, {Role.VILLAGE_HEAD})
    ):
        return visible_leads(user).filter(pk=lead.pk).exists()
    return lead.police_unit is not None and unit_in_paths(
        lead.police_unit, grant_paths(user, {Role.POLICE_OFFICER})
    )


def is_identity_custodian(user: User, unit: Unit) -> bool:
    """举报信息保管员 over this town: reveals reporters' identities and calls them back (回访)."""
    return unit_in_paths(unit, grant_paths(user, {Role.IDENTITY_CUSTODIAN}))


def is_police_for(user: User, lead: Lead) -> bool:
    return lead.police_unit is not None and unit_in_paths(
        lead.police_unit, grant_paths(user, {Role.POLICE_OFFICER})
    )


def can_see_full_identifiers(user: User, lead: Lead) -> bool:
    return is_office_member(user, lead.unit) or (
        is_police_for(user, lead) and user.has_any_role(FULL_IDENTIFIER_ROLES)
    )


def get_subject_of(lead: Lead, subject_id: int) -> Subject:
    """A subject of `lead`, which the caller has already fetched through this module's scope;
    404 when the id names no subject of that lead."""
    subject = lead.subjects.filter(pk=subject_id).first()
    if subject is None:
        raise Http404("被反映人不存在")
    return subject
