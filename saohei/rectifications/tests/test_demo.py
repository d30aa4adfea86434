import pytest
from django.utils import timezone

from saohei.demo.rectifications import load_demo_rectifications
from saohei.organisations.models import Unit
from saohei.rectifications.models import RectificationItem, Status

pytestmark = pytest.mark.django_db


def test_demo_items_cover_every_state_and_load_once(demo: None) -> None:
    town = Unit.objects.get(name="港西镇")
    created = load_demo_rectifications(town)
    assert load_demo_rectifications(town) == 0
    items = RectificationItem.objects.all()
    assert items.count() == created == 6
    assert {item.status for item in items} == {Status.OPEN, Status.REQUESTED, Status.CLOSED}
    assert items.overdue(timezone.localdate()).count() == 2
    assert items.values("village").distinct().count() >= 5
    assert items.values("source_kind").distinct().count() == 5
