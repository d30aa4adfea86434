from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from saohei.audit import queries
from saohei.audit.exports import events_to_xlsx
from saohei.audit.forms import AuditFilterForm
from saohei.audit.models import AuditEventQuerySet
from saohei.audit.services import record_audit_export
from saohei.common.access import role_required
from saohei.common.forms import describe_filters
from saohei.common.http import client_ip
from saohei.common.roles import Role

EXPORT_LIMIT = 100_000


def _filtered(request: HttpRequest) -> tuple[AuditFilterForm, AuditEventQuerySet]:
    form = AuditFilterForm(request.GET or None)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        return form, queries.search_events(
            date_from=data["date_from"],
            date_to=data["date_to"],
            actor=data["actor"],
            action=data["action"],
            result=data["result"],
            text=data["text"],
        )
    if form.is_bound:
        return form, queries.search_events().none()
    return form, queries.search_events()


@role_required(Role.AUDIT_ADMIN)
def event_list_view(request: HttpRequest) -> HttpResponse:
    form, events = _filtered(request)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = urlencode([(k, v) for k, v in request.GET.items() if k != "page"])
    return render(
        request,
        "audit/event_list.html",
        {"form": form, "page": page, "query_string": query},
    )


@role_required(Role.AUDIT_ADMIN)
def chain_view(request: HttpRequest) -> HttpResponse:
    report = queries.check_integrity()
    return render(request, "audit/chain.html", {"report": report, "checked_at": timezone.now()})


@role_required(Role.AUDIT_ADMIN)
def event_export_view(request: HttpRequest) -> HttpResponse:
    form, events = _filtered(request)
    if form.is_bound and not form.is_valid():
        return render(request, "audit/event_list.html", {"form": form, "page": None}, status=400)
    user = request.user
    checkpoint = record_audit_export(
        actor=user,
        ip_address=client_ip(request),
        filters={k: str(v) for k, v in (form.cleaned_data if form.is_bound else {}).items() if v},
    )
    content = events_to_xlsx(
        events[:EXPORT_LIMIT],
        exported_by=str(user),
        filters=describe_filters(form),
        checkpoint=checkpoint,
    )
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    filename = f"audit-{timezone.localtime():%Y%m%d-%H%M}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
