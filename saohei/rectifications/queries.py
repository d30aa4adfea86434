"""Reads of the ledger, always starting from what the user may see (`access.visible_items`)."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from saohei.common.paging import KeysetPage, keyset_page
from saohei.common.search import SearchFields, apply_search

# The one amber window of every deadline, read here by the ledger's views and API.
from saohei.deadlines.queries import amber_threshold as amber_threshold
from saohei.organisations.models import User
from saohei.rectifications.access import visible_items
from saohei.rectifications.models import (
    RectificationItem,
    RectificationItemQuerySet,
    SourceKind,
    Status,
)

PAGE_SIZE = 50
COUNT_CAP = 1000


@dataclass(frozen=True)
class ItemFilters:
    town_id: int | None = None
    village_id: int | None = None
    without_village: bool = False  # only items of the town itself (镇本级)
    source_kind: str = ""
    status: str = ""
    responsible_person_id: int | None = None
    due_state: str = ""  # overdue | soon
    text: str = ""


SEARCH_FIELDS = SearchFields(
    text=(
        "description",
        "measures",
        "source_label",
        "closure_note",
        "responsible_person__real_name",
        "responsible_unit__name",
    )
)


def due_state(item: RectificationItem, *, today: date, threshold: date) -> str:
    """'' (not being worked on), 'ok', 'soon' (amber) or 'overdue' (red)."""
    if item.status != Status.OPEN:
        return ""
    if item.due_on < today:
        return "overdue"
    if item.due_on <= threshold:
        return "soon"
    return "ok"


def filter_items(user: User, filters: ItemFilters) -> RectificationItemQuerySet:
    return apply_filters(visible_items(user), filters)


def apply_filters(
    items: RectificationItemQuerySet, filters: ItemFilters
) -> RectificationItemQuerySet:
    """The list's filters on items already scoped by access (the home page counts with these)."""
    if filters.town_id:
        items = items.filter(unit_id=filters.town_id)
    if filters.village_id:
        items = items.filter(village_id=filters.village_id)
    elif filters.without_village:
        items = items.filter(village__isnull=True)
    if filters.source_kind:
        items = items.filter(source_kind=filters.source_kind)
    if filters.status:
        items = items.filter(status=filters.status)
    if filters.responsible_person_id:
        items = items.filter(responsible_person_id=filters.responsible_person_id)
    today = timezone.localdate()
    if filters.due_state == "overdue":
        items = items.overdue(today)
    elif filters.due_state == "soon":
        items = items.due_soon(today, amber_threshold(today))
    return apply_search(items, filters.text, SEARCH_FIELDS)


def page_of_items(
    items: RectificationItemQuerySet, *, after: str = "", before: str = ""
) -> KeysetPage[RectificationItem]:
    return keyset_page(
        items.select_related("village", "responsible_person", "responsible_unit"),
        field="created_at",
        parse=datetime.fromisoformat,
        after=after,
        before=before,
        size=PAGE_SIZE,
    )


def capped_count(items: QuerySet[RectificationItem]) -> str:
    count = items.order_by().values("pk")[: COUNT_CAP + 1].count()
    return f"{COUNT_CAP}+" if count > COUNT_CAP else str(count)


@dataclass(frozen=True)
class SummaryRow:
    key: Any
    label: str
    total: int
    closed: int
    requested: int
    open: int
    overdue: int

    @property
    def completion_rate(self) -> str:
        """销号率: closed over all, as a percentage with one decimal."""
        if not self.total:
            return "—"
        return f"{self.closed * 100 / self.total:.1f}%"


GROUPINGS = {
    "village": ("village_id", "village__name", "所属村"),
    "person": ("responsible_person_id", "responsible_person__real_name", "责任人"),
    "source": ("source_kind", "source_kind", "问题来源"),
}


def summarize(user: User, *, by: str, today: date | None = None) -> list[SummaryRow]:
    """Totals, 销号 and overdue counts per village, person or source: one grouped query."""
    key_field, label_field, _ = GROUPINGS[by]
    today = today or timezone.localdate()
    rows = (
        visible_items(user)
        .order_by()
        .values(key=F(key_field), label=F(label_field))
        .annotate(
            total=Count("pk"),
            closed=Count("pk", filter=Q(status=Status.CLOSED)),
            requested=Count("pk", filter=Q(status=Status.REQUESTED)),
            open=Count("pk", filter=Q(status=Status.OPEN)),
            overdue=Count("pk", filter=Q(status=Status.OPEN, due_on__lt=today)),
        )
        .order_by("label")
    )
    labels = dict(SourceKind.choices)
    return [
        SummaryRow(
            key=row["key"],
            label=(labels.get(row["label"], row["label"]) if by == "source" else row["label"])
            or "镇本级",
            total=row["total"],
            closed=row["closed"],
            requested=row["requested"],
            open=row["open"],
            overdue=row["overdue"],
        )
        for row in rows
    ]
