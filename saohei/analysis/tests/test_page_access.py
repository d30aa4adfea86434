"""Who may open each page and download the analysis context added, table by table: the right
roles of the town, a role that may not (a village head, the police where only the office may,
the city's 督导), the head of another village, and the office and police of another town — and
anonymous visitors, sent to sign in. A record or object of 港西镇 is a 404 to another town
(ids cannot be probed); a list is 200 to it without anything of 港西镇.

The write refusal matrix (`demo/tests/test_write_refusal_matrix.py`) holds the POSTs for the
demo town's own accounts; the POST table here adds anonymous visitors and another town."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from saohei.analysis.changes import refresh_pending
from saohei.analysis.models import (
    Appearance,
    IdentifierExclusion,
    MergeRule,
    Person,
    Prompt,
    SamePersonSuggestion,
    SharedIdentifier,
    SplitRule,
    VettingRun,
)
from saohei.analysis.tests.prompt_helpers import CRIMINAL, PUBLIC, crew, days, decision_meeting
from saohei.analysis.tests.registry_helpers import id_number, make_case
from saohei.analysis.tests.test_prompt_pages import SETTINGS
from saohei.common.roles import Role
from saohei.conftest import sign_in
from saohei.demo.tests.test_write_refusal_matrix import _row_counts as row_counts
from saohei.leads import services as lead_services
from saohei.leads.models import Channel, Source
from saohei.meetings.tests.conftest import make_account
from saohei.organisations.models import Unit, UnitKind, User
from saohei.organisations.services import build_unit
from saohei.tips.services import TipInput, submit_tip

pytestmark = pytest.mark.django_db

LOGIN = "login"  # an anonymous visitor is sent to the sign-in page
# Who is asked, beside the anonymous visitor: the town's leader, office and police; the heads of
# the lead's village and of another; the city's 督导; another town's office and police.
VILLAGE_HEAD, OTHER_VILLAGE_HEAD = "head", "other_head"
ACCOUNTS = (
    "shuji",
    "banshi",
    "minjing",
    VILLAGE_HEAD,
    OTHER_VILLAGE_HEAD,
    "shiban",
    "gdbanshi",
    "gdjing",
)
# Something of 港西镇 that another town must not find on a list page.
SEEN_ONLY_IN_TOWN = "张大虎"


@dataclass(frozen=True)
class World:
    ids: dict[str, int]
    heads: dict[str, str]


@pytest.fixture
def world(town: Unit, village: Unit) -> World:
    """港西镇 with a prompt from three cases of one crew, a lead handled by 港西村, a pending
    tip, a 联审 run and one of each correction; 港东镇 beside it with its office and police."""
    other = build_unit(name="港东镇", kind=UnitKind.TOWN, parent=town.parent, code="GD")
    station = build_unit(name="港东镇派出所", kind=UnitKind.POLICE_STATION, parent=other)
    make_account("gdbanshi", "港东镇扫黑办", other, Role.OFFICE_STAFF)
    make_account("gdjing", "港东镇民警", station, Role.POLICE_OFFICER)
    leader = make_account("gdzuzhang", "港东镇组长", other, Role.LEADER)
    TOTPDevice.objects.create(user=leader, name="手机", confirmed=True)
    cases = [
        make_case(town, *crew(), on=days(day), nature=nature, village=village)
        for day, nature in ((0, CRIMINAL), (30, PUBLIC), (60, PUBLIC))
    ]
    office = User.objects.get(username="banshi")
    lead = lead_services.register_lead(
        actor=office,
        unit=town,
        data=lead_services.LeadInput(
            received_at=timezone.now() - timedelta(hours=1),
            channel=Channel.PHONE,
            source=Source.PUBLIC_REPORT,
            summary="张大虎在码头强收卸货费",
            village=village,
            subjects=[lead_services.SubjectInput(name="张大虎")],
        ),
    )
    lead_services.assign_lead(actor=office, lead=lead, handling_unit=village)
    tip = submit_tip(unit=town, data=TipInput(content="张大虎在码头强收卸货费")).tip
    refresh_pending()
    prompt = Prompt.objects.get()
    in_cases = Person.objects.filter(appearances__incident_kind="case").distinct()
    person, other_person = in_cases.get(name="张大虎"), in_cases.get(name="李二狗")
    appearance = Appearance.objects.filter(person=person, incident_kind="case").first()
    assert appearance is not None
    merge = MergeRule.objects.create(
        first_key=person.person_key, second_key=other_person.person_key, created_by=office
    )
    split = SplitRule.objects.create(
        incident_kind="case", source_id=appearance.source_id, created_by=office
    )
    suggestion = SamePersonSuggestion.objects.create(
        first_key=person.person_key, second_key=other_person.person_key, name=person.name
    )
    Appearance.objects.filter(pk=appearance.pk).update(
        phone_index="共用", phone_masked="139****0000"
    )
    shared = SharedIdentifier.objects.create(kind="phone", value="共用", masked="139****0000")
    exclusion = IdentifierExclusion.objects.create(
        kind="phone", value="排除", masked="139****0001", created_by=office
    )
    run = VettingRun.objects.create(
        unit=town,
        uploaded_by=office,
        uploaded_at=timezone.now(),
        file_name="港西镇候选人名单.xlsx",
        file_sha256="0" * 64,
    )
    heads = {
        VILLAGE_HEAD: _head_of(village),
        OTHER_VILLAGE_HEAD: _head_of(Unit.objects.get(name="东岛村")),
    }
    ids = {
        "case": cases[0].pk,
        "lead": lead.pk,
        "tip": tip.pk,
        "prompt": prompt.pk,
        "person": person.pk,
        "appearance": appearance.pk,
        "merge": merge.pk,
        "split": split.pk,
        "suggestion": suggestion.pk,
        "shared": shared.pk,
        "exclusion": exclusion.pk,
        "run": run.pk,
        "meeting": decision_meeting(town).pk,
    }
    return World(ids=ids, heads=heads)


def _head_of(village: Unit) -> str:
    return User.objects.get(unit=village, role_grants__role=Role.VILLAGE_HEAD).username


def _client(world: World, account: str | None) -> Client:
    if account is None:
        return Client()
    return sign_in(Client(), world.heads.get(account, account))


# ---------------------------------------------------------------------------------------------
# Pages and downloads (GET)

OFFICE_ONLY = {
    "shuji": 200,
    "banshi": 200,
    "minjing": 403,
    VILLAGE_HEAD: 403,
    OTHER_VILLAGE_HEAD: 403,
    "shiban": 403,
}
OFFICE_AND_POLICE = {**OFFICE_ONLY, "minjing": 200}
ANOTHER_TOWNS_RECORD = {"gdbanshi": 404, "gdjing": 404}
ANOTHER_TOWNS_LIST = {"gdbanshi": 200, "gdjing": 200}


@dataclass(frozen=True)
class Page:
    url: str  # with {name} for the world's ids
    answers: dict[str, int]
    # On a list another town may open: what 港西镇's office sees there and another town never
    # (not the search text, which the page repeats).
    town_only: str = ""


PAGES = {
    "lead_suggestions": Page(
        "/analysis/leads/{lead}/suggestions/", {**OFFICE_ONLY, "gdbanshi": 404, "gdjing": 403}
    ),
    "tip_suggestions": Page(
        "/analysis/tips/{tip}/suggestions/", {**OFFICE_ONLY, "gdbanshi": 404, "gdjing": 403}
    ),
    "case_suggestions": Page(
        "/analysis/cases/{case}/suggestions/", {**OFFICE_AND_POLICE, **ANOTHER_TOWNS_RECORD}
    ),
    "person_search": Page(
        f"/analysis/persons/?q={SEEN_ONLY_IN_TOWN}",
        {**OFFICE_AND_POLICE, **ANOTHER_TOWNS_LIST},
        town_only="/analysis/persons/{person}/",
    ),
    "person": Page("/analysis/persons/{person}/", {**OFFICE_AND_POLICE, **ANOTHER_TOWNS_RECORD}),
    "person_merge": Page(
        "/analysis/persons/{person}/merge/", {**OFFICE_ONLY, "gdbanshi": 404, "gdjing": 403}
    ),
    "same_person": Page(
        "/analysis/same-person/",
        {**OFFICE_ONLY, "gdbanshi": 200, "gdjing": 403},
        town_only=SEEN_ONLY_IN_TOWN,
    ),
    # The exclusion list is the deployment's: every town's office keeps it (decision 0030).
    "exclusions": Page("/analysis/exclusions/", {**OFFICE_ONLY, "gdbanshi": 200, "gdjing": 403}),
    "shared": Page(
        "/analysis/shared/",
        {**OFFICE_ONLY, "gdbanshi": 200, "gdjing": 403},
        town_only="139****0000",
    ),
    # "also appears in" on a lead: whoever may open the lead, its village's head too.
    "lead_related": Page(
        "/analysis/leads/{lead}/related/",
        {**OFFICE_ONLY, VILLAGE_HEAD: 200, OTHER_VILLAGE_HEAD: 404, "shiban": 404, "minjing": 404}
        | ANOTHER_TOWNS_RECORD,
    ),
    "case_related": Page(
        "/analysis/cases/{case}/related/", {**OFFICE_AND_POLICE, **ANOTHER_TOWNS_RECORD}
    ),
    "tip_related": Page(
        "/analysis/tips/{tip}/related/", {**OFFICE_ONLY, "gdbanshi": 404, "gdjing": 403}
    ),
    "person_chart": Page(
        "/analysis/chart/person/{person}/", {**OFFICE_AND_POLICE, **ANOTHER_TOWNS_RECORD}
    ),
    "lead_chart": Page(
        "/analysis/chart/lead/{lead}/",
        {**OFFICE_AND_POLICE, "minjing": 404, **ANOTHER_TOWNS_RECORD},
    ),
    "case_chart": Page(
        "/analysis/chart/case/{case}/", {**OFFICE_AND_POLICE, **ANOTHER_TOWNS_RECORD}
    ),
    "prompt_chart": Page(
        "/analysis/chart/prompt/{prompt}/", {**OFFICE_AND_POLICE, **ANOTHER_TOWNS_RECORD}
    ),
    "vetting": Page(
        "/analysis/vetting/",
        {**OFFICE_ONLY, "gdbanshi": 200, "gdjing": 403},
        town_only="港西镇候选人名单",
    ),
    "vetting_run": Page(
        "/analysis/vetting/{run}/", {**OFFICE_ONLY, "gdbanshi": 404, "gdjing": 403}
    ),
    "vetting_export": Page(
        "/analysis/vetting/{run}/export/", {**OFFICE_ONLY, "gdbanshi": 404, "gdjing": 403}
    ),
    "prompts": Page(
        "/analysis/prompts/",
        {**OFFICE_AND_POLICE, **ANOTHER_TOWNS_LIST},
        town_only=SEEN_ONLY_IN_TOWN,
    ),
    "prompt": Page("/analysis/prompts/{prompt}/", {**OFFICE_AND_POLICE, **ANOTHER_TOWNS_RECORD}),
    # The thresholds are the deployment's: every office reads them (decision 0029).
    "settings": Page("/analysis/settings/", {**OFFICE_ONLY, "gdbanshi": 200, "gdjing": 403}),
    "key_persons": Page(
        "/analysis/key-persons/?date_from=2020-01-01",
        {**OFFICE_AND_POLICE, **ANOTHER_TOWNS_LIST},
        town_only=SEEN_ONLY_IN_TOWN,
    ),
    "key_persons_export": Page(
        "/analysis/key-persons/export.xlsx?date_from=2020-01-01",
        {**OFFICE_AND_POLICE, **ANOTHER_TOWNS_LIST},
    ),
    "co_offenders": Page(
        "/analysis/co-offenders/?date_from=2020-01-01",
        {**OFFICE_AND_POLICE, **ANOTHER_TOWNS_LIST},
        town_only=SEEN_ONLY_IN_TOWN,
    ),
    "co_offenders_export": Page(
        "/analysis/co-offenders/export.xlsx?date_from=2020-01-01",
        {**OFFICE_AND_POLICE, **ANOTHER_TOWNS_LIST},
    ),
}


def test_every_page_of_the_context_is_in_the_table() -> None:
    from saohei.analysis.urls import urlpatterns

    posted = {name for name, _ in POSTS.values() if ":" not in name}
    assert {pattern.name for pattern in urlpatterns} == set(PAGES) | posted | {"vetting"}


@pytest.mark.parametrize("name", PAGES)
def test_who_may_open_the_page(world: World, name: str) -> None:
    page = PAGES[name]
    url, town_only = page.url.format(**world.ids), page.town_only.format(**world.ids)
    assert set(page.answers) == set(ACCOUNTS), name
    anonymous = _client(world, None).get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"], url
    answers, shown = {}, {}
    for account in ACCOUNTS:
        response = _client(world, account).get(url)
        answers[account] = response.status_code
        body = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
        shown[account] = bool(town_only) and town_only in body.decode()
    assert answers == page.answers, url
    if page.town_only:
        # Not vacuous: the town's office finds it; no account of another town does.
        assert shown["banshi"] and not shown["gdbanshi"] and not shown["gdjing"], (url, shown)


# ---------------------------------------------------------------------------------------------
# Writes (POST): anonymous visitors and another town are refused and nothing is written


# path → its URL name, and what another town's leader gets (None: every town's office keeps it,
# the exclusion list being the deployment's, decision 0030).
POSTS: dict[str, tuple[str, int | None]] = {
    "/analysis/persons/{person}/merge/": ("person_merge", 404),
    "/analysis/persons/{person}/appearances/{appearance}/split/": ("appearance_split", 404),
    "/analysis/merges/{merge}/undo/": ("merge_undo", 404),
    "/analysis/splits/{split}/undo/": ("split_undo", 404),
    "/analysis/same-person/{suggestion}/confirm/": ("same_person_confirm", 404),
    "/analysis/same-person/{suggestion}/reject/": ("same_person_reject", 404),
    "/analysis/shared/{shared}/exclude/": ("shared_exclude", 404),
    "/analysis/exclusions/": ("exclusions", None),
    "/analysis/exclusions/{exclusion}/remove/": ("exclusion_remove", None),
    "/analysis/prompts/{prompt}/confirm/": ("prompt_confirm", 404),
    "/analysis/prompts/{prompt}/dismiss/": ("prompt_dismiss", 404),
    # With two towns no township's office may change the deployment's thresholds (0029).
    "/analysis/settings/": ("settings", 403),
    "/cases/{case}/persons/add/": ("cases:add_person", 404),
    "/tips/{tip}/persons/add/": ("tips:add_person", 404),
}
FILLED = {
    "reason": "不是同一人，核实后更正",
    "mobile": "13905312468",
    "note": "三人多次结伙滋事，登记核查",
    "failed_element": "bullying",
    "name": "王某某",
    "role": "participant",
    **SETTINGS,
}


@pytest.mark.parametrize("path", POSTS)
def test_a_write_by_a_visitor_or_another_towns_leader_is_refused_and_writes_nothing(
    world: World, path: str
) -> None:
    url = path.format(**world.ids)
    _, other_towns_answer = POSTS[path]
    data = {**FILLED, "other": world.ids["person"], "meeting": world.ids["meeting"]}
    before = row_counts()
    anonymous = _client(world, None).post(url, data)
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"], url
    assert row_counts() == before, url
    if other_towns_answer is not None:
        refused = _client(world, "gdzuzhang").post(url, data)
        assert refused.status_code == other_towns_answer, url
        assert row_counts() == before, url


def test_another_towns_office_may_not_upload_a_list_for_this_town(world: World) -> None:
    town = Unit.objects.get(name="港西镇")
    before = row_counts()
    candidates = f"村,姓名,身份证号,拟任职务\r\n港西村,王某,{id_number(50)},村委会主任\r\n"
    upload = SimpleUploadedFile("名单.csv", candidates.encode("gbk"), content_type="text/csv")
    response = _client(world, "gdzuzhang").post(
        "/analysis/vetting/", {"unit": town.pk, "file": upload}
    )
    # The form offers only the towns the account vets: the page again, the choice refused.
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()
    assert row_counts() == before
    assert VettingRun.objects.filter(unit=town).count() == 1  # the world's own run only
