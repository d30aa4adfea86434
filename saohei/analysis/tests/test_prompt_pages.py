"""研判提示 pages, the 研判会's confirm/dismiss, the flags API, the home cards and 研判设置: who
may do what (every role, another town, anonymous), what is written, and what is not."""

import json
import re
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_otp.plugins.otp_totp.models import TOTPDevice

from saohei.analysis import services
from saohei.analysis.changes import refresh_pending
from saohei.analysis.models import (
    AnalysisSettings,
    Appearance,
    FailedElement,
    Prompt,
    PromptLevel,
    PromptStatus,
)
from saohei.analysis.registry import current_settings, rebuild
from saohei.analysis.tests.prompt_helpers import CRIMINAL, PUBLIC, crew, days, decision_meeting
from saohei.analysis.tests.registry_helpers import id_number, make_case
from saohei.api.services import create_api_token
from saohei.audit.models import AuditAction, AuditEvent
from saohei.cases.models import Case
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.common.roles import Role
from saohei.leads.models import Lead, Source
from saohei.meetings.models import Meeting, MeetingKind, MeetingLeadOpinion
from saohei.meetings.tests.conftest import make_account
from saohei.organisations.models import Unit, UnitKind, User
from saohei.organisations.services import build_unit

pytestmark = pytest.mark.django_db
ClientAs = Callable[[str], Client]


@pytest.fixture
def prompt(town: Unit) -> Prompt:
    for day, nature in ((0, CRIMINAL), (30, PUBLIC), (60, PUBLIC)):
        make_case(town, *crew(), on=days(day), nature=nature)
    refresh_pending()
    return Prompt.objects.get()


@pytest.fixture
def meeting(town: Unit) -> Meeting:
    return decision_meeting(town)


def _account(username: str, unit: Unit, role: Role) -> User:
    account = make_account(username, username, unit, role)
    # Leaders sign in with a second factor, as the demo's do.
    TOTPDevice.objects.create(user=account, name="手机", confirmed=True)
    return account


@pytest.fixture
def other_town(town: Unit) -> Unit:
    """港东镇 with its own leader and clerk, who must see nothing of 港西镇's prompts."""
    other = build_unit(name="港东镇", kind=UnitKind.TOWN, parent=town.parent, code="GD")
    _account("gdzuzhang", other, Role.LEADER)
    _account("gdbanshi", other, Role.OFFICE_STAFF)
    return other


# ---------------------------------------------------------------------------------------------
# Pages


# username → status of the list and of the prompt's page
PAGE_ACCESS = {
    "shuji": 200,
    "fushuji": 200,
    "banshi": 200,
    "suozhang": 200,  # police see the cases of their station's town
    "cun02": 403,
    "shiban": 403,
    "baoguan": 403,
    "xitong": 403,
    "anquan": 403,
    "shenji": 403,
}


@pytest.mark.parametrize(("username", "status"), PAGE_ACCESS.items())
def test_prompt_pages_by_role(
    client_as: ClientAs, prompt: Prompt, username: str, status: int
) -> None:
    client = client_as(username)
    listing = client.get("/analysis/prompts/")
    detail = client.get(f"/analysis/prompts/{prompt.pk}/")
    assert (listing.status_code, detail.status_code) == (status, status)
    if status == 200:
        assert "疑似恶势力" in listing.content.decode()
        page = detail.content.decode()
        assert "张大虎" in page and "不是认定结论" in page
        assert page.count("/analysis/persons/") >= 3
        assert f"/cases/{prompt.incidents.first().incident_id}/" in page  # type: ignore[union-attr]


def test_another_towns_office_sees_no_prompt_and_gets_404(
    client_as: ClientAs, prompt: Prompt, other_town: Unit
) -> None:
    client = client_as("gdzuzhang")
    assert "张大虎" not in client.get("/analysis/prompts/").content.decode()
    assert client.get(f"/analysis/prompts/{prompt.pk}/").status_code == 404
    response = client.post(f"/analysis/prompts/{prompt.pk}/confirm/", {"note": "确认登记核查"})
    assert response.status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(prompt: Prompt) -> None:
    for url in ("/analysis/prompts/", f"/analysis/prompts/{prompt.pk}/", "/analysis/settings/"):
        response = Client().get(url)
        assert response.status_code == 302 and "/login" in response["Location"]


def test_a_prompt_resting_on_a_case_the_viewer_cannot_see_is_hidden(
    client_as: ClientAs, town: Unit, other_town: Unit
) -> None:
    make_case(town, *crew(), on=days(0))
    make_case(town, *crew(), on=days(30), nature=PUBLIC)
    make_case(other_town, *crew(), on=days(60), nature=PUBLIC)
    refresh_pending()
    prompt = Prompt.objects.get()
    assert prompt.unit == town
    assert client_as("shuji").get(f"/analysis/prompts/{prompt.pk}/").status_code == 404
    assert client_as("gdzuzhang").get(f"/analysis/prompts/{prompt.pk}/").status_code == 404


def test_list_filters_by_level_and_status(client_as: ClientAs, prompt: Prompt) -> None:
    client = client_as("banshi")
    assert "张大虎" in client.get("/analysis/prompts/?level=gang&status=open").content.decode()
    assert "张大虎" not in client.get("/analysis/prompts/?level=heijie").content.decode()
    assert "张大虎" not in client.get("/analysis/prompts/?status=dismissed").content.decode()


# ---------------------------------------------------------------------------------------------
# 研判会


def test_the_leader_confirms_a_prompt_into_a_lead_with_the_members_as_subjects(
    client_as: ClientAs, prompt: Prompt, meeting: Meeting
) -> None:
    response = client_as("shuji").post(
        f"/analysis/prompts/{prompt.pk}/confirm/",
        {"meeting": meeting.pk, "note": "三人多次结伙滋事，登记核查"},
    )
    assert response.status_code == 302
    prompt.refresh_from_db()
    lead = Lead.objects.get()
    assert prompt.status == PromptStatus.CONFIRMED and prompt.lead == lead
    assert prompt.meeting == meeting
    assert lead.source == Source.ANALYSIS
    assert sorted(lead.subjects.values_list("name", flat=True)) == ["张大虎", "李二狗", "王三"]
    gatherer = lead.subjects.get(name="张大虎")
    assert gatherer.unsealed_id_number() == id_number(1)
    assert MeetingLeadOpinion.objects.filter(meeting=meeting, lead=lead).exists()
    event = AuditEvent.objects.get(action=AuditAction.PROMPT_CONFIRMED)
    assert event.details["lead"] == lead.pk
    assert id_number(1) not in json.dumps(event.details)


def test_the_new_lead_does_not_feed_back_into_the_prompt(prompt: Prompt, meeting: Meeting) -> None:
    services.confirm_prompt(
        actor=User.objects.get(username="shuji"),
        prompt=prompt,
        meeting=meeting,
        note="登记核查核实",
    )
    refresh_pending()
    rebuild()
    prompt.refresh_from_db()
    assert prompt.status == PromptStatus.CONFIRMED
    assert prompt.incidents.count() == 3


def test_office_staff_cannot_confirm(client_as: ClientAs, prompt: Prompt, meeting: Meeting) -> None:
    response = client_as("banshi").post(
        f"/analysis/prompts/{prompt.pk}/confirm/", {"meeting": meeting.pk, "note": "登记核查核实"}
    )
    assert response.status_code == 403
    with pytest.raises(ActionNotAllowed):
        services.confirm_prompt(
            actor=User.objects.get(username="banshi"),
            prompt=prompt,
            meeting=meeting,
            note="登记核查核实",
        )
    assert not Lead.objects.exists()
    assert Prompt.objects.get().status == PromptStatus.OPEN


def test_a_confirmation_without_an_opinion_writes_nothing(
    client_as: ClientAs, prompt: Prompt, meeting: Meeting
) -> None:
    response = client_as("shuji").post(
        f"/analysis/prompts/{prompt.pk}/confirm/", {"meeting": meeting.pk, "note": "好"}
    )
    assert response.status_code == 400
    assert "研判意见" in response.content.decode()
    assert not Lead.objects.exists()
    assert Prompt.objects.get().status == PromptStatus.OPEN


def test_a_refused_dismissal_keeps_the_meeting_element_and_reason(
    client_as: ClientAs, prompt: Prompt, meeting: Meeting
) -> None:
    response = client_as("shuji").post(
        f"/analysis/prompts/{prompt.pk}/dismiss/",
        {"meeting": meeting.pk, "failed_element": FailedElement.BULLYING, "reason": "不欺压"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="dismiss_reason_error"' in page and "至少5个字" in page
    assert ">\n不欺压</textarea>" in page
    assert f'<option value="{meeting.pk}" selected>' in page
    assert f'<option value="{FailedElement.BULLYING}" selected>' in page
    assert Prompt.objects.get().status == PromptStatus.OPEN


def test_only_an_analysis_meeting_of_the_town_decides(town: Unit, prompt: Prompt) -> None:
    joint = decision_meeting(town, MeetingKind.JOINT)
    with pytest.raises(ServiceError, match="研判会"):
        services.dismiss_prompt(
            actor=User.objects.get(username="shuji"),
            prompt=prompt,
            meeting=joint,
            reason="不属于欺压百姓",
            failed_element=FailedElement.BULLYING,
        )
    assert Prompt.objects.get().status == PromptStatus.OPEN


def test_the_leader_dismisses_naming_the_failed_element(
    client_as: ClientAs, prompt: Prompt, meeting: Meeting
) -> None:
    response = client_as("fushuji").post(
        f"/analysis/prompts/{prompt.pk}/dismiss/",
        {"meeting": meeting.pk, "failed_element": "bullying", "reason": "系同村亲属间偶发冲突"},
    )
    assert response.status_code == 302
    prompt.refresh_from_db()
    assert prompt.status == PromptStatus.DISMISSED
    assert prompt.get_failed_element_display() == "不具有为非作恶、欺压百姓特征"
    assert AuditEvent.objects.filter(action=AuditAction.PROMPT_DISMISSED).count() == 1
    rebuild()
    assert Prompt.objects.get().status == PromptStatus.DISMISSED
    page = client_as("shuji").get(f"/analysis/prompts/{prompt.pk}/").content.decode()
    assert "系同村亲属间偶发冲突" in page and "confirm-form" not in page


def test_a_dismissal_without_an_element_writes_nothing(
    client_as: ClientAs, prompt: Prompt, meeting: Meeting
) -> None:
    response = client_as("shuji").post(
        f"/analysis/prompts/{prompt.pk}/dismiss/",
        {"meeting": meeting.pk, "failed_element": "whatever", "reason": "系同村亲属间偶发冲突"},
    )
    assert response.status_code == 400
    assert Prompt.objects.get().status == PromptStatus.OPEN


def test_a_new_incident_after_a_dismissal_reopens_the_prompt(
    town: Unit, prompt: Prompt, meeting: Meeting
) -> None:
    services.dismiss_prompt(
        actor=User.objects.get(username="shuji"),
        prompt=prompt,
        meeting=meeting,
        reason="系同村亲属间偶发冲突",
        failed_element=FailedElement.BULLYING,
    )
    case = make_case(town, *crew(), on=days(100))
    refresh_pending()
    prompt.refresh_from_db()
    assert prompt.status == PromptStatus.OPEN
    assert case.number in prompt.reopened_reason


# ---------------------------------------------------------------------------------------------
# GET /api/v1/analysis/flags


def _flags(username: str | None, query: str = "") -> object:
    headers = {}
    if username is not None:
        _, token = create_api_token(user=User.objects.get(username=username), name="研判")
        headers = {"Authorization": f"Bearer {token}"}
    return Client().get(f"/api/v1/analysis/flags{query}", headers=headers)


def test_flags_have_the_issues_shape_with_full_id_numbers_for_the_office(prompt: Prompt) -> None:
    response = _flags("shuji")
    assert response.status_code == 200  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"items", "next"} and body["next"] is None
    (item,) = body["items"]
    assert set(item) == {
        "id",
        "level",
        "status",
        "members",
        "incidents",
        "window_start",
        "window_end",
        "criteria",
        "explanation",
    }
    assert item["level"] == "疑似恶势力" and item["status"] == "open"
    assert item["window_start"] == days(0).isoformat()
    gatherer = next(m for m in item["members"] if m["name"] == "张大虎")
    assert set(gatherer) == {"person_id", "name", "role", "id_number"}
    assert gatherer["role"] == "纠集者" and gatherer["id_number"] == id_number(1)
    assert {i["kind"] for i in item["incidents"]} == {"case"}
    assert set(item["incidents"][0]) == {"kind", "number", "date"}
    assert item["criteria"]["members"] == 3
    event = AuditEvent.objects.get(action=AuditAction.SUBJECT_REVEALED)
    assert event.details["prompt"] == prompt.pk and id_number(1) not in json.dumps(event.details)


def test_flags_mask_id_numbers_for_the_police(prompt: Prompt) -> None:
    (item,) = _flags("suozhang").json()["items"]  # type: ignore[attr-defined]
    gatherer = next(m for m in item["members"] if m["name"] == "张大虎")
    assert gatherer["id_number"] != id_number(1) and "*" in gatherer["id_number"]
    assert not AuditEvent.objects.filter(action=AuditAction.SUBJECT_REVEALED).exists()


@pytest.mark.parametrize("username", ["cun02", "shiban", "baoguan", "xitong", "gdzuzhang"])
def test_flags_are_empty_for_those_who_may_not_see_them(
    prompt: Prompt, other_town: Unit, username: str
) -> None:
    response = _flags(username)
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert response.json()["items"] == []  # type: ignore[attr-defined]


def test_flags_need_a_token(prompt: Prompt) -> None:
    assert _flags(None).status_code == 401  # type: ignore[attr-defined]


def test_flags_page_by_fifty_with_a_cursor(town: Unit) -> None:
    for n in range(51):
        Prompt.objects.create(
            level=PromptLevel.GANG,
            unit=town,
            window_start=days(n),
            window_end=days(n + 60),
            explanation=f"提示{n}",
        )
    first = _flags("banshi").json()  # type: ignore[attr-defined]
    assert len(first["items"]) == 50 and first["next"]
    second = _flags("banshi", f"?after={first['next']}").json()  # type: ignore[attr-defined]
    assert len(second["items"]) == 1 and second["next"] is None
    ids = {item["id"] for item in first["items"] + second["items"]}
    assert len(ids) == 51
    assert _flags("banshi", "?level=heijie").json()["items"] == []  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------------------------
# Home


def test_the_leaders_home_shows_open_prompts_by_level(client_as: ClientAs, prompt: Prompt) -> None:
    page = client_as("shuji").get("/").content.decode()
    assert 'data-testid="prompt-card"' in page
    assert '疑似恶势力</a><span class="fw-semibold">1</span>' in page


def test_the_supervisor_sees_counts_per_town_only(client_as: ClientAs, prompt: Prompt) -> None:
    page = client_as("shiban").get("/").content.decode()
    assert 'data-testid="prompt-town-card"' in page and "港西镇" in page
    assert 'data-testid="prompt-card"' not in page and "张大虎" not in page


def test_a_village_head_sees_no_prompt_card(client_as: ClientAs, prompt: Prompt) -> None:
    page = client_as("cun02").get("/").content.decode()
    assert "prompt-card" not in page and "prompt-town-card" not in page


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


def test_the_office_changes_a_threshold_and_the_change_is_audited(
    client_as: ClientAs, demo: None, django_capture_on_commit_callbacks: object
) -> None:
    response = client_as("banshi").post("/analysis/settings/", SETTINGS)
    assert response.status_code == 302
    assert current_settings().window_days == 365
    event = AuditEvent.objects.get(action=AuditAction.ANALYSIS_SETTINGS_CHANGED)
    assert event.details["changed"] == {"window_days": [730, 365]}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("min_members", "0", "不能小于"),
        ("window_days", "两年", "请输入整数"),
        ("heijie_note_members", "12", "不能大于"),
    ],
)
def test_bad_settings_are_refused_in_chinese_and_nothing_is_written(
    client_as: ClientAs, demo: None, field: str, value: str, message: str
) -> None:
    response = client_as("banshi").post("/analysis/settings/", {**SETTINGS, field: value})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not AnalysisSettings.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.ANALYSIS_SETTINGS_CHANGED).exists()


@pytest.mark.parametrize("username", ["suozhang", "cun02", "shiban", "xitong"])
def test_only_the_office_opens_the_settings(client_as: ClientAs, username: str) -> None:
    assert client_as(username).get("/analysis/settings/").status_code == 403
    assert client_as(username).post("/analysis/settings/", SETTINGS).status_code == 403
    assert not AnalysisSettings.objects.exists()


def test_a_towns_office_may_not_move_the_bar_for_its_neighbours(
    client_as: ClientAs, other_town: Unit
) -> None:
    """With a second town the thresholds are no longer 港西镇's alone: its office is refused."""
    response = client_as("banshi").post("/analysis/settings/", SETTINGS)
    assert "只有管辖全部镇（街道）的扫黑办" in response.content.decode()
    assert not AnalysisSettings.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.ANALYSIS_SETTINGS_CHANGED).exists()


def test_a_refused_office_gets_403_whatever_it_sends(client_as: ClientAs, other_town: Unit) -> None:
    """Not the form again to correct: no value would be accepted from this office."""
    for data in (SETTINGS, {**SETTINGS, "window_days": "两年"}):
        response = client_as("banshi").post("/analysis/settings/", data)
        assert response.status_code == 403
    assert client_as("banshi").get("/analysis/settings/").status_code == 200
    assert client_as("banshi").put("/analysis/settings/").status_code == 405
    assert not AnalysisSettings.objects.exists()


def test_refused_settings_come_back_as_typed_with_the_error_beside_the_field(
    client_as: ClientAs, demo: None
) -> None:
    typed = {**SETTINGS, "window_days": "两年", "min_members": "4", "common_names": "张伟"}
    response = client_as("banshi").post("/analysis/settings/", typed)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="两年"' in page and 'value="4"' in page and "张伟" in page
    assert 'id="id_window_days_error"' in page and "请输入整数" in page


def test_a_new_window_applies_on_the_next_rebuild(town: Unit, prompt: Prompt) -> None:
    services.update_settings(
        actor=User.objects.get(username="banshi"),
        data=services.SettingsInput(**{**SETTINGS, "window_days": 45}),  # type: ignore[arg-type]
    )
    rebuild()
    assert not Prompt.objects.filter(is_current=True).exists()


# ---------------------------------------------------------------------------------------------
# The demo


def test_the_demo_towns_cases_and_leads_yield_no_prompt(db: None) -> None:
    from saohei.demo.loader import load_demo_town

    load_demo_town(with_history=True)
    seed_town = Unit.objects.get(name="港西镇")
    assert Case.objects.filter(unit=seed_town).count() >= 15
    assert Lead.objects.filter(unit=seed_town).count() >= 10
    rebuild()
    assert Appearance.objects.filter(is_perpetrator=True, unit=seed_town).exists()
    # The seed concluded every one excluded; only the fictional town's planted group prompts.
    assert not Prompt.objects.filter(unit=seed_town).exists()
    planted = Prompt.objects.get()
    assert planted.unit.name == "虚构镇"
    assert planted.get_level_display() == "疑似恶势力犯罪集团"


def test_id_numbers_in_cases_are_not_shown_outside(prompt: Prompt, client_as: ClientAs) -> None:
    page = client_as("banshi").get(f"/analysis/prompts/{prompt.pk}/").content.decode()
    assert id_number(1) not in page


def test_the_list_costs_the_same_queries_for_two_prompts_or_ten(
    client_as: ClientAs, town: Unit
) -> None:
    client = client_as("banshi")

    def queries_for_list(prompts: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/analysis/prompts/")
        assert response.status_code == 200
        assert (
            len(re.findall(r'href="/analysis/prompts/\d+/"', response.content.decode())) == prompts
        )
        return len(captured.captured_queries)

    for n in range(2):
        Prompt.objects.create(
            level=PromptLevel.GANG,
            unit=town,
            window_start=days(n),
            window_end=days(n),
            explanation="x",
        )
    few = queries_for_list(2)
    for n in range(8):
        Prompt.objects.create(
            level=PromptLevel.GANG,
            unit=town,
            window_start=days(n),
            window_end=days(n),
            explanation="x",
        )
    assert queries_for_list(10) == few


@pytest.mark.parametrize(
    ("username", "status"),
    [("shuji", 200), ("banshi", 200), ("minjing", 200), ("cun02", 403), ("gdzuzhang", 404)],
)
def test_a_prompts_link_chart_by_role_and_town(
    client_as: ClientAs, prompt: Prompt, other_town: Unit, username: str, status: int
) -> None:
    url = f"/analysis/chart/prompt/{prompt.pk}/"
    response = client_as(username).get(url)
    assert response.status_code == status
    if status == 200:
        page = response.content.decode()
        for incident in prompt.incidents.all():
            assert incident.number in page  # every incident of the prompt is a node
        assert "张大虎" in page
        detail = client_as(username).get(f"/analysis/prompts/{prompt.pk}/").content.decode()
        assert url in detail


def test_a_prompts_chart_sends_an_anonymous_visitor_to_sign_in(prompt: Prompt) -> None:
    response = Client().get(f"/analysis/chart/prompt/{prompt.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
