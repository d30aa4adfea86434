"""What the 台账中心 and 统计报表 pages and /api/v1/reports share: the ledger filter form, who may
export each ledger, each ledger's rows written with its audit event, and the period report's
towns, period and export."""

from collections.abc import Callable, Mapping
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from saohei.common.access import user_has_any_role
from saohei.common.forms import describe_filters
from saohei.organisations.access import content_units
from saohei.organisations.models import Unit, User
from saohei.reports import access, exports, services
from saohei.reports.catalogue import LedgerFilters
from saohei.reports.forms import LedgerFilterForm, PeriodForm
from saohei.reports.services import Ledger
from saohei.reports.statistics import Period, PeriodKind, PeriodReport, period_containing


def ledger_filter_form(
    user: User, data: Mapping[str, Any] | None
) -> tuple[LedgerFilterForm, LedgerFilters | None]:
    """The 台账中心 filters over `data`; None when they are not valid."""
    villages = content_units(user).villages().order_by("path")
    form = LedgerFilterForm(data or None, villages=villages)
    if not form.is_bound:
        return form, LedgerFilters()
    if not form.is_valid():
        return form, None
    cleaned = form.cleaned_data
    return form, LedgerFilters(
        date_from=cleaned["date_from"],
        date_to=cleaned["date_to"],
        village=cleaned["village"],
        kind=cleaned["kind"],
    )


def require_ledger_exporter(user: User, ledger: Ledger) -> None:
    """The ledger's roles; 会议记录 also needs a town the account may export meetings of."""
    if (
        ledger == Ledger.MEETINGS
        and user_has_any_role(user, access.MEETING_ROLES)
        and not access.may_export_meetings(user)
    ):
        raise PermissionDenied("您的授权范围内没有可导出会议记录的镇（街道）")
    if not user_has_any_role(user, ledger.roles):
        raise PermissionDenied("您没有导出该台账的权限")


def _talks(user: User, filters: LedgerFilters, described: str, output: IO[bytes]) -> int:
    talks = exports.talk_rows(
        user, date_from=filters.date_from, date_to=filters.date_to, village=filters.village
    )
    return exports.write_talks(talks, output, exported_by=str(user), filters=described)


def _meetings(user: User, filters: LedgerFilters, described: str, output: IO[bytes]) -> int:
    meetings = exports.meeting_rows(
        user, date_from=filters.date_from, date_to=filters.date_to, kind=filters.kind
    )
    return exports.write_meetings(meetings, output, exported_by=str(user), filters=described)


def _inspections(user: User, filters: LedgerFilters, described: str, output: IO[bytes]) -> int:
    rounds = exports.inspection_rounds(user, date_from=filters.date_from, date_to=filters.date_to)
    rows = exports.finding_rows(user, rounds, village=filters.village)
    return exports.write_findings(rows, output, exported_by=str(user), filters=described)


# Each ledger: how its rows are written, and the file's name.
LEDGER_FILES: dict[Ledger, tuple[Callable[[User, LedgerFilters, str, IO[bytes]], int], str]] = {
    Ledger.TALKS: (_talks, "谈心谈话记录"),
    Ledger.MEETINGS: (_meetings, "研判会议记录"),
    Ledger.INSPECTIONS: (_inspections, "村级档案检查台账"),
}


def write_ledger_export(
    output: IO[bytes],
    *,
    ledger: Ledger,
    actor: User,
    form: LedgerFilterForm,
    filters: LedgerFilters,
    ip_address: str | None,
) -> None:
    """The ledger of what the account reads with these filters; every export audited."""
    write, _ = LEDGER_FILES[ledger]
    rows = write(actor, filters, describe_filters(form), output)
    services.record_ledger_export(
        actor=actor, ledger=ledger, rows=rows, filters=filters.as_details(), ip_address=ip_address
    )


def statistics_towns_or_refuse(user: User) -> list[Unit]:
    towns = access.statistics_towns(user)
    if not towns:
        raise PermissionDenied("您的授权范围内没有镇（街道），无法生成统计报表")
    return towns


def require_statistics_reader(user: User) -> None:
    if not user_has_any_role(user, access.STATISTICS_ROLES):
        raise PermissionDenied("您没有导出统计报表的权限")


def period_form(data: Mapping[str, Any] | None) -> tuple[PeriodForm, Period | None]:
    """月报 or 季报 chosen in `data`; by default last month (a monthly report is sent up once
    the month is over). None when the choice is not valid."""
    today = timezone.localdate()
    default = period_containing(PeriodKind.MONTH, today).previous()
    form = PeriodForm(
        data or None,
        today=today,
        initial={"period_kind": default.kind, "year": default.year, "month": default.number},
    )
    if not form.is_bound:
        return form, default
    if not form.is_valid():
        return form, None
    return form, form.cleaned_data["period"]


def write_statistics_export(
    output: IO[bytes],
    *,
    actor: User,
    report: PeriodReport,
    towns: list[Unit],
    ip_address: str | None,
) -> None:
    exports.write_statistics(report, output, exported_by=str(actor))
    services.record_statistics_export(
        actor=actor, period=report.period, towns=towns, ip_address=ip_address
    )


def statistics_file_name(period: Period) -> str:
    return f"扫黑除恶{period.report_name}-{period.slug}.xlsx"
