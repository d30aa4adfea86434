from datetime import date
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from saohei.common.access import role_required
from saohei.common.errors import ServiceError
from saohei.common.forms import StyledForm
from saohei.common.views import submit_action_form
from saohei.organisations.http import AuthenticatedHttpRequest
from saohei.organisations.queries import OFFICE_ROLES
from saohei.village_reports import access, queries, services
from saohei.village_reports.forms import DueDayForm, ReportForm
from saohei.village_reports.models import ZERO_REPORT_TEXT

# A village head's page lists this many months, the current one first.
HEAD_MONTHS = 6


def _chosen_month(request: AuthenticatedHttpRequest, today: date) -> date:
    """The `?month=YYYY-MM` asked for, else last month: the one whose reports are due now."""
    asked = queries.parse_month(request.GET.get("month"))
    if asked is not None and asked in queries.reportable_months(today):
        return asked
    return queries.previous_month(queries.first_of_month(today))


@role_required(*access.READ_ROLES)
def index_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _index_page(request)


def _index_page(
    request: AuthenticatedHttpRequest,
    *,
    refused: tuple[int, DueDayForm] | None = None,
) -> HttpResponse:
    """The page; `refused`, a town's due-day form that was refused, shown bound with its error
    beside the field (400) in place of that town's blank one."""
    user = request.user
    today = timezone.localdate()
    months = queries.months_back(today, HEAD_MONTHS)
    heads = [
        {
            "village": village,
            "due_day": (due_day := queries.due_day_of(village.parent)),
            "months": [
                {
                    "month": month,
                    "due_on": queries.due_on(month, due_day=due_day),
                    "report": reports.get(month),
                }
                for month in months
            ],
        }
        for village in access.headed_villages(user)
        if village.parent is not None
        for reports in [queries.list_village_reports(village=village, months=months)]
    ]
    towns = access.office_towns(user)
    month = _chosen_month(request, today)
    offices = []
    for town in towns:
        due_day = queries.due_day_of(town)
        rows = queries.list_town_month(viewer=user, town=town, month=month)
        due_form = (
            refused[1]
            if refused is not None and refused[0] == town.pk
            else DueDayForm(initial={"due_day": due_day}, auto_id=f"id_{town.pk}_%s")
        )
        offices.append(
            {
                "town": town,
                "rows": rows,
                "missing": [row.village for row in rows if row.is_missing],
                "flagged": [row for row in rows if row.later_leads],
                "due_on": queries.due_on(month, due_day=due_day),
                "due_form": due_form,
            }
        )
    supervised = access.supervised_towns(user)
    context: dict[str, Any] = {
        "heads": heads,
        "today": today,
        "offices": offices,
        "city_counts": queries.count_by_town(towns=supervised, month=month) if supervised else [],
        "month": month,
        "month_choices": queries.reportable_months(today),
        "show_month_picker": bool(offices or supervised),
    }
    status = 400 if refused is not None else 200
    return render(request, "village_reports/index.html", context, status=status)


@role_required(*access.SUBMIT_ROLES)
def submit_view(request: AuthenticatedHttpRequest, village_id: int) -> HttpResponse:
    user = request.user
    village = access.get_headed_village(user, village_id)
    today = timezone.localdate()
    months = queries.reportable_months(today)
    assert village.parent is not None
    default_month = queries.month_in_progress(today, due_day=queries.due_day_of(village.parent))
    posted_month = (
        request.POST.get("month") if request.method == "POST" else request.GET.get("month")
    )
    month = queries.parse_month((posted_month or "")[:7]) or default_month
    if month not in months:
        month = default_month
    leads = queries.linkable_leads(user=user, village=village, month=month)
    existing = queries.list_village_reports(village=village, months=[month]).get(month)

    def page(form: StyledForm) -> HttpResponse:
        return render(
            request,
            "village_reports/submit.html",
            {
                "form": form,
                "village": village,
                "month": month,
                "existing": existing,
                "zero_text": ZERO_REPORT_TEXT,
                "due_on": queries.due_on(
                    month,
                    due_day=queries.due_day_of(village.parent),  # type: ignore[arg-type]
                ),
            },
        )

    form = ReportForm(
        request.POST or None,
        initial={"month": month.isoformat()},
        months=months,
        leads=leads,
    )
    if request.method != "POST":
        return page(form)

    def perform(cleaned: dict[str, Any]) -> HttpResponse:
        report = services.submit_village_report(
            actor=user,
            village=village,
            data=services.ReportInput(
                month=cleaned["month"],
                kind=cleaned["kind"],
                lead_ids=tuple(lead.pk for lead in cleaned["leads"]),
                note=cleaned["note"],
                zero_confirmed=cleaned["zero_confirmed"],
            ),
        )
        messages.success(
            request, f"{village.name}{report.month:%Y年%m月}的{report.get_kind_display()}已报送。"
        )
        return redirect("village_reports:index")

    return submit_action_form(request, form, perform=perform, render_page=page)


@require_POST
@role_required(*OFFICE_ROLES)
def due_day_view(request: AuthenticatedHttpRequest, unit_id: int) -> HttpResponse:
    user = request.user
    town = access.get_office_town(user, unit_id)
    form = DueDayForm(request.POST, auto_id=f"id_{town.pk}_%s")
    if form.is_valid():
        try:
            services.set_due_day(actor=user, town=town, due_day=form.cleaned_data["due_day"])
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(
                request, f"{town.name}村月报截止日已设为次月{form.cleaned_data['due_day']}日。"
            )
            return redirect(reverse("village_reports:index"))
    # Refused: the page again, with what was typed and the reason beside the field.
    return _index_page(request, refused=(town.pk, form))
