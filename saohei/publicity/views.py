from typing import IO, Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
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
from saohei.common.views import ask_for_files_again, place_bound_form, submit_action_form
from saohei.organisations.http import AuthenticatedHttpRequest
from saohei.organisations.models import Unit, UnitKind, User
from saohei.organisations.queries import (
    OFFICE_ROLES,
    is_office_member,
    is_office_member_anywhere,
    list_office_towns,
)
from saohei.publicity import access, queries, services
from saohei.publicity.downloads import (
    activity_filter_form,
    require_ledger_reader,
    write_activity_ledger,
)
from saohei.publicity.forms import (
    ActivityForm,
    CorrectionForm,
    FilterForm,
    KindForm,
    StopForm,
    VoidForm,
    handlers_for,
    schedule_form,
    schedule_input,
)
from saohei.publicity.models import PlaceType, PublicityActivity, PublicityKind

READ_ROLES = tuple(access.READ_ROLES)


def _render(
    request: AuthenticatedHttpRequest, template: str, context: dict[str, Any]
) -> HttpResponse:
    """Render with `is_office`, which shows the office-only tabs."""
    context["is_office"] = is_office_member_anywhere(request.user)
    return render(request, template, context)


def _kinds() -> list[PublicityKind]:
    return list(PublicityKind.objects.all())


def _filter_form(
    request: HttpRequest, user: User, kinds: list[PublicityKind]
) -> tuple[FilterForm, queries.ActivityFilters | None]:
    """The GET filter contract; None when a value is bad (the form then carries the message)."""
    return activity_filter_form(user, request.GET, kinds)


@role_required(*READ_ROLES)
def activity_list_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    kinds = _kinds()
    form, filters = _filter_form(request, user, kinds)
    if filters is None:
        activities = PublicityActivity.objects.none()
        messages.error(request, f"筛选条件有误：{form.error_text()}")
    else:
        activities = queries.filter_activities(user, filters)
    page = queries.page_of_activities(
        activities, after=request.GET.get("after", ""), before=request.GET.get("before", "")
    )
    return _render(
        request,
        "publicity/activity_list.html",
        {
            "form": form,
            "page": page,
            "count": queries.capped_count(activities),
            "totals": [row for row in queries.kind_totals(activities) if row.activities],
            "base_query": query_without_cursor(request),
            "can_record": bool(access.recordable_villages(user) or list_office_towns(user)),
        },
    )


@role_required(*READ_ROLES)
def totals_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """截至目前 and per period, per village, per place type: one grouped query per table."""
    user = request.user
    kinds = _kinds()
    form, filters = _filter_form(request, user, kinds)
    period = request.GET.get("period", "month")
    if period not in queries.PERIODS:
        period = "month"
    if filters is None:
        messages.error(request, f"筛选条件有误：{form.error_text()}")
        activities = PublicityActivity.objects.none()
    else:
        activities = queries.filter_activities(user, filters)
    totals = queries.kind_totals(activities)
    columns = [row.kind for row in totals]
    filter_query = filters.as_query() if filters else {}
    return _render(
        request,
        "publicity/totals.html",
        {
            "form": form,
            "totals": totals,
            "period": period,
            "periods": [(key, label) for key, (_, label) in queries.PERIODS.items()],
            "tables": [
                (
                    queries.PERIODS[period][1],
                    _linked(
                        queries.totals_table(activities, kinds=columns, by=period), filter_query
                    ),
                ),
                (
                    "按村（社区）",
                    _linked(
                        queries.totals_table(activities, kinds=columns, by="village"), filter_query
                    ),
                ),
                (
                    "按地点类型",
                    _linked(
                        queries.totals_table(activities, kinds=columns, by="place_type"),
                        filter_query,
                    ),
                ),
            ],
            "filter_query": urlencode(filter_query),
        },
    )


def _linked(table: queries.TotalsTable, base: dict[str, str]) -> dict[str, Any]:
    """Each row with the list URL it drills down to (the row's filters over the page's)."""
    list_url = reverse("publicity:list")
    return {
        "kinds": table.kinds,
        "rows": [
            {"row": row, "url": f"{list_url}?{urlencode({**base, **row.query})}"}
            for row in table.rows
        ],
    }


def _town_for(user: User, villages: list[Unit]) -> Unit | None:
    towns = list_office_towns(user)
    if towns:
        return towns[0]
    if villages:
        return villages[0].parent
    return None


def _activity_input(data: dict[str, Any]) -> services.ActivityInput:
    return services.ActivityInput(
        occurred_on=data["occurred_on"],
        kind=data["kind"],
        village=data["village"],
        place_type=data["place_type"],
        place=data["place"],
        quantity=data["quantity"],
        hours=data["hours"],
        reach=data["reach"],
        handler=data["handler"],
        notes=data["notes"],
    )


@role_required(*OFFICE_ROLES, Role.VILLAGE_HEAD)
def activity_create_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    villages = access.recordable_villages(user)
    town = _town_for(user, villages)
    if town is None:
        raise PermissionDenied("您不能登记宣传活动")
    is_office = is_office_member(user, town)
    villages = [village for village in villages if village.parent_id == town.pk]
    initial: dict[str, Any] = {"occurred_on": timezone.localdate(), "handler": user.pk}
    if not is_office and villages:
        initial["village"] = villages[0].pk
        initial["place_type"] = (
            PlaceType.COMMUNITY if villages[0].kind == UnitKind.COMMUNITY else PlaceType.RURAL
        )
    form = ActivityForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        kinds=PublicityKind.objects.filter(active=True),
        villages=villages,
        allow_town_level=is_office,
        handlers=handlers_for(user, town, villages),
    )
    if request.method == "POST" and form.is_valid():
        try:
            activity = services.record_activity(
                actor=user,
                town=town,
                data=_activity_input(form.cleaned_data),
                photos=check_uploads(form.cleaned_data["photos"], field="photos"),
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, "宣传活动已登记。")
            return redirect("publicity:detail", activity_id=activity.pk)
    # A village head records for their village: the heading names it, not the town (issue 11).
    unit_name = town.name if is_office else "、".join(village.name for village in villages)
    # A refused form cannot get its files back from the browser: say so beside each.
    ask_for_files_again(request, form)
    return _render(
        request,
        "publicity/activity_form.html",
        {"form": form, "unit_name": unit_name or town.name, "editing": None},
    )


@role_required(*READ_ROLES)
def activity_detail_view(request: AuthenticatedHttpRequest, activity_id: int) -> HttpResponse:
    user = request.user
    return _activity_page(request, user, access.get_activity_for_user(user, activity_id))


def _activity_page(
    request: AuthenticatedHttpRequest,
    user: User,
    activity: PublicityActivity,
    *,
    void_form: StyledForm | None = None,
) -> HttpResponse:
    """The activity; `void_form` is a refused 作废, shown with its reason and errors."""
    can_correct = access.can_correct(user, activity) and not activity.is_voided
    context: dict[str, Any] = {
        "activity": activity,
        "photos": list(activity.photos.all()),
        "can_correct": can_correct,
        "void_form": VoidForm() if can_correct else None,
    }
    place_bound_form(request, context, ("void_form", void_form) if void_form else None)
    return _render(request, "publicity/activity_detail.html", context)


@role_required(*OFFICE_ROLES, Role.VILLAGE_HEAD)
def activity_edit_view(request: AuthenticatedHttpRequest, activity_id: int) -> HttpResponse:
    user = request.user
    activity = access.get_activity_for_user(user, activity_id)
    if not access.can_correct(user, activity) or activity.is_voided:
        raise PermissionDenied("您不能更正这条宣传活动")
    town = activity.town
    is_office = is_office_member(user, town)
    villages = [v for v in access.recordable_villages(user) if v.parent_id == town.pk]
    form = CorrectionForm(
        request.POST or None,
        request.FILES or None,
        initial={
            "occurred_on": activity.occurred_on,
            "kind": activity.kind_id,
            "village": activity.village_id,
            "place_type": activity.place_type,
            "place": activity.place,
            "quantity": activity.quantity,
            "hours": activity.hours,
            "reach": activity.reach,
            "handler": activity.handler_id,
            "notes": activity.notes,
            "version": activity.version,
        },
        kinds=PublicityKind.objects.filter(Q(active=True) | Q(pk=activity.kind_id)),
        villages=villages,
        allow_town_level=is_office,
        handlers=handlers_for(user, town, villages),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.correct_activity(
                actor=user,
                activity=activity,
                data=_activity_input(form.cleaned_data),
                photos=check_uploads(form.cleaned_data["photos"], field="photos"),
                reason=form.cleaned_data["reason"],
                version=form.cleaned_data["version"],
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, "已更正。")
            return redirect("publicity:detail", activity_id=activity.pk)
    unit_name = activity.village.name if activity.village else town.name
    # A refused form cannot get its files back from the browser: say so beside each.
    ask_for_files_again(request, form)
    return _render(
        request,
        "publicity/activity_form.html",
        {"form": form, "unit_name": unit_name, "editing": activity},
    )


@require_POST
@role_required(*OFFICE_ROLES, Role.VILLAGE_HEAD)
def activity_void_view(request: AuthenticatedHttpRequest, activity_id: int) -> HttpResponse:
    user = request.user
    activity = access.get_activity_for_user(user, activity_id)

    def perform(data: dict[str, Any]) -> HttpResponse:
        services.void_activity(actor=user, activity=activity, reason=data["reason"])
        messages.success(request, "已作废，该记录不再计入合计。")
        return redirect("publicity:detail", activity_id=activity.pk)

    return submit_action_form(
        request,
        VoidForm(request.POST),
        perform=perform,
        render_page=lambda form: _activity_page(request, user, activity, void_form=form),
    )


# login_required, not role_required: the response streams a file rather than an HttpResponse.
@login_required
def photo_view(request: AuthenticatedHttpRequest, activity_id: int, photo_id: int) -> FileResponse:
    user = request.user
    if not user_has_any_role(user, READ_ROLES):
        raise PermissionDenied("您没有查看宣传照片的权限")
    activity = access.get_activity_for_user(user, activity_id)
    photo = activity.photos.filter(pk=photo_id).first()
    if photo is None:
        raise Http404("照片不存在")
    if wants_thumbnail(request):
        return thumbnail_response(photo.file, photo.content_type)
    photo.activity = activity
    services.record_photo_downloaded(actor=user, photo=photo, ip_address=client_ip(request))
    return stored_file_download(
        photo.file, filename=photo.original_name, content_type=photo.content_type
    )


@login_required
def export_view(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """The 宣传台账 (.xlsx) of what the list shows with the same filters; audited."""
    user = request.user
    require_ledger_reader(user)
    form, filters = _filter_form(request, user, _kinds())
    if filters is None:
        # Never export more than was asked for: back to the list, which shows what was wrong.
        return redirect(f"{reverse('publicity:list')}?{request.GET.urlencode()}")
    chosen = filters
    ip_address = client_ip(request)

    def write(output: IO[bytes]) -> None:
        write_activity_ledger(output, actor=user, form=form, filters=chosen, ip_address=ip_address)

    return streamed_download(write, filename=stamped_name("宣传台账"))


# Schedules ----------------------------------------------------------------------------------


@role_required(*READ_ROLES)
def schedule_list_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    towns = list_office_towns(user)
    town = towns[0] if towns else None
    form = schedule_form(user, town, request.POST or None) if town is not None else None
    if town is None and request.method == "POST":
        raise PermissionDenied("只有扫黑办可以设置常态化宣传")
    if request.method == "POST" and form is not None and town is not None and form.is_valid():
        try:
            services.create_schedule(actor=user, town=town, data=schedule_input(form.cleaned_data))
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, "常态化宣传已设置，每天结束后自动计入台账。")
            return redirect("publicity:schedules")
    return _schedules_page(request, user, form=form)


def _schedules_page(
    request: AuthenticatedHttpRequest,
    user: User,
    *,
    form: StyledForm | None,
    refused_stop: tuple[int, StyledForm] | None = None,
) -> HttpResponse:
    """The schedules with their totals, a stop form on each running one and the new-schedule
    form; `refused_stop` is (schedule id, form) for a refused 停止, shown in its row as typed."""
    towns = list_office_towns(user)
    if form is None and towns:
        form = schedule_form(user, towns[0], None)
    rows: list[dict[str, Any]] = []
    for shown in queries.schedule_rows(user):
        schedule = shown.schedule
        row = {
            "schedule": schedule,
            "quantity": shown.quantity,
            "days": shown.days,
            "can_stop": shown.can_stop,
            "is_running": shown.is_running,
        }
        if shown.can_stop:
            row["stop_form"] = StopForm(
                auto_id=f"id_stop{schedule.pk}_%s", initial={"ends_on": timezone.localdate()}
            )
        rows.append(row)
        if refused_stop and refused_stop[0] == schedule.pk:
            place_bound_form(request, row, ("stop_form", refused_stop[1]))
            refused_stop = None
    if refused_stop:
        place_bound_form(request, {}, ("stop_form", refused_stop[1]))
    return _render(
        request,
        "publicity/schedules.html",
        {"rows": rows, "form": form, "today": timezone.localdate()},
    )


@require_POST
@role_required(*OFFICE_ROLES)
def schedule_stop_view(request: AuthenticatedHttpRequest, schedule_id: int) -> HttpResponse:
    user = request.user
    schedule = access.get_schedule_for_office(user, schedule_id)

    def perform(data: dict[str, Any]) -> HttpResponse:
        services.stop_schedule(
            actor=user, schedule=schedule, ends_on=data["ends_on"], reason=data["reason"]
        )
        messages.success(request, f"已设置停止日期 {data['ends_on']:%Y-%m-%d}。")
        return redirect("publicity:schedules")

    return submit_action_form(
        request,
        StopForm(request.POST, auto_id=f"id_stop{schedule.pk}_%s"),
        perform=perform,
        render_page=lambda form: _schedules_page(
            request, user, form=None, refused_stop=(schedule.pk, form)
        ),
    )


@require_POST
@role_required(*OFFICE_ROLES)
def accrue_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """立即累计: what the hourly job would do, for the user's towns, now."""
    user = request.user
    days = 0
    for town in list_office_towns(user):
        days += services.accrue_schedules(today=timezone.localdate(), actor=user, town=town).days
    messages.success(request, f"已累计 {days} 天的常态化宣传。" if days else "没有需要累计的天数。")
    return redirect("publicity:schedules")


# Kinds --------------------------------------------------------------------------------------


def _kind_input(data: dict[str, Any]) -> services.KindInput:
    return services.KindInput(
        name=data["name"],
        unit_label=data["unit_label"],
        hours_label=data["hours_label"],
        reach_label=data["reach_label"],
        order=data["order"],
        active=data["active"],
        counted_in_hours=data["counted_in_hours"],
    )


@role_required(*OFFICE_ROLES)
def kind_list_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    form = KindForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_kind(actor=user, kind=None, data=_kind_input(form.cleaned_data))
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, "已新增宣传形式。")
            return redirect("publicity:kinds")
    return _render(request, "publicity/kinds.html", {"kinds": _kinds(), "form": form})


@role_required(*OFFICE_ROLES)
def kind_edit_view(request: AuthenticatedHttpRequest, kind_id: int) -> HttpResponse:
    user = request.user
    kind = PublicityKind.objects.filter(pk=kind_id).first()
    if kind is None:
        raise Http404("宣传形式不存在")
    form = KindForm(
        request.POST or None,
        initial={
            "name": kind.name,
            "unit_label": kind.unit_label,
            "hours_label": kind.hours_label,
            "reach_label": kind.reach_label,
            "counted_in_hours": kind.counted_in_hours,
            "order": kind.order,
            "active": kind.active,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.save_kind(actor=user, kind=kind, data=_kind_input(form.cleaned_data))
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, "已保存。")
            return redirect("publicity:kinds")
    return _render(request, "publicity/kind_form.html", {"kind": kind, "form": form})
