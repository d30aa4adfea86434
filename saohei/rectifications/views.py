from collections.abc import Callable
from typing import IO, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from saohei.common.access import role_required, user_has_any_role
from saohei.common.errors import ServiceError
from saohei.common.forms import StyledForm
from saohei.common.http import client_ip, stamped_name, stored_file_download, streamed_download
from saohei.common.paging import query_without_cursor
from saohei.common.roles import Role
from saohei.common.thumbnails import thumbnail_response, wants_thumbnail
from saohei.common.uploads import check_uploads
from saohei.common.views import place_bound_form, submit_action_form
from saohei.organisations.http import AuthenticatedHttpRequest
from saohei.organisations.models import Unit, User
from saohei.organisations.queries import is_office_member
from saohei.rectifications import access, queries, services
from saohei.rectifications.downloads import (
    READ_ROLES,
    item_filter_form,
    require_ledger_reader,
    write_item_ledger,
)
from saohei.rectifications.forms import (
    ClosureRequestForm,
    FilterForm,
    ItemForm,
    MeasuresForm,
    ProgressForm,
    RecheckForm,
    VerifyForm,
)
from saohei.rectifications.models import RectificationItem, Status


def _filters(request: HttpRequest, user: User) -> tuple[FilterForm, queries.ItemFilters | None]:
    return item_filter_form(user, request.GET)


@role_required(*READ_ROLES)
def item_list_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    form, filters = _filters(request, user)
    items = (
        queries.filter_items(user, filters)
        if filters is not None
        else RectificationItem.objects.none()
    )
    page = queries.page_of_items(
        items, after=request.GET.get("after", ""), before=request.GET.get("before", "")
    )
    today = timezone.localdate()
    threshold = queries.amber_threshold(today)
    rows = [(item, queries.due_state(item, today=today, threshold=threshold)) for item in page.rows]
    return render(
        request,
        "rectifications/item_list.html",
        {
            "form": form,
            "rows": rows,
            "page": page,
            "count": queries.capped_count(items),
            "base_query": query_without_cursor(request),
            "can_open": bool(access.openable_towns(user)),
        },
    )


@role_required(*READ_ROLES)
def summary_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """对照清单: completion and overdue per village, responsible person or source."""
    user = request.user
    by = request.GET.get("by", "village")
    if by not in queries.GROUPINGS:
        by = "village"
    rows = queries.summarize(user, by=by)
    filter_name = {"village": "village", "person": "person", "source": "source"}[by]
    return render(
        request,
        "rectifications/summary.html",
        {
            "rows": rows,
            "by": by,
            "heading": queries.GROUPINGS[by][2],
            "filter_name": filter_name,
            "groupings": [(key, label) for key, (_, _, label) in queries.GROUPINGS.items()],
            "totals": {
                "total": sum(row.total for row in rows),
                "closed": sum(row.closed for row in rows),
                "overdue": sum(row.overdue for row in rows),
            },
        },
    )


@role_required(Role.LEADER, Role.DEPUTY_LEADER, Role.OFFICE_STAFF)
def item_create_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    towns = access.openable_towns(user)
    if not towns:
        raise PermissionDenied("您不能登记整改事项")
    town: Unit = towns[0]
    form = ItemForm(request.POST or None, town=town)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            item = services.open_item(
                actor=user,
                unit=town,
                source=services.ItemSource(
                    kind=data["source_kind"], label=data["source_label"], url=""
                ),
                data=services.ItemInput(
                    village=data["village"],
                    description=data["description"],
                    measures=data["measures"],
                    responsible_leader=data["responsible_leader"],
                    responsible_unit=data["responsible_unit"],
                    responsible_person=data["responsible_person"],
                    due_on=data["due_on"],
                    working_days=data["working_days"],
                ),
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, "整改事项已列入台账。")
            return redirect("rectifications:detail", item_id=item.pk)
    return render(request, "rectifications/item_form.html", {"form": form, "town": town})


@role_required(*READ_ROLES)
def item_detail_view(request: AuthenticatedHttpRequest, item_id: int) -> HttpResponse:
    user = request.user
    return _item_page(request, user, access.get_item_for_user(user, item_id))


def _item_page(
    request: HttpRequest,
    user: User,
    item: RectificationItem,
    *,
    bound_form: tuple[str, StyledForm] | None = None,
) -> HttpResponse:
    """The item with the forms this user may submit; `bound_form` is the one just refused, as
    (context name, form), shown with what was typed and its errors."""
    today = timezone.localdate()
    can_update = access.can_update(user, item)
    can_verify = access.can_verify(user, item)
    context: dict[str, Any] = {
        "item": item,
        "due_state": queries.due_state(item, today=today, threshold=queries.amber_threshold(today)),
        "progress_updates": item.progress_updates.select_related("author").prefetch_related(
            "evidence"
        ),
        "events": item.events.select_related("actor"),
        "can_update": can_update and item.status == Status.OPEN,
        "can_verify": can_verify and item.status == Status.REQUESTED,
        "can_recheck": can_verify and item.status == Status.CLOSED,
        "Status": Status,
        # The digest is for the office that verifies evidence, not for the village (0022).
        "shows_digests": is_office_member(user, item.unit),
    }
    if context["can_update"] and is_office_member(user, item.unit):
        context["measures_form"] = MeasuresForm(
            initial={"measures": item.measures, "version": item.version}
        )
    if context["can_update"]:
        context.update(
            progress_form=ProgressForm(initial={"occurred_on": today}),
            closure_form=ClosureRequestForm(),
        )
    if context["can_verify"]:
        context["verify_form"] = VerifyForm()
    if context["can_recheck"]:
        context["recheck_form"] = RecheckForm()
    place_bound_form(request, context, bound_form)
    return render(request, "rectifications/item_detail.html", context)


def _item_action(
    request: AuthenticatedHttpRequest,
    item_id: int,
    form_class: type[StyledForm],
    form_slot: str,
    perform: Callable[[User, RectificationItem, dict[str, Any]], str],
) -> HttpResponse:
    """POST a form to one service call; a refusal re-renders the item's page with this form
    as it was typed and the error beside its field."""
    user = request.user
    item = access.get_item_for_user(user, item_id)

    def done(data: dict[str, Any]) -> HttpResponse:
        messages.success(request, perform(user, item, data))
        return redirect("rectifications:detail", item_id=item.pk)

    return submit_action_form(
        request,
        form_class(request.POST, request.FILES or None),
        perform=done,
        render_page=lambda form: _item_page(request, user, item, bound_form=(form_slot, form)),
    )


@require_POST
@role_required(*READ_ROLES)
def progress_view(request: AuthenticatedHttpRequest, item_id: int) -> HttpResponse:
    def perform(user: User, item: RectificationItem, data: dict[str, Any]) -> str:
        services.record_progress(
            actor=user,
            item=item,
            occurred_on=data["occurred_on"],
            content=data["content"],
            evidence=check_uploads(data["evidence"], field="evidence"),
        )
        return "已填报整改进展。"

    return _item_action(request, item_id, ProgressForm, "progress_form", perform)


@require_POST
@role_required(*READ_ROLES)
def measures_view(request: AuthenticatedHttpRequest, item_id: int) -> HttpResponse:
    def perform(user: User, item: RectificationItem, data: dict[str, Any]) -> str:
        services.edit_measures(
            actor=user, item=item, measures=data["measures"], version=data["version"]
        )
        return "整改措施已修改。"

    return _item_action(request, item_id, MeasuresForm, "measures_form", perform)


@require_POST
@role_required(*READ_ROLES)
def request_closure_view(request: AuthenticatedHttpRequest, item_id: int) -> HttpResponse:
    def perform(user: User, item: RectificationItem, data: dict[str, Any]) -> str:
        services.request_closure(actor=user, item=item, note=data["note"])
        return "已申请销号，等待扫黑办审核。"

    return _item_action(request, item_id, ClosureRequestForm, "closure_form", perform)


@require_POST
@role_required(*READ_ROLES)
def verify_view(request: AuthenticatedHttpRequest, item_id: int) -> HttpResponse:
    def perform(user: User, item: RectificationItem, data: dict[str, Any]) -> str:
        accept = data["decision"] == "accept"
        services.verify_closure(actor=user, item=item, accept=accept, reason=data["reason"])
        return "审核通过，已销号。" if accept else "已退回继续整改。"

    return _item_action(request, item_id, VerifyForm, "verify_form", perform)


@require_POST
@role_required(*READ_ROLES)
def recheck_view(request: AuthenticatedHttpRequest, item_id: int) -> HttpResponse:
    def perform(user: User, item: RectificationItem, data: dict[str, Any]) -> str:
        passed = data["decision"] == "passed"
        services.recheck(
            actor=user, item=item, passed=passed, reason=data["reason"], due_on=data["due_on"]
        )
        return "已记录复查通过。" if passed else "已重新打开，继续整改。"

    return _item_action(request, item_id, RecheckForm, "recheck_form", perform)


# login_required, not role_required: the response streams a file rather than an HttpResponse.
@login_required
def evidence_download_view(
    request: AuthenticatedHttpRequest, item_id: int, evidence_id: int
) -> FileResponse:
    user = request.user
    if not user_has_any_role(user, READ_ROLES):
        raise PermissionDenied("您没有查看整改材料的权限")
    item = access.get_item_for_user(user, item_id)
    evidence = item.evidence.filter(pk=evidence_id).first()
    if evidence is None:
        raise Http404("佐证材料不存在")
    if wants_thumbnail(request):
        return thumbnail_response(evidence.file, evidence.content_type)
    evidence.item = item
    services.record_evidence_downloaded(
        actor=user, evidence=evidence, ip_address=client_ip(request)
    )
    return stored_file_download(
        evidence.file, filename=evidence.original_name, content_type=evidence.content_type
    )


@login_required
def export_view(request: AuthenticatedHttpRequest) -> FileResponse:
    """The 问题整改台账 (.xlsx) of what the list shows with the same filters; audited."""
    user = request.user
    require_ledger_reader(user)
    form, filters = _filters(request, user)
    chosen = filters or queries.ItemFilters()
    ip_address = client_ip(request)

    def write(output: IO[bytes]) -> None:
        write_item_ledger(output, actor=user, form=form, filters=chosen, ip_address=ip_address)

    return streamed_download(write, filename=stamped_name("问题整改台账"))
