"""Every state change of the publicity ledger: one transaction each, checked, audited.

A wrong activity is corrected in place (the audit event keeps the old values) or voided with a
reason; nothing is deleted, so the totals of any past briefing can be explained.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from saohei.audit.models import AuditAction
from saohei.audit.services import record_event
from saohei.common.dates import DateKind, check_date
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.common.rows import lock_current
from saohei.common.uploads import CheckedUpload, store_upload
from saohei.common.validation import checked_text
from saohei.organisations.models import Unit, UnitKind, User
from saohei.organisations.queries import (
    is_case_worker_under,
    is_office_member,
    is_office_member_anywhere,
)
from saohei.publicity import access
from saohei.publicity.models import (
    PlaceType,
    PublicityActivity,
    PublicityKind,
    PublicityPhoto,
    PublicitySchedule,
)

TEXT_LIMIT = 2000
PLACE_LIMIT = 200
REASON_LIMIT = 200
MAX_QUANTITY = Decimal("100000000")
MAX_REACH = 100_000_000
MAX_PHOTOS = 10
# Nothing before the campaign began is a plausible publicity date; catches typed-in years.
EARLIEST_DATE = date(2018, 1, 1)
ONE_DECIMAL = Decimal("0.1")


@dataclass(frozen=True)
class ActivityInput:
    """What a person fills in for one activity (the form and the API both build this)."""

    occurred_on: date
    kind: PublicityKind
    village: Unit | None
    place_type: str
    place: str
    quantity: Decimal
    handler: User
    hours: Decimal | None = None
    reach: int | None = None
    notes: str = ""


@dataclass(frozen=True)
class ScheduleInput:
    """常态化宣传 as the office sets it: a kind counted in hours, where, how many hours a day on
    how many screens, from when (and until when)."""

    village: Unit | None
    kind: PublicityKind
    place_type: str
    place: str
    description: str
    hours_per_day: Decimal
    screens: int
    starts_on: date
    ends_on: date | None
    handler: User


@dataclass
class AccrualResult:
    schedules: int = 0
    days: int = 0
    accrued: dict[int, int] = field(default_factory=dict)


def _audit(
    action: AuditAction, actor: User | None, unit: Unit, target: Any, **details: Any
) -> None:
    record_event(action=action, actor=actor, unit=unit, target=target, details=details)


def _amount(value: Decimal | None, name: str, label: str, *, required: bool) -> Decimal | None:
    if value is None:
        if required:
            raise ServiceError(f"请填写{label}", field=name)
        return None
    if not value.is_finite() or value <= 0:
        raise ServiceError(f"{label}应大于0", field=name)
    if value >= MAX_QUANTITY:
        raise ServiceError(f"{label}过大，请核对", field=name)
    if value != value.quantize(ONE_DECIMAL):
        raise ServiceError(f"{label}最多保留一位小数", field=name)
    return value


def _check_date(value: date, name: str = "occurred_on") -> date:
    if value > timezone.localdate():
        raise ServiceError("日期不能晚于今天", field=name)
    if value < EARLIEST_DATE:
        raise ServiceError(f"日期不能早于{EARLIEST_DATE:%Y年%-m月%-d日}", field=name)
    return value


def _check_village(town: Unit, village: Unit | None) -> None:
    if town.kind != UnitKind.TOWN:
        raise ServiceError("宣传活动应登记在镇（街道）", field="village")
    if village is not None and (not village.is_village or village.parent_id != town.pk):
        raise ServiceError("村/社区须为本镇的村（社区）", field="village")


def _check_handler(town: Unit, handler: User) -> None:
    if not is_case_worker_under(handler, town):
        raise ServiceError(
            "经办人须为本镇在岗办案人员（不能是三员或举报信息保管员）", field="handler"
        )


def _check_place_type(value: str) -> str:
    if value not in PlaceType.values:
        raise ServiceError("地点类型不正确", field="place_type")
    return value


def _clean_input(town: Unit, data: ActivityInput) -> dict[str, Any]:
    """Validate everything a person typed; returns the model fields."""
    _check_village(town, data.village)
    _check_handler(town, data.handler)
    kind = data.kind
    hours = _amount(data.hours, "hours", "时长", required=False)
    if hours is not None and not kind.hours_label:
        raise ServiceError(f"“{kind.name}”不登记时长", field="hours")
    if data.reach is not None and not 0 <= data.reach < MAX_REACH:
        raise ServiceError("覆盖人数不正确", field="reach")
    return {
        "occurred_on": _check_date(data.occurred_on),
        "kind": kind,
        "village": data.village,
        "place_type": _check_place_type(data.place_type),
        "place": checked_text(data.place, field="place", label="地点", limit=PLACE_LIMIT),
        "quantity": _amount(data.quantity, "quantity", "数量", required=True),
        "hours": hours,
        "reach": data.reach,
        "handler": data.handler,
        "notes": checked_text(data.notes, field="notes", label="备注", limit=TEXT_LIMIT),
    }


def _store_photos(
    activity: PublicityActivity, actor: User, photos: Iterable[CheckedUpload]
) -> list[str]:
    photos = list(photos)
    if not photos:
        return []
    for checked in photos:
        if not checked.content_type.startswith("image/"):
            raise ServiceError(
                f"“{checked.upload.name}”不是照片，请上传 JPG、PNG、GIF 或 HEIC 图片",
                field="photos",
            )
    if activity.photos.count() + len(photos) > MAX_PHOTOS:
        raise ServiceError(f"每条宣传活动最多 {MAX_PHOTOS} 张照片", field="photos")
    digests = []
    for checked in photos:
        photo = PublicityPhoto(
            activity=activity,
            original_name=(checked.upload.name or "照片")[:200],
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
            uploaded_by=actor,
        )
        store_upload(photo.file, checked)
        photo.save()
        digests.append(checked.sha256)
    return digests


@transaction.atomic
def record_activity(
    *,
    actor: User,
    town: Unit,
    data: ActivityInput,
    photos: Iterable[CheckedUpload] = (),
) -> PublicityActivity:
    """登记: the town's office anywhere in the town, a village head for their own village."""
    if not access.can_record(actor, town, data.village):
        raise ActionNotAllowed("只有本镇扫黑办或本村负责人可以登记宣传活动")
    activity = PublicityActivity.objects.create(
        town=town, created_by=actor, **_clean_input(town, data)
    )
    digests = _store_photos(activity, actor, photos)
    _audit(
        AuditAction.PUBLICITY_RECORDED,
        actor,
        town,
        activity,
        kind=data.kind.code,
        quantity=str(activity.quantity),
        village_id=activity.village_id,
        photos=digests,
    )
    return activity


def _changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[str]]:
    def shown(value: Any) -> str:
        if isinstance(value, PublicityKind):
            return value.code
        if isinstance(value, Unit | User):
            return str(value.pk)
        if isinstance(value, Decimal):
            # 20 and 20.0 are the same quantity: compare and show them alike.
            return f"{value.normalize():f}"
        return "" if value is None else str(value)

    return {
        name: [shown(before[name]), shown(value)]
        for name, value in after.items()
        if shown(before[name]) != shown(value)
    }


@transaction.atomic
def correct_activity(
    *,
    actor: User,
    activity: PublicityActivity,
    data: ActivityInput,
    photos: Iterable[CheckedUpload] = (),
    reason: str = "",
    version: int | None = None,
) -> PublicityActivity:
    """更正: whoever may record it; the old values stay in the audit event. Refused when
    someone else corrected or voided it since `version` was opened."""
    lock_current(activity, noun="宣传活动", field="voided_at", version=version)
    if not access.can_correct(actor, activity):
        raise ActionNotAllowed("只有本镇扫黑办或本村负责人可以更正本村的宣传活动")
    if activity.is_voided:
        raise ServiceError("已作废的记录不能更正")
    if not access.can_record(actor, activity.town, data.village):
        raise ActionNotAllowed("村负责人只能登记本村的宣传活动", field="village")
    values = _clean_input(activity.town, data)
    if activity.schedule_id is not None and (
        values["occurred_on"] != activity.occurred_on or values["kind"].pk != activity.kind_id
    ):
        raise ServiceError("常态化安排自动累计的记录不能修改日期和形式")
    before = {name: getattr(activity, name) for name in values}
    changes = _changes(before, values)
    photos = list(photos)
    if not changes and not photos:
        raise ServiceError("没有需要更正的内容")
    for name, value in values.items():
        setattr(activity, name, value)
    activity.version += 1
    activity.save(update_fields=[*values, "version", "updated_at"])
    digests = _store_photos(activity, actor, photos)
    _audit(
        AuditAction.PUBLICITY_CORRECTED,
        actor,
        activity.town,
        activity,
        changes=changes,
        photos=digests,
        reason=checked_text(reason, field="reason", label="更正说明", limit=REASON_LIMIT),
    )
    return activity


@transaction.atomic
def void_activity(*, actor: User, activity: PublicityActivity, reason: str) -> PublicityActivity:
    """作废 with a reason: the row stays on record and leaves every total."""
    lock_current(activity, noun="宣传活动", field="voided_at")
    if not access.can_correct(actor, activity):
        raise ActionNotAllowed("只有本镇扫黑办或本村负责人可以作废本村的宣传活动")
    if activity.is_voided:
        raise ServiceError("该记录已作废")
    activity.void_reason = checked_text(
        reason, field="reason", label="作废原因", limit=REASON_LIMIT, required=True
    )
    activity.voided_at = timezone.now()
    activity.voided_by = actor
    activity.save(update_fields=["void_reason", "voided_at", "voided_by", "updated_at"])
    _audit(
        AuditAction.PUBLICITY_VOIDED,
        actor,
        activity.town,
        activity,
        reason=activity.void_reason,
        quantity=str(activity.quantity),
    )
    return activity


@transaction.atomic
def record_photo_downloaded(
    *, actor: User, photo: PublicityPhoto, ip_address: str | None = None
) -> None:
    """Every download of a publicity photo is audited with its digest (access is the caller's)."""
    record_event(
        action=AuditAction.ATTACHMENT_DOWNLOADED,
        actor=actor,
        unit=photo.activity.town,
        target=photo.activity,
        ip_address=ip_address,
        details={"photo_id": photo.pk, "sha256": photo.sha256},
    )


@transaction.atomic
def record_ledger_export(
    *, actor: User, rows: int, filters: dict[str, Any], ip_address: str | None = None
) -> None:
    """Every export of the 宣传台账 is audited with its row count and filters."""
    record_event(
        action=AuditAction.PUBLICITY_EXPORTED,
        actor=actor,
        ip_address=ip_address,
        details={"rows": rows, "filters": filters},
    )


# Kinds --------------------------------------------------------------------------------------


def _new_kind_code() -> str:
    taken = set(PublicityKind.objects.values_list("code", flat=True))
    number = PublicityKind.objects.count() + 1
    while f"kind{number}" in taken:
        number += 1
    return f"kind{number}"


@dataclass(frozen=True)
class KindInput:
    """A 宣传形式 as the office names it: units it is counted in, its place in lists, 启用."""

    name: str
    unit_label: str
    hours_label: str = ""
    reach_label: str = ""
    order: int = 100
    active: bool = True
    counted_in_hours: bool = False


@transaction.atomic
def save_kind(*, actor: User, kind: PublicityKind | None, data: KindInput) -> PublicityKind:
    """Add or edit a kind (name, units, order, 启用): any town's office; kinds are shared."""
    if not is_office_member_anywhere(actor):
        raise ActionNotAllowed("只有扫黑办工作人员或领导小组组长、副组长可以修改宣传形式")
    name = checked_text(data.name, field="name", label="形式名称", limit=50, required=True)
    unit_label = checked_text(
        data.unit_label, field="unit_label", label="计量单位", limit=10, required=True
    )
    hours_label = checked_text(data.hours_label, field="hours_label", label="时长单位", limit=10)
    reach_label = checked_text(data.reach_label, field="reach_label", label="覆盖口径", limit=10)
    order, active, counted_in_hours = data.order, data.active, data.counted_in_hours
    if not 0 <= order <= 10_000:
        raise ServiceError("排序应为0至10000", field="order")
    same_name = PublicityKind.objects.filter(name=name)
    if kind is not None:
        same_name = same_name.exclude(pk=kind.pk)
    if same_name.exists():
        raise ServiceError(f"已有名为“{name}”的宣传形式", field="name")
    if counted_in_hours and hours_label:
        raise ServiceError("数量已按小时计的形式不再另记时长", field="hours_label")
    if kind is None:
        kind = PublicityKind(code=_new_kind_code())
        before: dict[str, Any] = {}
    else:
        kind = PublicityKind.objects.select_for_update().get(pk=kind.pk)
        before = {
            "name": kind.name,
            "unit_label": kind.unit_label,
            "hours_label": kind.hours_label,
            "reach_label": kind.reach_label,
            "order": kind.order,
            "active": kind.active,
            "counted_in_hours": kind.counted_in_hours,
        }
    after = {
        "name": name,
        "unit_label": unit_label,
        "hours_label": hours_label,
        "reach_label": reach_label,
        "order": order,
        "active": active,
        "counted_in_hours": counted_in_hours,
    }
    for attribute, value in after.items():
        setattr(kind, attribute, value)
    kind.save()
    record_event(
        action=AuditAction.PUBLICITY_KIND_SAVED,
        actor=actor,
        unit=actor.unit,
        target=kind,
        details={
            "code": kind.code,
            "created": not before,
            "changes": {
                key: [str(before.get(key, "")), str(value)]
                for key, value in after.items()
                if before.get(key) != value
            },
        },
    )
    return kind


# Schedules ----------------------------------------------------------------------------------


def _accrued_amounts(schedule: PublicitySchedule) -> tuple[Decimal, Decimal | None]:
    """(quantity, hours) of one accrued day: hours × screens, or one 次 per screen plus hours."""
    total_hours = schedule.hours_per_day * schedule.screens
    if schedule.kind.counted_in_hours:
        return total_hours, None
    return Decimal(schedule.screens), total_hours


@transaction.atomic
def create_schedule(*, actor: User, town: Unit, data: ScheduleInput) -> PublicitySchedule:
    """常态化宣传 (e.g. LED 10 h/day on 3 screens from a date): the town's office only."""
    if not is_office_member(actor, town):
        raise ActionNotAllowed("只有本镇扫黑办工作人员或领导小组组长、副组长可以设置常态化宣传")
    _check_village(town, data.village)
    _check_handler(town, data.handler)
    if not (data.kind.counted_in_hours or data.kind.hours_label):
        raise ServiceError(
            f"“{data.kind.name}”不按时长计量，不能设置为每天自动累计（适用于 LED 屏、IP 广播等）",
            field="kind",
        )
    if not data.kind.active:
        raise ServiceError("该宣传形式已停用", field="kind")
    hours = _amount(data.hours_per_day, "hours_per_day", "每天小时数", required=True)
    assert hours is not None
    if hours > 24:
        raise ServiceError("每天小时数不能超过24", field="hours_per_day")
    if not 1 <= data.screens <= 1000:
        raise ServiceError("屏幕/终端数应为1至1000", field="screens")
    if data.starts_on < EARLIEST_DATE:
        raise ServiceError(f"开始日期不能早于{EARLIEST_DATE:%Y年%-m月%-d日}", field="starts_on")
    check_date(data.starts_on, kind=DateKind.DEADLINE, label="开始日期", field="starts_on")
    check_date(data.ends_on, kind=DateKind.DEADLINE, label="结束日期", field="ends_on")
    if data.ends_on is not None and data.ends_on < data.starts_on:
        raise ServiceError("结束日期不能早于开始日期", field="ends_on")
    schedule = PublicitySchedule.objects.create(
        town=town,
        village=data.village,
        kind=data.kind,
        place_type=_check_place_type(data.place_type),
        place=checked_text(
            data.place, field="place", label="地点", limit=PLACE_LIMIT, required=True
        ),
        description=checked_text(data.description, field="description", label="内容", limit=200),
        hours_per_day=hours,
        screens=data.screens,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        handler=data.handler,
        created_by=actor,
    )
    _audit(
        AuditAction.PUBLICITY_SCHEDULE_CREATED,
        actor,
        town,
        schedule,
        kind=data.kind.code,
        hours_per_day=str(hours),
        screens=data.screens,
        starts_on=data.starts_on.isoformat(),
        ends_on=data.ends_on.isoformat() if data.ends_on else None,
    )
    return schedule


@transaction.atomic
def stop_schedule(
    *, actor: User, schedule: PublicitySchedule, ends_on: date, reason: str = ""
) -> PublicitySchedule:
    """停止 from a date: days already accrued after it are voided, so the totals stay true."""
    schedule = (
        PublicitySchedule.objects.select_for_update().select_related("town").get(pk=schedule.pk)
    )
    if not is_office_member(actor, schedule.town):
        raise ActionNotAllowed("只有本镇扫黑办工作人员或领导小组组长、副组长可以停止常态化宣传")
    if ends_on < schedule.starts_on:
        raise ServiceError("结束日期不能早于开始日期", field="ends_on")
    if schedule.ends_on is not None and ends_on > schedule.ends_on:
        raise ServiceError("结束日期不能晚于原定结束日期", field="ends_on")
    reason = checked_text(reason, field="reason", label="停止原因", limit=REASON_LIMIT)
    voided = 0
    if schedule.accrued_through is not None and schedule.accrued_through > ends_on:
        voided = schedule.activities.filter(occurred_on__gt=ends_on, voided_at__isnull=True).update(
            voided_at=timezone.now(),
            voided_by=actor,
            void_reason=(f"常态化宣传提前停止：{reason}" if reason else "常态化宣传提前停止")[
                :REASON_LIMIT
            ],
            updated_at=timezone.now(),
        )
        schedule.accrued_through = ends_on
    schedule.ends_on = ends_on
    schedule.save(update_fields=["ends_on", "accrued_through"])
    _audit(
        AuditAction.PUBLICITY_SCHEDULE_STOPPED,
        actor,
        schedule.town,
        schedule,
        ends_on=ends_on.isoformat(),
        voided_days=voided,
        reason=reason,
    )
    return schedule


def _accrue_one(schedule_id: int, *, today: date, actor: User | None) -> int:
    """Turn the schedule's elapsed, not yet accrued days into activities; one transaction."""
    with transaction.atomic():
        schedule = (
            PublicitySchedule.objects.select_for_update()
            .select_related("kind", "town")
            .get(pk=schedule_id)
        )
        # 1. The window: from the day after the last accrued one to yesterday (a day counts once
        #    it is over) or the end date, whichever comes first.
        last_day = today - timedelta(days=1)
        if schedule.ends_on is not None:
            last_day = min(last_day, schedule.ends_on)
        first_day = schedule.starts_on
        if schedule.accrued_through is not None:
            first_day = max(first_day, schedule.accrued_through + timedelta(days=1))
        if first_day > last_day:
            return 0
        # 2. Skip days that already have a row (the unique constraint would refuse them anyway).
        existing = set(
            schedule.activities.filter(
                occurred_on__gte=first_day, occurred_on__lte=last_day
            ).values_list("occurred_on", flat=True)
        )
        quantity, hours = _accrued_amounts(schedule)
        rows = []
        day = first_day
        while day <= last_day:
            if day not in existing:
                rows.append(
                    PublicityActivity(
                        town=schedule.town,
                        village_id=schedule.village_id,
                        occurred_on=day,
                        kind=schedule.kind,
                        place_type=schedule.place_type,
                        place=schedule.place,
                        quantity=quantity,
                        hours=hours,
                        handler_id=schedule.handler_id,
                        notes=schedule.description,
                        schedule=schedule,
                        created_by_id=schedule.created_by_id,
                    )
                )
            day += timedelta(days=1)
        PublicityActivity.objects.bulk_create(rows, batch_size=500)
        schedule.accrued_through = last_day
        schedule.save(update_fields=["accrued_through"])
        if rows:
            _audit(
                AuditAction.PUBLICITY_SCHEDULE_ACCRUED,
                actor,
                schedule.town,
                schedule,
                first_day=first_day.isoformat(),
                last_day=last_day.isoformat(),
                days=len(rows),
                quantity_per_day=str(quantity),
            )
        return len(rows)


def accrue_schedules(
    *, today: date, actor: User | None = None, town: Unit | None = None
) -> AccrualResult:
    """Accrue every running schedule up to yesterday: idempotent, resumable, one transaction each.

    Run by the hourly job (actor None: the system) and on demand by the office for its town.
    """
    if actor is not None and (town is None or not is_office_member(actor, town)):
        raise ActionNotAllowed("只有本镇扫黑办工作人员或领导小组组长、副组长可以立即累计")
    schedules = PublicitySchedule.objects.filter(starts_on__lt=today).order_by("pk")
    if town is not None:
        schedules = schedules.filter(town=town)
    result = AccrualResult()
    for schedule in schedules.only("pk", "ends_on", "accrued_through"):
        if (
            schedule.ends_on is not None
            and schedule.accrued_through is not None
            and schedule.accrued_through >= schedule.ends_on
        ):
            continue
        days = _accrue_one(schedule.pk, today=today, actor=actor)
        if days:
            result.schedules += 1
            result.days += days
            result.accrued[schedule.pk] = days
    return result
