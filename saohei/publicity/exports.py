"""宣传台账 as .xlsx, in the layout of DOMAIN.md §5, written in constant memory."""

from collections.abc import Iterable
from decimal import Decimal
from typing import IO

from django.db.models import Prefetch

from saohei.common import ledgers as common_ledgers
from saohei.publicity.models import PublicityActivity, PublicityActivityQuerySet, PublicityPhoto

COLUMNS = ["序号", "日期", "村/地点", "形式", "数量", "单位", "覆盖人数", "经办人", "照片"]
EXPORT_LIMIT = 100_000
CHUNK_SIZE = 500


def amount(value: Decimal | None) -> str:
    """12.0 → "12", 4.5 → "4.5": the ledger shows whole numbers without a decimal point."""
    if value is None:
        return ""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def ledger_rows(activities: PublicityActivityQuerySet) -> Iterable[PublicityActivity]:
    """The activities in list order (newest first), fetched in chunks with their photos."""
    return (
        activities.select_related("village", "kind", "handler")
        .prefetch_related(
            Prefetch("photos", queryset=PublicityPhoto.objects.order_by("uploaded_at", "id"))
        )
        .order_by("-occurred_on", "-id")[: EXPORT_LIMIT + 1]
        .iterator(chunk_size=CHUNK_SIZE)
    )


def write_ledger(
    activities: Iterable[PublicityActivity], output: IO[bytes], *, exported_by: str, filters: str
) -> int:
    """Write the 宣传台账 to `output`, titled with `filters` in words; returns the rows."""
    return common_ledgers.write_ledger(
        output,
        sheet_name="宣传台账",
        columns=COLUMNS,
        rows=(_values(activity) for activity in activities),
        exported_by=exported_by,
        filters=filters,
        noun="宣传活动",
        limit=EXPORT_LIMIT,
        freeze_columns=2,
        wrap=True,
    )


def place_text(activity: PublicityActivity) -> str:
    village = activity.village.name if activity.village else "镇本级"
    place = f" {activity.place}" if activity.place else ""
    return f"{village}（{activity.get_place_type_display()}）{place}"


def _values(activity: PublicityActivity) -> list[common_ledgers.Cell]:
    kind = activity.kind
    quantity = amount(activity.quantity)
    if activity.hours is not None:
        quantity += f"（{amount(activity.hours)} {kind.hours_label or '小时'}）"
    reach = ""
    if activity.reach is not None:
        label = kind.reach_label or "覆盖人数"
        reach = str(activity.reach) if label == "覆盖人数" else f"{label} {activity.reach}"
    photos = list(activity.photos.all())
    photo_text = "\n".join(photo.original_name for photo in photos)
    return [
        activity.occurred_on,
        place_text(activity),
        kind.name,
        quantity,
        kind.unit_label,
        reach,
        activity.handler.real_name,
        photo_text or "无",
    ]
