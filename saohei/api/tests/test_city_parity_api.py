"""市级交办 in the API as on the /city/ pages (issue 15, decision 0068 addendum): the list's
status and town filters (the page's form and query) and the 反馈表 export (the page's file)."""

import io
from collections.abc import Callable
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from saohei.api.tests.test_city_api import Api, _error
from saohei.audit.models import AuditAction, AuditEvent
from saohei.city_assignments.models import CityAssignment
from saohei.city_assignments.tests import conftest as city_fixtures
from saohei.city_assignments.tests.conftest import conclude_and_feed_back
from saohei.organisations.models import Unit

pytestmark = pytest.mark.django_db

city = city_fixtures.city
town = city_fixtures.town
other_town = city_fixtures.other_town
other_city = city_fixtures.other_city
assigned = city_fixtures.assigned
Assigned = Callable[..., CityAssignment]


def _ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content.decode()
    return [item["id"] for item in response.json()["items"]]


def _page_numbers(client: Client, params: dict[str, Any]) -> set[str]:
    page = client.get(reverse("city_assignments:list"), params)
    assert page.status_code == 200
    return {
        assignment.number
        for assignment in CityAssignment.objects.all()
        if assignment.number in page.content.decode()
    }


def test_the_list_filters_by_status_and_town_as_the_page(
    assigned: Assigned, town: Unit, other_town: Unit, client_as: Callable[[str], Client]
) -> None:
    waiting = assigned(number="SJ-W")
    submitted = assigned(number="SJ-S")
    elsewhere = assigned(number="SJ-L", towns=[other_town])
    conclude_and_feed_back(submitted.towns.get().lead)
    api, page = Api("shiban"), client_as("shiban")

    cases: list[tuple[dict[str, Any], set[int]]] = [
        ({"status": "submitted"}, {submitted.pk}),
        ({"status": "open"}, {waiting.pk, submitted.pk, elsewhere.pk}),
        ({"town_id": other_town.pk}, {elsewhere.pk}),
        ({"status": "open", "town_id": town.pk}, {waiting.pk, submitted.pk}),
        ({"status": "done"}, set()),
    ]
    for params, expected in cases:
        assert set(_ids(api.get("/assignments", params))) == expected, params
        page_params = {"town" if key == "town_id" else key: value for key, value in params.items()}
        numbers = {CityAssignment.objects.get(pk=pk).number for pk in expected}
        assert _page_numbers(page, page_params) == numbers, params


def test_a_filter_the_page_refuses_is_refused(
    assigned: Assigned, other_city: Unit, town: Unit
) -> None:
    assigned()
    foreign = Unit.objects.filter(parent=other_city).first() or other_city
    refused = _error(Api("shiban").get("/assignments", {"town_id": foreign.pk}), 400)
    assert "town_id" in refused["fields"]
    _error(Api("shiban").get("/assignments", {"status": "lost"}), 422)
    # Another city's supervisor: this city's town is not one of theirs.
    _error(Api("wdshiban").get("/assignments", {"town_id": town.pk}), 400)


def _numbers(content: bytes) -> list[str]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return sorted(str(row[1].value) for row in sheet.iter_rows(min_row=4) if row[1].value)


def test_the_supervisor_exports_the_pages_feedback_sheet(
    assigned: Assigned, client_as: Callable[[str], Client]
) -> None:
    for n in range(3):
        assigned(number=f"SJ-{n}")

    response = Api("shiban").get("/assignments/export")
    page = client_as("shiban").get(reverse("city_assignments:export"))

    assert response.status_code == 200
    assert response["Content-Type"] == page["Content-Type"]
    from_api = _numbers(b"".join(response.streaming_content))
    assert from_api == _numbers(b"".join(page.streaming_content))  # type: ignore[attr-defined]
    assert from_api == ["SJ-0", "SJ-1", "SJ-2"]
    assert AuditEvent.objects.filter(action=AuditAction.CITY_ASSIGNMENTS_EXPORTED).count() == 2


@pytest.mark.parametrize("username", ["banshi", "shuji", "cun01", "minjing"])
def test_the_export_is_refused_to_every_other_role(assigned: Assigned, username: str) -> None:
    assigned()
    assert _error(Api(username).get("/assignments/export"), 403)["code"] == "forbidden"
    assert not AuditEvent.objects.filter(action=AuditAction.CITY_ASSIGNMENTS_EXPORTED).exists()


def test_another_citys_supervisor_exports_none_of_this_city(
    assigned: Assigned, other_city: Unit
) -> None:
    assigned(number="SJ-X")
    response = Api("wdshiban").get("/assignments/export")
    assert response.status_code == 200
    assert _numbers(b"".join(response.streaming_content)) == []
    assert Api(None).get("/assignments/export").status_code == 401
