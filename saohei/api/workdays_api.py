"""/api/v1/workdays — the working-day calendar every deadline is counted on, as the page
`/workdays/` shows it (decision 0066): one month's days and the year's hand-set overrides.

The calendar has no unit scope: every signed-in account reads it, as on the page. Its overrides
are added and removed through the page's services, which allow the page's editors only
(`access.CALENDAR_EDITOR_ROLES`: the office's clerks and the system administrator).
"""

import datetime
import re
from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from saohei.api.schemas import ErrorResponse
from saohei.common.dates import PeriodDay
from saohei.common.errors import ServiceError
from saohei.common.http import client_ip
from saohei.organisations.models import User
from saohei.workdays import queries, services
from saohei.workdays.access import can_change_calendar
from saohei.workdays.calendar import WorkingCalendar, package_knows_year
from saohei.workdays.models import CalendarOverride

router = Router(tags=["工作日历"])

ERRORS = {400: ErrorResponse, 401: ErrorResponse, 422: ErrorResponse}
CHANGE_ERRORS = {**ERRORS, 403: ErrorResponse, 404: ErrorResponse}
MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


class WorkdayOut(Schema):
    day: datetime.date
    is_working_day: bool
    kind: Literal["workday", "rest_day", "holiday", "makeup_workday"]
    kind_label: str
    name: str = Field(description="节假日名称或调整原因；普通日子为空")
    is_override: bool = Field(description="扫黑办手工调整的日子")
    is_estimated: bool = Field(description="该年节假日未录入，按周一至周五推算")


class WorkdayOverrideOut(Schema):
    id: int
    day: datetime.date
    is_working_day: bool
    reason: str
    created_by: str
    created_at: datetime.datetime


class WorkdayMonthOut(Schema):
    month: str = Field(description="YYYY-MM")
    days: list[WorkdayOut] = Field(description="覆盖该月的整周（周一起），含前后月的日子")
    warning: str = Field(description="该年节假日未录入时的提示；否则为空")
    package_knows_year: bool
    overrides: list[WorkdayOverrideOut] = Field(description="该年手工调整的日子")
    can_change: bool = Field(description="本账号能否调整日历（在页面上办理）")


class WorkdayMonthQuery(Schema):
    month: str = Field("", max_length=7, description="YYYY-MM；空为本月")


def _first_of(month: str) -> datetime.date:
    """The page's `_parse_month`: the same refusals, as a 400 naming `month`."""
    if not month.strip():
        return timezone.localdate().replace(day=1)
    match = MONTH.match(month.strip())
    if match is None:
        raise ServiceError("月份格式不正确，请按“2027-02”的格式输入。", field="month")
    year, number = int(match.group(1)), int(match.group(2))
    if not 1 <= number <= 12:
        raise ServiceError("月份应在1至12之间。", field="month")
    first = datetime.date(year, number, 1)
    if not services.EARLIEST_DAY <= first <= services.LATEST_DAY:
        raise ServiceError("只能查看2000年至2099年的日历。", field="month")
    return first


def _override_out(override: CalendarOverride) -> WorkdayOverrideOut:
    return WorkdayOverrideOut(
        id=override.pk,
        day=override.day,
        is_working_day=override.is_working_day,
        reason=override.reason,
        created_by=override.created_by.real_name or override.created_by.username,
        created_at=override.created_at,
    )


@router.get("", response={200: WorkdayMonthOut, **ERRORS}, summary="工作日历（一个月）")
def get_month(request: HttpRequest, query: Query[WorkdayMonthQuery]) -> WorkdayMonthOut:
    user: User = request.auth  # type: ignore[attr-defined]
    first = _first_of(query.month)
    calendar = WorkingCalendar()
    return WorkdayMonthOut(
        month=f"{first:%Y-%m}",
        days=[
            WorkdayOut(
                day=day.day,
                is_working_day=day.is_working_day,
                kind=day.kind,  # type: ignore[arg-type]
                kind_label=day.kind.label,
                name=day.name,
                is_override=day.is_override,
                is_estimated=day.is_estimated,
            )
            for week in calendar.month_weeks(first.year, first.month)
            for day in week
        ],
        warning=calendar.deadline_warning(first),
        package_knows_year=package_knows_year(first.year),
        overrides=[_override_out(override) for override in queries.list_overrides(year=first.year)],
        can_change=can_change_calendar(user),
    )


class WorkdayOverrideIn(Schema):
    day: PeriodDay = Field(description="2000年至2099年的一天；每天至多一条调整")
    is_working_day: bool = Field(description="true 调为上班，false 调为放假")
    reason: str = Field(min_length=1, max_length=services.REASON_MAX_LENGTH)


@router.post("/overrides", response={201: WorkdayOverrideOut, **CHANGE_ERRORS}, summary="调整一天")
def add_override(request: HttpRequest, payload: WorkdayOverrideIn) -> Status[WorkdayOverrideOut]:
    """The page's 调整: the same service and refusals (a day already adjusted, a day the
    State Council's schedule already makes so), audited."""
    override = services.add_override(
        actor=request.auth,  # type: ignore[attr-defined]
        day=payload.day,
        is_working_day=payload.is_working_day,
        reason=payload.reason,
        ip_address=client_ip(request),
    )
    return Status(201, _override_out(override))


@router.post(
    "/overrides/{int:override_id}/remove",
    response={200: WorkdayOverrideOut, **CHANGE_ERRORS},
    summary="删除一天的调整",
)
def remove_override(request: HttpRequest, override_id: int) -> WorkdayOverrideOut:
    """The page's 删除: the day falls back to the State Council's schedule or the weekday
    rule; answers the override removed."""
    override = queries.get_override(override_id)
    removed = _override_out(override)
    services.remove_override(
        actor=request.auth,  # type: ignore[attr-defined]
        override=override,
        ip_address=client_ip(request),
    )
    return removed
