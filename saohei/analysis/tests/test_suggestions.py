"""识别建议 on a lead: the office sees what extraction finds, each with a link that pre-fills the
add form by offsets; other roles are refused, anonymous visitors sent to sign in."""

from collections.abc import Callable
from datetime import timedelta
from html import unescape

import pytest
from django.test import Client
from django.utils import timezone

from saohei.cases.models import Case
from saohei.cases.services import import_cases_file
from saohei.cases.tests.helpers import case_row, person_row, xlsx_file
from saohei.leads import services
from saohei.leads.models import Channel, Lead, Source
from saohei.leads.services import ReporterInput
from saohei.organisations.models import Unit, User
from saohei.tips.services import TipInput, submit_tip

pytestmark = pytest.mark.django_db
SUMMARY = (
    "东岛村申屠亮在码头强收卸货费，电话13905312468，身份证号370281200307268629，车牌鲁K·5R321。"
)


def _register(summary: str, reporter: ReporterInput | None = None) -> Lead:
    return services.register_lead(
        actor=User.objects.get(username="banshi"),
        unit=Unit.objects.get(name="港西镇"),
        data=services.LeadInput(
            received_at=timezone.now() - timedelta(hours=1),
            channel=Channel.PHONE,
            source=Source.PUBLIC_REPORT,
            summary=summary,
            reporter=reporter,
        ),
    )


@pytest.fixture
def lead(demo: None) -> Lead:
    return _register(SUMMARY)


def test_the_office_sees_suggestions_with_links_that_carry_no_values(
    lead: Lead, client_as: Callable[[str], Client]
) -> None:
    client = client_as("banshi")
    page = unescape(client.get(f"/analysis/leads/{lead.pk}/suggestions/").content.decode())
    for text in (
        "申屠亮",
        "13905312468",
        "370281200307268629",
        "鲁K·5R321",
        "东岛村",
        "校验未通过",
    ):
        assert text in page
    links = [part.split('"', 1)[0] for part in page.split('href="')[1:] if "subjects/add" in part]
    assert len(links) == 4  # name, phone, ID number, plate; places have no field to fill
    assert not any(
        "139" in link or "370281" in link or "申屠" in link or "5R321" in link for link in links
    )
    prefilled = client.get(links[0]).content.decode()
    assert 'value="申屠亮"' in prefilled
    plate_link = next(link for link in links if "field=plates" in link)
    assert "鲁K·5R321" in unescape(client.get(plate_link).content.decode())


def test_the_lead_page_links_to_the_suggestions_for_the_office(
    lead: Lead, client_as: Callable[[str], Client]
) -> None:
    assert (
        f"/analysis/leads/{lead.pk}/suggestions/"
        in client_as("banshi").get(f"/leads/{lead.pk}/").content.decode()
    )


@pytest.mark.parametrize("username", ["cun02", "minjing", "shiban", "baoguan", "shenji"])
def test_other_roles_get_403(lead: Lead, client_as: Callable[[str], Client], username: str) -> None:
    assert client_as(username).get(f"/analysis/leads/{lead.pk}/suggestions/").status_code == 403


def test_a_lead_the_clerk_may_not_see_is_404(
    lead: Lead, client_as: Callable[[str], Client]
) -> None:
    # A lead about an official stays with the leaders once past 登记 (leads.access).
    shuji = User.objects.get(username="shuji")
    services.add_subject(
        actor=shuji, lead=lead, subject=services.SubjectInput(name="王建设", role="official")
    )
    services.triage_lead(actor=shuji, lead=lead, opinion="涉及公职人员，由领导研判")
    assert client_as("banshi").get(f"/analysis/leads/{lead.pk}/suggestions/").status_code == 404
    assert client_as("shuji").get(f"/analysis/leads/{lead.pk}/suggestions/").status_code == 200


def test_anonymous_visitor_is_sent_to_sign_in(lead: Lead) -> None:
    response = Client().get(f"/analysis/leads/{lead.pk}/suggestions/")
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_tips_suggestions_never_include_its_reporter(
    demo: None, client_as: Callable[[str], Client]
) -> None:
    tip = submit_tip(
        unit=Unit.objects.get(name="港西镇"),
        data=TipInput(
            content="我是于长福，电话13605317792。东岛村申屠亮在码头强收卸货费，他电话13963107821。",
            reporter=ReporterInput(name="于长福", phone="13605317792"),
        ),
    ).tip
    page = unescape(
        client_as("banshi").get(f"/analysis/tips/{tip.pk}/suggestions/").content.decode()
    )
    table = page.split("<tbody>", 1)[1]
    assert "申屠亮" in table and "13963107821" in table
    assert "于长福" not in table and "13605317792" not in table
    assert "subjects/add" not in page  # a tip has no add form; 受理 registers the lead
    assert (
        f"/analysis/tips/{tip.pk}/suggestions/"
        in client_as("banshi").get(f"/tips/{tip.pk}/").content.decode()
    )


def test_a_leads_suggestions_never_include_its_reporter(
    demo: None, client_as: Callable[[str], Client]
) -> None:
    lead = _register(
        "来电人于长福（13605317792）反映东岛村申屠亮强收卸货费。",
        ReporterInput(name="于长福", phone="13605317792"),
    )
    page = client_as("banshi").get(f"/analysis/leads/{lead.pk}/suggestions/").content.decode()
    table = page.split("<tbody>", 1)[1]
    assert "申屠亮" in table
    assert "于长福" not in table and "13605317792" not in table


@pytest.mark.parametrize(
    ("username", "status"), [("banshi", 200), ("minjing", 200), ("cun02", 403)]
)
def test_a_cases_suggestions_for_those_who_see_cases(
    demo: None, client_as: Callable[[str], Client], username: str, status: int
) -> None:
    job = import_cases_file(
        actor=User.objects.get(username="banshi"),
        unit=Unit.objects.get(name="港西镇"),
        file=xlsx_file(
            cases=[case_row(number="A-001", cause="寻衅滋事", village="东岛村")],
            persons=[person_row(number="A-001", name="王某", role="纠集者")],
        ),
    )
    assert job.status == "succeeded", job.errors
    case = Case.objects.get()
    response = client_as(username).get(f"/analysis/cases/{case.pk}/suggestions/")
    assert response.status_code == status
    if status == 200:
        assert (
            f"/analysis/cases/{case.pk}/suggestions/"
            in client_as(username).get(f"/cases/{case.pk}/").content.decode()
        )
