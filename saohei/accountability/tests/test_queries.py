"""Query counts: the list, coverage and review queue stay flat however many talks there are.

Measured: the same count for 3 talks as for 60 (16 / 17 / 14 with the session and menu); the
limits leave 2 for the shared layout, far below the 60+ an N+1 over the talks would add.
"""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from saohei.accountability.models import Talk, TalkKind, TalkReview, Topic
from saohei.common.roles import Role
from saohei.organisations.models import Unit, User

pytestmark = pytest.mark.django_db
ClientAs = Callable[[str], Client]
TALKS = 60


@pytest.fixture
def many_talks(town: Unit) -> None:
    build_talks(town, TALKS)


def build_talks(town: Unit, count: int) -> None:
    """Talks with two village heads each; every third reviewed, every sixth edited after."""
    heads = list(
        User.objects.filter(role_grants__role=Role.VILLAGE_HEAD, unit__path__startswith=town.path)
    )
    secretary = User.objects.get(username="shuji")
    office = User.objects.get(username="banshi")
    review = TalkReview.objects.create(
        unit=town, reviewer=secretary, covers_until=timezone.localdate(), opinion="同意"
    )
    today = timezone.localdate()
    talks = Talk.objects.bulk_create(
        Talk(
            unit=town,
            talked_on=today - timedelta(days=number % 200),
            place="村委会",
            interviewer=secretary if number % 2 else User.objects.get(username="fushuji"),
            recorder=office,
            kind=TalkKind.ROUTINE,
            topics=[Topic.FOUNDATION],
            content="谈话内容",
            created_by=office,
            review=review if number % 3 == 0 else None,
            edited_by=office if number % 6 == 0 else None,
            edited_at=timezone.now() if number % 6 == 0 else None,
            edited_after_review_at=timezone.now() if number % 6 == 0 else None,
        )
        for number in range(count)
    )
    through = Talk.interviewees.through
    through.objects.bulk_create(
        through(talk_id=talk.pk, user_id=heads[(number + offset) % len(heads)].pk)
        for number, talk in enumerate(talks)
        for offset in (0, 1)
    )


@pytest.mark.parametrize("username", ["banshi", "shiban"])
def test_talk_list_queries_do_not_grow_with_talks(
    client_as: ClientAs,
    many_talks: None,
    django_assert_max_num_queries,
    username: str,  # type: ignore[no-untyped-def]
) -> None:
    client = client_as(username)
    with django_assert_max_num_queries(18):
        response = client.get("/talks/")

    assert response.status_code == 200
    # One page of 50, newest first (the rest by cursor: test_list_paging.py).
    assert TALKS > 50 and "after=" in response.content.decode()
    assert response.content.decode().count('href="/talks/') >= 50


def test_coverage_queries_do_not_grow_with_talks(
    client_as: ClientAs,
    many_talks: None,
    django_assert_max_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    client = client_as("banshi")
    with django_assert_max_num_queries(19):
        response = client.get("/talks/coverage/")

    assert response.status_code == 200
    assert "21 个村居已谈 21 个" in response.content.decode()


@pytest.mark.parametrize("username", ["shuji", "shiban"])
def test_review_queue_queries_do_not_grow_with_talks(
    client_as: ClientAs,
    many_talks: None,
    django_assert_max_num_queries,
    username: str,  # type: ignore[no-untyped-def]
) -> None:
    client = client_as(username)
    with django_assert_max_num_queries(16):
        response = client.get("/talks/review/")

    assert response.status_code == 200
    # Two thirds were never reviewed, and every sixth was edited after its review.
    assert f"待梳理的谈话记录（{TALKS - TALKS // 3 + TALKS // 6} 份）" in response.content.decode()
