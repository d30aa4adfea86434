from typing import IO, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from saohei.cases import access, importing, queries, services
from saohei.cases.downloads import (
    case_filter_form,
    case_towns_or_refuse,
    import_template_for,
    value_mapping_form,
    value_options,
    write_case_ledger,
)
from saohei.cases.exports import (
    stored_rejected_rows,
    write_rejected_rows,
)
from saohei.cases.forms import (
    CaseFilterForm,
    CasePersonForm,
    ImportForm,
    ReviewForm,
    ValueMappingForm,
)
from saohei.cases.kinds import CASE_SHEET
from saohei.cases.models import Case, ImportJob
from saohei.common.access import role_required, user_has_any_role
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.common.http import XLSX_TYPE, client_ip, stamped_name, streamed_download
from saohei.common.paging import query_without_cursor
from saohei.common.suggestions import suggested_initial
from saohei.common.views import ask_for_files_again, form_page
from saohei.organisations.http import AuthenticatedHttpRequest
from saohei.organisations.models import UnitQuerySet, User
from saohei.organisations.queries import OFFICE_ROLES

# A failed import's errors are listed this many to a page; all of them are kept.
ERRORS_PER_PAGE = 200


def _towns_or_403(user: User) -> UnitQuerySet:
    return case_towns_or_refuse(user)


def _filters(request: HttpRequest, user: User) -> tuple[CaseFilterForm, queries.CaseFilters | None]:
    return case_filter_form(user, request.GET)


@role_required(*access.CASE_ROLES)
def case_list_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    _towns_or_403(user)
    form, filters = _filters(request, user)
    cases = queries.filter_cases(user, filters) if filters else Case.objects.none()
    page = queries.page_of_cases(
        cases, after=request.GET.get("after", ""), before=request.GET.get("before", "")
    )
    return render(
        request,
        "cases/case_list.html",
        {
            "form": form,
            "page": page,
            "count": queries.capped_count(cases),
            "progress": queries.review_progress(user),
            "base_query": query_without_cursor(request),
        },
    )


def _render_detail(
    request: AuthenticatedHttpRequest,
    case: Case,
    *,
    form: ReviewForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    review = getattr(case, "review", None)
    can_review = access.can_review(user, case) and (review is None or review.lead_id is None)
    if can_review and form is None:
        initial: dict[str, Any] = {}
        if review is not None:
            initial = {
                "conclusion": review.conclusion,
                "is_gang": review.is_gang,
                "organiser": review.organiser,
                "notes": review.notes,
            }
        form = ReviewForm(initial=initial)
    persons = list(case.persons.prefetch_related("plates"))
    others = queries.other_cases_of_persons(case)
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "review": review,
            "rows": [(person, others.get(person.pk, [])) for person in persons],
            "perpetrators": sum(1 for person in persons if person.is_perpetrator),
            "can_review": can_review,
            "can_add_person": access.can_add_person(user, case),
            "form": form,
        },
        status=status,
    )


@login_required
def case_detail_view(request: AuthenticatedHttpRequest, case_id: int) -> HttpResponse:
    return _render_detail(request, access.get_case_for_user(request.user, case_id))


@require_POST
@login_required
def review_view(request: AuthenticatedHttpRequest, case_id: int) -> HttpResponse:
    user = request.user
    case = access.get_case_for_user(user, case_id)
    form = ReviewForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            review = services.review_case(
                actor=user,
                case=case,
                conclusion=data["conclusion"],
                reviewed_on=data["reviewed_on"],
                notes=data["notes"],
                is_gang=data["is_gang"],
                organiser=data["organiser"],
            )
        except ActionNotAllowed as error:
            raise PermissionDenied(error.message) from error
        except ServiceError as error:
            form.add_service_error(error)
        else:
            if review.lead is not None:
                messages.success(request, f"已转为线索，编号 {review.lead.number}。")
            else:
                messages.success(request, "已记录倒查结论。")
            return redirect("cases:detail", case_id=case.pk)
    return _render_detail(request, case, form=form)


@role_required(*OFFICE_ROLES)
def add_person_view(request: AuthenticatedHttpRequest, case_id: int) -> HttpResponse:
    """加入涉案人员: a form, pre-filled from a 识别建议 link; nothing is written until it is sent."""
    user = request.user
    case = access.get_case_for_user(user, case_id)
    if not access.can_add_person(user, case):
        raise PermissionDenied("只有本镇扫黑办工作人员或领导小组组长、副组长可以添加涉案人员")
    # A suggestion may cut only the case's own 简要案情, named in the link.
    initial = suggested_initial({"summary": case.summary}, request.GET)
    form = CasePersonForm(request.POST or None, initial=initial)

    def perform(data: dict[str, Any]) -> HttpResponse:
        services.add_case_person(
            actor=user,
            case=case,
            person=services.CasePersonInput(
                name=data["name"],
                role=data["role"],
                id_number=data["id_number"],
                phone=data["phone"],
                address=data["address"],
                plates=data["plates"],
            ),
        )
        messages.success(request, f"已添加涉案人员 {data['name']}。")
        return redirect("cases:detail", case_id=case.pk)

    return form_page(
        request, form, template="cases/person_add.html", context={"case": case}, perform=perform
    )


@role_required(*access.CASE_ROLES)
def import_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    towns = _towns_or_403(user)
    form = ImportForm(
        request.POST or None,
        request.FILES or None,
        towns=towns,
        initial={"unit": towns.first(), "sender": queries.last_import_sender(user)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            job = services.submit_case_import(
                actor=user,
                unit=data["unit"],
                file=data["file"],
                persons_file=data["persons_file"],
                skip_rejected=data["skip_rejected"],
                sender=data["sender"],
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, "文件已上传，正在后台校验和导入。")
            return redirect("cases:import_job", job_id=job.pk)
    # A refused form cannot get its files back from the browser: say so beside each.
    ask_for_files_again(request, form)
    return render(
        request,
        "cases/import.html",
        {"form": form, "jobs": queries.recent_import_jobs(user)},
    )


def _mapping_form(
    request: AuthenticatedHttpRequest, job: ImportJob, options: dict[str, dict[str, str]]
) -> ValueMappingForm | None:
    return value_mapping_form(
        request.user, job, request.POST if request.method == "POST" else None, options
    )


def _render_job(
    request: AuthenticatedHttpRequest,
    job: ImportJob,
    *,
    form: ValueMappingForm | None = None,
) -> HttpResponse:
    # htmx polls for the progress fragment only; without JavaScript the whole page is reloaded.
    template = "cases/import_job.html"
    if request.headers.get("HX-Request") == "true":
        template += "#progress"
    errors = Paginator(job.errors, ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    options = value_options(job) if job.unknown_values or job.remembered_values else {}
    labels = {target.key: target.label for target in CASE_SHEET.fields}
    remembered = [
        {
            "column": labels.get(word["field"], ""),
            "word": word["word"],
            "value": options.get(word["field"], {}).get(word.get("value", ""), "（已失效）"),
            "rows": word["rows"],
        }
        for word in job.remembered_values
    ]
    return render(
        request,
        template,
        {
            "job": job,
            "errors": errors,
            "has_rejected_rows": bool(job.rejected_rows_sealed),
            "may_retry": job.can_retry and access.can_import(request.user, job.unit),
            "mapping_form": form or _mapping_form(request, job, options),
            "remembered": remembered,
            # A column the import could not find: named once on 来文表格对照 for this sender.
            "missing_columns": any(
                str(error.get("message", "")).startswith(importing.MISSING_COLUMN)
                for error in job.errors
            ),
        },
    )


@login_required
def import_job_view(request: AuthenticatedHttpRequest, job_id: int) -> HttpResponse:
    job = access.get_import_job_for_user(request.user, job_id)
    if not job.is_finished and services.fail_interrupted_imports(jobs=[job]):
        job.refresh_from_db()
    return _render_job(request, job)


@require_POST
@role_required(*access.CASE_ROLES)
def import_values_view(request: AuthenticatedHttpRequest, job_id: int) -> HttpResponse:
    """取值对照: save the clerk's value for each unknown word for the job's sender, and check
    the rows again from the kept file (no new upload)."""
    user = request.user
    job = access.get_import_job_for_user(user, job_id)
    if not access.can_import(user, job.unit):
        raise PermissionDenied("您无权导入该镇的治安案件")
    form = _mapping_form(request, job, value_options(job))
    if form is None:
        messages.error(request, "这次导入没有待对照的取值，或仍在进行中")
        return redirect("cases:import_job", job_id=job.pk)
    if form.is_valid():
        try:
            job, rerun = services.map_import_values(actor=user, job=job, choices=form.chosen())
        except ActionNotAllowed as error:
            raise PermissionDenied(error.message) from error
        except ServiceError as error:
            form.add_service_error(error)
        else:
            if rerun:
                messages.success(request, "已保存取值对照，正在用此前上传的文件重新校验。")
            else:
                messages.success(
                    request, "已保存取值对照；该来文单位以后的导入（如改正后的退回行）将自动使用。"
                )
            return redirect("cases:import_job", job_id=job.pk)
    return _render_job(request, job, form=form)


# login_required, not role_required: the response streams a file rather than an HttpResponse.
@login_required
def rejected_rows_view(request: AuthenticatedHttpRequest, job_id: int) -> FileResponse:
    """退回的行: a refused import's bad rows with an 错误说明 column, to fix in Excel and import
    again. For whoever may open the job's page."""
    user = request.user
    if not user_has_any_role(user, access.CASE_ROLES):
        raise PermissionDenied("您没有查看案件导入的权限")
    job = access.get_import_job_for_user(user, job_id)
    tables = stored_rejected_rows(job)
    if not tables:
        raise Http404("这次导入没有保留未通过校验的行（导入成功，或已超过 24 小时保留期）")

    def write(target: IO[bytes]) -> None:
        write_rejected_rows(tables, file_name=job.file_name, exported_by=str(user), target=target)
        services.record_rejected_rows_download(
            actor=user,
            job=job,
            rows=sum(len(table["rows"]) for table in tables),
            ip_address=client_ip(request),
        )

    return streamed_download(write, filename=stamped_name("未通过校验的行"))


@require_POST
@role_required(*access.CASE_ROLES)
def import_retry_view(request: AuthenticatedHttpRequest, job_id: int) -> HttpResponse:
    job = access.get_import_job_for_user(request.user, job_id)
    try:
        services.retry_import(actor=request.user, job=job)
    except ActionNotAllowed as error:
        raise PermissionDenied(error.message) from error
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "已重新开始导入，使用此前上传的文件。")
    return redirect("cases:import_job", job_id=job.pk)


@role_required(*access.CASE_ROLES)
def template_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    response = HttpResponse(import_template_for(request.user), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename="治安案件导入模板.xlsx"
    )
    return response


# login_required, not role_required: the response streams a file rather than an HttpResponse.
@login_required
def export_view(request: AuthenticatedHttpRequest) -> FileResponse:
    user = request.user
    if not user_has_any_role(user, access.CASE_ROLES):
        raise PermissionDenied("您没有导出案件倒查台账的权限")
    _towns_or_403(user)
    form, filters = _filters(request, user)
    chosen = filters if filters is not None else queries.CaseFilters()
    ip_address = client_ip(request)

    def write(target: IO[bytes]) -> None:
        write_case_ledger(target, actor=user, form=form, filters=chosen, ip_address=ip_address)

    return streamed_download(write, filename=stamped_name("案件倒查台账"))
