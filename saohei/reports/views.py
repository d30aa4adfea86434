"""台账中心 (/reports/), the three ledgers exported here, and the 统计月报/季报."""

from collections.abc import Callable
from typing import IO, Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from saohei.common.access import role_required, user_has_any_role
from saohei.common.forms import describe_filters
from saohei.common.http import client_ip, stamped_name, streamed_download
from saohei.organisations.access import content_units
from saohei.organisations.http import AuthenticatedHttpRequest
from saohei.organisations.models import Unit, User
from saohei.reports import access, exports, services
from saohei.reports.catalogue import LedgerFilters, ledgers_for
from saohei.reports.forms import LedgerFilterForm, PeriodForm
from saohei.reports.services import Ledger
from saohei.reports.statistics import (
    Period,
    PeriodKind,
    get_period_report,
    period_containing,
)


def _filter_form(request: HttpRequest, user: User) -> tuple[LedgerFilterForm, LedgerFilters | None]:
    villages = content_units(user).villages().order_by("path")
    form = LedgerFilterForm(request.GET or None, villages=villages)
    if not form.is_bound:
        return form, LedgerFilters()
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    return form, LedgerFilters(
        date_from=data["date_from"],
        date_to=data["date_to"],
        village=data["village"],
        kind=data["kind"],
    )


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


def _export(
    request: AuthenticatedHttpRequest,
    *,
    ledger: Ledger,
    write: Callable[[User, LedgerFilters, str, IO[bytes]], int],
    filename: str,
) -> HttpResponse | FileResponse:
    """Check the role, validate the filters, stream the ledger from a temporary file, audit it."""
    user = request.user
    if not user_has_any_role(user, ledger.roles):
        raise PermissionDenied("您没有导出该台账的权限")
    form, filters = _filter_form(request, user)
    if filters is None:
        return _centre(request, user, form, filters)

    def write_and_audit(output: IO[bytes]) -> None:
        rows = write(user, filters, describe_filters(form), output)
        services.record_ledger_export(
            actor=user,
            ledger=ledger,
            rows=rows,
            filters=filters.as_details(),
            ip_address=client_ip(request),
        )

    return streamed_download(write_and_audit, filename=stamped_name(filename))


# login_required, not role_required: the responses stream a file rather than an HttpResponse.
@login_required
def talks_export_view(request: AuthenticatedHttpRequest) -> HttpResponse | FileResponse:
    def write(user: User, filters: LedgerFilters, described: str, output: IO[bytes]) -> int:
        talks = exports.talk_rows(
            user, date_from=filters.date_from, date_to=filters.date_to, village=filters.village
        )
        return exports.write_talks(talks, output, exported_by=str(user), filters=described)

    return _export(request, ledger=Ledger.TALKS, write=write, filename="谈心谈话记录")


@login_required
def meetings_export_view(request: AuthenticatedHttpRequest) -> HttpResponse | FileResponse:
    user = request.user
    if user_has_any_role(user, access.MEETING_ROLES) and not access.may_export_meetings(user):
        raise PermissionDenied("您的授权范围内没有可导出会议记录的镇（街道）")

    def write(user: User, filters: LedgerFilters, described: str, output: IO[bytes]) -> int:
        meetings = exports.meeting_rows(
            user, date_from=filters.date_from, date_to=filters.date_to, kind=filters.kind
        )
        return exports.write_meetings(meetings, output, exported_by=str(user), filters=described)

    return _export(request, ledger=Ledger.MEETINGS, write=write, filename="研判会议记录")


@login_required
def inspections_export_view(request: AuthenticatedHttpRequest) -> HttpResponse | FileResponse:
    def write(user: User, filters: LedgerFilters, described: str, output: IO[bytes]) -> int:
        rounds = exports.inspection_rounds(
            user, date_from=filters.date_from, date_to=filters.date_to
        )
        rows = exports.finding_rows(user, rounds, village=filters.village)
        return exports.write_findings(rows, output, exported_by=str(user), filters=described)

    return _export(request, ledger=Ledger.INSPECTIONS, write=write, filename="村级档案检查台账")


# --- 统计月报 / 季报 --------------------------------------------------------------------------


def _towns_or_403(user: User) -> list[Unit]:
    towns = access.statistics_towns(user)
    if not towns:
        raise PermissionDenied("您的授权范围内没有镇（街道），无法生成统计报表")
    return towns


def _period_form(request: HttpRequest) -> tuple[PeriodForm, Period | None]:
    today = timezone.localdate()
    # By default last month: a monthly report is sent up once the month is over.
    default = period_containing(PeriodKind.MONTH, today).previous()
    form = PeriodForm(
        request.GET or None,
        today=today,
        initial={"period_kind": default.kind, "year": default.year, "month": default.number},
    )
    if not form.is_bound:
        return form, default
    if not form.is_valid():
        return form, None
    return form, form.cleaned_data["period"]


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
    if not user_has_any_role(user, access.STATISTICS_ROLES):
        raise PermissionDenied("您没有导出统计报表的权限")
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

    def write(output: IO[bytes]) -> None:
        exports.write_statistics(report, output, exported_by=str(user))
        services.record_statistics_export(
            actor=user, period=period, towns=towns, ip_address=client_ip(request)
        )

    return streamed_download(write, filename=f"扫黑除恶{period.report_name}-{period.slug}.xlsx")
