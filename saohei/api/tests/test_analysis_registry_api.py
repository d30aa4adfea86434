"""/api/v1/analysis: the person registry (search, a person, merge, split) and a 研判提示's detail
and the 研判会's confirm/dismiss — the pages' access functions and services, the pages' refusals
as 401/403/404 in the error shape, identifiers masked, every opening of a person audited."""

import json
from datetime import date
from typing import Any

import pytest
from django.test import Client

from saohei.analysis.changes import refresh_pending
from saohei.analysis.models import Appearance, MergeRule, Prompt, PromptStatus, SplitRule
from saohei.analysis.tests.prompt_helpers import CRIMINAL, PUBLIC, crew, days, decision_meeting
from saohei.analysis.tests.registry_helpers import P, id_number, make_case, mobile, person_of
from saohei.api.services import create_api_token
from saohei.audit.models import AuditAction, AuditEvent
from saohei.cases.models import Case
from saohei.common.roles import Role
from saohei.leads.models import Lead, Source
from saohei.meetings.models import Meeting
from saohei.meetings.tests.conftest import make_account
from saohei.organisations.models import Unit, UnitKind, User
from saohei.organisations.services import build_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def town(demo: None) -> Unit:
    return Unit.objects.get(name="港西镇")


@pytest.fixture
def village(town: Unit) -> Unit:
    return Unit.objects.get(name="港西村")


@pytest.fixture
def prompt(town: Unit) -> Prompt:
    for day, nature in ((0, CRIMINAL), (30, PUBLIC), (60, PUBLIC)):
        make_case(town, *crew(), on=days(day), nature=nature)
    refresh_pending()
    return Prompt.objects.get()


@pytest.fixture
def meeting(town: Unit) -> Meeting:
    return decision_meeting(town)


@pytest.fixture
def other_town(town: Unit) -> Unit:
    """港东镇 with its own leader and clerk, who must reach nothing of 港西镇."""
    other = build_unit(name="港东镇", kind=UnitKind.TOWN, parent=town.parent, code="GD")
    make_account("gdzuzhang", "gdzuzhang", other, Role.LEADER)
    make_account("gdbanshi", "gdbanshi", other, Role.OFFICE_STAFF)
    return other


@pytest.fixture
def two_zhaos(town: Unit, village: Unit) -> tuple[Case, Case]:
    """赵铁柱 twice in 港西村 without a shared identifier: two persons the office may merge."""
    first = make_case(town, P("赵铁柱", id_number=id_number(1), phone=mobile(1), village=village))
    second = make_case(town, P("赵铁柱", village=village), on=date(2024, 8, 1))
    refresh_pending()
    return first, second


def _headers(username: str | None) -> dict[str, str]:
    if username is None:
        return {}
    _, token = create_api_token(user=User.objects.get(username=username), name="研判")
    return {"Authorization": f"Bearer {token}"}


def _get(url: str, username: str | None) -> Any:
    return Client().get(url, headers=_headers(username))


def _post(url: str, username: str | None, body: dict[str, object]) -> Any:
    return Client().post(
        url, json.dumps(body), content_type="application/json", headers=_headers(username)
    )


def _error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    return body["error"]  # type: ignore[no-any-return]


# ---------------------------------------------------------------------------------------------
# Person search


@pytest.mark.parametrize("username", ["banshi", "shuji", "suozhang"])
def test_office_and_police_find_a_person_by_name_and_by_id_number(
    two_zhaos: tuple[Case, Case], username: str
) -> None:
    by_name = _get("/api/v1/analysis/persons?q=赵铁", username)
    assert by_name.status_code == 200
    body = by_name.json()
    assert set(body) == {"items", "next_cursor", "query", "truncated"}
    assert [row["name"] for row in body["items"]] == ["赵铁柱", "赵铁柱"]
    by_number = _get(f"/api/v1/analysis/persons?q={id_number(1)}", username).json()
    assert [row["id"] for row in by_number["items"]] == [person_of(two_zhaos[0], "赵铁柱").pk]
    # The query is answered back masked, never the number as typed.
    assert id_number(1) not in json.dumps(by_number) and "*" in by_number["query"]


def test_no_query_is_an_empty_page(two_zhaos: tuple[Case, Case]) -> None:
    body = _get("/api/v1/analysis/persons", "banshi").json()
    assert body == {"items": [], "next_cursor": "", "query": "", "truncated": False}


def test_an_unreadable_query_is_a_400_naming_q(two_zhaos: tuple[Case, Case]) -> None:
    error = _error(_get("/api/v1/analysis/persons?q=12345", "banshi"), 400)
    assert "号码位数不对" in error["fields"]["q"][0]


@pytest.mark.parametrize("username", ["cun01", "shiban", "baoguan", "xitong"])
def test_roles_without_the_registry_get_403(two_zhaos: tuple[Case, Case], username: str) -> None:
    assert _error(_get("/api/v1/analysis/persons?q=赵铁柱", username), 403)["code"] == "forbidden"
    person = person_of(two_zhaos[0], "赵铁柱")
    _error(_get(f"/api/v1/analysis/persons/{person.pk}", username), 403)


def test_another_towns_office_finds_nobody_and_gets_404(
    two_zhaos: tuple[Case, Case], other_town: Unit
) -> None:
    assert _get("/api/v1/analysis/persons?q=赵铁柱", "gdbanshi").json()["items"] == []
    person = person_of(two_zhaos[0], "赵铁柱")
    assert _error(_get(f"/api/v1/analysis/persons/{person.pk}", "gdbanshi"), 404)["code"] == (
        "not_found"
    )


def test_a_person_needs_a_token(two_zhaos: tuple[Case, Case]) -> None:
    person = person_of(two_zhaos[0], "赵铁柱")
    _error(_get(f"/api/v1/analysis/persons/{person.pk}", None), 401)
    _error(_get("/api/v1/analysis/persons?q=赵铁柱", None), 401)


# ---------------------------------------------------------------------------------------------
# A person


def test_a_person_shows_records_and_masked_identifiers_and_is_audited(
    two_zhaos: tuple[Case, Case],
) -> None:
    first, _ = two_zhaos
    person = person_of(first, "赵铁柱")
    response = _get(f"/api/v1/analysis/persons/{person.pk}", "banshi")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "赵铁柱" and body["village"] == "港西村"
    (appearance,) = body["appearances"]
    assert appearance["incident_kind"] == "case" and appearance["incident_id"] == first.pk
    assert appearance["incident"] == f"案件 {first.number}"
    kinds = {row["kind_label"]: row["masked"] for row in body["identifiers"]}
    assert set(kinds) >= {"身份证号", "手机号"} and all("*" in kinds[k] for k in kinds)
    assert id_number(1) not in response.content.decode()
    assert mobile(1) not in response.content.decode()
    event = AuditEvent.objects.get(action=AuditAction.PERSON_VIEWED)
    assert event.details == {"via": "api"} and event.target_label == f"人员 {person.pk}"


# ---------------------------------------------------------------------------------------------
# Merge and split


def test_the_office_merges_two_persons(two_zhaos: tuple[Case, Case]) -> None:
    first, second = two_zhaos
    one, other = person_of(first, "赵铁柱"), person_of(second, "赵铁柱")
    response = _post(
        f"/api/v1/analysis/persons/{one.pk}/merge",
        "banshi",
        {"other_id": other.pk, "reason": "同一人"},
    )
    assert response.status_code == 200, response.content
    merged = person_of(first, "赵铁柱")
    assert merged == person_of(second, "赵铁柱") and response.json()["id"] == merged.pk
    assert len(response.json()["appearances"]) == 2
    assert [rule["reason"] for rule in response.json()["merges"]] == ["同一人"]
    assert AuditEvent.objects.filter(action=AuditAction.PERSONS_MERGED).count() == 1


@pytest.mark.parametrize(
    ("username", "body", "status", "field"),
    [
        ("suozhang", {"reason": "同一人"}, 403, None),  # police see persons, the office corrects
        ("banshi", {"reason": ""}, 400, "reason"),
        ("banshi", {"reason": "同一人", "other_id": 999_999}, 400, "other_id"),
        ("banshi", {"other_id": 1}, 422, "reason"),
    ],
)
def test_a_refused_merge_writes_nothing(
    two_zhaos: tuple[Case, Case],
    username: str,
    body: dict[str, object],
    status: int,
    field: str | None,
) -> None:
    first, second = two_zhaos
    one, other = person_of(first, "赵铁柱"), person_of(second, "赵铁柱")
    url = f"/api/v1/analysis/persons/{one.pk}/merge"
    error = _error(_post(url, username, {"other_id": other.pk, **body}), status)
    if field:
        assert field in error["fields"]
    assert not MergeRule.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.PERSONS_MERGED).exists()


def test_the_office_splits_a_record_off_a_person(town: Unit, village: Unit) -> None:
    first = make_case(town, P("钱多多", id_number=id_number(5), village=village))
    second = make_case(
        town, P("钱多多", id_number=id_number(5), village=village), on=date(2024, 5, 1)
    )
    refresh_pending()
    person = person_of(first, "钱多多")
    appearance = Appearance.objects.get(incident_kind="case", incident_id=second.pk)
    url = f"/api/v1/analysis/persons/{person.pk}/appearances/{appearance.pk}/split"
    _error(_post(url, "suozhang", {"reason": "不是同一人"}), 403)
    assert not SplitRule.objects.exists()
    response = _post(url, "banshi", {"reason": "不是同一人"})
    assert response.status_code == 200, response.content
    alone = person_of(second, "钱多多")
    assert alone != person_of(first, "钱多多") and response.json()["id"] == alone.pk
    assert response.json()["split"]["reason"] == "不是同一人"


# ---------------------------------------------------------------------------------------------
# 研判提示: detail, confirm, dismiss


def test_the_leader_reads_a_prompt_with_the_meetings_to_decide_at(
    prompt: Prompt, meeting: Meeting
) -> None:
    body = _get(f"/api/v1/analysis/flags/{prompt.pk}", "shuji").json()
    assert body["id"] == prompt.pk and body["status"] == "open" and body["is_current"]
    assert body["can_decide"] is True
    assert body["decision_meetings"] == [
        {"id": meeting.pk, "title": meeting.title, "held_on": meeting.held_on.isoformat()}
    ]
    assert body["lead_id"] is None and body["failed_element"] == ""


def test_office_staff_read_a_prompt_but_may_not_decide(prompt: Prompt, meeting: Meeting) -> None:
    body = _get(f"/api/v1/analysis/flags/{prompt.pk}", "banshi").json()
    assert body["can_decide"] is False and body["decision_meetings"] == []
    url = f"/api/v1/analysis/flags/{prompt.pk}/confirm"
    _error(_post(url, "banshi", {"meeting_id": meeting.pk, "note": "研判会一致认为"}), 403)
    assert not Lead.objects.filter(source=Source.ANALYSIS).exists()


@pytest.mark.parametrize(("username", "status"), [("cun02", 403), ("gdzuzhang", 404)])
def test_a_prompt_is_refused_outside_the_registry_and_the_town(
    prompt: Prompt, other_town: Unit, username: str, status: int
) -> None:
    _error(_get(f"/api/v1/analysis/flags/{prompt.pk}", username), status)


def test_the_leader_confirms_a_prompt_into_a_lead(prompt: Prompt, meeting: Meeting) -> None:
    url = f"/api/v1/analysis/flags/{prompt.pk}/confirm"
    response = _post(url, "shuji", {"meeting_id": meeting.pk, "note": "研判会一致认为应核查"})
    assert response.status_code == 200, response.content
    body = response.json()
    lead = Lead.objects.get(source=Source.ANALYSIS)
    assert body["status"] == PromptStatus.CONFIRMED and body["lead_id"] == lead.pk
    assert body["meeting_id"] == meeting.pk and body["can_decide"] is False
    assert AuditEvent.objects.filter(action=AuditAction.PROMPT_CONFIRMED).count() == 1
    again = _post(url, "shuji", {"meeting_id": meeting.pk, "note": "研判会一致认为应核查"})
    assert _error(again, 400)["code"] == "invalid"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"meeting_id": 999_999, "note": "研判会一致认为应核查"}, 400, "meeting_id"),
        ({"note": "短"}, 400, "note"),
        ({"note": 5}, 422, "note"),
    ],
)
def test_a_refused_confirmation_writes_nothing(
    prompt: Prompt, meeting: Meeting, body: dict[str, object], status: int, field: str
) -> None:
    url = f"/api/v1/analysis/flags/{prompt.pk}/confirm"
    error = _error(_post(url, "shuji", {"meeting_id": meeting.pk, **body}), status)
    assert field in error["fields"]
    assert not Lead.objects.filter(source=Source.ANALYSIS).exists()
    prompt.refresh_from_db()
    assert prompt.status == PromptStatus.OPEN


def test_the_leader_dismisses_naming_the_failed_element(prompt: Prompt, meeting: Meeting) -> None:
    url = f"/api/v1/analysis/flags/{prompt.pk}/dismiss"
    bad = _post(
        url, "shuji", {"meeting_id": meeting.pk, "failed_element": "nope", "reason": "系家庭纠纷"}
    )
    assert "failed_element" in _error(bad, 422)["fields"]
    response = _post(
        url,
        "shuji",
        {"meeting_id": meeting.pk, "failed_element": "dispute", "reason": "系邻里纠纷引发"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "dismissed" and body["failed_element"] == "dispute"
    assert body["decision_note"] == "系邻里纠纷引发"
    assert AuditEvent.objects.filter(action=AuditAction.PROMPT_DISMISSED).count() == 1


def test_the_flags_list_includes_past_prompts_on_request(prompt: Prompt) -> None:
    Prompt.objects.filter(pk=prompt.pk).update(is_current=False)
    assert _get("/api/v1/analysis/flags", "shuji").json()["items"] == []
    (item,) = _get("/api/v1/analysis/flags?past=true", "shuji").json()["items"]
    assert item["id"] == prompt.pk
