"""Who may see and record which inspection, decided here and nowhere else.

- 组长/副组长/扫黑办工作人员: every round and finding of their towns; they record and print.
- 上级督导: every round, finding, on-site list and village archive status of the towns under
  their grant, read only (no recording, correcting or checklist editing).
- 村负责人: the rounds covering their village, and only their own village's findings and
  on-site list (which they may print, to sign).
- everyone else (police, the 三员 included): nothing. Out of scope answers 404.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from saohei.common.roles import Role
from saohei.inspections.models import Finding, InspectionRound
from saohei.organisations.access import grant_paths, unit_in_paths, units_within
from saohei.organisations.models import Unit, UnitKind, User
from saohei.organisations.queries import OFFICE_ROLES, list_office_towns

# Whoever reads everything of a town's inspections: its office and leaders, and supervisors.
TOWN_READER_ROLES = OFFICE_ROLES | {Role.SUPERVISOR}


def _reader_unit_ids(user: User) -> list[int]:
    return list(units_within(grant_paths(user, TOWN_READER_ROLES)).values_list("pk", flat=True))


def headed_villages(user: User) -> QuerySet[Unit]:
    return units_within(grant_paths(user, {Role.VILLAGE_HEAD}))


def visible_rounds(user: User) -> QuerySet[InspectionRound]:
    if not user.is_authenticated:
        return InspectionRound.objects.none()
    office = InspectionRound.objects.filter(unit_id__in=_reader_unit_ids(user))
    village = InspectionRound.objects.filter(villages__in=headed_villages(user))
    return InspectionRound.objects.filter(pk__in=(office | village).values("pk"))


def get_round_for_user(user: User, round_id: int) -> InspectionRound:
    found = visible_rounds(user).filter(pk=round_id).select_related("unit").first()
    if found is None:
        raise Http404("检查不存在或您无权查看")
    return found


def reads_whole_town(user: User, town: Unit) -> bool:
    """Sees every village of the town's rounds: the office, leaders and supervisors above."""
    return user.is_authenticated and unit_in_paths(town, grant_paths(user, TOWN_READER_ROLES))


def visible_villages(user: User, inspection: InspectionRound) -> QuerySet[Unit]:
    """The round's villages this user may see the findings of."""
    villages = inspection.villages.all().order_by("sort_order", "path")
    if reads_whole_town(user, inspection.unit):
        return villages
    return villages.filter(pk__in=headed_villages(user).values("pk"))


def get_village_for_user(user: User, inspection: InspectionRound, village_id: int) -> Unit:
    village = visible_villages(user, inspection).filter(pk=village_id).first()
    if village is None:
        raise Http404("村居不存在或您无权查看")
    return village


def visible_findings(user: User, inspection: InspectionRound) -> QuerySet[Finding]:
    return inspection.findings.filter(village__in=visible_villages(user, inspection))


def village_for_status(user: User, village_id: int) -> Unit:
    """A village whose archive status over rounds this user may see."""
    allowed = Unit.objects.filter(pk__in=_reader_unit_ids(user)) | headed_villages(user)
    village = (
        allowed.filter(pk=village_id, kind__in=[UnitKind.VILLAGE, UnitKind.COMMUNITY])
        .distinct()
        .first()
    )
    if village is None:
        raise Http404("村居不存在或您无权查看")
    return village


def get_finding_for_user(user: User, inspection: InspectionRound, finding_id: int) -> Finding:
    finding = (
        visible_findings(user, inspection)
        .filter(pk=finding_id)
        .select_related("village", "folder", "rectification_item", "round__unit")
        .first()
    )
    if finding is None:
        raise Http404("检查结果不存在或您无权查看")
    return finding


def require_checklist_editor(user: User) -> None:
    """The checklist (档案检查项目) is every town's: any town's office keeps it, no one else."""
    if not list_office_towns(user):
        raise PermissionDenied("您不能修改档案检查项目")
