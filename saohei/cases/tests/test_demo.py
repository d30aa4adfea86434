"""The demo town's 15 reviewed cases (the seed's 治安案件倒查)."""

import pytest

from saohei.audit.models import AuditEvent
from saohei.cases.models import Case, CasePersonPlate, CaseReview, ImportJob, ReviewConclusion
from saohei.demo.cases import load_demo_cases
from saohei.organisations.models import Unit

pytestmark = pytest.mark.django_db


def test_demo_loads_fifteen_cases_all_reviewed_as_excluded(town: Unit) -> None:
    assert load_demo_cases(town) == 15
    cases = Case.objects.filter(unit=town)
    assert cases.count() == 15
    assert min(cases.values_list("occurred_on", flat=True)).year == 2012
    assert cases.values("village").distinct().count() == 15
    assert {"寻衅滋事", "故意伤害", "聚众斗殴", "故意毁坏财物", "敲诈勒索"} <= set(
        cases.values_list("cause", flat=True)
    )
    reviews = CaseReview.objects.filter(case__unit=town)
    assert reviews.count() == 15
    assert set(reviews.values_list("conclusion", flat=True)) == {ReviewConclusion.EXCLUDED}
    assert set(reviews.values_list("reviewer__username", flat=True)) == {"banshi"}
    assert reviews.filter(is_gang=True).exclude(organiser="").count() == 3
    job = ImportJob.objects.get()
    assert job.created_by is not None and job.created_by.username == "minjing"


def test_demo_cases_load_once(town: Unit) -> None:
    load_demo_cases(town)
    events = AuditEvent.objects.count()
    assert load_demo_cases(town) == 0
    assert Case.objects.count() == 15
    assert AuditEvent.objects.count() == events


def test_demo_cases_carry_a_few_plates_none_shared(town: Unit) -> None:
    load_demo_cases(town)
    plates = list(CasePersonPlate.objects.values_list("number", flat=True))
    assert len(plates) == 7
    assert len(set(plates)) == len(plates)
    assert "鲁KD28517" in plates and "鲁K0912挂" in plates
