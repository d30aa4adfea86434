"""/api/v1/reports: 台账中心's ledgers and the 统计月报/季报 as the pages hand them out (issue 15,
decision 0068 addendum) — `reports.downloads`, shared with the pages; other roles, a village
outside the account's scope and the anonymous refused."""

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from saohei.api.services import create_api_token
from saohei.audit.models import AuditAction, AuditEvent
from saohei.organisations.models import Unit, User
from saohei.reports.exports import TALK_COLUMNS
from saohei.reports.tests import test_ledgers, test_statistics

pytestmark = pytest.mark.django_db
ClientAs = Callable[[str], Client]
# The ledgers' and the report's fixtures (fixed records in a past period).
talks = test_ledgers.talks
meetings = test_ledgers.meetings
data = test_statistics.data


def _get(path: str, username: str | None, params: dict[str, Any] | None = None) -> Any:
    headers = {}
    if username is not None:
        user = User.objects.get(username=username)
        headers["Authorization"] = f"Bearer {create_api_token(user=user, name='报表')[1]}"
    return Client().get(f"/api/v1/reports{path}", params or {}, headers=headers)


def _rows(response: Any) -> list[tuple[Any, ...]]:
    """The workbook's rows below the exporter's stamp (who and when differ between files)."""
    assert response.status_code == 200, response
    content = b"".join(response.streaming_content)
    book = load_workbook(io.BytesIO(content))
    return [row for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)][1:]


def test_the_talk_ledger_is_the_pages_with_the_same_filters(
    talks: dict[str, Any], client_as: ClientAs
) -> None:
    village = Unit.objects.get(name="东岛村")
    from_api = _rows(_get("/talks.xlsx", "banshi", {"village_id": village.pk}))
    from_page = _rows(client_as("banshi").get("/reports/talks.xlsx", {"village": village.pk}))

    assert from_api == from_page
    places = [row[TALK_COLUMNS.index("地点")] for row in from_api[2:]]
    assert places == ["镇党委会议室"]
    events = AuditEvent.objects.filter(action=AuditAction.TALKS_EXPORTED)
    assert events.count() == 2


@pytest.mark.parametrize(
    ("username", "places"),
    [("cun01", ["港西村村委"]), ("minjing", []), ("cun02", ["镇党委会议室"])],
)
def test_the_talk_ledger_holds_only_what_the_account_reads(
    talks: dict[str, Any], username: str, places: list[str]
) -> None:
    rows = _rows(_get("/talks.xlsx", username))
    assert sorted(row[TALK_COLUMNS.index("地点")] for row in rows[2:]) == sorted(places)


def test_a_village_outside_the_scope_and_a_bad_period_are_refused(
    talks: dict[str, Any], second_town: Unit
) -> None:
    theirs = Unit.objects.get(name="港东村")
    refused = _get("/talks.xlsx", "banshi", {"village_id": theirs.pk})
    assert refused.status_code == 400 and "village_id" in refused.json()["error"]["fields"]
    backwards = _get("/talks.xlsx", "banshi", {"date_from": "2025-03-31", "date_to": "2025-03-01"})
    assert backwards.status_code == 400 and "date_to" in backwards.json()["error"]["fields"]
    assert not AuditEvent.objects.filter(action=AuditAction.TALKS_EXPORTED).exists()


def test_the_meeting_and_inspection_ledgers_are_the_pages(
    meetings: dict[str, Any], client_as: ClientAs
) -> None:
    for path in ("/meetings.xlsx", "/inspections.xlsx"):
        from_api = _rows(_get(path, "banshi"))
        assert from_api == _rows(client_as("banshi").get(f"/reports{path}")), path
    assert AuditEvent.objects.filter(action=AuditAction.MEETINGS_EXPORTED).count() == 2


@pytest.mark.parametrize("username", ["cun01", "minjing", "xitong", None])
def test_the_meeting_ledger_and_statistics_are_refused_to_other_roles(
    meetings: dict[str, Any], username: str | None
) -> None:
    refused = 401 if username is None else 403
    for path in ("/meetings.xlsx", "/statistics", "/statistics/export.xlsx"):
        response = _get(path, username)
        assert response.status_code == refused and set(response.json()) == {"error"}, path
    assert not AuditEvent.objects.filter(action=AuditAction.MEETINGS_EXPORTED).exists()


def test_the_monthly_report_is_the_pages(data: None, town: Unit, client_as: ClientAs) -> None:
    period: dict[str, str | int] = {"period_kind": "month", "year": 2025, "month": 3}

    shown = _get("/statistics", "banshi", period)

    assert shown.status_code == 200, shown.content
    body = shown.json()
    assert body["label"] == "2025年3月" and body["date_to"] == "2025-03-31"
    (row,) = body["rows"]
    assert row["label"] == "港西镇" and row["leads"]["received"] == 4
    assert row["rectifications"]["completion_rate"] == "20.0%"
    slogans = {entry["kind"]: entry for entry in row["publicity"]}["slogan"]
    assert slogans["quantity"] == 15
    from_api = _rows(_get("/statistics/export.xlsx", "banshi", period))
    assert from_api == _rows(client_as("banshi").get("/reports/statistics/export.xlsx", period))
    assert AuditEvent.objects.filter(action=AuditAction.STATISTICS_EXPORTED).count() == 2


def test_a_period_the_page_refuses_names_its_field(data: None) -> None:
    no_month = _get("/statistics", "banshi", {"period_kind": "month", "year": 2025})
    assert no_month.status_code == 400 and "month" in no_month.json()["error"]["fields"]
    future = _get("/statistics", "banshi", {"period_kind": "quarter", "year": 2099, "quarter": 1})
    assert future.status_code == 400
    assert _get("/statistics", "banshi", {"period_kind": "week"}).status_code == 422
