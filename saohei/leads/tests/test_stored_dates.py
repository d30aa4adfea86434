"""A lead whose dates were written past validation (an old bug, SQL by hand) breaks no page,
and the registration form refuses such dates in the first place.

The cell shows 日期异常 and the incident is logged; every other lead still shows.
"""

import base64
import datetime
import io
import logging
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from openpyxl import load_workbook

from saohei.api.services import create_api_token
from saohei.common.dates import INVALID_DATE_MARK
from saohei.leads.models import Lead
from saohei.leads.tests.test_views import _form
from saohei.organisations.models import User

pytestmark = pytest.mark.django_db
UTC = datetime.UTC

PAGES = ["/", "/leads/", "/leads/stats/", "/leads/export.xlsx"]


def _plant_year_one(lead: Lead) -> None:
    Lead.objects.filter(pk=lead.pk).update(
        received_at=datetime.datetime(1, 1, 1, tzinfo=UTC), due_on=datetime.date(1, 1, 1)
    )


def _plant_year_9999(lead: Lead) -> None:
    # Beijing time is ahead of UTC: this moment has no local time Python can hold.
    Lead.objects.filter(pk=lead.pk).update(
        received_at=datetime.datetime(9999, 12, 31, 23, 0, tzinfo=UTC),
        due_on=datetime.date(9999, 12, 31),
    )


def _plant_before_christ(lead: Lead) -> None:
    # What the API wrote for "0001-01-01" in Beijing time: 1 BC in UTC, unreadable by psycopg.
    if connection.vendor != "postgresql":
        pytest.skip("only PostgreSQL stores years before 1")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE leads_lead SET received_at = '0001-12-31 15:54:17+00 BC',"
            " due_on = '0001-01-01 BC' WHERE id = %s",
            [lead.pk],
        )


PLANTS = {
    "year_one": _plant_year_one,
    "year_9999": _plant_year_9999,
    "before_christ": _plant_before_christ,
}


@pytest.fixture(params=sorted(PLANTS))
def planted(request: Any, register: Callable[..., Lead]) -> tuple[Lead, Lead]:
    bad, good = register(), register(summary="村口砂石场强揽运输")
    PLANTS[request.param](bad)
    return bad, good


@pytest.mark.parametrize("path", PAGES)
def test_a_lead_with_an_impossible_stored_date_breaks_no_lead_page(
    planted: tuple[Lead, Lead],
    client_as: Callable[[str], Client],
    path: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)

    response = client_as("banshi").get(path)

    assert response.status_code == 200


def test_the_list_marks_the_bad_cell_logs_it_and_still_shows_every_lead(
    planted: tuple[Lead, Lead],
    client_as: Callable[[str], Client],
    caplog: pytest.LogCaptureFixture,
) -> None:
    bad, good = planted
    caplog.set_level(logging.WARNING)

    page = client_as("banshi").get("/leads/").content.decode()

    assert bad.number in page and good.number in page
    assert INVALID_DATE_MARK in page
    assert any("cannot be shown" in record.getMessage() for record in caplog.records)
    assert not any(bad.summary in record.getMessage() for record in caplog.records)


def test_the_ledger_marks_the_bad_cell_and_keeps_the_good_row(
    planted: tuple[Lead, Lead], client_as: Callable[[str], Client]
) -> None:
    bad, good = planted

    response = client_as("banshi").get("/leads/export.xlsx")

    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active  # type: ignore[attr-defined]
    rows = {row[1]: row for row in sheet.iter_rows(min_row=3, values_only=True)}
    assert INVALID_DATE_MARK in rows[bad.number]
    assert INVALID_DATE_MARK not in rows[good.number]


def test_the_lead_page_and_the_api_show_the_bad_lead_marked(
    planted: tuple[Lead, Lead], client_as: Callable[[str], Client]
) -> None:
    bad, good = planted
    _, token = create_api_token(user=User.objects.get(username="banshi"), name="测试")
    headers = {"Authorization": f"Bearer {token}"}
    api = Client()

    listing = api.get("/api/v1/leads", headers=headers)
    detail = api.get(f"/api/v1/leads/{bad.pk}", headers=headers)
    page = client_as("banshi").get(f"/leads/{bad.pk}/")

    assert listing.status_code == 200, listing.content.decode()
    items = {item["number"]: item for item in listing.json()["items"]}
    assert items[bad.number]["received_at"] == INVALID_DATE_MARK
    assert items[good.number]["received_at"] != INVALID_DATE_MARK
    assert detail.status_code == 200
    assert detail.json()["received_at"] == INVALID_DATE_MARK
    assert page.status_code == 200
    assert INVALID_DATE_MARK in page.content.decode()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"received_at": "0001-01-01T00:00"}, "受理时间不能早于2000年1月1日"),
        ({"received_at": "2999-12-31T00:00"}, "受理时间不能晚于今天"),
        ({"upstream_deadline": "0001-01-01"}, "上级要求办结日期不能早于2000年1月1日"),
        ({"upstream_deadline": "2999-12-31"}, "上级要求办结日期不能晚于"),
    ],
)
def test_the_registration_form_refuses_impossible_dates_and_writes_nothing(
    client_as: Callable[[str], Client], overrides: dict[str, str], message: str
) -> None:
    response = client_as("banshi").post("/leads/new/", _form(**overrides))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Lead.objects.exists()


@pytest.mark.parametrize(
    "moment", ["0001-01-01T00:00:00+08:00", "0001-01-01T00:00:00", "9999-12-31T23:00:00+00:00"]
)
def test_a_forged_cursor_with_an_impossible_moment_shows_the_first_page(
    register: Callable[..., Lead], client_as: Callable[[str], Client], moment: str
) -> None:
    lead = register()
    cursor = base64.urlsafe_b64encode(f"{moment}|{lead.pk}".encode()).decode().rstrip("=")
    _, token = create_api_token(user=User.objects.get(username="banshi"), name="测试")

    page = client_as("banshi").get("/leads/", {"after": cursor})
    listing = Client().get(
        "/api/v1/leads", {"after": cursor}, headers={"Authorization": f"Bearer {token}"}
    )

    assert page.status_code == 200
    assert listing.status_code == 200, listing.content.decode()
