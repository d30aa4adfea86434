from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from saohei.common.access import role_required
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.common.http import XLSX_TYPE
from saohei.common.views import form_page
from saohei.health.jobs import JobStatus
from saohei.leads.access import visible_leads
from saohei.organisations.http import AuthenticatedHttpRequest
from saohei.sheets.models import SenderMapping, StagedSheet
from saohei.sheets.preview import town_villages
from saohei.sheets.rejected import rejected_rows_xlsx

from . import access, exports, services
from .forms import MappingForm, UploadForm
from .kinds import ASSIGNED_LIST
from .models import AssignedList, ListImportJob, RowOutcome

ROWS_PER_PAGE = 100


def _download(content: bytes, *, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name)
    return response


@role_required(*access.READ_ROLES)
def list_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    if not access.list_towns(user).exists():
        raise PermissionDenied("您没有可查看的镇（街道）交办清单")
    lists = access.visible_lists(user).select_related("unit", "imported_by")[:200]
    return render(
        request,
        "assigned_lists/list.html",
        {
            "lists": lists,
            "jobs": access.unfinished_or_failed_jobs(user).select_related("unit", "created_by"),
            "can_import": access.import_towns(user).exists(),
        },
    )


@role_required(*access.IMPORT_ROLES)
def import_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    towns = access.import_towns(user).order_by("path")
    if not towns.exists():
        raise PermissionDenied("您没有可导入交办清单的镇（街道）")
    form = UploadForm(request.POST or None, request.FILES or None, towns=towns)
    senders = (
        SenderMapping.objects.filter(unit__in=towns, kind=ASSIGNED_LIST.key)
        .order_by("sender")
        .values_list("sender", flat=True)
    )

    def perform(data: dict[str, Any]) -> HttpResponse:
        upload = data["file"]
        staged = services.stage_list(
            actor=user,
            unit=data["unit"],
            sender=data["sender"],
            source=data["source"],
            file=upload,
            file_name=upload.name or "交办清单",
        )
        return redirect("assigned_lists:staged", staged_id=staged.pk)

    return form_page(
        request,
        form,
        template="assigned_lists/import.html",
        context={"senders": list(senders)},
        perform=perform,
    )


def _staged_page(
    request: AuthenticatedHttpRequest,
    staged: StagedSheet,
    *,
    form: MappingForm | None = None,
    plan: services.Plan | None = None,
    error: str = "",
    status: int = 200,
    job: ListImportJob | None = None,
) -> HttpResponse:
    villages = town_villages(staged.unit).names
    if plan is None:
        try:
            plan = services.plan_import(actor=request.user, staged=staged)
        except ServiceError as refused:
            return render(
                request,
                "assigned_lists/staged.html",
                {"staged": staged, "error": refused.message},
                status=400,
            )
    checked = plan.reading.checked
    if form is None:
        form = MappingForm(
            titles=checked.header.titles,
            columns=checked.columns,
            unknown=sorted(checked.unknown, key=lambda word: (word.field, word.word)),
            villages=dict(villages),
        )
    only_problems = request.GET.get("problems") == "1"
    rows = [row for row in plan.rows if not row.checked.ok] if only_problems else plan.rows
    page = Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "assigned_lists/staged.html",
        {
            "staged": staged,
            "plan": plan,
            "checked": checked,
            "form": form,
            "page": page,
            "only_problems": only_problems,
            "error": error,
            "failed_job": job,
            "inline": services.runs_inline(staged),
            "counts": {label: plan.count(value) for value, label in RowOutcome.choices},
            "mapped_titles": [
                title for title in checked.header.titles if checked.columns.get(title)
            ],
        },
        status=status,
    )


@role_required(*access.IMPORT_ROLES)
def staged_view(request: AuthenticatedHttpRequest, staged_id: int) -> HttpResponse:
    user = request.user
    staged = access.get_staged_for_user(user, staged_id)
    # Once imported the staged rows are emptied: the list itself is what there is to see.
    if staged.imported_at is not None:
        messages.info(request, "该清单已经导入")
        imported = AssignedList.objects.filter(staged=staged).first()
        if imported is None:
            return redirect("assigned_lists:list")
        return redirect("assigned_lists:detail", list_id=imported.pk)
    # A list being imported in the background is followed on its job's page.
    job = ListImportJob.objects.filter(staged=staged).first()
    if job is not None and job.status != JobStatus.FAILED:
        return redirect("assigned_lists:job", list_job_id=job.pk)
    if request.method != "POST":
        return _staged_page(request, staged, job=job)
    if request.POST.get("action") == "import" and not services.runs_inline(staged):
        try:
            job = services.submit_list_import(actor=user, staged=staged)
        except ServiceError as refused:
            return _staged_page(request, staged, error=refused.message, status=400)
        return redirect("assigned_lists:job", list_job_id=job.pk)
    if request.POST.get("action") == "import":
        try:
            assigned = services.import_list(actor=user, staged=staged)
        except ServiceError as refused:
            return _staged_page(request, staged, error=refused.message, status=400)
        messages.success(
            request,
            f"已导入 {assigned.rows.count()} 行：新登记 {assigned.created_count} 条，"
            f"更新 {assigned.updated_count} 条",
        )
        return redirect("assigned_lists:detail", list_id=assigned.pk)
    try:
        plan = services.plan_import(actor=user, staged=staged)
    except ServiceError as refused:
        return render(
            request,
            "assigned_lists/staged.html",
            {"staged": staged, "error": refused.message},
            status=400,
        )
    checked = plan.reading.checked
    form = MappingForm(
        request.POST,
        titles=checked.header.titles,
        columns=checked.columns,
        unknown=sorted(checked.unknown, key=lambda word: (word.field, word.word)),
        villages=dict(town_villages(staged.unit).names),
    )
    if not form.is_valid():
        return _staged_page(request, staged, form=form, plan=plan, status=400)
    try:
        services.save_list_mapping(
            actor=user,
            staged=staged,
            columns=form.column_mapping(),
            values=form.value_mapping(),
        )
    except ServiceError as refused:
        return _staged_page(
            request, staged, form=form, plan=plan, error=refused.message, status=400
        )
    messages.success(request, f"已保存“{staged.sender}”的列对照和取值对照，下次自动套用")
    return redirect("assigned_lists:staged", staged_id=staged.pk)


@role_required(*access.IMPORT_ROLES)
def job_view(request: AuthenticatedHttpRequest, list_job_id: int) -> HttpResponse:
    """A long list's import: its progress bar, polled by htmx (the fragment only)."""
    job = services.current_list_import(job=access.get_job_for_user(request.user, list_job_id))
    template = "assigned_lists/job.html"
    if request.headers.get("HX-Request") == "true":
        template += "#progress"
    return render(request, template, {"job": job, "may_retry": job.can_retry})


@require_POST
@role_required(*access.IMPORT_ROLES)
def job_retry_view(request: AuthenticatedHttpRequest, list_job_id: int) -> HttpResponse:
    job = access.get_job_for_user(request.user, list_job_id)
    try:
        services.retry_list_import(actor=request.user, job=job)
    except ActionNotAllowed as refused:
        raise PermissionDenied(refused.message) from refused
    except ServiceError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, "已重新开始导入，使用此前上传的清单。")
    return redirect("assigned_lists:job", list_job_id=job.pk)


@role_required(*access.IMPORT_ROLES)
def rejected_view(request: AuthenticatedHttpRequest, staged_id: int) -> HttpResponse:
    user = request.user
    staged = access.get_staged_for_user(user, staged_id)
    try:
        plan = services.plan_import(actor=user, staged=staged)
    except ServiceError as refused:
        return render(
            request,
            "assigned_lists/staged.html",
            {"staged": staged, "error": refused.message},
            status=400,
        )
    content = rejected_rows_xlsx(
        plan.reading.checked, exported_by=str(user), file_name=staged.file_name
    )
    return _download(
        content,
        name=f"未通过的行-{staged.file_name.rsplit('.', 1)[0]}.xlsx",
        content_type=XLSX_TYPE,
    )


@role_required(*access.READ_ROLES)
def detail_view(request: AuthenticatedHttpRequest, list_id: int) -> HttpResponse:
    user = request.user
    assigned = access.get_list_for_user(user, list_id)
    rows = list(assigned.rows.select_related("lead").order_by("position"))
    visible = set(
        visible_leads(user)
        .filter(pk__in=[row.lead_id for row in rows])
        .values_list("pk", flat=True)
    )
    page = Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "assigned_lists/detail.html",
        {"assigned": assigned, "page": page, "visible": visible},
    )


@role_required(*access.READ_ROLES)
def feedback_view(request: AuthenticatedHttpRequest, list_id: int) -> HttpResponse:
    user = request.user
    assigned = access.get_list_for_user(user, list_id)
    content = exports.feedback_xlsx(assigned, user=user)
    services.record_list_export(actor=user, assigned=assigned, document="feedback_xlsx")
    return _download(
        content,
        name=f"反馈-{assigned.file_name.rsplit('.', 1)[0]}.xlsx",
        content_type=XLSX_TYPE,
    )


@role_required(*access.READ_ROLES)
def reports_view(request: AuthenticatedHttpRequest, list_id: int) -> HttpResponse:
    user = request.user
    assigned = access.get_list_for_user(user, list_id)
    content, _ = exports.reports_zip(assigned, user=user)
    services.record_list_export(actor=user, assigned=assigned, document="reports_zip")
    return _download(
        content,
        name=f"办结报告-{assigned.file_name.rsplit('.', 1)[0]}.zip",
        content_type="application/zip",
    )
