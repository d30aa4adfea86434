"""/api/v1/workdays: the working-day calendar as the page shows it — any signed-in account,
one month's whole weeks, the year's overrides, the page's refusals of a month; anonymous 401.
Overrides added and removed by the page's editors through the page's services."""

import datetime
import json
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from saohei.api.services import create_api_token
from saohei.audit.models import AuditAction, AuditEvent
from saohei.organisations.models import User
from saohei.workdays import services
from saohei.workdays.calendar import WorkingCalendar
from saohei.workdays.models import CalendarOverride

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _isolated() -> None:
    cache.clear()


def _get(query: str, username: str | None) -> object:
    headers = {}
    if username is not None:
        _, token = create_api_token(user=User.objects.get(username=username), name="日历")
        headers = {"Authorization": f"Bearer {token}"}
    return Client().get(f"/api/v1/workdays{query}", headers=headers)


@pytest.mark.parametrize("username", ["banshi", "cun02", "minjing", "shiban"])
def test_every_signed_in_account_reads_a_month(demo: None, username: str) -> None:
    services.add_override(
        actor=User.objects.get(username="banshi"),
        day=datetime.date(2031, 2, 3),
        is_working_day=False,
        reason="2031年春节",
    )
    response = _get("?month=2031-02", username)
    assert response.status_code == 200, response.content  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["month"] == "2031-02" and len(body["days"]) % 7 == 0
    day = next(row for row in body["days"] if row["day"] == "2031-02-03")
    assert day["is_override"] and not day["is_working_day"] and day["name"] == "2031年春节"
    assert [row["reason"] for row in body["overrides"]] == ["2031年春节"]
    assert body["can_change"] == (username == "banshi")


@pytest.mark.parametrize("month", ["2027-13", "1999-12", "二月"])
def test_a_month_the_page_refuses_is_a_400(demo: None, month: str) -> None:
    response = _get(f"?month={month}", "banshi")
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert "month" in response.json()["error"]["fields"]  # type: ignore[attr-defined]


def test_anonymous_is_refused(demo: None) -> None:
    response = _get("", None)
    assert response.status_code == 401  # type: ignore[attr-defined]
    assert set(response.json()["error"]) == {"code", "message", "fields"}  # type: ignore[attr-defined]


def _post(path: str, body: dict[str, Any], username: str | None) -> Any:
    headers = {}
    if username is not None:
        _, token = create_api_token(user=User.objects.get(username=username), name="日历")
        headers = {"Authorization": f"Bearer {token}"}
    return Client().post(
        f"/api/v1/workdays{path}",
        json.dumps(body),
        content_type="application/json",
        headers=headers,
    )


SPRING = {"day": "2031-02-03", "is_working_day": False, "reason": "2031年春节"}


@pytest.mark.parametrize("username", ["banshi", "xitong"])
def test_the_pages_editors_add_and_remove_a_day(demo: None, username: str) -> None:
    added = _post("/overrides", SPRING, username)

    assert added.status_code == 201, added.content
    override = CalendarOverride.objects.get(pk=added.json()["id"])
    assert override.reason == "2031年春节" and not override.is_working_day
    assert not WorkingCalendar().is_working_day(datetime.date(2031, 2, 3))
    again = _post("/overrides", SPRING, username)
    assert again.status_code == 400 and "day" in again.json()["error"]["fields"]

    removed = _post(f"/overrides/{override.pk}/remove", {}, username)

    assert removed.status_code == 200, removed.content
    assert not CalendarOverride.objects.exists()
    assert AuditEvent.objects.filter(action=AuditAction.CALENDAR_CHANGED).count() == 2
    assert _post(f"/overrides/{override.pk}/remove", {}, username).status_code == 404


@pytest.mark.parametrize("username", ["shuji", "cun02", "minjing", "shiban", None])
def test_no_one_else_changes_the_calendar(demo: None, username: str | None) -> None:
    existing = services.add_override(
        actor=User.objects.get(username="banshi"),
        day=datetime.date(2031, 2, 4),
        is_working_day=False,
        reason="2031年春节",
    )
    refused = 401 if username is None else 403

    added = _post("/overrides", SPRING, username)
    removed = _post(f"/overrides/{existing.pk}/remove", {}, username)

    assert added.status_code == refused and set(added.json()) == {"error"}
    assert removed.status_code == refused and set(removed.json()) == {"error"}
    assert list(CalendarOverride.objects.values_list("pk", flat=True)) == [existing.pk]
