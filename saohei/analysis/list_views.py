"""重点人员 and 同案人员: the lists a clerk starts from, and their ledgers (decision 0031).

Office and police (`REGISTRY_ROLES`) within the towns whose cases they see; other roles 403,
anonymous visitors the sign-in page. Read-only: only an export writes, its audit event.
"""

from collections.abc import Callable
from typing import IO, TypeVar

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from saohei.analysis import lists, services
from saohei.analysis.access import REGISTRY_ROLES
from saohei.analysis.list_exports import export_co_offenders, export_key_persons
from saohei.analysis.list_forms import CoOffenderFilterForm, KeyPersonFilterForm, with_defaults
from saohei.common.access import role_required, user_has_any_role
from saohei.common.forms import describe_filters
from saohei.common.http import client_ip, stamped_name, streamed_download
from saohei.common.paging import query_without_cursor
from saohei.leads.defaults import OFFENCE_TYPES
from saohei.organisations.http import AuthenticatedHttpRequest
from saohei.organisations.models import User

FormT = TypeVar("FormT", bound=KeyPersonFilterForm)
NOTHING_FOUND = {
    "page": lists.KeyPersonPage(rows=[]),
    "found": lists.CoOffenders(pairs=[], groups=[], total_pairs=0),
}


def _form(form_class: type[FormT], request: AuthenticatedHttpRequest) -> FormT:
    return form_class(with_defaults(request.GET), user=request.user)


def _render(
    request: HttpRequest, template: str, form: KeyPersonFilterForm, **context: object
) -> HttpResponse:
    return render(
        request,
        template,
        {
            "form": form,
            "base_query": query_without_cursor(request),
            "offence_types": OFFENCE_TYPES,
            **context,
        },
    )


@require_GET
@role_required(*REGISTRY_ROLES)
def key_persons_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = _form(KeyPersonFilterForm, request)
    page = NOTHING_FOUND["page"]
    if form.is_valid():
        page = lists.rank_key_persons(
            request.user,
            form.filters(),
            after=request.GET.get("after", ""),
            before=request.GET.get("before", ""),
        )
    return _render(request, "analysis/key_persons.html", form, page=page)


@require_GET
@role_required(*REGISTRY_ROLES)
def co_offenders_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = _form(CoOffenderFilterForm, request)
    found = NOTHING_FOUND["found"]
    if form.is_valid():
        found = lists.find_co_offenders(
            request.user,
            form.filters(),
            after=request.GET.get("after", ""),
            before=request.GET.get("before", ""),
        )
    return _render(request, "analysis/co_offenders.html", form, found=found, page=found)


def _export(
    request: AuthenticatedHttpRequest,
    form_class: type[KeyPersonFilterForm],
    person_list: services.PersonList,
    filename: str,
    write: Callable[[User, lists.ListFilters, str, IO[bytes]], int],
    refused_template: str,
) -> HttpResponse | FileResponse:
    """Check the role and the filters, stream the ledger from a temporary file, audit it."""
    user = request.user
    if not user_has_any_role(user, REGISTRY_ROLES):
        raise PermissionDenied("您没有导出研判名单的权限")
    form = _form(form_class, request)
    if not form.is_valid():
        # Nothing exported: the list again with the messages beside the filters.
        return _render(request, refused_template, form, **NOTHING_FOUND)
    filters = form.filters()

    def write_and_audit(output: IO[bytes]) -> None:
        rows = write(user, filters, describe_filters(form), output)
        services.record_list_export(
            actor=user,
            person_list=person_list,
            rows=rows,
            filters=filters.as_details(),
            ip_address=client_ip(request),
        )

    return streamed_download(write_and_audit, filename=stamped_name(filename))


# login_required, not role_required: the responses stream a file rather than an HttpResponse.
@require_GET
@login_required
def key_persons_export_view(request: AuthenticatedHttpRequest) -> HttpResponse | FileResponse:
    return _export(
        request,
        KeyPersonFilterForm,
        services.PersonList.KEY_PERSONS,
        "重点人员",
        export_key_persons,
        "analysis/key_persons.html",
    )


@require_GET
@login_required
def co_offenders_export_view(request: AuthenticatedHttpRequest) -> HttpResponse | FileResponse:
    return _export(
        request,
        CoOffenderFilterForm,
        services.PersonList.CO_OFFENDERS,
        "同案人员",
        export_co_offenders,
        "analysis/co_offenders.html",
    )
