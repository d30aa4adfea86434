"""村"两委"候选人资格联审 pages: upload and past runs, the 联审 sheet, its .xlsx export.

Only the 组长/副组长 and the office of the run's town (`access.VETTING_ROLES`); others 403, a
run of another town 404. ID numbers appear masked only: on the page, in the export, in the log.
"""

from dataclasses import dataclass
from typing import IO

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from saohei.analysis import access, services, vetting_sheet
from saohei.analysis.forms import VettingForm
from saohei.analysis.models import FindingKind, IncidentKind, VettingCandidate, VettingRun
from saohei.analysis.vetting import Finding
from saohei.common.access import role_required, user_has_any_role
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.common.http import client_ip, stamped_name, streamed_download
from saohei.common.views import ask_for_files_again
from saohei.organisations.http import AuthenticatedHttpRequest
from saohei.organisations.models import User

# The page lists this many of a refused list's errors (a list has at most a few thousand rows).
ERRORS_SHOWN = 500
RUNS_SHOWN = 100
DETAIL_URLS: dict[str, str] = {
    IncidentKind.CASE: "cases:detail",
    IncidentKind.LEAD: "leads:detail",
    FindingKind.PROMPT: "analysis:prompt",
}


@role_required(*access.VETTING_ROLES)
def vetting_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    towns = access.vetting_towns(user).order_by("path")
    if not towns.exists():
        raise PermissionDenied("您没有可联审的镇（街道）")
    form = VettingForm(
        request.POST or None, request.FILES or None, towns=towns, initial={"unit": towns.first()}
    )
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            run = services.run_vetting(
                actor=user,
                unit=form.cleaned_data["unit"],
                file=form.cleaned_data["file"],
                ip_address=client_ip(request),
            )
        except ActionNotAllowed as error:
            raise PermissionDenied(error.message) from error
        except services.CandidateListRefused as error:
            form.add_service_error(error)
            errors = error.errors[:ERRORS_SHOWN]
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(
                request, f"联审完成：{run.candidate_count} 人中 {run.review_count} 人需复核。"
            )
            return redirect("analysis:vetting_run", run_id=run.pk)
    # A refused form cannot get its file back from the browser: say so beside it.
    ask_for_files_again(request, form)
    runs = access.visible_vetting_runs(user).select_related("unit", "uploaded_by")
    return render(
        request,
        "analysis/vetting.html",
        {
            "form": form,
            "errors": errors,
            "runs": runs[:RUNS_SHOWN],
            "runs_shown": RUNS_SHOWN,
        },
    )


@dataclass(frozen=True)
class LinkedRow:
    """A row of the sheet as the page shows it: each reason with the link to its record."""

    candidate: VettingCandidate
    findings: list[tuple[Finding, str]]
    hidden: int


def _linked(user: User, run: VettingRun) -> list[LinkedRow]:
    return [
        LinkedRow(
            candidate=row.candidate,
            findings=[
                (finding, reverse(DETAIL_URLS[finding.record], args=[finding.record_id]))
                if finding.record in DETAIL_URLS
                else (finding, "")
                for finding in row.findings
            ],
            hidden=row.hidden,
        )
        for row in vetting_sheet.sheet(user, run)
    ]


@require_GET
@role_required(*access.VETTING_ROLES)
def vetting_run_view(request: AuthenticatedHttpRequest, run_id: int) -> HttpResponse:
    user = request.user
    run = access.get_vetting_run_for_user(user, run_id)
    return render(request, "analysis/vetting_run.html", {"run": run, "rows": _linked(user, run)})


# login_required, not role_required: the response streams a file rather than an HttpResponse.
@require_GET
@login_required
def vetting_export_view(request: AuthenticatedHttpRequest, run_id: int) -> FileResponse:
    user = request.user
    if not user_has_any_role(user, access.VETTING_ROLES):
        raise PermissionDenied("您没有导出联审表的权限")
    run = access.get_vetting_run_for_user(user, run_id)
    rows = vetting_sheet.sheet(user, run)

    def write(target: IO[bytes]) -> None:
        count = vetting_sheet.write_sheet(target, user=user, run=run, rows=rows)
        services.record_vetting_export(
            actor=user, run=run, count=count, ip_address=client_ip(request)
        )

    return streamed_download(write, filename=stamped_name("候选人资格联审表"))
