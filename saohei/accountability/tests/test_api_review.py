"""/api/v1/talks/coverage and /review: the coverage and 定期梳理 pages in the API (issue 15,
decision 0068 addendum) — the pages' access helpers (`access.reader_town`,
`access.require_review_reader`), queries and service; other roles, other towns, anonymous
refused, nothing written."""

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from saohei.accountability.models import Talk, TalkReview
from saohei.accountability.tests.conftest import RecordTalk, move_grant
from saohei.api.services import create_api_token
from saohei.audit.models import AuditAction, AuditEvent
from saohei.common.roles import Role
from saohei.organisations.models import Unit, User

pytestmark = pytest.mark.django_db


def _call(method: str, path: str, username: str | None, body: Any = None) -> Any:
    headers = {}
    if username is not None:
        user = User.objects.get(username=username)
        headers["Authorization"] = f"Bearer {create_api_token(user=user, name='谈话')[1]}"
    if method == "get":
        return Client().get(f"/api/v1/talks{path}", body or {}, headers=headers)
    return Client().post(
        f"/api/v1/talks{path}",
        json.dumps(body or {}),
        content_type="application/json",
        headers=headers,
    )


def test_coverage_is_the_pages(record_talk: RecordTalk, town: Unit, client_as: Any) -> None:
    record_talk()

    shown = _call("get", "/coverage", "banshi")

    assert shown.status_code == 200, shown.content
    body = shown.json()
    assert body["town_id"] == town.pk
    row = next(row for row in body["villages"] if row["label"] == "东岛村")
    assert row["is_covered"] and row["interviewers"] == ["孙志远"]
    page = client_as("banshi").get(reverse("accountability:coverage")).content.decode()
    assert body["summary"] in page
    earlier = {"start": "2020-01-01", "end": "2020-12-31"}
    assert not any(
        row["is_covered"] for row in _call("get", "/coverage", "banshi", earlier).json()["villages"]
    )
    malformed = _call("get", "/coverage", "banshi", {"start": "2021-13-01"})
    assert malformed.status_code == 422


def test_coverage_is_refused_outside_the_town_readers(town: Unit, other_town: Unit) -> None:
    for username in ("cun01", "minjing"):
        assert _call("get", "/coverage", username).status_code == 403
    assert _call("get", "/coverage", None).status_code == 401
    outside = _call("get", "/coverage", "banshi", {"town_id": other_town.pk})
    assert outside.status_code == 404 and set(outside.json()) == {"error"}


def test_a_leader_reviews_the_queue_as_on_the_page(record_talk: RecordTalk, town: Unit) -> None:
    talk = record_talk()
    queue = _call("get", "/review", "shuji")
    assert queue.status_code == 200, queue.content
    assert [row["id"] for row in queue.json()["unreviewed"]] == [talk.pk]
    assert queue.json()["can_review"]

    reviewed = _call(
        "post",
        "/review",
        "shuji",
        {"covers_until": timezone.localdate().isoformat(), "opinion": "谈话扎实，继续保持"},
    )

    assert reviewed.status_code == 201, reviewed.content
    assert reviewed.json()["unreviewed"] == []
    assert reviewed.json()["reviews"][0]["opinion"] == "谈话扎实，继续保持"
    assert Talk.objects.get(pk=talk.pk).review_id is not None
    assert AuditEvent.objects.filter(action=AuditAction.TALKS_REVIEWED).exists()


def test_the_supervisor_reads_the_queue_but_may_not_review(
    record_talk: RecordTalk, town: Unit
) -> None:
    record_talk()
    move_grant("shiban", Role.SUPERVISOR, town)
    queue = _call("get", "/review", "shiban", {"town_id": town.pk})
    assert queue.status_code == 200 and not queue.json()["can_review"]
    body = {"covers_until": timezone.localdate().isoformat(), "opinion": "越权梳理"}
    assert _call("post", "/review", "shiban", body).status_code == 403
    assert not TalkReview.objects.exists()


@pytest.mark.parametrize("username", ["banshi", "cun01", "minjing", None])
def test_the_review_is_refused_to_every_other_role(
    record_talk: RecordTalk, username: str | None
) -> None:
    record_talk()
    refused = 401 if username is None else 403
    body = {
        "covers_until": (timezone.localdate() - timedelta(days=1)).isoformat(),
        "opinion": "越权梳理",
    }
    assert _call("get", "/review", username).status_code == refused
    response = _call("post", "/review", username, body)
    assert response.status_code == refused and set(response.json()) == {"error"}
    assert not TalkReview.objects.exists()


def test_another_towns_review_is_not_found(record_talk: RecordTalk, other_town: Unit) -> None:
    record_talk()
    body = {
        "town_id": other_town.pk,
        "covers_until": timezone.localdate().isoformat(),
        "opinion": "x",
    }
    assert _call("post", "/review", "shuji", body).status_code == 404
    assert not TalkReview.objects.exists()
