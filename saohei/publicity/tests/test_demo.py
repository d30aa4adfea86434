"""The demo's publicity reaches the seed's figures exactly, and loading twice changes nothing."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from saohei.demo.loader import load_demo_town
from saohei.organisations.models import Unit
from saohei.publicity.models import PlaceType, PublicityActivity, PublicitySchedule
from saohei.publicity.queries import kind_totals

pytestmark = pytest.mark.django_db

SEED_TOTALS = {
    "slogan": Decimal(450),
    "banner": Decimal(120),
    "board": Decimal(180),
    "car": Decimal(206),
    "leaflet": Decimal(6800),
    "wechat": Decimal(6),
    "led": Decimal(1836),
}


def test_demo_totals_to_date_are_the_seeds_numbers() -> None:
    load_demo_town(with_history=True)
    town = Unit.objects.get(name="港西镇")
    activities = PublicityActivity.objects.filter(town=town)
    totals = {total.kind.code: total for total in kind_totals(activities)}
    assert {code: totals[code].quantity for code in SEED_TOTALS} == SEED_TOTALS
    assert totals["car"].hours > 0
    assert totals["wechat"].reach > 0
    assert totals["broadcast"].activities > 0 and totals["event"].reach > 0
    schedule = PublicitySchedule.objects.get(town=town)
    assert schedule.ends_on is not None and schedule.accrued_through == schedule.ends_on
    assert schedule.activities.count() == 153
    today = timezone.localdate()
    assert not activities.filter(occurred_on__gt=today).exists()
    assert activities.filter(occurred_on__lt=today - timedelta(days=366)).count() == 0
    assert activities.exclude(village=None).values("village").distinct().count() == 21
    assert set(activities.values_list("place_type", flat=True)) == set(PlaceType.values)

    load_demo_town(with_history=True)
    again = {total.kind.code: total.quantity for total in kind_totals(activities)}
    assert {code: again[code] for code in SEED_TOTALS} == SEED_TOTALS
