"""Every change to the working-day calendar: adding and removing overrides."""

import datetime

from django.db import IntegrityError, transaction

from saohei.audit.models import AuditAction
from saohei.audit.services import record_event
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.organisations.models import User
from saohei.workdays.access import can_change_calendar
from saohei.workdays.calendar import WorkingCalendar, package_knows_year
from saohei.workdays.models import CalendarOverride

# Deadlines are never computed outside this range; a typo such as 0202 is refused.
EARLIEST_DAY = datetime.date(2000, 1, 1)
LATEST_DAY = datetime.date(2099, 12, 31)
REASON_MAX_LENGTH = CalendarOverride._meta.get_field("reason").max_length or 100


def _require_editor(actor: User) -> None:
    if not can_change_calendar(actor):
        raise ActionNotAllowed("只有系统管理员或扫黑办工作人员可以修改工作日历")


@transaction.atomic
def add_override(
    *,
    actor: User,
    day: datetime.date,
    is_working_day: bool,
    reason: str,
    ip_address: str | None = None,
) -> CalendarOverride:
    """Set one day to working or rest; one override per day, 2000–2099, with a reason."""
    _require_editor(actor)
    reason = reason.strip()
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise ServiceError("只能调整2000年至2099年之间的日期", field="day")
    if not reason:
        raise ServiceError("请填写调整原因，如“2027年春节”", field="reason")
    if len(reason) > REASON_MAX_LENGTH:
        raise ServiceError(f"原因不能超过{REASON_MAX_LENGTH}个字", field="reason")
    if CalendarOverride.objects.filter(day=day).exists():
        raise ServiceError(f"{day:%Y-%m-%d} 已有调整记录，如需更改请先删除原记录", field="day")
    # A no-op override would hide a later change in the package's data behind a stale entry.
    package_calendar = WorkingCalendar(overrides={})
    if package_knows_year(day.year) and package_calendar.is_working_day(day) == is_working_day:
        state = "工作日" if is_working_day else "休息日"
        raise ServiceError(f"按国务院放假安排 {day:%Y-%m-%d} 已是{state}，无需调整", field="day")
    try:
        with transaction.atomic():
            override = CalendarOverride.objects.create(
                day=day, is_working_day=is_working_day, reason=reason, created_by=actor
            )
    except IntegrityError:
        # Another editor saved the same day a moment ago.
        raise ServiceError(f"{day:%Y-%m-%d} 已有调整记录", field="day") from None
    record_event(
        action=AuditAction.CALENDAR_CHANGED,
        actor=actor,
        target=override,
        ip_address=ip_address,
        details={
            "operation": "added",
            "day": day.isoformat(),
            "is_working_day": is_working_day,
            "reason": reason,
        },
    )
    return override


@transaction.atomic
def remove_override(
    *, actor: User, override: CalendarOverride, ip_address: str | None = None
) -> None:
    """Delete one override; the day falls back to the package or the weekday rule."""
    _require_editor(actor)
    # The audit event names the row, so it is written while the row still exists.
    record_event(
        action=AuditAction.CALENDAR_CHANGED,
        actor=actor,
        target=override,
        ip_address=ip_address,
        details={
            "operation": "removed",
            "day": override.day.isoformat(),
            "is_working_day": override.is_working_day,
            "reason": override.reason,
        },
    )
    deleted, _ = CalendarOverride.objects.filter(pk=override.pk).delete()
    if not deleted:
        raise ServiceError("该日历调整已被他人删除")
