"""The access matrix of issues #3 and #4: every page of a lead for every kind of user."""

import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from saohei.api.services import create_api_token
from saohei.audit.models import AuditAction, AuditEvent
from saohei.leads import services
from saohei.leads.access import visible_leads
from saohei.leads.models import Conclusion, Lead, Subject, SubjectRole
from saohei.organisations.models import Unit, User

pytestmark = pytest.mark.django_db
Register = Callable[..., Lead]


def _user(username: str) -> User:
    return User.objects.get(username=username)


@pytest.fixture
def village_lead(register: Register, village: Unit) -> Lead:
    """A lead assigned to 东岛村 (cun02) jointly with the police station."""
    lead = register(village=village)
    services.assign_lead(
        actor=_user("banshi"),
        lead=lead,
        handling_unit=village,
        police_unit=Unit.objects.get(name="港西派出所"),
    )
    return lead


def _head_of(village: Unit) -> str:
    return User.objects.get(unit=village, role_grants__role="village_head").username


def test_office_and_leaders_see_the_towns_leads(village_lead: Lead) -> None:
    for username in ("banshi", "shuji", "zhenzhang", "fushuji", "jiaodaoyuan"):
        assert visible_leads(_user(username)).filter(pk=village_lead.pk).exists(), username


def test_village_head_sees_only_leads_of_own_village(village_lead: Lead, village: Unit) -> None:
    assert visible_leads(_user(_head_of(village))).filter(pk=village_lead.pk).exists()
    assert not visible_leads(_user("cun01")).filter(pk=village_lead.pk).exists()


def test_village_head_never_sees_a_lead_about_a_cadre_of_own_village(
    register: Register, village: Unit
) -> None:
    lead = register(
        subjects=[
            services.SubjectInput(name="某村干部", role=SubjectRole.VILLAGE_CADRE, village=village)
        ]
    )
    # Assigned to the town office itself; even a later re-assignment cannot open it to the village.
    services.assign_lead(actor=_user("banshi"), lead=lead, handling_unit=lead.unit)
    Lead.objects.filter(pk=lead.pk).update(handling_unit=village)  # as if routed there by mistake
    assert not visible_leads(_user(_head_of(village))).filter(pk=lead.pk).exists()


def test_village_head_never_sees_a_lead_involving_officials(
    register: Register, village: Unit
) -> None:
    lead = register(involves_official=True)
    Lead.objects.filter(pk=lead.pk).update(handling_unit=village)
    assert not visible_leads(_user(_head_of(village))).filter(pk=lead.pk).exists()


def test_police_see_exactly_the_shared_leads(village_lead: Lead, register: Register) -> None:
    unshared = register()
    minjing = _user("minjing")
    assert visible_leads(minjing).filter(pk=village_lead.pk).exists()
    assert not visible_leads(minjing).filter(pk=unshared.pk).exists()


def test_supervisor_sees_only_leads_assigned_down(register: Register) -> None:
    own = register(actor="shiban", source="upper_assigned", upstream_office="荣成市扫黑办")
    other = register()
    shiban = _user("shiban")
    assert visible_leads(shiban).filter(pk=own.pk).exists()
    assert not visible_leads(shiban).filter(pk=other.pk).exists()


def test_three_admins_and_custodian_see_no_leads(village_lead: Lead) -> None:
    for username in ("xitong", "anquan", "shenji", "baoguan"):
        assert not visible_leads(_user(username)).exists(), username


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("banshi", 200),
        ("shuji", 200),
        ("minjing", 200),
        ("cun02", 200),
        ("cun01", 404),
        ("xitong", 404),
        ("shiban", 404),
    ],
)
def test_detail_page_by_role(
    client_as: Callable[[str], Client], village_lead: Lead, username: str, status: int
) -> None:
    assert client_as(username).get(f"/leads/{village_lead.pk}/").status_code == status


def test_guessing_another_villages_lead_id_gives_404(
    client_as: Callable[[str], Client], village_lead: Lead
) -> None:
    client = client_as("cun01")
    for path in (
        f"/leads/{village_lead.pk}/",
        f"/leads/{village_lead.pk + 1000}/",
    ):
        assert client.get(path).status_code == 404
    assert (
        client.post(
            f"/leads/{village_lead.pk}/investigate/", {"occurred_on": "2026-01-01", "content": "x"}
        ).status_code
        == 404
    )


def test_anonymous_is_sent_to_login(village_lead: Lead) -> None:
    for path in ("/leads/", "/leads/new/", f"/leads/{village_lead.pk}/"):
        response = Client().get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    response = Client().post(f"/leads/{village_lead.pk}/triage/", {"triage-text": "x"})
    assert response["Location"].startswith("/accounts/login/")


def test_list_shows_only_visible_leads(
    client_as: Callable[[str], Client], village_lead: Lead, register: Register
) -> None:
    other = register(summary="另一条与东岛村无关的线索内容")
    page = client_as("cun02").get("/leads/").content.decode()
    assert village_lead.number in page
    assert other.number not in page


def test_viewing_a_lead_is_audited(client_as: Callable[[str], Client], village_lead: Lead) -> None:
    client_as("banshi").get(f"/leads/{village_lead.pk}/")
    assert AuditEvent.objects.filter(
        action=AuditAction.LEAD_VIEWED, target_id=str(village_lead.pk)
    ).exists()


def test_village_head_sees_masked_identifiers_and_cannot_reveal(
    client_as: Callable[[str], Client], register: Register, village: Unit
) -> None:
    lead = register(subjects=[services.SubjectInput(name="张三", id_number="11010519491231002X")])
    services.assign_lead(actor=_user("banshi"), lead=lead, handling_unit=village)
    subject = lead.subjects.get()
    client = client_as(_head_of(village))
    page = client.get(f"/leads/{lead.pk}/").content.decode()
    assert "110105********002X" in page
    assert "11010519491231002X" not in page
    assert client.post(f"/leads/{lead.pk}/subjects/{subject.pk}/reveal/").status_code == 403
    assert not AuditEvent.objects.filter(action=AuditAction.SUBJECT_REVEALED).exists()


def test_office_reveal_is_audited_without_the_number(
    client_as: Callable[[str], Client], register: Register
) -> None:
    lead = register(
        subjects=[
            services.SubjectInput(name="张三", id_number="11010519491231002X", phone="13912345678")
        ]
    )
    subject = lead.subjects.get()
    page = (
        client_as("banshi").post(f"/leads/{lead.pk}/subjects/{subject.pk}/reveal/").content.decode()
    )
    assert "11010519491231002X" in page
    assert "13912345678" in page
    event = AuditEvent.objects.get(action=AuditAction.SUBJECT_REVEALED)
    assert "11010519491231002X" not in str(event.details)


def test_registration_page_is_for_the_office(client_as: Callable[[str], Client]) -> None:
    assert client_as("banshi").get("/leads/new/").status_code == 200
    assert client_as("cun01").get("/leads/new/").status_code == 404
    assert client_as("minjing").get("/leads/new/").status_code == 404


def test_lead_with_many_subjects_is_listed_once(register: Register, village: Unit) -> None:
    lead = register(
        subjects=[services.SubjectInput(name=f"人{n}", village=village) for n in range(3)]
    )
    services.assign_lead(actor=_user("banshi"), lead=lead, handling_unit=village)
    for username in ("banshi", _head_of(village)):
        assert list(visible_leads(_user(username)).values_list("pk", flat=True)) == [lead.pk]


class TestLeadsAboutOfficialsRouteToTheLeaders:
    """Issue #4: a lead about an official (保护伞) is the leaders', not the office staff's."""

    @pytest.fixture
    def official_lead(self, register: Register) -> Lead:
        return register(
            actor="shuji", involves_official=True, summary="某所长为码头收费团伙充当保护伞"
        )

    def _export_numbers(self, client: Client) -> str:
        response: Any = client.get("/leads/export.xlsx")
        assert response.status_code == 200
        sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
        return " ".join(
            str(cell) for row in sheet.active.iter_rows(values_only=True) for cell in row if cell
        )

    def _api_get(self, username: str, path: str) -> Any:
        _, token = create_api_token(user=_user(username), name="测试")
        return Client().get(f"/api/v1{path}", headers={"Authorization": f"Bearer {token}"})

    def test_office_staff_cannot_open_it_anywhere(
        self, client_as: Callable[[str], Client], official_lead: Lead
    ) -> None:
        client = client_as("banshi")
        assert client.get(f"/leads/{official_lead.pk}/").status_code == 404
        assert official_lead.number not in client.get("/leads/").content.decode()
        assert official_lead.number not in self._export_numbers(client)
        assert self._api_get("banshi", f"/leads/{official_lead.pk}").status_code == 404
        listed = self._api_get("banshi", "/leads").json()
        assert official_lead.number not in json.dumps(listed, ensure_ascii=False)

    def test_leaders_open_it_everywhere(
        self, client_as: Callable[[str], Client], official_lead: Lead
    ) -> None:
        client = client_as("fushuji")
        assert client.get(f"/leads/{official_lead.pk}/").status_code == 200
        assert official_lead.number in client.get("/leads/").content.decode()
        assert official_lead.number in self._export_numbers(client)
        assert self._api_get("fushuji", f"/leads/{official_lead.pk}").status_code == 200
        listed = self._api_get("shuji", "/leads").json()
        assert official_lead.number in json.dumps(listed, ensure_ascii=False)

    def test_a_subject_who_is_an_official_is_enough(self, register: Register) -> None:
        lead = register(actor="shuji")
        Subject.objects.create(lead=lead, name="某科长", role=SubjectRole.OFFICIAL)
        assert not visible_leads(_user("banshi")).filter(pk=lead.pk).exists()
        assert visible_leads(_user("zhenzhang")).filter(pk=lead.pk).exists()

    def test_the_registering_clerk_keeps_it_only_until_the_leaders_triage(
        self, client_as: Callable[[str], Client], register: Register
    ) -> None:
        lead = register(
            subjects=[
                services.SubjectInput(name="王五", role=SubjectRole.OFFICIAL, position="某局科长")
            ]
        )
        client = client_as("banshi")
        assert client.get(f"/leads/{lead.pk}/").status_code == 200
        services.triage_lead(
            actor=_user("shuji"), lead=lead, opinion="涉及公职人员，由领导小组研判"
        )
        assert client.get(f"/leads/{lead.pk}/").status_code == 404
        assert not visible_leads(_user("banshi")).filter(pk=lead.pk).exists()

    def test_police_see_it_only_once_shared(self, official_lead: Lead) -> None:
        minjing = _user("minjing")
        assert not visible_leads(minjing).filter(pk=official_lead.pk).exists()
        services.assign_lead(
            actor=_user("shuji"),
            lead=official_lead,
            handling_unit=official_lead.unit,
            handler=_user("jiaodaoyuan"),
            police_unit=Unit.objects.get(name="港西派出所"),
        )
        assert visible_leads(minjing).filter(pk=official_lead.pk).exists()
        assert not visible_leads(_user("banshi")).filter(pk=official_lead.pk).exists()

    def test_village_heads_custodian_and_admins_never_see_it(
        self, official_lead: Lead, village: Unit
    ) -> None:
        Lead.objects.filter(pk=official_lead.pk).update(handling_unit=village)
        for username in (_head_of(village), "cun01", "baoguan", "xitong", "anquan", "shenji"):
            assert not visible_leads(_user(username)).filter(pk=official_lead.pk).exists()

    def test_the_supervisor_who_assigned_it_down_keeps_it(self, register: Register) -> None:
        lead = register(
            actor="shiban",
            source="upper_assigned",
            upstream_office="荣成市扫黑办",
            involves_official=True,
        )
        assert visible_leads(_user("shiban")).filter(pk=lead.pk).exists()
        assert not visible_leads(_user("banshi")).filter(pk=lead.pk).exists()

    def test_it_can_be_concluded_as_a_transfer_to_the_discipline_commission(
        self, official_lead: Lead
    ) -> None:
        leader, deputy = _user("shuji"), _user("fushuji")
        services.assign_lead(actor=leader, lead=official_lead, handling_unit=official_lead.unit)
        services.record_investigation(
            actor=leader, lead=official_lead, occurred_on=timezone.localdate(), content="初步核实"
        )
        services.propose_conclusion(
            actor=leader,
            lead=official_lead,
            conclusion=Conclusion.TO_DISCIPLINE,
            basis="涉及公职人员违纪违法问题，依规移送纪委监委处理",
        )
        services.sign_off(actor=deputy, lead=official_lead, approve=True)
        assert official_lead.conclusion == Conclusion.TO_DISCIPLINE
        assert not visible_leads(_user("banshi")).filter(pk=official_lead.pk).exists()
