"""The talk list pages newest first by cursor: nothing beyond a fixed cap is ever hidden."""

import re
from collections.abc import Callable
from datetime import timedelta

from django.test import Client
from django.utils import timezone

from saohei.accountability.tests.conftest import RecordTalk


def talk_ids(page: str) -> list[str]:
    return re.findall(r'href="/talks/(\d+)/"', page)


def test_every_talk_is_reached_page_by_page(
    record_talk: RecordTalk, client_as: Callable[[str], Client]
) -> None:
    today = timezone.localdate()
    talks = [record_talk(talked_on=today - timedelta(days=n % 40 + 1)) for n in range(55)]
    client = client_as("banshi")

    first = client.get("/talks/").content.decode()
    after = re.search(r'after=([\w-]+)"', first)
    assert after is not None and len(set(talk_ids(first))) == 50
    second = client.get(f"/talks/?after={after.group(1)}").content.decode()
    assert "before=" in second and "after=" not in second

    seen = set(talk_ids(first)) | set(talk_ids(second))
    assert {str(talk.pk) for talk in talks} <= seen
