"""The leaders' dashboard on the home page: open leads by state and time limit, what is overdue
per village, the 查结率/查实率 trend, talks coverage, publicity per month, and for a 上级督导 a
ranking of the towns below.

Every figure is counted with the filter the list behind it uses (the `apply_filters` of
`leads.queries`, `rectifications.queries` and `publicity.queries`), so a click on a
bar opens exactly the records the bar counted. Each figure is one GROUP BY on indexed columns:
the number of queries does not grow with the data. The result is cached per user and role set
for a few minutes, so a busy home page does not count everything again on every view.

Scopes:
- 组长/副组长/扫黑办工作人员: the leads they may see in their towns, drilling into the lead list.
- 村负责人: the same, for the leads assigned to their village and their village's items and
  publicity; never another village's numbers.
- 上级督导: the statistics of the towns below (the 线索统计 scope: they read the figures, not
  the leads), drilling into 线索统计; plus a ranking of the towns.
"""

import datetime
import hashlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NotRequired, TypedDict
from urllib.parse import urlencode

from django.core.cache import cache
from django.db.models import Count, QuerySet
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone

from saohei.accountability.forms import PeriodForm
from saohei.accountability.queries import Coverage, get_coverage
from saohei.common.roles import Role
from saohei.leads.access import visible_leads
from saohei.leads.models import OPEN_STATUSES, Lead, LeadQuerySet, Status
from saohei.leads.queries import LeadFilters, apply_filters
from saohei.leads.stats import Tally, list_stats_towns, tally_counts
from saohei.organisations.access import grant_paths, units_within
from saohei.organisations.models import Unit, UnitKind, User
from saohei.organisations.pickers import NO_VILLAGE
from saohei.organisations.queries import OFFICE_ROLES
from saohei.publicity.access import visible_activities
from saohei.publicity.queries import ORIGIN_MANUAL, ActivityFilters, kind_totals
from saohei.publicity.queries import apply_filters as apply_activity_filters
from saohei.rectifications.access import visible_items
from saohei.rectifications.models import Status as ItemStatus
from saohei.rectifications.queries import ItemFilters, SummaryRow
from saohei.rectifications.queries import apply_filters as apply_item_filters

# Long enough that a busy page is served from the cache, short enough that nobody waits for news.
CACHE_SECONDS = 180
TREND_MONTHS = 12

TOWN = "town"
VILLAGE = "village"
SUPERVISOR = "supervisor"

RED, AMBER, GREEN, GREY, BLUE, ORANGE = (
    "#c0392b",
    "#e0a800",
    "#2e8b57",
    "#adb5bd",
    "#2f6fb0",
    "#e67e22",
)
# The lead list's due states, in the order the stacked bars show them.
DUE_SERIES = [
    ("overdue", "已逾期", RED),
    ("soon", "即将到期", AMBER),
    ("ok", "未到期", GREEN),
    ("none", "未设时限", GREY),
]


class Point(TypedDict):
    """One bar or dot: its value, the list it opens, and (rarely) its own colour."""

    value: int | float | None
    url: str
    itemStyle: NotRequired[dict[str, str]]  # ECharts' own key for a bar's colour
    key: NotRequired[str]


class Series(TypedDict):
    name: str
    data: list[Point]
    key: str
    stack: NotRequired[str]
    color: NotRequired[str]
    line: NotRequired[bool]
    percent: NotRequired[bool]


class Chart(TypedDict):
    """What `home/dashboard.html` hands to ECharts (and to the table read without it)."""

    id: str
    title: str
    kind: str
    horizontal: bool
    categories: list[str]
    series: list[Series]
    empty: bool
    note: str
    height: int


class Card(TypedDict):
    label: str
    value: int | str
    url: str
    tone: str
    detail: NotRequired[str]
    # A card reading 0 or — tells a village head nothing; on a phone it is folded away.
    blank: bool


class TownCoverage(TypedDict):
    start: datetime.date
    end: datetime.date
    villages: int
    villages_covered: int
    missing: list[str]
    url: str


class VillageCoverage(TypedDict):
    start: datetime.date
    end: datetime.date
    talked_on: datetime.date | None
    interviewers: list[str]
    url: str


class PublicityTotal(TypedDict):
    name: str
    quantity: str
    unit_label: str
    hours: str
    hours_label: str
    activities: int
    url: str


class RankingRow(TypedDict):
    rank: int
    town: str
    received: int
    closed: int
    clearance_rate: str
    substantiation_rate: str
    overdue_leads: int
    items: int
    completion_rate: str
    overdue_items: int
    coverage: str
    stats_url: str
    items_url: str


class Dashboard(TypedDict):
    kind: str
    scope_label: str
    generated_at: str
    kpis: list[Card]
    charts: list[Chart]
    coverage: TownCoverage | VillageCoverage | None
    publicity_totals: list[PublicityTotal]
    ranking: list[RankingRow]


@dataclass(frozen=True)
class DashboardScope:
    kind: str
    towns: list[Unit]
    villages: list[Unit]


def dashboard_scope(user: User) -> DashboardScope | None:
    """Which dashboard the user gets; None for roles without content (三员, 保管员, 民警)."""
    if user.has_any_role(OFFICE_ROLES):
        towns = _towns(grant_paths(user, OFFICE_ROLES))
        return DashboardScope(TOWN, towns, []) if towns else None
    if user.has_role(Role.VILLAGE_HEAD):
        villages = list(
            units_within(grant_paths(user, {Role.VILLAGE_HEAD})).villages().order_by("path")
        )
        return DashboardScope(VILLAGE, [], villages) if villages else None
    if user.has_role(Role.SUPERVISOR):
        towns = list_stats_towns(user)
        return DashboardScope(SUPERVISOR, towns, []) if towns else None
    return None


def _towns(paths: list[str]) -> list[Unit]:
    return list(
        units_within(paths)
        .filter(kind=UnitKind.TOWN, is_active=True)
        .order_by("sort_order", "path")
    )


def get_dashboard(user: User) -> Dashboard | None:
    """The dashboard's figures for this user, from the cache when counted in the last minutes."""
    grants = sorted(user.role_grants.values_list("role", "unit_id"))
    # The key changes with the day and with any role grant, so a revoked grant shows nothing.
    signature = f"{user.pk}:{grants}:{timezone.localdate().isoformat()}"
    key = "home:dashboard:" + hashlib.sha256(signature.encode()).hexdigest()
    cached: dict[str, Dashboard | None] | None = cache.get(key)
    if cached is not None:
        return cached.get("dashboard")
    scope = dashboard_scope(user)
    dashboard = build_dashboard(user, scope) if scope is not None else None
    cache.set(key, {"dashboard": dashboard}, CACHE_SECONDS)
    return dashboard


def build_dashboard(
    user: User, scope: DashboardScope, *, today: datetime.date | None = None
) -> Dashboard:
    today = today or timezone.localdate()
    board = _Board(user, scope, today)
    return board.build()


def _url(name: str, **params: Any) -> str:
    """A link to a list with its GET filters."""
    base = reverse(name)
    query = urlencode({key: value for key, value in params.items() if value not in ("", None)})
    return f"{base}?{query}" if query else base


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _percent(rate: str) -> float | None:
    """A `Tally` rate ("12.3%" or "—") as a number for the chart."""
    return None if rate == "—" else float(rate.rstrip("%"))


def _months(today: datetime.date, count: int) -> list[tuple[datetime.date, datetime.date]]:
    """The last `count` calendar months up to this one: (first day, last day or today)."""
    months = []
    index = today.year * 12 + today.month - 1
    for offset in range(count - 1, -1, -1):
        year, month = divmod(index - offset, 12)
        start = datetime.date(year, month + 1, 1)
        next_index = index - offset + 1
        following = datetime.date(next_index // 12, next_index % 12 + 1, 1)
        months.append((start, min(following - datetime.timedelta(days=1), today)))
    return months


def _chart(
    chart_id: str,
    title: str,
    categories: list[str],
    series: list[Series],
    *,
    kind: str = "bar",
    horizontal: bool = False,
    note: str = "",
    empty: bool | None = None,
) -> Chart:
    """`empty` defaults to "every value is zero"; a chart of rates passes its own answer, since
    a town with leads and none closed yet is a 0% bar, not "no data"."""
    if empty is None:
        empty = not any(point["value"] for entry in series for point in entry["data"])
    rows = len(categories) if horizontal else 0
    return {
        "id": chart_id,
        "title": title,
        "kind": kind,
        "horizontal": horizontal,
        "categories": categories,
        "series": series,
        "empty": empty,
        "note": note,
        # A horizontal bar chart grows with its rows so every label stays readable on a phone.
        "height": max(240, 60 + 30 * rows) if horizontal else 280,
    }


def _series(
    name: str,
    points: list[Point],
    *,
    key: str,
    stack: str = "",
    color: str = "",
    line: bool = False,
    percent: bool = False,
) -> Series:
    """A series carries only the options it sets, as ECharts reads them."""
    series = Series(name=name, data=points, key=key)
    if stack:
        series["stack"] = stack
    if color:
        series["color"] = color
    if line:
        series["line"] = True
    if percent:
        series["percent"] = True
    return series


def _point(value: int | float | None, url: str = "", color: str = "") -> Point:
    point = Point(value=value, url=url if value else "")
    if color:
        point["itemStyle"] = {"color": color}
    return point


def _card(label: str, value: int | str, url: str, *, tone: str = "", detail: str = "") -> Card:
    card = Card(label=label, value=value, url=url, tone=tone, blank=value in (0, "—"))
    if detail:
        card["detail"] = detail
    return card


class _Board:
    """Counts one dashboard. Each method is one or a few grouped queries."""

    def __init__(self, user: User, scope: DashboardScope, today: datetime.date) -> None:
        self.user = user
        self.scope = scope
        self.today = today
        self.months = _months(today, TREND_MONTHS)
        self.year_start = today.replace(month=1, day=1)
        # The cards that link to the lead list count what that list shows, for every role.
        self.leads: LeadQuerySet = visible_leads(user)
        # The statistics (trend, 查结率, the ranking) count whole towns for a supervisor, as
        # 线索统计 does: numbers without a lead's content (decision 0002).
        self.counted_leads: LeadQuerySet = (
            Lead.objects.filter(unit__in=scope.towns) if scope.kind == SUPERVISOR else self.leads
        )
        # Scoped once: each chart then filters these as the list behind it does.
        self.items = visible_items(user)
        self.activities = visible_activities(user)

    def counted_url(self, **params: Any) -> str:
        """Where a number of `counted_leads` is listed: 线索统计 for a supervisor."""
        if self.scope.kind == SUPERVISOR:
            period = {key: params[key] for key in ("date_from", "date_to") if key in params}
            return _url("leads:stats", **(period if len(period) == 2 else {}))
        return _url("leads:list", **params)

    def build(self) -> Dashboard:
        lead_states = self.lead_states()
        trend, year = self.trend()
        items = self.rectification_states()
        charts = [lead_states]
        if self.scope.kind == TOWN:
            charts.append(self.overdue_by_village())
        charts += [items, trend]
        coverage: TownCoverage | VillageCoverage | None = None
        if self.scope.kind == TOWN:
            coverage_chart, coverage = self.town_coverage()
            charts.append(coverage_chart)
        elif self.scope.kind == VILLAGE:
            coverage = self.village_coverage()
        publicity_chart, publicity_totals = self.publicity()
        charts.append(publicity_chart)
        ranking: list[RankingRow] = []
        if self.scope.kind == SUPERVISOR:
            ranking_chart, ranking = self.ranking()
            charts.insert(0, ranking_chart)
        return Dashboard(
            kind=self.scope.kind,
            scope_label="、".join(unit.name for unit in (self.scope.villages or self.scope.towns)),
            generated_at=timezone.localtime().strftime("%H:%M"),
            kpis=self.kpis(lead_states, items, year),
            charts=charts,
            coverage=coverage,
            publicity_totals=publicity_totals,
            ranking=ranking,
        )

    def kpis(self, lead_states: Chart, items: Chart, year: Tally) -> list[Card]:
        by_due = {
            entry["key"]: sum(int(point["value"] or 0) for point in entry["data"])
            for entry in lead_states["series"]
        }
        item_counts = {
            point.get("key", ""): int(point["value"] or 0) for point in items["series"][0]["data"]
        }
        stats_url = "" if self.scope.kind == VILLAGE else _url("leads:stats")
        cards = [
            _card("未办结线索", sum(by_due.values()), _url("leads:list", status="open")),
            _card(
                "逾期线索",
                by_due["overdue"],
                _url("leads:list", due="overdue"),
                tone="danger" if by_due["overdue"] else "",
            ),
            _card(
                "即将到期",
                by_due["soon"],
                _url("leads:list", due="soon"),
                tone="warning" if by_due["soon"] else "",
            ),
            _card(
                f"{self.today.year}年查结率",
                year.clearance_rate,
                stats_url,
                detail=f"受理 {year.received} · 办结 {year.closed}",
            ),
            _card(
                f"{self.today.year}年查实率",
                year.substantiation_rate,
                stats_url,
                detail=f"查实 {year.substantiated}",
            ),
            _card(
                "逾期整改事项",
                item_counts["overdue"],
                _url("rectifications:list", due="overdue"),
                tone="danger" if item_counts["overdue"] else "",
            ),
        ]
        return cards

    def lead_states(self) -> Chart:
        """Open leads by state, stacked by time limit: one grouped query per time-limit state."""
        statuses = [status for status in Status if status in OPEN_STATUSES]
        series = []
        for due, label, color in DUE_SERIES:
            counts = dict(
                apply_filters(self.leads, LeadFilters(due_state=due))
                .order_by()
                .values_list("status")
                .annotate(count=Count("pk"))
            )
            points = [
                _point(
                    counts.get(status.value, 0), _url("leads:list", status=status.value, due=due)
                )
                for status in statuses
            ]
            series.append(_series(label, points, key=due, stack="due", color=color))
        return _chart(
            "lead-states", "未办结线索（按状态与时限）", [s.label for s in statuses], series
        )

    def overdue_by_village(self) -> Chart:
        """Overdue leads and rectification items per village (the town's own last)."""
        leads = (
            apply_filters(self.leads, LeadFilters(due_state="overdue"))
            .order_by()
            .values_list("village_id", "village__name")
            .annotate(count=Count("pk"))
        )
        items = (
            apply_item_filters(self.items, ItemFilters(due_state="overdue"))
            .order_by()
            .values_list("village_id", "village__name")
            .annotate(count=Count("pk"))
        )
        lead_counts = {village_id: count for village_id, _, count in leads}
        item_counts = {village_id: count for village_id, _, count in items}
        names = {village_id: name for village_id, name, _ in [*leads, *items]}
        order = sorted(
            names,
            key=lambda v: (v is None, -(lead_counts.get(v, 0) + item_counts.get(v, 0)), names[v]),
        )
        categories = [names[v] or "镇本级/未指定村" for v in order]
        lead_points = [
            _point(
                lead_counts.get(v, 0),
                _url("leads:list", due="overdue", village=v or NO_VILLAGE),
            )
            for v in order
        ]
        item_points = [
            _point(
                item_counts.get(v, 0),
                _url("rectifications:list", due="overdue", village=v or NO_VILLAGE),
            )
            for v in order
        ]
        return _chart(
            "overdue-by-village",
            "逾期线索与整改事项（按村）",
            categories,
            [
                _series("逾期线索", lead_points, key="leads", color=RED),
                _series("逾期整改事项", item_points, key="items", color=ORANGE),
            ],
            horizontal=True,
        )

    def rectification_states(self) -> Chart:
        """The ledger by state, with the overdue part of 整改中: two queries."""
        counts = dict(
            apply_item_filters(self.items, ItemFilters())
            .order_by()
            .values_list("status")
            .annotate(count=Count("pk"))
        )
        overdue = apply_item_filters(self.items, ItemFilters(due_state="overdue")).count()
        entries = [
            ("open", "整改中", counts.get(ItemStatus.OPEN, 0), {"status": "open"}, BLUE),
            ("overdue", "其中已逾期", overdue, {"due": "overdue"}, RED),
            (
                "requested",
                "已申请销号",
                counts.get(ItemStatus.REQUESTED, 0),
                {"status": "requested"},
                AMBER,
            ),
            ("closed", "已销号", counts.get(ItemStatus.CLOSED, 0), {"status": "closed"}, GREEN),
        ]
        points = []
        for key, _, value, params, color in entries:
            point = _point(value, _url("rectifications:list", **params), color)
            point["key"] = key
            points.append(point)
        return _chart(
            "rectification-states",
            "问题整改台账",
            [label for _, label, _, _, _ in entries],
            [_series("整改事项", points, key="items")],
        )

    def trend(self) -> tuple[Chart, Tally]:
        """受理 per month with 查结率 and 查实率 (线索统计's definitions), and this year's tally.

        One query per month on the month's own received_at range (the (unit, received_at)
        index), rather than one query with every month's counts over the whole year: SQLite
        evaluates each FILTER on every row, which is ten times slower at 100,000 leads. The
        year's tally is the sum of its months counted up to today, in the same queries.
        """
        tallies, year = [], Tally(label=f"{self.today.year}年")
        for start, as_of in self.months:
            at_month_end, today = self._tallies(start, as_of)
            tallies.append(at_month_end)
            if start >= self.year_start:
                year += today
        received, clearance, substantiation = [], [], []
        for (start, as_of), tally in zip(self.months, tallies, strict=True):
            period = {"date_from": start.isoformat(), "date_to": as_of.isoformat()}
            received.append(_point(tally.received, self.counted_url(**period)))
            stats_url = "" if self.scope.kind == VILLAGE else _url("leads:stats", **period)
            clearance.append(_point(_percent(tally.clearance_rate), stats_url))
            substantiation.append(_point(_percent(tally.substantiation_rate), stats_url))
        chart = _chart(
            "trend",
            "受理线索与查结率、查实率（近12个月）",
            [f"{start:%Y-%m}" for start, _ in self.months],
            [
                _series("受理", received, key="received", color=BLUE),
                _series("查结率", clearance, key="clearance", color=GREEN, line=True),
                _series("查实率", substantiation, key="substantiation", color=RED, line=True),
            ],
            kind="trend",
            note="查结率 = 当月受理线索中截至月末已办结的比例；查实率 = 其中查实的比例。",
        )
        return chart, year

    def _tallies(self, start: datetime.date, as_of: datetime.date) -> tuple[Tally, Tally]:
        """The month's leads, concluded by the month's end and concluded by today."""
        names = ("received", "closed", "substantiated")
        at_month_end = tally_counts(date_from=start, as_of=as_of)
        by_today = tally_counts(date_from=start, as_of=self.today)
        # A range on received_at (not on its date) so the index serves it.
        row = self.counted_leads.filter(
            received_at__gte=_day_start(start),
            received_at__lt=_day_start(as_of + datetime.timedelta(days=1)),
        ).aggregate(
            **{name: at_month_end[name] for name in names},
            **{f"{name}_by_today": by_today[name] for name in names[1:]},
        )
        return (
            Tally(
                label="",
                received=row["received"],
                closed=row["closed"],
                substantiated=row["substantiated"],
            ),
            Tally(
                label="",
                received=row["received"],
                closed=row["closed_by_today"],
                substantiated=row["substantiated_by_today"],
            ),
        )

    def town_coverage(self) -> tuple[Chart, TownCoverage]:
        """谈心谈话 coverage over the coverage page's default period, per town then summed."""
        start, end = PeriodForm.default_period()
        coverages = [get_coverage(town, start=start, end=end) for town in self.scope.towns]
        villages = sum(len(c.villages) for c in coverages)
        villages_covered = sum(c.villages_covered for c in coverages)
        police = sum(len(c.police) for c in coverages)
        police_covered = sum(c.police_covered for c in coverages)
        url = _url("accountability:coverage", start=start.isoformat(), end=end.isoformat())
        chart = _chart(
            "coverage",
            "谈心谈话覆盖情况",
            ["村（社区）负责人", "派出所所长、教导员"],
            [
                _series(
                    "已谈",
                    [_point(villages_covered, url), _point(police_covered, url)],
                    key="covered",
                    stack="coverage",
                    color=GREEN,
                ),
                _series(
                    "未谈",
                    [
                        _point(villages - villages_covered, url),
                        _point(police - police_covered, url),
                    ],
                    key="missing",
                    stack="coverage",
                    color=GREY,
                ),
            ],
            horizontal=True,
            note=f"{start:%Y-%m-%d} 至 {end:%Y-%m-%d}",
        )
        missing = [name for c in coverages for name in c.villages_missing]
        return chart, TownCoverage(
            start=start,
            end=end,
            villages=villages,
            villages_covered=villages_covered,
            missing=missing,
            url=url,
        )

    def village_coverage(self) -> VillageCoverage:
        """Whether this village's head was talked with; only their own row, never the others'."""
        start, end = PeriodForm.default_period()
        names = {village.name for village in self.scope.villages}
        towns = {v.parent_id for v in self.scope.villages if v.parent_id is not None}
        talked_on: list[datetime.date] = []
        interviewers: list[str] = []
        for town in Unit.objects.filter(pk__in=towns):
            coverage: Coverage = get_coverage(town, start=start, end=end)
            for row in coverage.villages:
                if row.label in names:
                    talked_on += row.talked_on
                    interviewers += row.interviewers
        return VillageCoverage(
            start=start,
            end=end,
            talked_on=max(talked_on) if talked_on else None,
            interviewers=sorted(set(interviewers)),
            url=_url("accountability:list"),
        )

    def publicity(self) -> tuple[Chart, list[PublicityTotal]]:
        """Activities recorded by hand per month and kind (one grouped query), and the running
        totals per kind. Rows a standing schedule accrues (an LED screen's every day) would bury
        everything else in the monthly chart; their hours are in the totals."""
        first = self.months[0][0]
        rows = (
            apply_activity_filters(
                self.activities,
                ActivityFilters(date_from=first, date_to=self.today, origin=ORIGIN_MANUAL),
            )
            .order_by()
            .annotate(month=TruncMonth("occurred_on"))
            .values_list("month", "kind_id")
            .annotate(count=Count("pk"))
        )
        counts: dict[tuple[datetime.date, int], int] = {}
        for month, kind_id, count in rows:
            month_start = month.date() if isinstance(month, datetime.datetime) else month
            counts[(month_start, kind_id)] = count
        # Every kind with an activity ever recorded is in the running totals, in kind order.
        all_totals = kind_totals(self.activities)
        series = []
        for kind in [total.kind for total in all_totals]:
            points = [
                _point(
                    counts.get((start, kind.pk), 0),
                    _url(
                        "publicity:list",
                        kind=kind.code,
                        date_from=start.isoformat(),
                        date_to=as_of.isoformat(),
                        origin=ORIGIN_MANUAL,
                    ),
                )
                for start, as_of in self.months
            ]
            if any(point["value"] for point in points):
                series.append(_series(kind.name, points, key=kind.code, stack="kinds"))
        chart = _chart(
            "publicity",
            "宣传发动（每月登记的活动次数，按形式；不含常态化播放）",
            [f"{start:%Y-%m}" for start, _ in self.months],
            series,
        )
        totals = [
            PublicityTotal(
                name=total.kind.name,
                quantity=_number(total.quantity),
                unit_label=total.kind.unit_label,
                hours=_number(total.hours) if total.kind.hours_label else "",
                hours_label=total.kind.hours_label,
                activities=total.activities,
                url=_url("publicity:list", kind=total.kind.code),
            )
            for total in all_totals
            if total.activities
        ]
        return chart, totals

    def ranking(self) -> tuple[Chart, list[RankingRow]]:
        """For a 上级督导: each town's 查结率/查实率 this year, overdue leads and the ledger."""
        towns = self.scope.towns
        year = tally_counts(date_from=self.year_start, as_of=self.today)
        tallies: dict[int, dict[str, Any]] = {
            row["unit_id"]: dict(row)
            for row in self.counted_leads.filter(received_at__gte=_day_start(self.year_start))
            .order_by()
            .values("unit_id")
            .annotate(**{name: year[name] for name in ("received", "closed", "substantiated")})
        }
        overdue_leads = _grouped(
            apply_filters(self.counted_leads, LeadFilters(due_state="overdue"))
        )
        items = apply_item_filters(self.items, ItemFilters())
        item_totals = _grouped(items)
        item_closed = _grouped(items.closed())
        item_overdue = _grouped(items.overdue(self.today))
        start, end = PeriodForm.default_period()
        ranked: list[tuple[tuple[float, int, str], RankingRow]] = []
        for town in towns:
            tally_row = tallies.get(town.pk, {})
            tally = Tally(
                label=town.name,
                received=tally_row.get("received", 0),
                closed=tally_row.get("closed", 0),
                substantiated=tally_row.get("substantiated", 0),
            )
            ledger = SummaryRow(
                key=town.pk,
                label=town.name,
                total=item_totals.get(town.pk, 0),
                closed=item_closed.get(town.pk, 0),
                requested=0,
                open=0,
                overdue=item_overdue.get(town.pk, 0),
            )
            coverage = get_coverage(town, start=start, end=end)
            row = RankingRow(
                rank=0,
                town=town.name,
                received=tally.received,
                closed=tally.closed,
                clearance_rate=tally.clearance_rate,
                substantiation_rate=tally.substantiation_rate,
                overdue_leads=overdue_leads.get(town.pk, 0),
                items=ledger.total,
                completion_rate=ledger.completion_rate,
                overdue_items=ledger.overdue,
                coverage=f"{coverage.villages_covered}/{len(coverage.villages)}",
                stats_url=_url(
                    "leads:stats",
                    date_from=self.year_start.isoformat(),
                    date_to=self.today.isoformat(),
                    town=town.pk,
                ),
                items_url=_url("rectifications:list", town=town.pk, due="overdue")
                if len(towns) > 1
                else _url("rectifications:list", due="overdue"),
            )
            order = (
                -(_percent(tally.clearance_rate) or -1.0),
                overdue_leads.get(town.pk, 0),
                town.path,
            )
            ranked.append((order, row))
        ranked.sort(key=lambda entry: entry[0])
        rows = [row for _, row in ranked]
        for rank, row in enumerate(rows, start=1):
            row["rank"] = rank
        chart = _chart(
            "ranking",
            f"各镇（街道）{self.today.year}年查结率排名",
            [row["town"] for row in rows],
            [
                _series(
                    "查结率",
                    [
                        _point(_percent(row["clearance_rate"]) or 0, row["stats_url"])
                        for row in rows
                    ],
                    key="clearance",
                    color=GREEN,
                    percent=True,
                ),
            ],
            horizontal=True,
            empty=not any(row["received"] for row in rows),
        )
        return chart, rows


def _grouped(queryset: QuerySet[Any]) -> dict[int, int]:
    """Counts per town (`unit_id`) in one GROUP BY."""
    return dict(queryset.order_by().values_list("unit_id").annotate(count=Count("pk")))


def _number(value: Decimal) -> str:
    """1800.0 → "1800", 2.5 → "2.5"."""
    return f"{value.normalize():f}" if value else "0"
