import pytest

from saohei.accountability.models import Talk, TalkReview
from saohei.demo.accountability import load_demo_accountability
from saohei.inspections.models import Finding, InspectionRound, Result
from saohei.organisations.models import Unit
from saohei.rectifications.models import RectificationItem, SourceKind

pytestmark = pytest.mark.django_db


def test_demo_talks_review_and_inspection_load_once(demo: None) -> None:
    town = Unit.objects.get(name="港西镇")

    created = load_demo_accountability(town)

    assert created > 0
    assert load_demo_accountability(town) == 0
    assert Talk.objects.filter(interviewer__username="shuji").count() == 22
    assert Talk.objects.exclude(interviewer__username="shuji").count() == 3
    review = TalkReview.objects.get()
    assert review.talks.count() == 22
    # One reviewed talk was corrected afterwards: it keeps the review and is queued again.
    edited = Talk.objects.get(edited_after_review_at__isnull=False)
    assert edited.review == review
    assert Talk.objects.unreviewed().count() == 3 + 1
    assert InspectionRound.objects.get().villages.count() == 21
    failed = Finding.objects.exclude(result=Result.PASSED)
    assert failed.count() == 5
    assert RectificationItem.objects.filter(source_kind=SourceKind.ARCHIVE_INSPECTION).count() == 5
    assert RectificationItem.objects.filter(source_kind=SourceKind.TALK).count() == 1
