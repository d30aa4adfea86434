"""Who may see, import and review which town's police cases, decided here and nowhere else.

- 组长/副组长/扫黑办工作人员 of a town: see, import, review and export its cases.
- 派出所民警 of the town's station: see, import (the station supplies the cases) and export;
  the 倒查 itself is the office's judgement, so they do not review.
- 村负责人, 上级督导, the 三员 and the 保管员: nothing (403 for pages, 404 for ids).
"""

from django.db.models import Q
from django.http import Http404

from saohei.cases.models import Case, CaseQuerySet, ImportJob
from saohei.common.roles import Role
from saohei.organisations.access import grant_paths, units_within
from saohei.organisations.models import Unit, UnitKind, UnitQuerySet, User
from saohei.organisations.queries import OFFICE_ROLES, is_office_member

# Roles that can open the pages at all; the unit scope is checked on top.
CASE_ROLES = frozenset(OFFICE_ROLES | {Role.POLICE_OFFICER})


def case_towns(user: User) -> UnitQuerySet:
    """Towns whose cases the user may see and import: the office's towns and, for police,
    the towns of the stations they serve."""
    if not user.is_authenticated:
        return Unit.objects.none()
    condition = Q(pk__in=[])
    office_paths = grant_paths(user, OFFICE_ROLES)
    if office_paths:
        condition |= Q(pk__in=units_within(office_paths).values("pk"))
    police_paths = grant_paths(user, {Role.POLICE_OFFICER})
    if police_paths:
        stations = units_within(police_paths).filter(kind=UnitKind.POLICE_STATION)
        condition |= Q(pk__in=stations.values("parent_id"))
    return Unit.objects.filter(condition, kind=UnitKind.TOWN)


def visible_cases(user: User) -> CaseQuerySet:
    return Case.objects.filter(unit__in=case_towns(user))


def get_case_for_user(user: User, case_id: int) -> Case:
    """The case if this user may see it; otherwise 404, so ids cannot be probed."""
    case = (
        visible_cases(user)
        .filter(pk=case_id)
        .select_related("unit", "village", "review", "review__reviewer", "review__lead")
        .first()
    )
    if case is None:
        raise Http404("案件不存在或您无权查看")
    return case


def get_import_job_for_user(user: User, job_id: int) -> ImportJob:
    job = (
        ImportJob.objects.filter(pk=job_id, unit__in=case_towns(user))
        .select_related("unit", "created_by")
        .first()
    )
    if job is None:
        raise Http404("导入记录不存在或您无权查看")
    return job


def can_import(user: User, unit: Unit) -> bool:
    return case_towns(user).filter(pk=unit.pk).exists()


def can_review(user: User, case: Case) -> bool:
    """倒查 is the office's judgement: staff or leaders of the case's town."""
    return is_office_member(user, case.unit)


def can_add_person(user: User, case: Case) -> bool:
    """涉案人员 taken from the 简要案情 by hand are the office's reading of the case, like the
    倒查 itself: the police supply their persons through the import (decision 0035)."""
    return is_office_member(user, case.unit)
