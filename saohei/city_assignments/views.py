from typing import IO, Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from saohei.city_assignments import access, queries, services
from saohei.city_assignments.downloads import require_exporter, write_city_feedback
from saohei.city_assignments.forms import (
    AssignmentFilterForm,
    AssignmentForm,
    ReturnForm,
    assignment_filters,
)
from saohei.city_assignments.models import AssignedTown, CityAssignment, ListStatus
from saohei.common.access import role_required
from saohei.common.forms import StyledForm
from saohei.common.http import client_ip, stamped_name, streamed_download
from saohei.common.paging import query_without_cursor
from saohei.common.roles import Role
from saohei.common.views import form_page, submit_action_form
from saohei.organisations.http import AuthenticatedHttpRequest
from saohei.organisations.models import Unit, User


def _city(user: User) -> Unit:
    """The city office this supervisor assigns for (the first, should one hold several)."""
    cities = access.supervised_cities(user)
    if not cities:
        raise PermissionDenied("只有市扫黑办的上级督导人员可以交办")
    return cities[0]


def _filters(
    request: AuthenticatedHttpRequest,
) -> tuple[AssignmentFilterForm, dict[str, Any] | None]:
    return assignment_filters(request.user, request.GET)


@role_required(Role.SUPERVISOR)
def assignment_list_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    form, filters = _filters(request)
    assignments = (
        queries.filter_assignments(
            access.visible_assignments(user), status=filters["status"], town=filters["town"]
        )
        if filters is not None
        else CityAssignment.objects.none()
    )
    page = queries.page_of_assignments(
        assignments, after=request.GET.get("after", ""), before=request.GET.get("before", "")
    )
    chosen = CityAssignment.objects.filter(pk__in=[assignment.pk for assignment in page.rows])
    return render(
        request,
        "city_assignments/assignment_list.html",
        {
            "form": form,
            "summaries": queries.list_assignments(user, chosen),
            "page": page,
            "count": queries.capped_count(assignments),
            "base_query": query_without_cursor(request),
            "may_assign": bool(access.supervised_cities(user)),
            "withheld": queries.WITHHELD,
        },
    )


@role_required(Role.SUPERVISOR)
def assignment_create_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    city = _city(user)
    form = AssignmentForm(request.POST or None, towns=access.assignable_towns(city))

    def perform(data: dict[str, Any]) -> HttpResponse:
        assignment = services.assign_to_towns(
            actor=user,
            city=city,
            data=services.AssignmentInput(
                towns=list(data["towns"]),
                deadline=data["deadline"],
                instruction=data["instruction"],
                summary=data["summary"],
                source=data["source"],
                subject_name=data["subject_name"],
                number=data["number"],
                involves_official=data["involves_official"],
            ),
        )
        messages.success(
            request, f"已交办 {assignment.towns.count()} 个镇，交办编号 {assignment.number}。"
        )
        return redirect("city_assignments:detail", assignment_id=assignment.pk)

    return form_page(
        request,
        form,
        template="city_assignments/assignment_form.html",
        context={"city": city},
        perform=perform,
    )


def _detail_page(
    request: AuthenticatedHttpRequest,
    assignment_id: int,
    *,
    bound: tuple[int, StyledForm] | None = None,
) -> HttpResponse:
    user = request.user
    assignment = access.get_assignment_for_user(user, assignment_id)
    # The filters and page live in the query string; a refused action re-renders its page.
    form = AssignmentFilterForm(request.GET or None, towns=access.assignable_towns(assignment.city))
    if form.is_bound and not form.is_valid():
        # A bad filter (another city's town): its error beside the field, and no rows.
        towns = queries.TownPage(page=Paginator([], 1).get_page(1), towns=[])
    else:
        data = form.cleaned_data if form.is_bound else {}
        towns = queries.page_of_towns(
            user,
            assignment,
            status=data.get("status", ""),
            town=data.get("town"),
            page=request.GET.get("page"),
        )
    default_deadline = services.default_return_deadline()
    for town in towns.towns:
        town.return_form = (  # type: ignore[attr-defined]
            bound[1]
            if bound is not None and bound[0] == town.row.pk
            else ReturnForm(prefix=f"return{town.row.pk}", initial={"deadline": default_deadline})
        )
    return render(
        request,
        "city_assignments/assignment_detail.html",
        {
            "summary": queries.AssignmentSummary(
                assignment=assignment,
                readable=access.may_read_assignment(user, assignment),
                towns=towns.towns,
            ),
            "assignment": assignment,
            "form": form,
            "page": towns.page,
            "counts": queries.count_towns_by_status(assignment),
            "statuses": ListStatus.choices,
            "query_string": urlencode([(k, v) for k, v in request.GET.items() if k != "page"]),
            "may_judge": access.is_city_supervisor(user, assignment.city),
            "return_working_days": services.RETURN_WORKING_DAYS,
            "withheld": queries.WITHHELD,
        },
    )


@role_required(Role.SUPERVISOR)
def assignment_detail_view(request: AuthenticatedHttpRequest, assignment_id: int) -> HttpResponse:
    return _detail_page(request, assignment_id)


def _town_row(
    request: AuthenticatedHttpRequest, assignment_id: int, town_row_id: int
) -> AssignedTown:
    assignment = access.get_assignment_for_user(request.user, assignment_id)
    return access.get_town_of(assignment, town_row_id)


@require_POST
@role_required(Role.SUPERVISOR)
def accept_view(
    request: AuthenticatedHttpRequest, assignment_id: int, town_row_id: int
) -> HttpResponse:
    row = _town_row(request, assignment_id, town_row_id)

    def perform(data: dict[str, Any]) -> HttpResponse:
        services.accept_feedback(actor=request.user, row=row)
        messages.success(request, f"已采纳{row.town.name}的反馈。")
        return redirect("city_assignments:detail", assignment_id=assignment_id)

    return submit_action_form(
        request,
        StyledForm(request.POST),
        perform=perform,
        render_page=lambda bound: _detail_page(request, assignment_id),
    )


@require_POST
@role_required(Role.SUPERVISOR)
def return_view(
    request: AuthenticatedHttpRequest, assignment_id: int, town_row_id: int
) -> HttpResponse:
    row = _town_row(request, assignment_id, town_row_id)

    def perform(data: dict[str, Any]) -> HttpResponse:
        returned = services.return_feedback(
            actor=request.user, row=row, reason=data["reason"], deadline=data["deadline"]
        )
        messages.success(
            request,
            f"已将{row.town.name}的反馈退回重查，新的反馈期限 {returned.return_deadline:%Y-%m-%d}。",
        )
        return redirect("city_assignments:detail", assignment_id=assignment_id)

    return submit_action_form(
        request,
        ReturnForm(request.POST, prefix=f"return{row.pk}"),
        perform=perform,
        render_page=lambda bound: _detail_page(request, assignment_id, bound=(row.pk, bound)),
    )


# login_required, not role_required: the response streams a file rather than an HttpResponse.
@login_required
def assignment_export_view(request: AuthenticatedHttpRequest) -> FileResponse:
    """The 反馈表 of every assignment the user reads, as the list shows them; audited."""
    user = request.user
    require_exporter(user)
    ip_address = client_ip(request)

    def write(output: IO[bytes]) -> None:
        write_city_feedback(output, actor=user, ip_address=ip_address)

    return streamed_download(write, filename=stamped_name("市级交办反馈表"))
