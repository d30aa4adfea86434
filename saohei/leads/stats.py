"""线索统计 and the 清仓见底 report (DOMAIN.md §2), counted in the database.

Definitions (also printed on the page):

- 统计截止日 (as of): the period's last day, or today when the period runs into the future.
- 受理: leads of the town received within the period.
- 办结: of those, the ones concluded (办结, 归档 or 并案) by the end of the 统计截止日. A lead
  reopened since counts by its current state, i.e. as not concluded.
- 查结率 = 办结 / 受理; 查实率 = 查实 / 办结, where 查实 means a concluded lead whose conclusion
  is 查实-已立案侦查, 查实-治安处罚/行政处理 or 部分查实.
- 未办结 = 受理 − 办结; 逾期: 未办结 leads whose time limit lies before the 统计截止日.
- 期末积存: every lead received up to the 统计截止日 (in any period) still not concluded then.
  The 清仓见底 report lists exactly these; none left means 清仓见底.
"""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, F, Q
from django.utils import timezone

from saohei.common.roles import Role
from saohei.leads.models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    SUBSTANTIATED_CONCLUSIONS,
    Lead,
    LeadQuerySet,
    Source,
)
from saohei.organisations.access import grant_paths, units_within
from saohei.organisations.models import Unit, UnitKind, User
from saohei.organisations.queries import OFFICE_ROLES
from saohei.workdays.calendar import WorkingCalendar

STATS_ROLES = frozenset({*OFFICE_ROLES, Role.SUPERVISOR})
ONE_DAY = datetime.timedelta(days=1)


def list_stats_towns(user: User) -> list[Unit]:
    """The towns whose statistics the user may read: the office's own, a supervisor's below it."""
    paths = grant_paths(user, STATS_ROLES)
    return list(
        units_within(paths)
        .filter(kind=UnitKind.TOWN, is_active=True)
        .order_by("sort_order", "path")
    )


@dataclass(frozen=True)
class PeriodPreset:
    label: str
    date_from: datetime.date
    date_to: datetime.date


def period_presets(today: datetime.date) -> list[PeriodPreset]:
    """本月, 本季度, 本年 (whole calendar periods; the 统计截止日 stops at today)."""
    next_month = (today.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    quarter_start = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    quarter_next = (quarter_start.replace(day=28) + datetime.timedelta(days=65)).replace(day=1)
    return [
        PeriodPreset("本月", today.replace(day=1), next_month - ONE_DAY),
        PeriodPreset("本季度", quarter_start, quarter_next - ONE_DAY),
        PeriodPreset("本年", today.replace(month=1, day=1), today.replace(month=12, day=31)),
    ]


def _rate(part: int, whole: int) -> str:
    if not whole:
        return "—"
    percent = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return f"{percent}%"


@dataclass(frozen=True)
class Tally:
    label: str
    received: int = 0
    closed: int = 0
    substantiated: int = 0
    overdue: int = 0
    backlog: int = 0

    @property
    def open(self) -> int:
        return self.received - self.closed

    @property
    def clearance_rate(self) -> str:
        return _rate(self.closed, self.received)

    @property
    def substantiation_rate(self) -> str:
        return _rate(self.substantiated, self.closed)

    def __add__(self, other: "Tally") -> "Tally":
        return Tally(
            label=self.label,
            received=self.received + other.received,
            closed=self.closed + other.closed,
            substantiated=self.substantiated + other.substantiated,
            overdue=self.overdue + other.overdue,
            backlog=self.backlog + other.backlog,
        )


@dataclass(frozen=True)
class OpenLead:
    lead: Lead
    overdue_working_days: int  # 0 when not (yet) overdue on the 统计截止日


@dataclass(frozen=True)
class LeadStatistics:
    date_from: datetime.date
    date_to: datetime.date
    as_of: datetime.date
    by_town: list[Tally]
    by_source: list[Tally]
    total: Tally
    open_leads: list[OpenLead]
    # Open leads counted but not on this viewer's lead list: a count, never a number or a date.
    hidden_open: int = 0

    @property
    def is_cleared(self) -> bool:
        return self.total.backlog == 0


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _still_open(end: datetime.datetime) -> Q:
    return Q(status__in=OPEN_STATUSES) | Q(concluded_at__isnull=True) | Q(concluded_at__gte=end)


def tally_counts(*, date_from: datetime.date, as_of: datetime.date) -> dict[str, Count]:
    """The aggregates behind a `Tally` (definitions above) for the period up to `as_of`.

    Bounded on both sides, so any period can be counted under any grouping with `.aggregate()`
    or `.annotate()` (the home page's monthly trend, the reports).
    """
    end = _day_start(as_of + ONE_DAY)
    received = Q(received_at__gte=_day_start(date_from), received_at__lt=end)
    closed = Q(status__in=CLOSED_STATUSES, concluded_at__lt=end)
    still_open = _still_open(end)
    return {
        "received": Count("pk", filter=received),
        "closed": Count("pk", filter=received & closed),
        "substantiated": Count(
            "pk", filter=received & closed & Q(conclusion__in=SUBSTANTIATED_CONCLUSIONS)
        ),
        "overdue": Count("pk", filter=received & still_open & Q(due_on__lt=as_of)),
        "backlog": Count("pk", filter=still_open & Q(received_at__lt=end)),
    }


def get_lead_statistics(
    *,
    towns: list[Unit],
    date_from: datetime.date,
    date_to: datetime.date,
    today: datetime.date | None = None,
    listable: LeadQuerySet,
) -> LeadStatistics:
    """Counts per town and per source, and the open leads at the 统计截止日; constant queries."""
    today = today or timezone.localdate()
    as_of = min(date_to, today)
    end = _day_start(as_of + ONE_DAY)
    still_open = _still_open(end)
    counts = tally_counts(date_from=date_from, as_of=as_of)
    # Everything received up to the 统计截止日: the period's leads and the older backlog.
    leads = Lead.objects.filter(unit__in=towns, received_at__lt=end).order_by()
    per_town = {row["unit_id"]: row for row in leads.values("unit_id").annotate(**counts)}
    per_source = {row["source"]: row for row in leads.values("source").annotate(**counts)}
    by_town = [tally_from_row(town.name, per_town.get(town.pk)) for town in towns]
    by_source = [tally_from_row(source.label, per_source.get(source.value)) for source in Source]
    total = Tally(label="合计")
    for tally in by_town:
        total += tally

    # Counts are statistics of the towns; the named list is the viewer's own lead list.
    open_rows = leads.filter(still_open, pk__in=listable.values("pk"))
    rows = list(
        open_rows.select_related("unit", "handling_unit", "handler").order_by(
            F("due_on").asc(nulls_last=True), "received_at", "id"
        )
    )
    return LeadStatistics(
        date_from=date_from,
        date_to=date_to,
        as_of=as_of,
        by_town=by_town,
        by_source=by_source,
        total=total,
        open_leads=_with_overdue_days(rows, as_of),
        hidden_open=total.backlog - len(rows),
    )


def tally_from_row(label: str, row: Mapping[str, Any] | None) -> Tally:
    if row is None:
        return Tally(label=label)
    return Tally(
        label=label,
        received=row["received"],
        closed=row["closed"],
        substantiated=row["substantiated"],
        overdue=row["overdue"],
        backlog=row["backlog"],
    )


def _with_overdue_days(rows: list[Lead], as_of: datetime.date) -> list[OpenLead]:
    """Working days overdue per lead, from one running count over the calendar (not per lead)."""
    due_days = [lead.due_on for lead in rows if lead.due_on is not None and lead.due_on < as_of]
    if not due_days:
        return [OpenLead(lead, 0) for lead in rows]
    first = min(due_days)
    calendar = WorkingCalendar()
    calendar.load(first, as_of)
    # working_days_up_to[d]: working days after `first` up to and including d.
    working_days_up_to: dict[datetime.date, int] = {}
    running, day = 0, first
    while day <= as_of:
        if day > first and calendar.is_working_day(day):
            running += 1
        working_days_up_to[day] = running
        day += ONE_DAY
    return [
        OpenLead(
            lead,
            working_days_up_to[as_of] - working_days_up_to[lead.due_on]
            if lead.due_on is not None and lead.due_on < as_of
            else 0,
        )
        for lead in rows
    ]
