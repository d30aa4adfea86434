import pytest
from django.utils import timezone

from saohei.organisations.models import Unit, User
from saohei.village_reports import queries

pytestmark = pytest.mark.django_db


def test_the_demo_town_has_last_months_reports_with_two_villages_missing(
    demo_history: Unit,
) -> None:
    month = queries.previous_month(timezone.localdate().replace(day=1))
    office = User.objects.get(username="banshi")

    rows = queries.list_town_month(viewer=office, town=demo_history, month=month)

    assert len([row for row in rows if row.is_missing]) == 2
    assert any(row.report and row.report.kind == "zero" for row in rows)
    assert any(row.report and row.report.kind == "leads" for row in rows)
