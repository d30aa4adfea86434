"""/api/v1/analysis: the 研判 pages' remaining lists, details, actions and ledgers (issue 15,
decision 0067 addendum) — 识别建议, "also appears in", the link chart, 联审, 研判设置, 重点人员 and
同案人员, and the office's corrections. Each answers what the page shows, to the page's roles,
404 outside the account's scope, 401 without a token, in the error shape."""

import io
import json
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from saohei.analysis import services
from saohei.analysis.changes import refresh_pending
from saohei.analysis.models import (
    AnalysisSettings,
    IdentifierExclusion,
    MergeRule,
    Prompt,
    SamePersonSuggestion,
    SharedIdentifier,
    SplitRule,
    SuggestionStatus,
    VettingRun,
)
from saohei.analysis.registry import current_settings
from saohei.analysis.tests.prompt_helpers import CRIMINAL, PUBLIC, crew, days
from saohei.analysis.tests.registry_helpers import P, id_number, make_case, mobile, person_of
from saohei.api.services import create_api_token
from saohei.audit.models import AuditAction, AuditEvent
from saohei.cases.models import Case
from saohei.common.pii import blind_index
from saohei.common.roles import Role
from saohei.leads import services as lead_services
from saohei.leads.models import Channel, Lead, Source
from saohei.meetings.tests.conftest import make_account
from saohei.organisations.models import Unit, UnitKind, User
from saohei.organisations.services import build_unit
from saohei.tips.models import Tip
from saohei.tips.services import TipInput, submit_tip

pytestmark = pytest.mark.django_db
ClientAs = Callable[[str], Client]
SUMMARY = (
    "东岛村申屠亮在码头强收卸货费，电话13905312468，身份证号370281200307268629，车牌鲁K·5R321。"
)


@pytest.fixture
def town(demo: None) -> Unit:
    return Unit.objects.get(name="港西镇")


@pytest.fixture
def village(town: Unit) -> Unit:
    return Unit.objects.get(name="港西村")


@pytest.fixture
def other_town(town: Unit) -> Unit:
    """港东镇 with its own leader and clerk, who must reach nothing of 港西镇."""
    other = build_unit(name="港东镇", kind=UnitKind.TOWN, parent=town.parent, code="GD")
    build_unit(name="港东村", kind=UnitKind.VILLAGE, parent=other)
    make_account("gdzuzhang", "gdzuzhang", other, Role.LEADER)
    make_account("gdbanshi", "gdbanshi", other, Role.OFFICE_STAFF)
    return other


def _lead(town: Unit, summary: str = SUMMARY) -> Lead:
    return lead_services.register_lead(
        actor=User.objects.get(username="banshi"),
        unit=town,
        data=lead_services.LeadInput(
            received_at=timezone.now() - timedelta(hours=1),
            channel=Channel.PHONE,
            source=Source.PUBLIC_REPORT,
            summary=summary,
        ),
    )


@pytest.fixture
def lead(town: Unit) -> Lead:
    return _lead(town)


@pytest.fixture
def tip(town: Unit) -> Tip:
    return submit_tip(unit=town, data=TipInput(content=SUMMARY)).tip


@pytest.fixture
def case(town: Unit, village: Unit) -> Case:
    """赵铁柱 in two cases of 港西村: each case's persons appear in the other."""
    first = make_case(town, P("赵铁柱", id_number=id_number(1), village=village))
    make_case(town, P("赵铁柱", id_number=id_number(1), village=village), on=date(2024, 8, 1))
    Case.objects.filter(pk=first.pk).update(summary=SUMMARY)
    refresh_pending()
    return first


@pytest.fixture
def two_zhaos(town: Unit, village: Unit) -> tuple[Case, Case]:
    """赵铁柱 twice in 港西村 without a shared identifier: a 疑似同一人 suggestion."""
    first = make_case(town, P("赵铁柱", id_number=id_number(1), phone=mobile(1), village=village))
    second = make_case(town, P("赵铁柱", village=village), on=date(2024, 8, 1))
    refresh_pending()
    return first, second


@pytest.fixture
def prompt(town: Unit) -> Prompt:
    for day, nature in ((0, CRIMINAL), (30, PUBLIC), (60, PUBLIC)):
        make_case(town, *crew(), on=days(day), nature=nature)
    refresh_pending()
    return Prompt.objects.get()


def _headers(username: str | None) -> dict[str, str]:
    if username is None:
        return {}
    _, token = create_api_token(user=User.objects.get(username=username), name="研判")
    return {"Authorization": f"Bearer {token}"}


def _get(url: str, username: str | None, **query: str | int) -> Any:
    return Client().get(url, query, headers=_headers(username))


def _send(method: str, url: str, username: str | None, body: Mapping[str, object]) -> Any:
    return getattr(Client(), method)(
        url, json.dumps(body), content_type="application/json", headers=_headers(username)
    )


def _post(url: str, username: str | None, body: dict[str, object] | None = None) -> Any:
    return _send("post", url, username, body or {})


def _error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    return body["error"]  # type: ignore[no-any-return]


def _refused(
    method: str, url: str, body: Mapping[str, object], cases: dict[str | None, int]
) -> None:
    """Each account (None: no token) gets its status in the error shape."""
    for username, status in cases.items():
        response = _send(method, url, username, body) if method != "get" else _get(url, username)
        _error(response, status)


# ---------------------------------------------------------------------------------------------
# 识别建议


def test_the_office_gets_a_leads_suggestions_as_the_page_lists_them(
    lead: Lead, client_as: ClientAs
) -> None:
    body = _get(f"/api/v1/analysis/leads/{lead.pk}/suggestions", "banshi").json()
    found = {(item["kind"], item["text"]) for item in body["items"]}
    assert {("persons", "申屠亮"), ("phones", "13905312468"), ("plates", "鲁K·5R321")} <= found
    page = client_as("banshi").get(f"/analysis/leads/{lead.pk}/suggestions/").content.decode()
    for item in body["items"]:
        assert item["text"] in page
        # The offsets point into the lead's own text, as the page's links carry them.
        assert lead.summary[item["start"] : item["end"]] == item["text"]
    person = next(item for item in body["items"] if item["kind"] == "persons")
    assert person["add_to"] == "lead_subject" and person["field"] == "name"
    assert body["record"] == f"线索 {lead.number}" and body["add_label"] == "加入被反映人"


def test_a_leads_suggestions_are_refused_beyond_the_office_of_its_town(
    lead: Lead, other_town: Unit
) -> None:
    url = f"/api/v1/analysis/leads/{lead.pk}/suggestions"
    _refused("get", url, {}, {"suozhang": 403, "cun01": 403, "gdbanshi": 404, None: 401})


def test_a_pending_tips_names_are_added_as_reported_persons(tip: Tip, other_town: Unit) -> None:
    body = _get(f"/api/v1/analysis/tips/{tip.pk}/suggestions", "banshi").json()
    by_kind = {item["kind"]: item for item in body["items"]}
    assert by_kind["persons"]["add_to"] == "tip_person"
    # A tip holds names only: the rest waits for 受理, as the page says.
    assert by_kind["phones"]["add_to"] == "" and by_kind["phones"]["note"] == "受理后可在线索中加入"
    url = f"/api/v1/analysis/tips/{tip.pk}/suggestions"
    _refused("get", url, {}, {"suozhang": 403, "cun01": 403, "gdbanshi": 404, None: 401})


def test_police_read_a_cases_suggestions_and_only_the_office_may_add_them(
    case: Case, other_town: Unit
) -> None:
    url = f"/api/v1/analysis/cases/{case.pk}/suggestions"
    office = _get(url, "banshi").json()
    police = _get(url, "suozhang").json()
    assert [item["text"] for item in office["items"]] == [i["text"] for i in police["items"]]
    assert {item["add_to"] for item in office["items"]} == {"case_person", ""}
    assert {item["add_to"] for item in police["items"]} == {""} and police["add_label"] == ""
    _refused("get", url, {}, {"cun01": 403, "shiban": 403, "gdbanshi": 404, None: 401})


# ---------------------------------------------------------------------------------------------
# "also appears in"


def test_a_cases_persons_other_records_as_the_page_shows_them(
    case: Case, other_town: Unit, client_as: ClientAs
) -> None:
    url = f"/api/v1/analysis/cases/{case.pk}/related"
    (row,) = _get(url, "suozhang").json()
    other = Case.objects.exclude(pk=case.pk).get(persons__name="赵铁柱")
    assert row["name"] == "赵铁柱" and row["person_id"] == person_of(case, "赵铁柱").pk
    assert row["incidents"] == [
        {"incident_kind": "case", "incident_id": other.pk, "label": f"案件 {other.number}"}
    ]
    page = client_as("suozhang").get(f"/analysis/cases/{case.pk}/related/").content.decode()
    assert f"案件 {other.number}" in page
    _refused("get", url, {}, {"cun01": 403, "gdbanshi": 404, None: 401})


def test_a_leads_related_records_answer_whoever_may_open_the_lead(
    lead: Lead, village: Unit, other_town: Unit
) -> None:
    url = f"/api/v1/analysis/leads/{lead.pk}/related"
    assert _get(url, "banshi").status_code == 200
    # Not handed to 港西村 yet: its head may not open the lead, nor what it relates to.
    _refused("get", url, {}, {"cun01": 404, "gdbanshi": 404, None: 401})
    lead_services.assign_lead(
        actor=User.objects.get(username="banshi"),
        lead=lead,
        handling_unit=village,
        handler=User.objects.get(username="cun01"),
    )
    assert _get(url, "cun01").status_code == 200


def test_a_tips_related_records_are_the_intake_roles(tip: Tip, other_town: Unit) -> None:
    url = f"/api/v1/analysis/tips/{tip.pk}/related"
    assert _get(url, "banshi").json() == []
    _refused("get", url, {}, {"suozhang": 403, "gdbanshi": 404, None: 401})


# ---------------------------------------------------------------------------------------------
# The link chart


def test_a_persons_chart_is_the_pages_nodes_and_links_and_is_audited(
    case: Case, other_town: Unit, client_as: ClientAs
) -> None:
    person = person_of(case, "赵铁柱")
    url = f"/api/v1/analysis/persons/{person.pk}/chart"
    body = _get(url, "suozhang").json()
    ids = {node["id"] for node in body["nodes"]}
    assert f"person-{person.pk}" in ids and f"case-{case.pk}" in ids
    assert {(link["source"], link["target"]) for link in body["links"]} >= {
        (f"person-{person.pk}", f"case-{case.pk}")
    }
    page = client_as("suozhang").get(f"/analysis/chart/person/{person.pk}/").content.decode()
    for node in body["nodes"]:
        assert node["name"] in page
    viewed = AuditEvent.objects.filter(action=AuditAction.PERSON_VIEWED, details__via="chart")
    assert viewed.count() == 2  # the API's answer and the page's
    _refused("get", url, {}, {"cun01": 403, "gdbanshi": 404, None: 401})


def test_a_chart_window_in_the_wrong_order_is_a_400(case: Case) -> None:
    response = _get(
        f"/api/v1/analysis/cases/{case.pk}/chart",
        "banshi",
        date_from="2024-09-01",
        date_to="2024-01-01",
    )
    assert "截止日期不能早于起始日期" in _error(response, 400)["fields"]["date_to"][0]


def test_a_window_leaves_out_the_other_case(case: Case) -> None:
    url = f"/api/v1/analysis/cases/{case.pk}/chart"
    whole = {node["id"] for node in _get(url, "banshi").json()["nodes"]}
    early = _get(url, "banshi", date_from="2024-01-01", date_to="2024-06-30").json()
    assert len({node["id"] for node in early["nodes"]}) < len(whole)


def test_lead_and_prompt_charts_for_the_registrys_roles(
    lead: Lead, prompt: Prompt, other_town: Unit
) -> None:
    lead_url = f"/api/v1/analysis/leads/{lead.pk}/chart"
    assert _get(lead_url, "banshi").json()["nodes"][0]["seed"] is True
    _refused("get", lead_url, {}, {"cun01": 403, "suozhang": 404, "gdbanshi": 404, None: 401})
    prompt_url = f"/api/v1/analysis/flags/{prompt.pk}/chart"
    seeds = [node for node in _get(prompt_url, "suozhang").json()["nodes"] if node["seed"]]
    assert len(seeds) == prompt.incidents.count()
    _refused("get", prompt_url, {}, {"cun01": 403, "gdbanshi": 404, None: 401})


# ---------------------------------------------------------------------------------------------
# The office's corrections


def test_undo_of_a_merge_parts_the_two_again(
    two_zhaos: tuple[Case, Case], other_town: Unit
) -> None:
    first, second = two_zhaos
    services.merge_persons(
        actor=User.objects.get(username="banshi"),
        person=person_of(first, "赵铁柱"),
        other=person_of(second, "赵铁柱"),
        reason="同一人",
    )
    rule = MergeRule.objects.get()
    url = f"/api/v1/analysis/merges/{rule.pk}/undo"
    _refused("post", url, {}, {"suozhang": 403, "gdbanshi": 404, None: 401})
    response = _post(url, "banshi")
    assert response.status_code == 200
    assert person_of(first, "赵铁柱") != person_of(second, "赵铁柱")
    assert response.json()["person_id"] in {person_of(c, "赵铁柱").pk for c in two_zhaos}
    assert "已撤销" in _error(_post(url, "banshi"), 400)["message"]


def test_undo_of_a_split_puts_the_record_back(town: Unit, village: Unit, other_town: Unit) -> None:
    first = make_case(town, P("孙二", id_number=id_number(3), village=village))
    second = make_case(
        town, P("孙二", id_number=id_number(3), village=village), on=date(2024, 9, 1)
    )
    refresh_pending()
    appearance = person_of(second, "孙二").appearances.get(incident_id=second.pk)
    services.split_appearance(
        actor=User.objects.get(username="banshi"), appearance=appearance, reason="不是同一人"
    )
    rule = SplitRule.objects.get()
    url = f"/api/v1/analysis/splits/{rule.pk}/undo"
    _refused("post", url, {}, {"suozhang": 403, "gdbanshi": 404, None: 401})
    response = _post(url, "banshi")
    assert response.status_code == 200
    assert person_of(first, "孙二") == person_of(second, "孙二")
    assert response.json() == {"person_id": person_of(first, "孙二").pk}


def test_the_same_person_list_and_its_confirmation(
    two_zhaos: tuple[Case, Case], other_town: Unit, client_as: ClientAs
) -> None:
    suggestion = SamePersonSuggestion.objects.get()
    body = _get("/api/v1/analysis/same-person", "banshi").json()
    (row,) = body["items"]
    assert row["id"] == suggestion.pk and row["name"] == "赵铁柱" and body["next_cursor"] == ""
    assert {row["first"]["id"], row["second"]["id"]} == {
        person_of(case, "赵铁柱").pk for case in two_zhaos
    }
    assert "赵铁柱" in client_as("banshi").get("/analysis/same-person/").content.decode()
    _refused("get", "/api/v1/analysis/same-person", {}, {"suozhang": 403, None: 401})
    assert _get("/api/v1/analysis/same-person", "gdbanshi").json()["items"] == []
    url = f"/api/v1/analysis/same-person/{suggestion.pk}/confirm"
    _refused("post", url, {}, {"suozhang": 403, "gdbanshi": 404, None: 401})
    merged = _post(url, "banshi", {"reason": ""}).json()
    assert (
        merged["id"] == person_of(two_zhaos[0], "赵铁柱").pk == person_of(two_zhaos[1], "赵铁柱").pk
    )
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.CONFIRMED


def test_rejecting_a_suggestion_needs_the_pages_reason(
    two_zhaos: tuple[Case, Case], other_town: Unit
) -> None:
    suggestion = SamePersonSuggestion.objects.get()
    url = f"/api/v1/analysis/same-person/{suggestion.pk}/reject"
    _refused("post", url, {"reason": "父子"}, {"suozhang": 403, "gdbanshi": 404, None: 401})
    assert "请填写理由" in _error(_post(url, "banshi", {"reason": ""}), 400)["fields"]["reason"][0]
    response = _post(url, "banshi", {"reason": "父子二人"})
    assert response.json() == {"id": suggestion.pk, "status": "rejected", "reason": "父子二人"}
    assert person_of(two_zhaos[0], "赵铁柱") != person_of(two_zhaos[1], "赵铁柱")


def test_the_exclusion_list_is_kept_by_any_towns_office(demo: None, other_town: Unit) -> None:
    created = _post(
        "/api/v1/analysis/exclusions", "banshi", {"mobile": mobile(5), "reason": "村委会"}
    )
    assert created.status_code == 201
    assert created.json()["masked"] == "139****0005" and mobile(5) not in created.content.decode()
    exclusion = IdentifierExclusion.objects.get()
    assert exclusion.value == blind_index("phone", mobile(5))
    duplicate = _post(
        "/api/v1/analysis/exclusions", "banshi", {"mobile": mobile(5), "reason": "再"}
    )
    assert "已在排除清单中" in _error(duplicate, 400)["fields"]["mobile"][0]
    bad = _post("/api/v1/analysis/exclusions", "banshi", {"mobile": "1390000", "reason": "公用"})
    assert "mobile" in _error(bad, 400)["fields"]
    # The deployment's one list: the other town's office reads it too (decision 0030).
    for username in ("banshi", "gdbanshi"):
        items = _get("/api/v1/analysis/exclusions", username).json()["items"]
        assert [item["id"] for item in items] == [exclusion.pk]
    _refused("get", "/api/v1/analysis/exclusions", {}, {"suozhang": 403, "cun01": 403, None: 401})
    body = {"mobile": mobile(6), "reason": "公用"}
    _refused("post", "/api/v1/analysis/exclusions", body, {"suozhang": 403, None: 401})
    url = f"/api/v1/analysis/exclusions/{exclusion.pk}/remove"
    _refused("post", url, {}, {"suozhang": 403, None: 401})
    assert _post(url, "gdbanshi").json()["id"] == exclusion.pk
    assert not IdentifierExclusion.objects.exists()
    _error(_post(url, "banshi"), 404)


@pytest.fixture
def shared(town: Unit) -> SharedIdentifier:
    """139****0009, given by seven different names: over-shared, no longer linking."""
    for n in range(7):
        make_case(town, P(f"住户{n}", phone=mobile(9)))
    refresh_pending()
    return SharedIdentifier.objects.get()


def test_over_shared_mobiles_listed_and_excluded(
    shared: SharedIdentifier, other_town: Unit, client_as: ClientAs
) -> None:
    rows = _get("/api/v1/analysis/shared", "banshi").json()
    assert rows == [
        {
            "id": shared.pk,
            "masked": "139****0009",
            "distinct_names": 7,
            "seen": 7,
            "is_excluded": False,
        }
    ]
    assert "139****0009" in client_as("banshi").get("/analysis/shared/").content.decode()
    # Given in records of 港西镇 only: the other town's office sees none of them.
    assert _get("/api/v1/analysis/shared", "gdbanshi").json() == []
    _refused("get", "/api/v1/analysis/shared", {}, {"suozhang": 403, None: 401})
    url = f"/api/v1/analysis/shared/{shared.pk}/exclude"
    _refused("post", url, {"reason": "村委会"}, {"suozhang": 403, "gdbanshi": 404, None: 401})
    assert _post(url, "banshi", {"reason": "村委会"}).status_code == 201
    assert IdentifierExclusion.objects.get().value == shared.value
    assert _get("/api/v1/analysis/shared", "banshi").json()[0]["is_excluded"] is True


# ---------------------------------------------------------------------------------------------
# 村"两委"候选人资格联审

HEADER = "村,姓名,身份证号,拟任职务"


def _candidates(rows: list[str]) -> SimpleUploadedFile:
    text = "\r\n".join([HEADER, *rows]) + "\r\n"
    return SimpleUploadedFile("名单.csv", text.encode("gbk"), content_type="text/csv")


def _upload(username: str | None, town: Unit, rows: list[str]) -> Any:
    return Client().post(
        "/api/v1/analysis/vetting",
        {"unit_id": town.pk, "file": _candidates(rows)},
        headers=_headers(username),
    )


@pytest.fixture
def vetted(town: Unit, village: Unit) -> VettingRun:
    """黄大勇, the gatherer of a 港西村 case, on the town's list with a clean candidate."""
    make_case(town, P("黄大勇", role="gatherer", id_number=id_number(21), village=village))
    rows = [f"港西村,黄大勇,{id_number(21)},村委会委员", f"港西村,孙清白,{id_number(27)},委员"]
    assert _upload("shuji", town, rows).status_code == 201
    return VettingRun.objects.get()


def test_the_office_uploads_a_list_and_reads_the_sheet(
    vetted: VettingRun, other_town: Unit, client_as: ClientAs
) -> None:
    url = f"/api/v1/analysis/vetting/{vetted.pk}"
    sheet = _get(url, "banshi").json()
    assert (sheet["candidate_count"], sheet["review_count"]) == (2, 1)
    flagged = sheet["candidates"][0]
    assert flagged["name"] == "黄大勇" and flagged["result"] == "review"
    assert flagged["findings"][0]["kind"] == "case" and flagged["hidden"] == 0
    assert id_number(21) not in json.dumps(sheet) and flagged["id_number_masked"].count("*")
    page = client_as("banshi").get(f"/analysis/vetting/{vetted.pk}/").content.decode()
    assert flagged["findings"][0]["text"] in page and flagged["id_number_masked"] in page
    runs = _get("/api/v1/analysis/vetting", "banshi").json()
    assert [run["id"] for run in runs["items"]] == [vetted.pk]
    assert _get("/api/v1/analysis/vetting", "gdbanshi").json()["items"] == []
    _refused("get", url, {}, {"suozhang": 403, "cun01": 403, "gdbanshi": 404, None: 401})
    _refused("get", "/api/v1/analysis/vetting", {}, {"suozhang": 403, "cun01": 403, None: 401})


def test_a_refused_list_names_its_rows_and_stores_nothing(town: Unit, other_town: Unit) -> None:
    error = _error(_upload("banshi", town, [f"月亮村,李四,{id_number(13)},委员"]), 400)
    assert "名单中有 1 处错误" in error["message"]
    assert any("“月亮村”不是港西镇的村（社区）" in row for row in error["fields"]["file"])
    assert not VettingRun.objects.exists()
    # Another town's list, or no vetting role: refused before the file is read.
    _error(_upload("gdbanshi", town, [f"港西村,李四,{id_number(13)},委员"]), 403)
    _error(_upload("suozhang", town, [f"港西村,李四,{id_number(13)},委员"]), 403)
    _error(_upload(None, town, [f"港西村,李四,{id_number(13)},委员"]), 401)
    assert not VettingRun.objects.exists()


def test_the_sheets_ledger_is_the_pages_and_audited(
    vetted: VettingRun, other_town: Unit, client_as: ClientAs
) -> None:
    url = f"/api/v1/analysis/vetting/{vetted.pk}/export.xlsx"
    response = _get(url, "banshi")
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    rows = [
        [cell for cell in row if cell is not None]
        for row in load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True)
    ]
    assert any("黄大勇" in row for row in rows) and id_number(21).encode() not in content
    page: Any = client_as("banshi").get(f"/analysis/vetting/{vetted.pk}/export/")
    page_rows = [
        [cell for cell in row if cell is not None]
        for row in load_workbook(io.BytesIO(b"".join(page.streaming_content))).active.iter_rows(
            values_only=True
        )
    ]
    # Row for row the page's ledger, but for the stamp's time.
    assert [r for r in rows if "黄大勇" in r] == [r for r in page_rows if "黄大勇" in r]
    assert AuditEvent.objects.filter(action=AuditAction.VETTING_EXPORTED).count() == 2
    _refused("get", url, {}, {"suozhang": 403, "gdbanshi": 404, None: 401})


# ---------------------------------------------------------------------------------------------
# 研判设置

SETTINGS = {
    "window_days": 365,
    "min_members": 3,
    "min_incidents": 3,
    "min_criminal": 1,
    "min_recurring_members": 2,
    "group_min_criminal": 3,
    "heijie_min_members": 10,
    "heijie_note_members": 7,
    "identifier_share_cap": 5,
    "common_names": "",
}


def test_the_office_reads_and_changes_the_thresholds(demo: None) -> None:
    before = _get("/api/v1/analysis/settings", "banshi").json()
    assert before["window_days"] == current_settings().window_days and before["can_change"]
    response = _send("put", "/api/v1/analysis/settings", "banshi", SETTINGS)
    assert response.status_code == 200 and response.json()["window_days"] == 365
    assert current_settings().window_days == 365
    assert AuditEvent.objects.filter(action=AuditAction.ANALYSIS_SETTINGS_CHANGED).count() == 1


def test_bad_thresholds_are_a_400_naming_the_field(demo: None) -> None:
    response = _send("put", "/api/v1/analysis/settings", "banshi", {**SETTINGS, "min_members": 0})
    assert "不能小于" in _error(response, 400)["fields"]["min_members"][0]
    assert not AnalysisSettings.objects.exists()


def test_settings_are_the_offices_and_a_towns_office_may_not_move_the_bar(
    other_town: Unit,
) -> None:
    _refused("get", "/api/v1/analysis/settings", {}, {"suozhang": 403, "cun01": 403, None: 401})
    # With a second town, 港西镇's office reads the thresholds but may not change them.
    assert _get("/api/v1/analysis/settings", "banshi").json()["can_change"] is False
    _refused(
        "put", "/api/v1/analysis/settings", SETTINGS, {"banshi": 403, "suozhang": 403, None: 401}
    )
    assert not AnalysisSettings.objects.exists()


# ---------------------------------------------------------------------------------------------
# 重点人员 and 同案人员


@pytest.fixture
def offenders(town: Unit, village: Unit) -> list[Case]:
    """王 and 李 perpetrators together twice in the last year, 王 once more alone."""
    wang = P("王大虎", role="gatherer", id_number=id_number(11), village=village)
    li = P("李二", id_number=id_number(12), village=village)
    today = timezone.localdate()
    cases = [
        make_case(town, wang, li, on=today - timedelta(days=100)),
        make_case(town, wang, li, on=today - timedelta(days=200)),
        make_case(town, wang, on=today - timedelta(days=300)),
    ]
    refresh_pending()
    return cases


def test_key_persons_ranked_as_the_page(
    offenders: list[Case], other_town: Unit, client_as: ClientAs
) -> None:
    body = _get("/api/v1/analysis/key-persons", "suozhang").json()
    ranked = [
        (row["person"]["name"], row["incidents"], row["as_ringleader"]) for row in body["items"]
    ]
    assert ranked == [("王大虎", 3, 3), ("李二", 2, 0)]
    assert id_number(11) not in json.dumps(body)
    page = client_as("suozhang").get("/analysis/key-persons/").content.decode()
    assert page.index("王大虎") < page.index("李二")
    assert _get("/api/v1/analysis/key-persons", "gdbanshi").json()["items"] == []
    _refused("get", "/api/v1/analysis/key-persons", {}, {"cun01": 403, "shiban": 403, None: 401})


def test_a_village_out_of_scope_is_a_400_naming_village_id(
    offenders: list[Case], other_town: Unit
) -> None:
    other_village = Unit.objects.get(name="港东村")
    response = _get("/api/v1/analysis/key-persons", "banshi", village_id=other_village.pk)
    assert "village_id" in _error(response, 400)["fields"]
    response = _get(
        "/api/v1/analysis/key-persons", "banshi", date_from="2025-01-01", date_to="2024-01-01"
    )
    assert "起始日期不能晚于截止日期" in _error(response, 400)["fields"]["date_from"][0]


def test_co_offenders_pairs_and_groups(offenders: list[Case], other_town: Unit) -> None:
    body = _get("/api/v1/analysis/co-offenders", "banshi").json()
    (pair,) = body["pairs"]
    assert {pair["first"]["name"], pair["second"]["name"]} == {"王大虎", "李二"}
    assert pair["together"] == 2 and len(pair["incidents"]) == 2 and body["total_pairs"] == 1
    assert _get("/api/v1/analysis/co-offenders", "banshi", min_together=3).json()["pairs"] == []
    assert _get("/api/v1/analysis/co-offenders", "gdbanshi").json()["pairs"] == []
    _refused("get", "/api/v1/analysis/co-offenders", {}, {"cun01": 403, None: 401})


@pytest.mark.parametrize(
    ("path", "action", "name"),
    [
        ("key-persons", AuditAction.KEY_PERSONS_EXPORTED, "王大虎"),
        ("co-offenders", AuditAction.CO_OFFENDERS_EXPORTED, "李二"),
    ],
)
def test_the_lists_ledgers_are_the_pages_and_audited(
    offenders: list[Case], other_town: Unit, path: str, action: str, name: str
) -> None:
    response = _get(f"/api/v1/analysis/{path}/export.xlsx", "suozhang")
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    cells = {
        cell
        for sheet in load_workbook(io.BytesIO(content)).worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
    }
    assert any(name in str(cell) for cell in cells) and id_number(11).encode() not in content
    event = AuditEvent.objects.get(action=action)
    assert event.details["rows"] >= 1
    url = f"/api/v1/analysis/{path}/export.xlsx"
    _refused("get", url, {}, {"cun01": 403, None: 401})
    assert AuditEvent.objects.filter(action=action).count() == 1
