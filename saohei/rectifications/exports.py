"""问题整改台账 as .xlsx, in the layout of DOMAIN.md §5, written in constant memory."""

from collections.abc import Iterable
from typing import IO

from django.db.models import Prefetch

from saohei.common import ledgers as common_ledgers
from saohei.common.dates import format_date
from saohei.rectifications.models import (
    Evidence,
    RectificationItem,
    RectificationItemQuerySet,
    RectificationProgress,
    Status,
)

COLUMNS = [
    "序号",
    "问题来源",
    "问题描述",
    "整改措施",
    "责任领导",
    "责任单位",
    "责任人",
    "整改时限",
    "整改进展",
    "佐证材料",
    "销号（申请/审核/日期）",
    "复查结论",
]
EXPORT_LIMIT = 100_000
CHUNK_SIZE = 500


def ledger_rows(items: RectificationItemQuerySet) -> Iterable[RectificationItem]:
    """The items in list order, fetched in chunks with their progress and evidence."""
    return (
        items.select_related(
            "village",
            "responsible_leader",
            "responsible_unit",
            "responsible_person",
            "requested_by",
            "verified_by",
            "rechecked_by",
        )
        .prefetch_related(
            Prefetch(
                "progress_updates",
                queryset=RectificationProgress.objects.order_by("occurred_on", "id"),
            ),
            Prefetch("evidence", queryset=Evidence.objects.order_by("uploaded_at", "id")),
        )
        .order_by("-created_at", "-id")[: EXPORT_LIMIT + 1]
        .iterator(chunk_size=CHUNK_SIZE)
    )


def write_ledger(
    items: Iterable[RectificationItem], output: IO[bytes], *, exported_by: str, filters: str
) -> int:
    """Write the 问题整改台账 to `output` in constant memory, titled with `filters` in words;
    returns the number of rows."""
    return common_ledgers.write_ledger(
        output,
        sheet_name="问题整改台账",
        columns=COLUMNS,
        rows=(_values(item) for item in items),
        exported_by=exported_by,
        filters=filters,
        noun="事项",
        limit=EXPORT_LIMIT,
        freeze_columns=1,
        wrap=True,
    )


def _values(item: RectificationItem) -> list[common_ledgers.Cell]:
    source = item.get_source_kind_display()
    if item.source_label:
        source += f"（{item.source_label}）"
    place = f"【{item.village.name}】" if item.village else ""
    progress = "\n".join(
        f"{format_date(entry.occurred_on)} {entry.content}" for entry in item.progress_updates.all()
    )
    evidence = "\n".join(file.original_name for file in item.evidence.all())
    return [
        source,
        place + item.description,
        item.measures,
        item.responsible_leader.real_name,
        item.responsible_unit.name,
        item.responsible_person.real_name,
        item.due_on,
        progress,
        evidence,
        _closure(item),
        _recheck(item),
    ]


def _closure(item: RectificationItem) -> str:
    parts = []
    if item.requested_at and item.requested_by:
        parts.append(f"申请：{item.requested_by.real_name} {format_date(item.requested_at)}")
    if item.verified_at and item.verified_by:
        verdict = "通过" if item.is_verification_accepted else "退回"
        reason = f"（{item.verification_reason}）" if item.verification_reason else ""
        parts.append(
            f"审核：{item.verified_by.real_name} {verdict}{reason} {format_date(item.verified_at)}"
        )
    if item.status == Status.CLOSED and item.closed_at:
        parts.append(f"销号日期：{format_date(item.closed_at)}")
    else:
        parts.append(f"状态：{item.get_status_display()}")
    return "\n".join(parts)


def _recheck(item: RectificationItem) -> str:
    if not item.recheck_result:
        return ""
    text = item.get_recheck_result_display()
    if item.recheck_reason:
        text += f"：{item.recheck_reason}"
    if item.rechecked_by and item.rechecked_at:
        text += f"（{item.rechecked_by.real_name} {format_date(item.rechecked_at)}）"
    return text
