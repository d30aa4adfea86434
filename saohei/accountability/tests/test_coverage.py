"""Coverage figures on a known data set, and the demo's 21 of 21."""

from datetime import timedelta

import pytest
from django.utils import timezone

from saohei.accountability.queries import get_coverage, police_leaders
from saohei.accountability.tests.conftest import RecordTalk
from saohei.demo.accountability import load_demo_accountability
from saohei.organisations.models import Unit, User

pytestmark = pytest.mark.django_db


def test_police_leaders_are_the_chief_and_the_instructor(town: Unit) -> None:
    assert {user.username for user in police_leaders(town)} == {"suozhang", "jiaodaoyuan"}


def test_coverage_counts_talked_villages_and_names_the_missing(
    record_talk: RecordTalk, town: Unit
) -> None:
    today = timezone.localdate()
    record_talk(interviewees=[User.objects.get(username="cun02")])
    record_talk(
        interviewer=User.objects.get(username="fushuji"),
        interviewees=[User.objects.get(username="cun04"), User.objects.get(username="suozhang")],
    )
    # Outside the period: does not count.
    record_talk(
        interviewees=[User.objects.get(username="cun05")], talked_on=today - timedelta(days=90)
    )

    coverage = get_coverage(town, start=today - timedelta(days=30), end=today)

    assert len(coverage.villages) == 21
    assert coverage.villages_covered == 2
    assert "东岛村" not in coverage.villages_missing
    assert "南岭村" in coverage.villages_missing
    assert coverage.summary.startswith("21 个村居已谈 2 个，未谈：港西村、西岛村")
    assert coverage.police_covered == 1
    north = next(row for row in coverage.villages if row.label == "北港村")
    assert north.interviewers == ["于春梅"]


def test_demo_covers_21_of_21_villages_and_both_police_leaders(town: Unit) -> None:
    load_demo_accountability(town)
    today = timezone.localdate()

    coverage = get_coverage(town, start=today - timedelta(days=90), end=today)

    assert coverage.summary == "21 个村居已谈 21 个"
    assert coverage.police_covered == 2
    assert all("孙志远" in row.interviewers for row in coverage.villages)


def test_coverage_page_shows_the_summary(client_as, record_talk: RecordTalk) -> None:  # type: ignore[no-untyped-def]
    record_talk()
    response = client_as("banshi").get("/talks/coverage/")

    assert response.status_code == 200
    assert "21 个村居已谈 1 个，未谈：" in response.content.decode()
