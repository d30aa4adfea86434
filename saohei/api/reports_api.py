"""/api/v1/reports — 台账中心's ledgers and the 统计月报/季报, as the /reports/ pages hand them out
(issue 15, decision 0068 addendum).

Everything goes through `reports.downloads`, shared with the pages: the same filter and period
forms (a value they refuse is a 400 naming it), the same roles (403), the same rows of what the
account may read, every export audited. The 台账中心 page itself only lists these files.
"""

from typing import IO, Annotated, Any, Literal

from django.http import FileResponse, HttpRequest
from ninja import Field, Query, Router, Schema

from saohei.api.downloads import binary_200
from saohei.api.leads_api import TallyOut, tally_out
from saohei.api.publicity_api import KindTotalOut, kind_total_out
from saohei.api.schemas import ErrorResponse, OneOfChoices
from saohei.common.dates import PeriodDay, ShownDay, ShownMoment
from saohei.common.errors import ServiceError
from saohei.common.http import XLSX_TYPE, client_ip, stamped_name, streamed_download
from saohei.meetings.models import MeetingKind
from saohei.organisations.models import User
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
from saohei.reports.services import Ledger
from saohei.reports.statistics import Period, TownReport, get_period_report

router = Router(tags=["台账与统计报表"])

ERRORS = {
    400: ErrorResponse,
    401: ErrorResponse,
    403: ErrorResponse,
    404: ErrorResponse,
    422: ErrorResponse,
}


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,no-any-return]


class LedgerQuery(Schema):
    """台账中心's filters, checked by its form (a village outside the account's scope: 400)."""

    date_from: PeriodDay | None = None
    date_to: PeriodDay | None = None
    village_id: int | None = Field(None, description="村（社区）；谈心谈话与档案检查台账适用")
    kind: Annotated[str, OneOfChoices(MeetingKind, also=("",))] = Field(
        "", description="会议类型；会议记录台账适用"
    )


# The API's filter names and the page form's fields they fill.
_FORM_FIELDS = {
    "date_from": "date_from",
    "date_to": "date_to",
    "village_id": "village",
    "kind": "kind",
}


def _ledger(request: HttpRequest, ledger: Ledger, filters: LedgerQuery) -> FileResponse:
    user = _user(request)
    require_ledger_exporter(user, ledger)
    data: dict[str, Any] = {
        field: str(value)
        for name, field in _FORM_FIELDS.items()
        if (value := getattr(filters, name)) not in ("", None)
    }
    form, chosen = ledger_filter_form(user, data)
    if chosen is None:
        field, errors = next(iter(form.errors.items()))
        names = {form_field: name for name, form_field in _FORM_FIELDS.items()}
        raise ServiceError(f"筛选条件有误：{errors[0]}", field=names.get(field, field))
    ip_address = client_ip(request)

    def write(output: IO[bytes]) -> None:
        write_ledger_export(
            output, ledger=ledger, actor=user, form=form, filters=chosen, ip_address=ip_address
        )

    return streamed_download(write, filename=stamped_name(LEDGER_FILES[ledger][1]))


@router.get(
    "/talks.xlsx",
    response=ERRORS,
    summary="导出谈心谈话记录",
    openapi_extra=binary_200(XLSX_TYPE, "谈心谈话记录（.xlsx），与台账中心导出的相同"),
)
def talks_ledger(request: HttpRequest, filters: Query[LedgerQuery]) -> FileResponse:
    return _ledger(request, Ledger.TALKS, filters)


@router.get(
    "/meetings.xlsx",
    response=ERRORS,
    summary="导出研判会议记录",
    openapi_extra=binary_200(XLSX_TYPE, "研判会议记录（.xlsx），与台账中心导出的相同"),
)
def meetings_ledger(request: HttpRequest, filters: Query[LedgerQuery]) -> FileResponse:
    return _ledger(request, Ledger.MEETINGS, filters)


@router.get(
    "/inspections.xlsx",
    response=ERRORS,
    summary="导出村级档案检查台账",
    openapi_extra=binary_200(XLSX_TYPE, "村级档案检查台账（.xlsx），与台账中心导出的相同"),
)
def inspections_ledger(request: HttpRequest, filters: Query[LedgerQuery]) -> FileResponse:
    return _ledger(request, Ledger.INSPECTIONS, filters)


class PeriodQuery(Schema):
    """月报 or 季报 and which; without any, last month (the page's default)."""

    period_kind: Literal["month", "quarter"] | None = Field(
        None, description="month 月报，quarter 季报"
    )
    year: int | None = None
    month: int | None = Field(None, description="月报的月份 1–12")
    quarter: int | None = Field(None, description="季报的季度 1–4")


class RectificationTallyOut(Schema):
    label: str
    opened: int
    closed: int
    total: int
    closed_total: int
    overdue: int
    open: int
    completion_rate: str


class TownReportOut(Schema):
    label: str
    leads: TallyOut
    leads_by_source: list[TallyOut]
    rectifications: RectificationTallyOut
    publicity: list[KindTotalOut]


class PeriodReportOut(Schema):
    period_kind: str
    year: int
    number: int = Field(description="月份或季度")
    label: str
    date_from: ShownDay
    date_to: ShownDay
    as_of: ShownDay
    generated_at: ShownMoment
    rows: list[TownReportOut] = Field(description="各镇（街道），多个时末行为合计")


def _town(row: TownReport) -> TownReportOut:
    tally = row.rectifications
    return TownReportOut(
        label=row.label,
        leads=tally_out(row.leads),
        leads_by_source=[tally_out(source) for source in row.leads_by_source],
        rectifications=RectificationTallyOut(
            label=tally.label,
            opened=tally.opened,
            closed=tally.closed,
            total=tally.total,
            closed_total=tally.closed_total,
            overdue=tally.overdue,
            open=tally.open,
            completion_rate=tally.completion_rate,
        ),
        publicity=[kind_total_out(total) for total in row.publicity],
    )


def _period(query: PeriodQuery) -> Period:
    data = {name: value for name, value in query.dict().items() if value is not None}
    form, period = period_form(data)
    if period is None:
        field, errors = next(iter(form.errors.items()))
        raise ServiceError(str(errors[0]), field=field)
    return period


@router.get("/statistics", response={200: PeriodReportOut, **ERRORS}, summary="统计月报/季报")
def statistics(request: HttpRequest, query: Query[PeriodQuery]) -> PeriodReportOut:
    """The statistics page's report of the account's towns (leads, rectifications, publicity);
    the open leads counted are those its own list shows."""
    user = _user(request)
    require_statistics_reader(user)
    towns = statistics_towns_or_refuse(user)
    period = _period(query)
    report = get_period_report(user=user, towns=towns, period=period)
    return PeriodReportOut(
        period_kind=period.kind,
        year=period.year,
        number=period.number,
        label=period.label,
        date_from=period.date_from,
        date_to=period.date_to,
        as_of=report.as_of,
        generated_at=report.generated_at,
        rows=[_town(row) for row in report.rows],
    )


@router.get(
    "/statistics/export.xlsx",
    response=ERRORS,
    summary="导出统计月报/季报",
    openapi_extra=binary_200(XLSX_TYPE, "统计月报或季报（.xlsx），与统计报表页导出的相同"),
)
def statistics_export(request: HttpRequest, query: Query[PeriodQuery]) -> FileResponse:
    user = _user(request)
    require_statistics_reader(user)
    towns = statistics_towns_or_refuse(user)
    period = _period(query)
    report = get_period_report(user=user, towns=towns, period=period)
    ip_address = client_ip(request)

    def write(output: IO[bytes]) -> None:
        write_statistics_export(
            output, actor=user, report=report, towns=towns, ip_address=ip_address
        )

    return streamed_download(write, filename=statistics_file_name(period))
