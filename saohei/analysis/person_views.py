"""Person pages, person search, "also appears in" fragments and the office's corrections
(decision 0030). Views fetch through `access`, read through `queries`, write through `services`.

- Person pages and search: office roles and police (`REGISTRY_ROLES`); others 403.
- Corrections (merge, split, undo, 疑似同一人, exclusions, over-shared mobiles): the office.
- "also appears in" under a record: whoever may open the record; the number of records they
  may not open is shown to the registry's roles only (a village head learns nothing of them).
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from saohei.analysis import access, queries, services
from saohei.analysis.forms import (
    ExclusionForm,
    MergeForm,
    OptionalReasonForm,
    PersonSearchForm,
    ReasonForm,
)
from saohei.analysis.models import IncidentKind
from saohei.cases import access as case_access
from saohei.common.access import role_required
from saohei.common.errors import ServiceError
from saohei.common.forms import StyledForm
from saohei.common.http import client_ip
from saohei.common.paging import query_without_cursor
from saohei.common.views import submit_action_form
from saohei.leads import access as lead_access
from saohei.organisations.http import AuthenticatedHttpRequest
from saohei.organisations.models import User
from saohei.organisations.queries import OFFICE_ROLES
from saohei.tips import access as tip_access

# ---------------------------------------------------------------------------------------------
# Person search and person page


def _search(request: HttpRequest, user: User) -> dict[str, Any]:
    form = PersonSearchForm(request.GET if request.GET.get("q") else None)
    context: dict[str, Any] = {"form": form, "page": None, "rows": [], "query": None}
    if form.is_bound and form.is_valid() and form.cleaned_data["q"] is not None:
        query = form.cleaned_data["q"]
        result = queries.search_persons(
            user,
            query,
            after=request.GET.get("after", ""),
            before=request.GET.get("before", ""),
        )
        context.update(
            page=result.page,
            truncated=result.truncated,
            rows=queries.person_rows(user, result.page.rows),
            query=query,
            base_query=query_without_cursor(request),
        )
    return context


@require_GET
@role_required(*access.REGISTRY_ROLES)
def person_search_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    context = _search(request, request.user)
    status = 400 if context["form"].errors else 200
    return render(request, "analysis/person_search.html", context, status=status)


def _person_page(
    request: AuthenticatedHttpRequest,
    person_id: int,
    *,
    status: int = 200,
    audit_view: bool = False,
    **extra: Any,
) -> HttpResponse:
    """The person's page; `audit_view` on the GET that opens it (a refused form shown again
    after a POST is the same visit)."""
    user = request.user
    person = access.get_person_for_user(user, person_id)
    view = queries.person_view(user, person)
    if view is None:
        raise Http404("人员不存在或您无权查看")
    if audit_view:
        services.record_person_viewed(actor=user, person=person, ip_address=client_ip(request))
    is_office = user.has_any_role(OFFICE_ROLES)
    context = {
        "view": view,
        "is_office": is_office,
        "split_form": extra.pop("split_form", None) or ReasonForm(),
        "split_target": extra.pop("split_target", None),
        **extra,
    }
    return render(request, "analysis/person_detail.html", context, status=status)


@require_GET
@role_required(*access.REGISTRY_ROLES)
def person_view(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    return _person_page(request, person_id, audit_view=True)


@require_http_methods(["GET", "POST"])
@role_required(*OFFICE_ROLES)
def person_merge_view(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    """与…合并: find the other person by the search, choose them, give the reason."""
    user = request.user
    person = access.get_person_for_user(user, person_id)
    if queries.person_view(user, person) is None:
        raise Http404("人员不存在或您无权查看")

    def render_page(form: StyledForm | None = None) -> HttpResponse:
        context = _search(request, user)
        context["rows"] = [row for row in context["rows"] if row.person.pk != person.pk]
        context.update(person=person, merge_form=form or MergeForm())
        return render(request, "analysis/person_merge.html", context)

    if request.method != "POST":
        return render_page()

    def perform(data: dict[str, Any]) -> HttpResponse:
        try:
            other = access.get_person_for_user(user, data["other"])
        except Http404 as error:
            raise ServiceError("请选择要合并的人员", field="other") from error
        merged = services.merge_persons(
            actor=user, person=person, other=other, reason=data["reason"]
        )
        messages.success(request, "已合并为同一人员；可在人员页撤销。")
        return redirect("analysis:person", merged.pk)

    return submit_action_form(
        request, MergeForm(request.POST), perform=perform, render_page=render_page
    )


@require_POST
@role_required(*OFFICE_ROLES)
def appearance_split_view(
    request: AuthenticatedHttpRequest, person_id: int, appearance_id: int
) -> HttpResponse:
    user = request.user
    person = access.get_person_for_user(user, person_id)
    appearance = access.get_appearance_for_user(user, person, appearance_id)

    def perform(data: dict[str, Any]) -> HttpResponse:
        alone = services.split_appearance(actor=user, appearance=appearance, reason=data["reason"])
        messages.success(request, "已拆分为单独的人员；可在该人员页撤销。")
        return redirect("analysis:person", alone.pk)

    def render_page(form: StyledForm) -> HttpResponse:
        return _person_page(request, person_id, split_form=form, split_target=appearance.pk)

    return submit_action_form(
        request, ReasonForm(request.POST), perform=perform, render_page=render_page
    )


def _with_reason(
    request: HttpRequest, form: StyledForm, action: Callable[[str], str], back: str
) -> HttpResponse:
    """A bare button of a list row (确认为同一人: its reason is optional and not typed on the page):
    a refused call comes back as a message above the list; success goes where `action` says."""
    if not form.is_valid():
        messages.error(
            request, "；".join(str(e) for errors in form.errors.values() for e in errors)
        )
        return redirect(back)
    return _answer(request, lambda: action(form.cleaned_data["reason"]), reverse(back))


def _answer(request: HttpRequest, action: Callable[[], str], back: str) -> HttpResponse:
    """Run one service call that needs no form; a refusal comes back as a message."""
    try:
        target = action()
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect(back)
    return redirect(target or back)


@require_POST
@role_required(*OFFICE_ROLES)
def merge_undo_view(request: AuthenticatedHttpRequest, merge_id: int) -> HttpResponse:
    user = request.user
    rule = access.get_merge_rule_for_user(user, merge_id)

    def undo() -> str:
        services.undo_merge(actor=user, rule=rule)
        messages.success(request, "已撤销合并。")
        return reverse("analysis:person", args=[services.merged_person(rule).pk])

    return _answer(request, undo, reverse("analysis:person_search"))


@require_POST
@role_required(*OFFICE_ROLES)
def split_undo_view(request: AuthenticatedHttpRequest, split_id: int) -> HttpResponse:
    user = request.user
    rule = access.get_split_rule_for_user(user, split_id)

    def undo() -> str:
        person = services.undo_split(actor=user, rule=rule)
        messages.success(request, "已撤销拆分。")
        return reverse("analysis:person", args=[person.pk]) if person else ""

    return _answer(request, undo, reverse("analysis:person_search"))


# ---------------------------------------------------------------------------------------------
# 疑似同一人


def _same_person_page(
    request: AuthenticatedHttpRequest, *, reject: tuple[int, StyledForm] | None = None
) -> HttpResponse:
    """The open suggestions; `reject`: a refused 否定 (suggestion id, its bound form) shown open
    in its row with the reason as typed and the error beside it."""
    pairs = queries.open_same_person_pairs(request.user)
    target, form = reject or (None, None)
    return render(
        request,
        "analysis/same_person.html",
        {"pairs": pairs, "reject_target": target, "reject_form": form},
    )


@require_GET
@role_required(*OFFICE_ROLES)
def same_person_list_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _same_person_page(request)


@require_POST
@role_required(*OFFICE_ROLES)
def same_person_confirm_view(request: AuthenticatedHttpRequest, suggestion_id: int) -> HttpResponse:
    user = request.user
    suggestion = access.get_suggestion_for_user(user, suggestion_id)

    def confirm(reason: str) -> str:
        merged = services.confirm_same_person(actor=user, suggestion=suggestion, reason=reason)
        messages.success(request, "已确认为同一人并合并；可在人员页撤销。")
        return reverse("analysis:person", args=[merged.pk])

    return _with_reason(request, OptionalReasonForm(request.POST), confirm, "analysis:same_person")


@require_POST
@role_required(*OFFICE_ROLES)
def same_person_reject_view(request: AuthenticatedHttpRequest, suggestion_id: int) -> HttpResponse:
    user = request.user
    suggestion = access.get_suggestion_for_user(user, suggestion_id)

    def perform(data: dict[str, Any]) -> HttpResponse:
        services.reject_same_person(actor=user, suggestion=suggestion, reason=data["reason"])
        messages.success(request, "已否定：不是同一人。")
        return redirect("analysis:same_person")

    return submit_action_form(
        request,
        ReasonForm(request.POST),
        perform=perform,
        render_page=lambda form: _same_person_page(request, reject=(suggestion.pk, form)),
    )


# ---------------------------------------------------------------------------------------------
# 排除清单 and over-shared mobiles


@require_http_methods(["GET", "POST"])
@role_required(*OFFICE_ROLES)
def exclusion_list_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user

    def render_page(form: StyledForm | None = None) -> HttpResponse:
        exclusions = queries.exclusion_list().order_by("-created_at", "-id")
        return render(
            request,
            "analysis/exclusions.html",
            {"exclusions": exclusions, "form": form or ExclusionForm()},
        )

    if request.method != "POST":
        return render_page()

    def perform(data: dict[str, Any]) -> HttpResponse:
        services.exclude_mobile(actor=user, mobile=data["mobile"], reason=data["reason"])
        messages.success(request, "已列入排除清单：该号码不再用于归并人员。")
        return redirect("analysis:exclusions")

    return submit_action_form(
        request, ExclusionForm(request.POST), perform=perform, render_page=render_page
    )


@require_POST
@role_required(*OFFICE_ROLES)
def exclusion_remove_view(request: AuthenticatedHttpRequest, exclusion_id: int) -> HttpResponse:
    user = request.user
    exclusion = access.get_exclusion_for_user(user, exclusion_id)

    def remove() -> str:
        services.remove_exclusion(actor=user, exclusion=exclusion)
        messages.success(request, "已移出排除清单。")
        return reverse("analysis:exclusions")

    return _answer(request, remove, reverse("analysis:exclusions"))


def _shared_page(
    request: AuthenticatedHttpRequest, *, exclude: tuple[int, StyledForm] | None = None
) -> HttpResponse:
    """Over-shared mobiles given in records the user may see, each with how often it is seen;
    `exclude`: a refused 列入排除清单 (shared id, its bound form) shown open in its row."""
    rows = queries.shared_mobiles_seen(request.user)
    target, form = exclude or (None, None)
    return render(
        request,
        "analysis/shared.html",
        {"rows": rows, "exclude_target": target, "exclude_form": form},
    )


@require_GET
@role_required(*OFFICE_ROLES)
def shared_list_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _shared_page(request)


@require_POST
@role_required(*OFFICE_ROLES)
def shared_exclude_view(request: AuthenticatedHttpRequest, shared_id: int) -> HttpResponse:
    user = request.user
    shared = access.get_shared_for_user(user, shared_id)

    def perform(data: dict[str, Any]) -> HttpResponse:
        services.exclude_mobile(actor=user, shared=shared, reason=data["reason"])
        messages.success(request, "已列入排除清单：该号码不再用于归并人员。")
        return redirect("analysis:exclusions")

    return submit_action_form(
        request,
        ReasonForm(request.POST),
        perform=perform,
        render_page=lambda form: _shared_page(request, exclude=(shared.pk, form)),
    )


# ---------------------------------------------------------------------------------------------
# "also appears in" under a lead, case or tip


def _related(
    request: AuthenticatedHttpRequest, kind: str, incident_id: int, title: str
) -> HttpResponse:
    user = request.user
    may_use_registry = access.may_use_registry(user)
    related = queries.related_for_incident(user, kind, incident_id, for_registry=may_use_registry)
    template = "analysis/related.html"
    if request.headers.get("HX-Request") == "true":
        template += "#related"
    return render(
        request,
        template,
        {"related": related, "title": title, "may_use_registry": may_use_registry},
    )


@require_GET
@login_required
def lead_related_view(request: AuthenticatedHttpRequest, lead_id: int) -> HttpResponse:
    lead = lead_access.get_lead_for_user(request.user, lead_id)
    return _related(request, IncidentKind.LEAD, lead.pk, f"线索 {lead.number}")


@require_GET
@role_required(*case_access.CASE_ROLES)
def case_related_view(request: AuthenticatedHttpRequest, case_id: int) -> HttpResponse:
    case = case_access.get_case_for_user(request.user, case_id)
    return _related(request, IncidentKind.CASE, case.pk, f"案件 {case.number}")


@require_GET
@role_required(*tip_access.INTAKE_ROLES)
def tip_related_view(request: AuthenticatedHttpRequest, tip_id: int) -> HttpResponse:
    tip = tip_access.get_tip_for_user(request.user, tip_id)
    return _related(request, IncidentKind.TIP, tip.pk, str(tip))
