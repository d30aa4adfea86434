"""Read-side figures of the publicity ledger. Callers pass a queryset already scoped by access."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Sum

from saohei.publicity.models import PublicityActivityQuerySet, PublicityKind


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
