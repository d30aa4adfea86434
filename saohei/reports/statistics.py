"""统计月报 and 季报 for the upper office: one row per town of the user's scope plus a total.

Leads are counted by `saohei.leads.stats` (受理, 办结, 查实, 查结率, 查实率, 逾期, 期末积存: the
definitions printed on the 线索统计 page); nothing here re-derives them. For rectification
items, with 统计截止日 = the period's last day or today, whichever is earlier:

- 本期新增: items put on the ledger within the period; 本期销号: items whose 销号 fell in it.
- 累计事项 / 累计销号: every item on the ledger / closed by the end of the 统计截止日.
- 期末逾期: items on the ledger by then, neither closed nor awaiting 销号 审核 then, whose
  deadline lies before the 统计截止日 (today this is exactly the ledger's 已逾期 filter).
- 整改完成率 = 累计销号 / 累计事项.

Publicity totals per kind come from `saohei.publicity.queries.kind_totals`.
"""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q
from django.utils import timezone

from saohei.leads import stats as lead_stats
from saohei.leads.models import Lead, Source
from saohei.organisations.models import Unit, User
from saohei.publicity import queries as publicity_queries
from saohei.publicity.access import visible_activities
from saohei.rectifications.access import visible_items
from saohei.rectifications.models import Status

ONE_DAY = datetime.timedelta(days=1)
QUARTER_NAMES = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}


class PeriodKind:
    MONTH = "month"
    QUARTER = "quarter"


@dataclass(frozen=True)
class Period:
    kind: str
    year: int
    number: int  # the month (1–12) or the quarter (1–4)

    @property
    def date_from(self) -> datetime.date:
        month = self.number if self.kind == PeriodKind.MONTH else (self.number - 1) * 3 + 1
        return datetime.date(self.year, month, 1)

    @property
    def date_to(self) -> datetime.date:
        months = 1 if self.kind == PeriodKind.MONTH else 3
        month = self.date_from.month + months
        year = self.year + (month - 1) // 12
        return datetime.date(year, (month - 1) % 12 + 1, 1) - ONE_DAY

    @property
    def label(self) -> str:
        if self.kind == PeriodKind.MONTH:
            return f"{self.year}年{self.number}月"
        return f"{self.year}年{QUARTER_NAMES[self.number]}"

    @property
    def report_name(self) -> str:
        return "统计月报" if self.kind == PeriodKind.MONTH else "统计季报"

    @property
    def slug(self) -> str:
        if self.kind == PeriodKind.MONTH:
            return f"{self.year}-{self.number:02d}"
        return f"{self.year}-Q{self.number}"

    def previous(self) -> "Period":
        last = 12 if self.kind == PeriodKind.MONTH else 4
        if self.number == 1:
            return Period(self.kind, self.year - 1, last)
        return Period(self.kind, self.year, self.number - 1)


def period_containing(kind: str, day: datetime.date) -> Period:
    number = day.month if kind == PeriodKind.MONTH else (day.month - 1) // 3 + 1
    return Period(kind, day.year, number)


def rate(part: int, whole: int) -> str:
    """A percentage with one decimal, rounded half up like the lead statistics; — when no base."""
    if not whole:
        return "—"
    percent = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return f"{percent}%"


@dataclass(frozen=True)
class RectificationTally:
    label: str
    opened: int = 0
    closed: int = 0
    total: int = 0
    closed_total: int = 0
    overdue: int = 0

    @property
    def open(self) -> int:
        return self.total - self.closed_total

    @property
    def completion_rate(self) -> str:
        return rate(self.closed_total, self.total)

    def __add__(self, other: "RectificationTally") -> "RectificationTally":
        return RectificationTally(
            label=self.label,
            opened=self.opened + other.opened,
            closed=self.closed + other.closed,
            total=self.total + other.total,
            closed_total=self.closed_total + other.closed_total,
            overdue=self.overdue + other.overdue,
        )


@dataclass(frozen=True)
class TownReport:
    label: str
    leads: lead_stats.Tally
    # One tally per lead source, in the order of `Source`.
    leads_by_source: list[lead_stats.Tally]
    rectifications: RectificationTally
    publicity: list[publicity_queries.KindTotal]


@dataclass(frozen=True)
class PeriodReport:
    period: Period
    as_of: datetime.date
    towns: list[TownReport]
    total: TownReport
    generated_at: datetime.datetime = field(default_factory=timezone.localtime)

    @property
    def rows(self) -> list[TownReport]:
        """The towns and, when there are several, the total under them."""
        return [*self.towns, self.total] if len(self.towns) > 1 else self.towns


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _lead_tallies(
    towns: list[Unit], period: Period, as_of: datetime.date
) -> dict[tuple[int, str], lead_stats.Tally]:
    """(town id, source) → the lead statistics' tally, in one grouped query."""
    counts = lead_stats.tally_counts(date_from=period.date_from, as_of=as_of)
    rows = (
        Lead.objects.filter(unit__in=towns, received_at__lt=_day_start(as_of + ONE_DAY))
        .order_by()
        .values("unit_id", "source")
        .annotate(**counts)
    )
    return {
        (row["unit_id"], row["source"]): lead_stats.tally_from_row(Source(row["source"]).label, row)
        for row in rows
    }


def _rectification_tallies(
    user: User, towns: list[Unit], period: Period, as_of: datetime.date
) -> dict[int, RectificationTally]:
    """Town id → the items' counts (definitions above), in one grouped query."""
    start, end = _day_start(period.date_from), _day_start(as_of + ONE_DAY)
    on_ledger = Q(created_at__lt=end)
    closed_by_end = Q(status=Status.CLOSED, closed_at__lt=end)
    awaiting_at_end = Q(status__in=[Status.REQUESTED, Status.CLOSED], requested_at__lt=end)
    rows = (
        visible_items(user)
        .filter(unit__in=towns, created_at__lt=end)
        .order_by()
        .values("unit_id")
        .annotate(
            opened=Count("pk", filter=Q(created_at__gte=start)),
            closed=Count("pk", filter=closed_by_end & Q(closed_at__gte=start)),
            total=Count("pk", filter=on_ledger),
            closed_total=Count("pk", filter=closed_by_end),
            overdue=Count(
                "pk",
                filter=on_ledger & Q(due_on__lt=as_of) & ~closed_by_end & ~awaiting_at_end,
            ),
        )
    )
    return {
        row["unit_id"]: RectificationTally(
            label="",
            opened=row["opened"],
            closed=row["closed"],
            total=row["total"],
            closed_total=row["closed_total"],
            overdue=row["overdue"],
        )
        for row in rows
    }


def get_period_report(
    *, user: User, towns: list[Unit], period: Period, today: datetime.date | None = None
) -> PeriodReport:
    """Every figure of the report for `towns`; 2 queries per town (publicity) plus 3."""
    today = today or timezone.localdate()
    as_of = min(period.date_to, today)
    leads = _lead_tallies(towns, period, as_of)
    rectifications = _rectification_tallies(user, towns, period, as_of)
    activities = visible_activities(user).current()
    reports = []
    for town in towns:
        by_source = [
            leads.get((town.pk, source.value), lead_stats.Tally(label=source.label))
            for source in Source
        ]
        reports.append(
            TownReport(
                label=town.name,
                leads=_sum(town.name, by_source),
                leads_by_source=by_source,
                rectifications=rectifications.get(town.pk, RectificationTally(label="")),
                publicity=publicity_queries.kind_totals(
                    activities.filter(town=town),
                    date_from=period.date_from,
                    date_to=as_of,
                ),
            )
        )
    return PeriodReport(period=period, as_of=as_of, towns=reports, total=_total(reports))


def _sum(label: str, tallies: list[lead_stats.Tally]) -> lead_stats.Tally:
    total = lead_stats.Tally(label=label)
    for tally in tallies:
        total += tally
    return total


def _total(reports: list[TownReport]) -> TownReport:
    by_source = [
        _sum(source.label, [report.leads_by_source[index] for report in reports])
        for index, source in enumerate(Source)
    ]
    rectifications = RectificationTally(label="")
    publicity: dict[int, publicity_queries.KindTotal] = {}
    for report in reports:
        rectifications += report.rectifications
        for entry in report.publicity:
            known = publicity.get(entry.kind.pk)
            publicity[entry.kind.pk] = (
                entry
                if known is None
                else publicity_queries.KindTotal(
                    kind=entry.kind,
                    quantity=known.quantity + entry.quantity,
                    hours=known.hours + entry.hours,
                    reach=known.reach + entry.reach,
                    activities=known.activities + entry.activities,
                )
            )
    return TownReport(
        label="合计",
        leads=_sum("合计", by_source),
        leads_by_source=by_source,
        rectifications=rectifications,
        publicity=list(publicity.values()),
    )
