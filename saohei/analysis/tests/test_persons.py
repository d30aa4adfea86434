"""Person pages, person search and "also appears in": who sees what, and only through records
they may open (decision 0030)."""

from collections.abc import Callable
from datetime import date, timedelta
from html import unescape

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from saohei.analysis.changes import refresh_pending
from saohei.analysis.models import Appearance, Person
from saohei.analysis.tests.registry_helpers import P, id_number, make_case, mobile, person_of
from saohei.audit.models import AuditAction, AuditEvent
from saohei.cases.models import Case
from saohei.common.roles import Role
from saohei.leads import services as lead_services
from saohei.leads.models import Channel, Lead, Source
from saohei.organisations.models import Unit, UnitKind, User
from saohei.organisations.services import build_unit
from saohei.tips.services import PersonInput, TipInput, submit_tip

pytestmark = pytest.mark.django_db


def head_of(village: Unit) -> str:
    return User.objects.get(unit=village, role_grants__role=Role.VILLAGE_HEAD).username


def register_lead(
    town: Unit,
    *subjects: lead_services.SubjectInput,
    involves_official: bool = False,
    village: Unit | None = None,
) -> Lead:
    return lead_services.register_lead(
        actor=User.objects.get(username="shuji"),
        unit=town,
        data=lead_services.LeadInput(
            received_at=timezone.now() - timedelta(hours=1),
            channel=Channel.PHONE,
            source=Source.PUBLIC_REPORT,
            summary="反映有人在码头强收卸货费",
            involves_official=involves_official,
            village=village,
            subjects=list(subjects),
        ),
    )


def page(client: Client, url: str) -> tuple[int, str]:
    response = client.get(url)
    return response.status_code, unescape(response.content.decode())


@pytest.fixture
def ringleader(town: Unit, village: Unit) -> Person:
    """杨老四: two cases in 港西村 with his ID number, one with a mobile and a plate."""
    first = make_case(
        town,
        P("杨老四", role="gatherer", id_number=id_number(7), plates=["鲁K12345"], village=village),
        P("孙小军", role="participant", id_number=id_number(8)),
        on=date(2023, 3, 1),
    )
    make_case(
        town,
        P("杨老四", role="organiser", id_number=id_number(7), phone=mobile(7), village=village),
        P("孙小军", role="participant", id_number=id_number(8)),
        on=date(2024, 6, 1),
        motive="neighbour",
        means="threat",
    )
    refresh_pending()
    return person_of(first, "杨老四")


# ---------------------------------------------------------------------------------------------
# The person page


def test_the_office_sees_a_persons_appearances_identifiers_and_co_persons(
    ringleader: Person, client_as: Callable[[str], Client]
) -> None:
    status, html = page(client_as("banshi"), f"/analysis/persons/{ringleader.pk}/")
    assert status == 200
    assert "杨老四" in html and "港西村" in html
    assert "纠集者" in html and "组织者" in html and "威胁" in html and "邻里" in html
    assert "370982********" in html and "139****0007" in html and "鲁K12345" in html
    assert id_number(7) not in html and mobile(7) not in html
    assert "孙小军" in html and "共同出现 2 次" in html
    assert f"/analysis/chart/person/{ringleader.pk}/" in html
    assert 'data-testid="person-prompts"' in html
    assert "与…合并" in html


def test_police_of_the_towns_station_see_the_person_without_corrections(
    ringleader: Person, client_as: Callable[[str], Client]
) -> None:
    status, html = page(client_as("minjing"), f"/analysis/persons/{ringleader.pk}/")
    assert status == 200 and "杨老四" in html
    assert "与…合并" not in html and "拆分为另一人" not in html


@pytest.mark.parametrize("username", ["shiban", "baoguan", "shenji"])
def test_roles_outside_the_registry_get_403(
    ringleader: Person, client_as: Callable[[str], Client], username: str
) -> None:
    assert client_as(username).get(f"/analysis/persons/{ringleader.pk}/").status_code == 403
    assert client_as(username).get("/analysis/persons/?q=杨老四").status_code == 403


def test_village_heads_of_this_and_other_villages_get_403(
    ringleader: Person, village: Unit, client_as: Callable[[str], Client]
) -> None:
    other = Unit.objects.get(name="东岛村")
    for username in (head_of(village), head_of(other)):
        assert client_as(username).get(f"/analysis/persons/{ringleader.pk}/").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(ringleader: Person) -> None:
    response = Client().get(f"/analysis/persons/{ringleader.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_person_of_another_town_is_404(town: Unit, client_as: Callable[[str], Client]) -> None:
    other_town = build_unit(name="柳林镇", kind=UnitKind.TOWN, parent=town.parent, code="LL")
    case = make_case(other_town, P("柳某", id_number=id_number(30)))
    refresh_pending()
    person = person_of(case, "柳某")
    assert client_as("banshi").get(f"/analysis/persons/{person.pk}/").status_code == 404
    assert client_as("banshi").get("/analysis/persons/999999999/").status_code == 404


def test_identifiers_and_records_come_only_from_what_the_viewer_may_see(
    town: Unit, client_as: Callable[[str], Client]
) -> None:
    # The ID number and mobile are given only in a lead about an official (the leaders' alone);
    # the same person's case carries the ID number too, but not the mobile nor the plate.
    case = make_case(town, P("周德海", id_number=id_number(40)))
    lead = register_lead(
        town,
        lead_services.SubjectInput(
            name="周德海",
            alias="周大头",
            id_number=id_number(40),
            phone=mobile(40),
            plates=["鲁K54321"],
        ),
        involves_official=True,
    )
    refresh_pending()
    person = person_of(case, "周德海")
    _, staff = page(client_as("banshi"), f"/analysis/persons/{person.pk}/")
    assert "139****0040" not in staff and "鲁K54321" not in staff and "周大头" not in staff
    assert lead.number not in staff, staff[staff.index(lead.number) - 300 :][:600]
    assert "查看完整" not in staff
    _, leader = page(client_as("shuji"), f"/analysis/persons/{person.pk}/")
    assert "139****0040" in leader and "鲁K54321" in leader and "周大头" in leader
    assert lead.number in leader


def test_a_full_number_is_revealed_by_the_leads_rule_and_audited(
    town: Unit, client_as: Callable[[str], Client]
) -> None:
    lead = register_lead(
        town, lead_services.SubjectInput(name="郭明亮", id_number=id_number(41), phone=mobile(41))
    )
    refresh_pending()
    person = Appearance.objects.get(incident_kind="lead", incident_id=lead.pk).person
    assert person is not None
    client = client_as("banshi")
    _, html = page(client, f"/analysis/persons/{person.pk}/")
    subject = lead.subjects.get()
    action = f"/leads/{lead.pk}/subjects/{subject.pk}/reveal/"
    assert action in html
    revealed = client.post(action).content.decode()
    assert id_number(41) in revealed and mobile(41) in revealed
    assert AuditEvent.objects.filter(
        action=AuditAction.SUBJECT_REVEALED, actor__username="banshi"
    ).exists()


def test_police_get_no_reveal_for_numbers_from_cases(
    ringleader: Person, client_as: Callable[[str], Client]
) -> None:
    _, html = page(client_as("minjing"), f"/analysis/persons/{ringleader.pk}/")
    assert "370982********" in html and "查看完整" not in html


# ---------------------------------------------------------------------------------------------
# Person search


@pytest.mark.parametrize(
    "query",
    [
        "杨老",  # a name's beginning
        "杨老四",
        id_number(7),
        id_number(7)[:6] + "********" + id_number(7)[-4:],  # the masked form
        id_number(7)[-4:],  # the last four
        mobile(7),
        "139 0000 0007",
        "139****0007",
        "鲁K·12345",
    ],
)
def test_the_office_finds_a_person_by_name_number_masked_form_and_plate(
    ringleader: Person, client_as: Callable[[str], Client], query: str
) -> None:
    status, html = page(client_as("banshi"), f"/analysis/persons/?q={query}")
    assert status == 200
    assert f"/analysis/persons/{ringleader.pk}/" in html


@pytest.fixture
def two_numbers(town: Unit, village: Unit) -> Person:
    """冯二: one case, where the police export gave a fixed line and then a mobile."""
    case = make_case(
        town,
        P("冯二", role="gatherer", phone="0631-5812345", phone2=mobile(31), village=village),
        on=date(2024, 2, 1),
    )
    refresh_pending()
    return person_of(case, "冯二")


@pytest.mark.parametrize(
    "query",
    [
        "0631-5812345",  # the first number, a fixed line, as a clerk types it
        "(0631)5812345",
        "06315812345",
        mobile(31),  # the second number
        mobile(31)[:3] + "****" + mobile(31)[-4:],
        mobile(31)[-4:],
    ],
)
def test_a_fixed_line_and_a_second_number_find_the_person(
    two_numbers: Person, client_as: Callable[[str], Client], query: str
) -> None:
    status, html = page(client_as("banshi"), f"/analysis/persons/?q={query}")
    assert status == 200
    assert f"/analysis/persons/{two_numbers.pk}/" in html


def test_a_second_number_in_another_towns_case_finds_nobody(
    town: Unit, client_as: Callable[[str], Client]
) -> None:
    other_town = build_unit(name="柳林镇", kind=UnitKind.TOWN, parent=town.parent, code="LL")
    make_case(other_town, P("柳二", phone=mobile(32), phone2="0631-5899999"))
    refresh_pending()
    for query in (mobile(32), "0631-5899999", "5899999"[-4:]):
        _, html = page(client_as("banshi"), f"/analysis/persons/?q={query}")
        assert 'data-testid="no-results"' in html, query
        assert "柳二" not in html


def test_search_does_not_find_a_person_through_a_record_the_viewer_may_not_see(
    town: Unit, client_as: Callable[[str], Client]
) -> None:
    register_lead(
        town,
        lead_services.SubjectInput(name="钱保护", id_number=id_number(50), phone=mobile(50)),
        involves_official=True,
    )
    refresh_pending()
    staff = client_as("banshi")
    for query in ("钱保护", id_number(50), mobile(50), id_number(50)[-4:]):
        _, html = page(staff, f"/analysis/persons/?q={query}")
        assert 'data-testid="no-results"' in html, query
    _, html = page(client_as("shuji"), f"/analysis/persons/?q={id_number(50)}")
    assert "钱保护" in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("370982198001010071", "校验位不正确"),
        ("370982198013010070", "出生日期不正确"),
        ("1390000000", "号码位数不对"),
        ("0631-58123456", "区号与号码位数不符"),
        ("23900000007", "手机号应为以1开头的11位数字"),
        ("鲁KI2345", "车牌"),
        ("abc!", "无法识别查询内容"),
        ("杨" * 51, "查询内容过长"),
    ],
)
def test_bad_input_gets_a_chinese_message_and_no_search(
    ringleader: Person, client_as: Callable[[str], Client], query: str, message: str
) -> None:
    status, html = page(client_as("banshi"), f"/analysis/persons/?q={query}")
    assert status == 400
    assert message in html
    assert 'data-testid="person-table"' not in html


def test_search_pages_by_cursor(town: Unit, client_as: Callable[[str], Client]) -> None:
    for n in range(55):
        make_case(
            town, P("马某某", id_number=id_number(100 + n)), on=date(2020, 1, 1) + timedelta(n)
        )
    refresh_pending()
    client = client_as("banshi")
    _, first = page(client, "/analysis/persons/?q=马某某")
    assert first.count("/analysis/persons/") - first.count("/analysis/persons/?") >= 50
    cursor = first.split("after=")[1].split('"')[0]
    _, second = page(client, f"/analysis/persons/?q=马某某&after={cursor}")
    assert second.count('href="/analysis/persons/') >= 5 and "2020-01-01" in second


# ---------------------------------------------------------------------------------------------
# "also appears in"


def test_a_case_page_loads_the_other_records_of_its_persons(
    ringleader: Person, client_as: Callable[[str], Client]
) -> None:
    client = client_as("banshi")
    cases = list(Case.objects.order_by("occurred_on"))
    detail = client.get(f"/cases/{cases[0].pk}/").content.decode()
    assert f'hx-get="/analysis/cases/{cases[0].pk}/related/"' in detail
    fragment = client.get(
        f"/analysis/cases/{cases[0].pk}/related/", headers={"HX-Request": "true"}
    ).content.decode()
    assert "<html" not in fragment
    assert cases[1].number in fragment and f"/analysis/persons/{ringleader.pk}/" in fragment


def test_an_officials_lead_stays_hidden_and_is_only_counted_for_the_office(
    town: Unit, village: Unit, client_as: Callable[[str], Client]
) -> None:
    case = make_case(town, P("吴海", id_number=id_number(60)), village=village)
    hidden = register_lead(
        town,
        lead_services.SubjectInput(name="吴海", id_number=id_number(60)),
        involves_official=True,
    )
    refresh_pending()
    _, staff = page(client_as("banshi"), f"/analysis/cases/{case.pk}/related/")
    assert hidden.number not in staff
    assert "另有 1 条记录您无权查看" in staff
    _, leader = page(client_as("shuji"), f"/analysis/cases/{case.pk}/related/")
    assert hidden.number in leader and "无权查看" not in leader


def test_a_village_head_sees_other_records_of_the_village_and_nothing_about_hidden_ones(
    town: Unit, village: Unit, client_as: Callable[[str], Client]
) -> None:
    office = User.objects.get(username="banshi")
    leads = []
    for _ in range(2):
        lead = register_lead(
            town,
            lead_services.SubjectInput(name="冯大力", id_number=id_number(70)),
            village=village,
        )
        lead_services.assign_lead(actor=office, lead=lead, handling_unit=village)
        leads.append(lead)
    other_village = register_lead(
        town, lead_services.SubjectInput(name="冯大力", id_number=id_number(70))
    )
    make_case(town, P("冯大力", id_number=id_number(70)))
    refresh_pending()
    status, html = page(client_as(head_of(village)), f"/analysis/leads/{leads[0].pk}/related/")
    assert status == 200
    assert leads[1].number in html
    assert other_village.number not in html and "无权查看" not in html and "另有" not in html
    assert "/analysis/persons/" not in html  # no person page for a village head
    other_head = head_of(Unit.objects.get(name="东岛村"))
    assert client_as(other_head).get(f"/analysis/leads/{leads[0].pk}/related/").status_code == 404


def test_related_fragments_refuse_roles_and_visitors(
    ringleader: Person, client_as: Callable[[str], Client]
) -> None:
    case = Case.objects.order_by("id").first()
    assert case is not None
    assert client_as("shiban").get(f"/analysis/cases/{case.pk}/related/").status_code == 403
    response = Client().get(f"/analysis/cases/{case.pk}/related/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_also_appears_in_costs_the_same_few_queries_however_big_the_registry(
    ringleader: Person, town: Unit, client_as: Callable[[str], Client]
) -> None:
    client = client_as("banshi")
    case = Case.objects.order_by("id").first()
    assert case is not None
    url = f"/analysis/cases/{case.pk}/related/"
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        response = client.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "杨老四" in response.content.decode()
    assert "另有" not in response.content.decode()
    for n in range(30):
        make_case(
            town, P(f"路人{n}", id_number=id_number(200 + n)), P("杨老四", id_number=id_number(7))
        )
    refresh_pending()
    with CaptureQueriesContext(connection) as big:
        response = client.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert len(big) == len(small) <= 16
    assert "另有" in html  # more than ten other cases: the rest are on the person page


def test_search_is_for_the_office_and_police_only(
    ringleader: Person, village: Unit, client_as: Callable[[str], Client]
) -> None:
    for username in ("banshi", "shuji", "minjing"):
        _, html = page(client_as(username), "/analysis/persons/?q=杨老四")
        assert f"/analysis/persons/{ringleader.pk}/" in html, username
    assert client_as(head_of(village)).get("/analysis/persons/?q=杨老四").status_code == 403
    response = Client().get("/analysis/persons/?q=杨老四")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_tip_page_loads_the_other_records_of_its_persons_for_the_intake_roles(
    town: Unit, village: Unit, client_as: Callable[[str], Client]
) -> None:
    case = make_case(town, P("韩老三", id_number=id_number(80)))
    tip = submit_tip(
        unit=town,
        data=TipInput(
            content="韩老三在村里强收保护费，天天堵在路口要钱，大家都怕他。",
            persons=[PersonInput(name="韩老三")],
        ),
    ).tip
    refresh_pending()
    tip_id = tip.pk
    status, html = page(client_as("banshi"), f"/analysis/tips/{tip_id}/related/")
    assert status == 200 and "韩老三" in html
    assert case.number not in html  # a name alone never makes the same person
    assert (
        f'hx-get="/analysis/tips/{tip_id}/related/"'
        in page(client_as("banshi"), f"/tips/{tip_id}/")[1]
    )
    assert client_as("minjing").get(f"/analysis/tips/{tip_id}/related/").status_code == 403
    assert client_as(head_of(village)).get(f"/analysis/tips/{tip_id}/related/").status_code == 403


def test_a_search_matching_too_many_records_says_it_is_incomplete(
    ringleader: Person, client_as: Callable[[str], Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("saohei.analysis.queries.CANDIDATES_READ", 1)
    _, html = page(client_as("banshi"), "/analysis/persons/?q=杨")
    assert 'data-testid="search-truncated"' in html
    _, html = page(client_as("banshi"), f"/analysis/persons/?q={id_number(7)}")
    assert 'data-testid="search-truncated"' in html  # two records hold the number


def test_opening_a_person_is_audited_by_number_and_a_refused_visit_is_not(
    ringleader: Person, village: Unit, client_as: Callable[[str], Client]
) -> None:
    viewed = AuditEvent.objects.filter(action=AuditAction.PERSON_VIEWED)
    client_as(head_of(village)).get(f"/analysis/persons/{ringleader.pk}/")
    Client().get(f"/analysis/persons/{ringleader.pk}/")
    client_as("banshi").get("/analysis/persons/999999999/")
    assert not viewed.exists()

    page(client_as("banshi"), f"/analysis/persons/{ringleader.pk}/")
    client_as("minjing").get(f"/analysis/chart/person/{ringleader.pk}/")

    events = list(viewed.order_by("sequence"))
    assert [(e.actor_username, e.target_id, e.details) for e in events] == [
        ("banshi", str(ringleader.pk), {}),
        ("minjing", str(ringleader.pk), {"via": "chart"}),
    ]
    assert all(e.target_label == f"人员 {ringleader.pk}" for e in events)
    assert all("杨老四" not in e.target_label for e in events)
