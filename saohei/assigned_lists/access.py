"""Who may see and import a town's 交办清单, decided here and nowhere else.

- 扫黑办工作人员 of a town: import, see and export its lists;
- 组长/副组长: see and export (the import is the office's clerical work);
- everyone else (村负责人, 派出所民警, 上级督导, the 三员, another town): 403 for pages, 404 for ids.
The leads a list made stay behind `leads.access.visible_leads`: a row of a lead the viewer may not
open shows its number only.
"""

from django.db.models import QuerySet
from django.http import Http404

from saohei.common.roles import Role
from saohei.health.jobs import JobStatus
from saohei.organisations.access import grant_paths, units_within
from saohei.organisations.models import Unit, UnitKind, UnitQuerySet, User
from saohei.organisations.queries import OFFICE_ROLES
from saohei.sheets.models import StagedSheet

from .kinds import ASSIGNED_LIST
from .models import AssignedList, ListImportJob

READ_ROLES = OFFICE_ROLES
IMPORT_ROLES = frozenset({Role.OFFICE_STAFF})


def _towns(user: User, roles: frozenset[Role]) -> UnitQuerySet:
    if not user.is_authenticated:
        return Unit.objects.none()
    paths = grant_paths(user, roles)
    if not paths:
        return Unit.objects.none()
    return units_within(paths).filter(kind=UnitKind.TOWN, is_active=True)


def list_towns(user: User) -> UnitQuerySet:
    return _towns(user, READ_ROLES)


def import_towns(user: User) -> UnitQuerySet:
    return _towns(user, IMPORT_ROLES)


def visible_lists(user: User) -> QuerySet[AssignedList]:
    return AssignedList.objects.filter(unit__in=list_towns(user))


def get_list_for_user(user: User, list_id: int) -> AssignedList:
    found = visible_lists(user).filter(pk=list_id).select_related("unit", "imported_by").first()
    if found is None:
        raise Http404("交办清单不存在或您无权查看")
    return found


def get_staged_for_user(user: User, staged_id: int) -> StagedSheet:
    staged = (
        StagedSheet.objects.filter(
            pk=staged_id, kind=ASSIGNED_LIST.key, unit__in=import_towns(user)
        )
        .select_related("unit")
        .first()
    )
    if staged is None:
        raise Http404("待导入的清单不存在或您无权查看")
    return staged


def unfinished_or_failed_jobs(user: User) -> QuerySet[ListImportJob]:
    """Long lists being imported or failed, for the clerks who may import them (the list page
    shows them, so a job left for another page is found again)."""
    return (
        ListImportJob.objects.filter(unit__in=import_towns(user))
        .exclude(status=JobStatus.SUCCEEDED)
        .exclude(status=JobStatus.FAILED, staged__rows=[])
    )


def get_job_for_user(user: User, job_id: int) -> ListImportJob:
    """A list's import job, for who may import the town's lists (its progress, its retry)."""
    job = (
        ListImportJob.objects.filter(pk=job_id, unit__in=import_towns(user))
        .select_related("unit", "created_by", "staged", "assigned_list")
        .first()
    )
    if job is None:
        raise Http404("导入任务不存在或您无权查看")
    return job
