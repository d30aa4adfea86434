"""Reads of the villages' monthly reports: months, due days, who has reported, the flags."""

from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.db.models import Count, Q
from django.utils import timezone

from saohei.leads.access import visible_leads
from saohei.leads.models import Lead, LeadQuerySet
from saohei.organisations.models import Unit, User
from saohei.village_reports.models import (
    DEFAULT_DUE_DAY,
    ReportKind,
    VillageReport,
    VillageReportSettings,
)

# How far back a village may still file a month it missed (the current month included).
REPORTABLE_MONTHS = 12


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def previous_month(month: date) -> date:
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def months_back(today: date, count: int) -> list[date]:
    """The current month and the `count - 1` before it, newest first."""
    months = [first_of_month(today)]
    while len(months) < count:
        months.append(previous_month(months[-1]))
    return months


def reportable_months(today: date) -> list[date]:
    return months_back(today, REPORTABLE_MONTHS)


def parse_month(value: str | None) -> date | None:
    """`YYYY-MM` as the month's first day; None when absent or malformed."""
    try:
        year, month = (value or "").split("-")
        return date(int(year), int(month), 1)
    except ValueError:
        return None


def due_day_of(town: Unit) -> int:
    row = VillageReportSettings.objects.filter(town=town).values_list("due_day", flat=True).first()
    return row if row is not None else DEFAULT_DUE_DAY


def due_on(month: date, *, due_day: int) -> date:
    """A month's report is due on `due_day` of the following month."""
    return next_month(month).replace(day=due_day)


def month_in_progress(today: date, *, due_day: int) -> date:
    """The month the villages are reporting now: the last one until its due day has passed."""
    last = previous_month(first_of_month(today))
    return last if today <= due_on(last, due_day=due_day) else first_of_month(today)


def _month_bounds(month: date) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    return (
        datetime.combine(month, time.min, tzinfo=zone),
        datetime.combine(next_month(month), time.min, tzinfo=zone),
    )


def leads_received_in(leads: LeadQuerySet, *, village: Unit, month: date) -> LeadQuerySet:
    start, end = _month_bounds(month)
    return leads.filter(village=village, received_at__gte=start, received_at__lt=end)


def linkable_leads(*, user: User, village: Unit, month: date) -> LeadQuerySet:
    """The leads registered for the village in the month that the head may see (their own
    village's leads handed to them; never one about an official or a cadre of theirs)."""
    return leads_received_in(visible_leads(user), village=village, month=month).order_by("number")


def list_village_reports(*, village: Unit, months: list[date]) -> dict[date, VillageReport]:
    reports = VillageReport.objects.filter(village=village, month__in=months).prefetch_related(
        "leads"
    )
    return {report.month: report for report in reports}


@dataclass
class VillageRow:
    village: Unit
    report: VillageReport | None
    # Leads registered after this month's 零报告 for the same village and month (office only).
    later_leads: list[Lead] = field(default_factory=list)

    @property
    def is_missing(self) -> bool:
        return self.report is None


def list_town_month(*, viewer: User, town: Unit, month: date) -> list[VillageRow]:
    """Every active village of the town and its report for the month (None: not reported),
    each 零报告 with the leads the viewer may see that were registered later for that month."""
    villages = list(Unit.objects.villages().active().filter(parent=town).order_by("path"))
    reports = {
        report.village_id: report
        for report in VillageReport.objects.filter(town=town, month=month)
        .select_related("submitted_by")
        .prefetch_related("leads")
    }
    start, end = _month_bounds(month)
    zero_reports = {
        report.village_id: report for report in reports.values() if report.kind == ReportKind.ZERO
    }
    later: dict[int, list[Lead]] = {}
    if zero_reports:
        candidates = visible_leads(viewer).filter(
            village_id__in=list(zero_reports), received_at__gte=start, received_at__lt=end
        )
        for lead in candidates.order_by("number"):
            assert lead.village_id is not None
            if lead.created_at > zero_reports[lead.village_id].submitted_at:
                later.setdefault(lead.village_id, []).append(lead)
    return [
        VillageRow(village, reports.get(village.pk), later.get(village.pk, []))
        for village in villages
    ]


@dataclass(frozen=True)
class TownCount:
    town: Unit
    villages: int
    reported: int
    zero: int

    @property
    def missing(self) -> int:
        return self.villages - self.reported


def count_by_town(*, towns: list[Unit], month: date) -> list[TownCount]:
    """Per town: active villages, those that reported for the month, and of them 零报告."""
    village_counts = dict(
        Unit.objects.villages()
        .active()
        .filter(parent__in=towns)
        .values_list("parent_id")
        .annotate(count=Count("pk"))
    )
    reported: dict[int, tuple[int, int]] = {
        row["town_id"]: (row["reported"], row["zero"])
        for row in VillageReport.objects.filter(
            town__in=towns, month=month, village__is_active=True
        )
        .values("town_id")
        .annotate(reported=Count("pk"), zero=Count("pk", filter=Q(kind=ReportKind.ZERO)))
    }
    return [
        TownCount(
            town=town,
            villages=village_counts.get(town.pk, 0),
            reported=reported.get(town.pk, (0, 0))[0],
            zero=reported.get(town.pk, (0, 0))[1],
        )
        for town in towns
    ]


def list_unreported_villages(*, town: Unit, month: date) -> list[Unit]:
    """Active villages of the town with no report for the month: the ones the ladder chases."""
    reported = VillageReport.objects.filter(town=town, month=month).values("village_id")
    return list(
        Unit.objects.villages()
        .active()
        .filter(parent=town)
        .exclude(pk__in=reported)
        .order_by("path")
    )
