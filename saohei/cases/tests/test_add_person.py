"""加入涉案人员: the office adds a person read in a case's 简要案情, pre-filled from a 识别建议;
police and everyone else are refused, bad input writes nothing, the registry sees the person."""

from collections.abc import Callable
from html import unescape
from typing import Any

import pytest
from django.test import Client

from saohei.analysis.changes import refresh_pending
from saohei.analysis.models import Appearance
from saohei.audit.models import AuditAction, AuditEvent
from saohei.cases.models import Case, CasePerson, CasePersonPlate, ImportJob
from saohei.cases.services import CasePersonInput, add_case_person
from saohei.cases.tests.helpers import case_row, person_row, xlsx_file
from saohei.common.errors import ActionNotAllowed
from saohei.common.suggestions import suggestion_query
from saohei.organisations.models import User

pytestmark = pytest.mark.django_db
ClientAs = Callable[[str], Client]
ID_NUMBER = "11010519491231002X"
SUMMARY = "2016年5月，王某纠集申屠亮在码头殴打他人，申屠亮手机13905312468，驾驶鲁K·5R321逃离。"
GOOD = {"name": "申屠亮", "role": "participant", "id_number": ID_NUMBER, "phone": "13905312468"}


@pytest.fixture
def case(import_file: Callable[..., ImportJob]) -> Case:
    job = import_file(
        xlsx_file(
            cases=[case_row(number="A-001", cause="寻衅滋事", village="东岛村", summary=SUMMARY)],
            persons=[person_row(number="A-001", name="王某", role="纠集者")],
        )
    )
    assert job.status == "succeeded", job.errors
    return Case.objects.get(number="A-001")


def _url(case: Case, **query: Any) -> str:
    return f"/cases/{case.pk}/persons/add/" + (f"?{suggestion_query(**query)}" if query else "")


def _span(text: str) -> dict[str, Any]:
    start = SUMMARY.index(text)
    return {"source": "summary", "start": start, "end": start + len(text)}


@pytest.mark.parametrize("username", ["banshi", "shuji", "fushuji"])
def test_the_office_gets_the_form_prefilled_from_the_summary(
    client_as: ClientAs, case: Case, username: str
) -> None:
    client = client_as(username)
    name = client.get(_url(case, field="name", **_span("申屠亮")))
    assert name.status_code == 200
    assert 'value="申屠亮"' in name.content.decode()
    phone = client.get(_url(case, field="phone", **_span("13905312468")))
    assert 'value="13905312468"' in phone.content.decode()
    plate = unescape(client.get(_url(case, field="plates", **_span("鲁K·5R321"))).content.decode())
    assert "鲁K·5R321" in plate
    assert "全部替换" in name.content.decode()  # a re-import replaces hand-added persons


def test_a_span_outside_the_summary_prefills_nothing(client_as: ClientAs, case: Case) -> None:
    page = (
        client_as("banshi")
        .get(_url(case, field="name", source="outcome", start=1, end=3))
        .content.decode()
    )
    assert 'name="name" value=' not in page


def test_the_office_adds_a_person_sealed_audited_and_seen_by_the_registry(
    client_as: ClientAs, case: Case
) -> None:
    data = {**GOOD, "plates": "鲁K·5R321", "address": "东岛村"}
    response = client_as("banshi").post(_url(case), data)
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    person = CasePerson.objects.get(case=case, name="申屠亮")
    assert person.role == "participant"
    assert person.id_number_masked and ID_NUMBER not in person.id_number_sealed
    assert person.unsealed_phone() == "13905312468"
    assert list(person.plates.values_list("number", flat=True)) == ["鲁K5R321"]
    event = AuditEvent.objects.get(action=AuditAction.CASE_PERSON_ADDED)
    assert event.details["person_id"] == person.pk and event.details["plates"] == 1
    details = str(event.details)
    for secret in (ID_NUMBER, "13905312468", "鲁K5R321", "申屠亮"):
        assert secret not in details
    refresh_pending()
    appearance = Appearance.objects.get(incident_kind="case", source_id=person.pk)
    assert appearance.name == "申屠亮" and appearance.is_perpetrator
    assert appearance.person is not None


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"id_number": "110105194912310021"}, "id_number", "校验"),
        ({"phone": "2390531246"}, "phone", "手机号"),
        ({"plates": "鲁K12"}, "plates", "车牌号"),
        ({"name": ""}, "name", "必填"),
        ({"name": "长" * 51}, "name", "50"),
        ({"address": "地" * 201}, "address", "200"),
        ({"role": "boss"}, "role", "选择"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_writes_nothing(
    client_as: ClientAs, case: Case, change: dict[str, str], field: str, message: str
) -> None:
    before = (CasePerson.objects.count(), CasePersonPlate.objects.count())
    response = client_as("banshi").post(_url(case), {**GOOD, **change})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field])
    assert (CasePerson.objects.count(), CasePersonPlate.objects.count()) == before
    assert not AuditEvent.objects.filter(action=AuditAction.CASE_PERSON_ADDED).exists()


@pytest.mark.parametrize("username", ["minjing", "cun02", "shiban", "baoguan", "shenji"])
def test_police_and_other_roles_are_refused(client_as: ClientAs, case: Case, username: str) -> None:
    client = client_as(username)
    assert client.get(_url(case)).status_code == 403
    assert client.post(_url(case), GOOD).status_code == 403
    assert not CasePerson.objects.filter(name="申屠亮").exists()


def test_police_see_the_suggestions_without_add_links(client_as: ClientAs, case: Case) -> None:
    page = client_as("minjing").get(f"/analysis/cases/{case.pk}/suggestions/").content.decode()
    assert "申屠亮" in page and "persons/add" not in page
    assert "persons/add" not in client_as("minjing").get(f"/cases/{case.pk}/").content.decode()


def test_the_service_refuses_police_too(user: Callable[[str], User], case: Case) -> None:
    with pytest.raises(ActionNotAllowed):
        add_case_person(
            actor=user("minjing"), case=case, person=CasePersonInput(name="申屠亮", role="victim")
        )
    assert not CasePerson.objects.filter(name="申屠亮").exists()


def test_another_towns_case_is_404(client_as: ClientAs, case: Case, other_towns_case: Case) -> None:
    client = client_as("banshi")
    assert client.get(_url(other_towns_case)).status_code == 404
    assert client.post(_url(other_towns_case), GOOD).status_code == 404
    assert not CasePerson.objects.filter(name="申屠亮").exists()


def test_anonymous_visitor_is_sent_to_sign_in(case: Case) -> None:
    response = Client().get(_url(case))
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_case_suggestions_link_each_one_by_offsets(client_as: ClientAs, case: Case) -> None:
    client = client_as("banshi")
    page = unescape(client.get(f"/analysis/cases/{case.pk}/suggestions/").content.decode())
    links = [part.split('"', 1)[0] for part in page.split('href="')[1:] if "persons/add" in part]
    assert {link.split("field=")[1].split("&")[0] for link in links} >= {
        "name",
        "phone",
        "plates",
    }
    assert not any("申屠" in link or "139" in link or "5R321" in link for link in links)
    assert "加入涉案人员" in page
    name_link = next(link for link in links if "field=name" in link and "start=" in link)
    assert client.get(name_link).status_code == 200


def test_a_reimport_with_persons_replaces_the_hand_added_one(
    client_as: ClientAs, case: Case, import_file: Callable[..., ImportJob]
) -> None:
    assert client_as("banshi").post(_url(case), GOOD).status_code == 302
    job = import_file(
        xlsx_file(
            cases=[case_row(number="A-001", cause="寻衅滋事", village="东岛村", summary=SUMMARY)],
            persons=[person_row(number="A-001", name="王某", role="纠集者")],
        )
    )
    assert job.status == "succeeded", job.errors
    assert list(case.persons.values_list("name", flat=True)) == ["王某"]
