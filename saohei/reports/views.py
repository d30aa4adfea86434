"""台账中心 (/reports/), the three ledgers exported here, and the 统计月报/季报."""

from typing import IO, Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from saohei.common.access import role_required
from saohei.common.http import client_ip, stamped_name, streamed_download
from saohei.organisations.http import AuthenticatedHttpRequest
from saohei.organisations.models import Unit, User
from saohei.reports import access
from saohei.reports.catalogue import LedgerFilters, ledgers_for
from saohei.reports.downloads import (
    LEDGER_FILES,
    ledger_filter_form,
    period_form,
    require_ledger_exporter,
    require_statistics_reader,
    statistics_file_name,
    statistics_towns_or_refuse,
    write_ledger_export,
    write_statistics_export,
)
from saohei.reports.forms import LedgerFilterForm, PeriodForm
from saohei.reports.services import Ledger
from saohei.reports.statistics import (
    Period,
    PeriodKind,
    get_period_report,
    period_containing,
)


def _filter_form(request: HttpRequest, user: User) -> tuple[LedgerFilterForm, LedgerFilters | None]:
    return ledger_filter_form(user, request.GET)


def _centre(
    request: HttpRequest, user: User, form: LedgerFilterForm, filters: LedgerFilters | None
) -> HttpResponse:
    return render(
        request,
        "reports/centre.html",
        {
            "form": form,
            # Invalid filters: the buttons stay, without filters, disabled until corrected.
            "ledgers": ledgers_for(user, filters or LedgerFilters()),
            "filters_valid": filters is not None,
            "may_read_statistics": user.has_any_role(access.STATISTICS_ROLES),
        },
        status=200 if filters is not None else 400,
    )


@role_required(*access.CENTRE_ROLES)
def centre_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    form, filters = _filter_form(request, user)
    return _centre(request, user, form, filters)


def _export(request: AuthenticatedHttpRequest, *, ledger: Ledger) -> HttpResponse | FileResponse:
    """Check the role, validate the filters, stream the ledger from a temporary file, audit it."""
    user = request.user
    require_ledger_exporter(user, ledger)
    form, filters = _filter_form(request, user)
    if filters is None:
        return _centre(request, user, form, filters)
    chosen = filters
    ip_address = client_ip(request)

    def write(output: IO[bytes]) -> None:
        write_ledger_export(
            output, ledger=ledger, actor=user, form=form, filters=chosen, ip_address=ip_address
        )

    return streamed_download(write, filename=stamped_name(LEDGER_FILES[ledger][1]))


# login_required, not role_required: the responses stream a file rather than an HttpResponse.
@login_required
def talks_export_view(request: AuthenticatedHttpRequest) -> HttpResponse | FileResponse:
    return _export(request, ledger=Ledger.TALKS)


@login_required
def meetings_export_view(request: AuthenticatedHttpRequest) -> HttpResponse | FileResponse:
    return _export(request, ledger=Ledger.MEETINGS)


@login_required
def inspections_export_view(request: AuthenticatedHttpRequest) -> HttpResponse | FileResponse:
    return _export(request, ledger=Ledger.INSPECTIONS)


# --- 统计月报 / 季报 --------------------------------------------------------------------------


def _towns_or_403(user: User) -> list[Unit]:
    return statistics_towns_or_refuse(user)


def _period_form(request: HttpRequest) -> tuple[PeriodForm, Period | None]:
    return period_form(request.GET)


def _period_query(period: Period) -> str:
    field = "month" if period.kind == PeriodKind.MONTH else "quarter"
    return urlencode({"period_kind": period.kind, "year": period.year, field: period.number})


def _shortcuts(today: Any) -> list[tuple[str, str]]:
    this_month = period_containing(PeriodKind.MONTH, today)
    this_quarter = period_containing(PeriodKind.QUARTER, today)
    return [
        ("上月", _period_query(this_month.previous())),
        ("本月", _period_query(this_month)),
        ("上季度", _period_query(this_quarter.previous())),
        ("本季度", _period_query(this_quarter)),
    ]


@role_required(*access.STATISTICS_ROLES)
def statistics_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    towns = _towns_or_403(user)
    form, period = _period_form(request)
    report = get_period_report(user=user, towns=towns, period=period) if period else None
    return render(
        request,
        "reports/statistics.html",
        {
            "form": form,
            "report": report,
            "export_query": _period_query(period) if period else "",
            "shortcuts": _shortcuts(timezone.localdate()),
        },
        status=200 if period else 400,
    )


@login_required
def statistics_export_view(request: AuthenticatedHttpRequest) -> HttpResponse | FileResponse:
    user = request.user
    require_statistics_reader(user)
    towns = _towns_or_403(user)
    form, period = _period_form(request)
    if period is None:
        return render(
            request,
            "reports/statistics.html",
            {"form": form, "report": None, "shortcuts": _shortcuts(timezone.localdate())},
            status=400,
        )
    report = get_period_report(user=user, towns=towns, period=period)
    ip_address = client_ip(request)

    def write(output: IO[bytes]) -> None:
        write_statistics_export(
            output, actor=user, report=report, towns=towns, ip_address=ip_address
        )

    return streamed_download(write, filename=statistics_file_name(period))
