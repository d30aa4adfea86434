"""/api/v1/cases: the 案件倒查台账 with the list's filters, the import template and the 取值对照 of
a refused import — the pages' shared code (`cases.downloads`), access helpers and services;
wrong role, another town, anonymous refused (issue 15, decision 0068 addendum)."""

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from saohei.assigned_lists.tests.conftest import make_account
from saohei.audit.models import AuditAction, AuditEvent
from saohei.cases.models import Case, ImportStatus, PersonRole
from saohei.cases.tests.test_api_parity import _headers, assert_error, post_json
from saohei.cases.tests.test_value_mapping import STATION, _choices, _import, _village
from saohei.common.roles import Role
from saohei.organisations.models import Unit

pytestmark = pytest.mark.django_db
ClientAs = Callable[[str], Client]


def get(path: str, params: dict[str, Any] | None = None, username: str | None = "banshi") -> Any:
    return Client().get(f"/api/v1/cases{path}", params or {}, headers=_headers(username))


def _ledger(response: Any) -> list[tuple[Any, ...]]:
    """The ledger's rows from its header down (who exported and when differ between files)."""
    assert response.status_code == 200, response
    content = b"".join(response.streaming_content)
    rows = list(
        load_workbook(io.BytesIO(content), read_only=True).active.iter_rows(values_only=True)
    )
    header = next(index for index, row in enumerate(rows) if "案件编号" in row)
    return rows[header:]


def test_the_ledger_is_the_pages_with_the_same_filters(
    imported: list[Case], client_as: ClientAs
) -> None:
    from_api = _ledger(get("/export", {"q": "寻衅", "reviewed": "false"}))
    from_page = _ledger(
        client_as("banshi").get("/cases/export.xlsx", {"q": "寻衅", "reviewed": "no"})
    )

    assert from_api == from_page
    assert any("A-001" in row for row in from_api) and not any("A-002" in row for row in from_api)
    events = AuditEvent.objects.filter(action=AuditAction.CASES_EXPORTED)
    assert events.count() == 2


def test_the_ledger_holds_only_the_accounts_towns(
    imported: list[Case], other_towns_case: Case, other_town: Unit
) -> None:
    make_account("llbanshi", other_town, Role.OFFICE_STAFF)
    theirs = _ledger(get("/export", username="llbanshi"))
    assert any("L-001" in row for row in theirs)
    assert not any("A-001" in row for row in theirs)
    village = Unit.objects.get(name="柳林村")
    assert "village_id" in assert_error(get("/export", {"village_id": village.pk}), 400)["fields"]


@pytest.mark.parametrize("username", ["cun01", "shiban", None])
def test_the_ledger_and_template_are_refused_to_other_roles(
    imported: list[Case], username: str | None
) -> None:
    refused = 401 if username is None else 403
    assert_error(get("/export", username=username), refused)
    assert_error(get("/imports/template.xlsx", username=username), refused)
    assert not AuditEvent.objects.filter(action=AuditAction.CASES_EXPORTED).exists()


def test_the_template_is_the_pages(town: Unit, client_as: ClientAs) -> None:
    response = get("/imports/template.xlsx", username="minjing")
    page = client_as("minjing").get("/cases/imports/template.xlsx")

    assert response.status_code == 200
    assert response["Content-Disposition"] == page["Content-Disposition"]

    def cells(content: bytes) -> list[Any]:
        book = load_workbook(io.BytesIO(content))
        return [
            (sheet.title, row)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
        ]

    assert cells(response.content) == cells(page.content)
    assert "东岛村" in str(cells(response.content))


def test_the_clerk_maps_the_unknown_words_and_the_import_runs_again(
    town: Unit, django_capture_on_commit_callbacks: Any
) -> None:
    job = _import(town)
    shown = get(f"/imports/{job.pk}").json()
    words = {(word["field"], word["word"]): word for word in shown["unknown_values"]}
    assert words[("role", "主犯")]["options"][PersonRole.ORGANISER] == "组织者"
    village = words[("village", "港西镇东岛村村委会一组")]
    assert village["options"][str(_village(town).pk)] == "东岛村"
    body = {"values": [{"place": p, "value": v} for p, v in _choices(job, town).items()]}

    with django_capture_on_commit_callbacks(execute=True):
        mapped = post_json(f"/imports/{job.pk}/values", body)

    assert mapped.status_code == 200, mapped.content
    job.refresh_from_db()
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    assert Case.objects.filter(unit=town, number__startswith="W-").count() == 2
    assert AuditEvent.objects.filter(action=AuditAction.SHEET_MAPPING_SAVED).count() == 1
    # Nothing left to map: the page's refusal.
    assert_error(post_json(f"/imports/{job.pk}/values", body), 400)


def test_a_value_the_word_may_not_take_is_refused_and_nothing_saved(town: Unit) -> None:
    job = _import(town)
    place = next(iter(_choices(job, town)))
    wrong = {"values": [{"place": place, "value": "no-such-value"}]}
    assert "values" in assert_error(post_json(f"/imports/{job.pk}/values", wrong), 400)["fields"]
    beyond = {"values": [{"place": 99, "value": ""}]}
    assert "values" in assert_error(post_json(f"/imports/{job.pk}/values", beyond), 400)["fields"]
    assert not AuditEvent.objects.filter(action=AuditAction.SHEET_MAPPING_SAVED).exists()


def test_the_mapping_is_refused_outside_the_town_and_to_other_roles(
    town: Unit, other_town: Unit
) -> None:
    job = _import(town)
    body = {"values": [{"place": p, "value": v} for p, v in _choices(job, town).items()]}
    make_account("llbanshi", other_town, Role.OFFICE_STAFF)
    assert_error(post_json(f"/imports/{job.pk}/values", body, "llbanshi"), 404)
    assert_error(post_json(f"/imports/{job.pk}/values", body, "cun01"), 403)
    assert_error(post_json(f"/imports/{job.pk}/values", body, None), 401)
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and job.unknown_values
    assert job.sender == STATION
