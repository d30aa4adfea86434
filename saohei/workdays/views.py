import datetime
import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from saohei.common.access import role_required
from saohei.common.errors import ServiceError
from saohei.common.forms import StyledForm
from saohei.common.http import client_ip
from saohei.common.views import submit_action_form
from saohei.organisations.http import AuthenticatedHttpRequest
from saohei.workdays import queries, services
from saohei.workdays.access import CALENDAR_EDITOR_ROLES, can_change_calendar
from saohei.workdays.calendar import WorkingCalendar, package_knows_year
from saohei.workdays.forms import OverrideForm

_MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{1,2})$")
WEEKDAY_LABELS = ["一", "二", "三", "四", "五", "六", "日"]


def _parse_month(value: str) -> tuple[datetime.date | None, str]:
    """The first day of a `YYYY-MM` month, or None and a message the user can act on."""
    match = _MONTH_PATTERN.match(value.strip())
    if match is None:
        return None, "月份格式不正确，请按“2027-02”的格式输入。"
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        return None, "月份应在1至12之间。"
    first = datetime.date(year, month, 1)
    if not services.EARLIEST_DAY <= first <= services.LATEST_DAY:
        return None, "只能查看2000年至2099年的日历。"
    return first, ""


def _month_link(day: datetime.date) -> str:
    return f"{reverse('workdays:index')}?month={day:%Y-%m}"


def _render_index(
    request: HttpRequest,
    *,
    first: datetime.date,
    form: StyledForm | None,
    month_error: str = "",
) -> HttpResponse:
    calendar = WorkingCalendar()
    previous_month = (first - datetime.timedelta(days=1)).replace(day=1)
    next_month = (first + datetime.timedelta(days=32)).replace(day=1)
    context = {
        "first": first,
        "month_value": f"{first:%Y-%m}",
        "weeks": calendar.month_weeks(first.year, first.month),
        "weekday_labels": WEEKDAY_LABELS,
        "today": timezone.localdate(),
        "previous_link": _month_link(previous_month)
        if previous_month >= services.EARLIEST_DAY
        else "",
        "next_link": _month_link(next_month) if next_month <= services.LATEST_DAY else "",
        "warning": calendar.deadline_warning(first),
        "package_knows_year": package_knows_year(first.year),
        "overrides": queries.list_overrides(year=first.year),
        "can_change": can_change_calendar(request.user),
        "form": form,
        "month_error": month_error,
    }
    return render(request, "workdays/index.html", context)


@login_required
def index_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    today = timezone.localdate()
    first, month_error = today.replace(day=1), ""
    # An emptied month field means "this month", not a mistake.
    if request.GET.get("month", "").strip():
        parsed, month_error = _parse_month(request.GET["month"])
        first = parsed or first
    form = OverrideForm(initial={"day": first}) if can_change_calendar(request.user) else None
    return _render_index(request, first=first, form=form, month_error=month_error)


@require_POST
@role_required(*CALENDAR_EDITOR_ROLES)
def override_add_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    actor = request.user
    form = OverrideForm(request.POST)

    def perform(data: dict[str, Any]) -> HttpResponse:
        services.add_override(
            actor=actor,
            day=data["day"],
            is_working_day=data["is_working_day"],
            reason=data["reason"],
            ip_address=client_ip(request),
        )
        state = "上班" if data["is_working_day"] else "放假"
        messages.success(request, f"已将 {data['day']:%Y-%m-%d} 调整为{state}。")
        return redirect(_month_link(data["day"]))

    def refused(form: StyledForm) -> HttpResponse:
        # The month of the refused day stays on screen when that day could be shown.
        first = timezone.localdate().replace(day=1)
        try:
            # Read again: a refusal beside the day takes it out of cleaned_data.
            day = form.fields["day"].clean(form["day"].data)
        except ValidationError:
            day = None
        if day is not None and services.EARLIEST_DAY <= day <= services.LATEST_DAY:
            first = day.replace(day=1)
        return _render_index(request, first=first, form=form)

    return submit_action_form(request, form, perform=perform, render_page=refused)


@require_POST
@role_required(*CALENDAR_EDITOR_ROLES)
def override_remove_view(request: AuthenticatedHttpRequest, override_id: int) -> HttpResponse:
    actor = request.user
    override = queries.get_override(override_id)
    try:
        services.remove_override(actor=actor, override=override, ip_address=client_ip(request))
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"已删除 {override.day:%Y-%m-%d} 的调整。")
    return redirect(_month_link(override.day))
