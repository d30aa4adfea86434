"""Read-side figures of the publicity ledger. Callers pass a queryset already scoped by access.

Voided (作废) activities never count: `in_period` and every total drop them, whatever queryset
the caller passes.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Sum
from django.db.models.functions import TruncMonth, TruncQuarter, TruncYear
from django.utils import timezone

from saohei.common.paging import KeysetPage, keyset_page
from saohei.common.search import SearchFields, apply_search
from saohei.organisations.models import User
from saohei.organisations.queries import list_office_towns
from saohei.publicity.access import visible_activities, visible_schedules
from saohei.publicity.models import (
    PlaceType,
    PublicityActivity,
    PublicityActivityQuerySet,
    PublicityKind,
    PublicitySchedule,
)

PAGE_SIZE = 50
COUNT_CAP = 1000


ORIGIN_MANUAL = "manual"
ORIGIN_SCHEDULED = "scheduled"
ORIGIN_CHOICES = [(ORIGIN_MANUAL, "手工登记"), (ORIGIN_SCHEDULED, "常态化安排自动累计")]


@dataclass(frozen=True)
class KindTotal:
    kind: PublicityKind
    quantity: Decimal
    hours: Decimal
    reach: int
    activities: int


def in_period(
    activities: PublicityActivityQuerySet, *, date_from: date | None, date_to: date | None
) -> PublicityActivityQuerySet:
    activities = activities.current()
    if date_from is not None:
        activities = activities.filter(occurred_on__gte=date_from)
    if date_to is not None:
        activities = activities.filter(occurred_on__lte=date_to)
    return activities


def kind_totals(
    activities: PublicityActivityQuerySet,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
) -> list[KindTotal]:
    """One total per kind (every active kind, zero when nothing was recorded), in kind order."""
    rows = {
        row["kind"]: row
        for row in in_period(activities, date_from=date_from, date_to=date_to)
        .order_by()
        .values("kind")
        .annotate(
            quantity=Sum("quantity"), hours=Sum("hours"), reach=Sum("reach"), activities=Count("id")
        )
    }
    totals = []
    for kind in PublicityKind.objects.all():
        row = rows.get(kind.pk)
        if row is None and not kind.active:
            continue
        totals.append(
            KindTotal(
                kind=kind,
                quantity=(row and row["quantity"]) or Decimal(0),
                hours=(row and row["hours"]) or Decimal(0),
                reach=(row and row["reach"]) or 0,
                activities=(row and row["activities"]) or 0,
            )
        )
    return totals


@dataclass(frozen=True)
class ActivityFilters:
    """The list's GET contract: kind=<code>, village=<unit id>, place_type, date_from, date_to,
    origin=manual|scheduled (recorded by hand, or accrued by a standing schedule)."""

    kind_code: str = ""
    village_id: int | None = None
    place_type: str = ""
    date_from: date | None = None
    date_to: date | None = None
    origin: str = ""
    text: str = ""

    def as_query(self) -> dict[str, str]:
        """The same filters as GET parameters, for drill-down links and the audit log; never the
        search text, which may name a person."""
        query = {
            "kind": self.kind_code,
            "village": str(self.village_id or ""),
            "place_type": self.place_type,
            "date_from": self.date_from.isoformat() if self.date_from else "",
            "date_to": self.date_to.isoformat() if self.date_to else "",
            "origin": self.origin,
        }
        return {key: value for key, value in query.items() if value}


def apply_filters(
    activities: PublicityActivityQuerySet, filters: ActivityFilters
) -> PublicityActivityQuerySet:
    if filters.kind_code:
        activities = activities.filter(kind__code=filters.kind_code)
    if filters.village_id:
        activities = activities.filter(village_id=filters.village_id)
    if filters.place_type:
        activities = activities.filter(place_type=filters.place_type)
    if filters.origin == ORIGIN_MANUAL:
        activities = activities.filter(schedule__isnull=True)
    elif filters.origin == ORIGIN_SCHEDULED:
        activities = activities.filter(schedule__isnull=False)
    activities = in_period(activities, date_from=filters.date_from, date_to=filters.date_to)
    return apply_search(activities, filters.text, SEARCH_FIELDS)


SEARCH_FIELDS = SearchFields(
    text=("place", "notes", "kind__name", "village__name", "handler__real_name")
)


def filter_activities(user: User, filters: ActivityFilters) -> PublicityActivityQuerySet:
    """The activities this user may see that match the filters (voided ones left out)."""
    return apply_filters(visible_activities(user), filters)


def page_of_activities(
    activities: PublicityActivityQuerySet, *, after: str = "", before: str = ""
) -> KeysetPage[PublicityActivity]:
    return keyset_page(
        activities.select_related("village", "kind", "handler").annotate(
            photo_count=Count("photos")
        ),
        field="occurred_on",
        parse=date.fromisoformat,
        after=after,
        before=before,
        size=PAGE_SIZE,
    )


def capped_count(activities: PublicityActivityQuerySet) -> str:
    count = activities.order_by().values("pk")[: COUNT_CAP + 1].count()
    return f"{COUNT_CAP}+" if count > COUNT_CAP else str(count)


@dataclass(frozen=True)
class TotalsRow:
    key: Any
    label: str
    # The quantity per kind, in the table's kind order.
    cells: list[Decimal]
    # GET parameters that narrow the list to this row (the drill-down link).
    query: dict[str, str]


@dataclass(frozen=True)
class TotalsTable:
    kinds: list[PublicityKind]
    rows: list[TotalsRow]


PERIODS = {
    "month": (TruncMonth, "按月"),
    "quarter": (TruncQuarter, "按季度"),
    "year": (TruncYear, "按年"),
}
GROUPINGS = {"village": "按村（社区）", "place_type": "按地点类型"}


def _period_end(start: date, period: str) -> date:
    months = {"month": 1, "quarter": 3, "year": 12}[period]
    index = start.year * 12 + start.month - 1 + months
    return date(index // 12, index % 12 + 1, 1) - timedelta(days=1)


def _period_label(start: date, period: str) -> str:
    if period == "year":
        return f"{start.year}年"
    if period == "quarter":
        return f"{start.year}年第{(start.month - 1) // 3 + 1}季度"
    return f"{start.year}年{start.month}月"


def totals_table(
    activities: PublicityActivityQuerySet, *, kinds: list[PublicityKind], by: str
) -> TotalsTable:
    """Quantities per kind and per period / village / place type: one grouped query.

    `by` is "month", "quarter", "year", "village" or "place_type"; periods newest first.
    """
    activities = activities.current().order_by()
    grouped: Any
    if by in PERIODS:
        grouped = activities.annotate(group=PERIODS[by][0]("occurred_on")).values("group", "kind")
    elif by == "village":
        grouped = activities.values(
            "kind", group=F("village_id"), label=F("village__name"), order=F("village__sort_order")
        )
    elif by == "place_type":
        grouped = activities.values("kind", group=F("place_type"))
    else:
        raise ValueError(by)
    column = {kind.pk: index for index, kind in enumerate(kinds)}
    cells: dict[Any, list[Decimal]] = {}
    labels: dict[Any, str] = {}
    orders: dict[Any, int] = {}
    for row in grouped.annotate(quantity=Sum("quantity")):
        if row["kind"] not in column:
            continue
        key = row["group"]
        cells.setdefault(key, [Decimal(0)] * len(kinds))[column[row["kind"]]] += row["quantity"]
        labels[key] = str(row.get("label") or "")
        orders[key] = row.get("order") or 0
    rows = []
    if by in PERIODS:
        for key in sorted(cells, reverse=True):
            query = {"date_from": key.isoformat(), "date_to": _period_end(key, by).isoformat()}
            rows.append(TotalsRow(key, _period_label(key, by), cells[key], query))
    elif by == "village":
        # Villages in the org tree's sort order, 镇本级 last.
        for key in sorted(cells, key=lambda k: (k is None, orders[k], labels[k])):
            label = labels[key] or "镇本级（不分村）"
            rows.append(TotalsRow(key, label, cells[key], {"village": str(key)} if key else {}))
    else:
        names = dict(PlaceType.choices)
        for key in [value for value in PlaceType.values if value in cells]:
            rows.append(TotalsRow(key, names[key], cells[key], {"place_type": key}))
    return TotalsTable(kinds=kinds, rows=rows)


@dataclass(frozen=True)
class ScheduleRow:
    """A standing publicity with what it has accrued so far and whether the viewer may stop it."""

    schedule: PublicitySchedule
    quantity: Decimal
    days: int
    is_running: bool
    can_stop: bool


def schedule_rows(user: User) -> list[ScheduleRow]:
    """The schedules the user reads, each with its accrued quantity and days (one query)."""
    schedules = visible_schedules(user)
    accrued: dict[int, dict[str, Any]] = {
        row["schedule"]: dict(row)
        for row in PublicityActivity.objects.current()
        .filter(schedule__in=[schedule.pk for schedule in schedules])
        .order_by()
        .values("schedule")
        .annotate(quantity=Sum("quantity"), days=Count("id"))
    }
    office_town_ids = {town.pk for town in list_office_towns(user)}
    today = timezone.localdate()
    rows = []
    for schedule in schedules:
        is_running = schedule.ends_on is None or schedule.ends_on >= today
        rows.append(
            ScheduleRow(
                schedule=schedule,
                quantity=accrued.get(schedule.pk, {}).get("quantity", 0) or Decimal(0),
                days=accrued.get(schedule.pk, {}).get("days", 0),
                is_running=is_running,
                can_stop=is_running and schedule.town_id in office_town_ids,
            )
        )
    return rows
