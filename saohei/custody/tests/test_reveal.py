"""The custodian's pages and the audited reveal: who may, with what reason, and what is kept."""

import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.utils import timezone

from saohei.audit.models import AuditAction, AuditEvent
from saohei.audit.services import record_event
from saohei.common.errors import ServiceError
from saohei.custody import services
from saohei.custody.models import RevealReason
from saohei.custody.tests.conftest import IDENTITY_VARIANTS, NAME, PHONE, PLANTED, user
from saohei.leads import services as lead_services
from saohei.leads.models import Channel, Lead, Source
from saohei.organisations.models import Unit, UnitKind
from saohei.organisations.services import build_unit

pytestmark = pytest.mark.django_db
ClientAs = Callable[[str], Client]
NOTE = "核实举报办理结果"


def _reveal(
    client: Client, lead: Lead, note: str = NOTE, category: str = RevealReason.FOLLOW_UP
) -> Any:
    return client.post(f"/vault/leads/{lead.pk}/reveal/", {"category": category, "note": note})


def test_custodian_lists_reported_leads_without_identity(
    client_as: ClientAs, real_name_lead: Lead, register: Callable[..., Lead]
) -> None:
    anonymous = register(reporter=lead_services.ReporterInput())
    unreported = register(source=Source.SELF_FOUND)
    page = client_as("baoguan").get("/vault/").content.decode()
    assert real_name_lead.number in page
    assert anonymous.number in page
    assert unreported.number not in page
    assert real_name_lead.summary not in page
    for planted in PLANTED:
        assert planted not in page


def test_custodian_sees_the_menu_entry(client_as: ClientAs) -> None:
    assert "举报人保护" in client_as("baoguan").get("/").content.decode()
    assert "举报人保护" not in client_as("banshi").get("/").content.decode()


def test_custodian_reveals_with_a_reason_once_and_it_is_audited(
    client_as: ClientAs, real_name_lead: Lead
) -> None:
    client = client_as("baoguan")
    lead_page = client.get(f"/vault/leads/{real_name_lead.pk}/").content.decode()
    assert NAME not in lead_page

    response = _reveal(client, real_name_lead)

    assert response.status_code == 200
    page = response.content.decode()
    for planted in PLANTED:
        assert planted in page
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(action=AuditAction.IDENTITY_REVEALED)
    assert event.actor == user("baoguan")
    assert event.target_id == str(real_name_lead.pk)
    assert event.target_label == real_name_lead.number
    assert event.details == {"category": "回访", "note": NOTE}
    assert event.ip_address == "127.0.0.1"
    for planted in PLANTED:
        assert planted not in str(event.details)
        assert planted not in event.target_label


@pytest.mark.parametrize(
    ("category", "note"),
    [
        ("", NOTE),
        ("curiosity", NOTE),
        (RevealReason.OTHER, ""),
        (RevealReason.OTHER, "    看一看  "),
        (RevealReason.VERIFICATION, "核" * 101),
    ],
)
def test_reveal_without_a_real_reason_is_refused_and_writes_nothing(
    client_as: ClientAs, real_name_lead: Lead, category: str, note: str
) -> None:
    response = _reveal(client_as("baoguan"), real_name_lead, note, category)
    assert response.status_code == 400
    assert NAME not in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.IDENTITY_REVEALED).exists()


def test_a_category_needs_no_note_and_the_audit_log_shows_category_and_note(
    client_as: ClientAs, real_name_lead: Lead
) -> None:
    assert _reveal(client_as("baoguan"), real_name_lead, "", RevealReason.REWARD).status_code == 200
    event = AuditEvent.objects.get(action=AuditAction.IDENTITY_REVEALED)
    assert event.details == {"category": "奖励", "note": ""}
    page = client_as("shenji").get("/audit/").content.decode()
    assert "category=奖励" in page


@pytest.mark.parametrize("note", IDENTITY_VARIANTS.values(), ids=IDENTITY_VARIANTS.keys())
def test_a_note_carrying_the_identity_in_any_form_is_refused(
    client_as: ClientAs, real_name_lead: Lead, note: str
) -> None:
    response = _reveal(client_as("baoguan"), real_name_lead, note)
    assert response.status_code == 400
    assert "不得包含举报人的身份信息" in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.IDENTITY_REVEALED).exists()


@pytest.mark.parametrize(
    "note", ["回访港西镇荣成市的举报人", "核查码头收费", "测试", "电话回访1次", "2026年12月回访"]
)
def test_a_note_about_the_town_or_the_matter_is_accepted(
    client_as: ClientAs, real_name_lead: Lead, note: str
) -> None:
    assert _reveal(client_as("baoguan"), real_name_lead, note).status_code == 200


def test_anonymous_report_has_nothing_to_reveal(
    client_as: ClientAs, register: Callable[..., Lead]
) -> None:
    lead = register(reporter=lead_services.ReporterInput())
    assert _reveal(client_as("baoguan"), lead).status_code == 400
    assert not AuditEvent.objects.filter(action=AuditAction.IDENTITY_REVEALED).exists()


@pytest.mark.parametrize(
    "username",
    ["banshi", "shuji", "fushuji", "jiaodaoyuan", "minjing", "cun02", "shiban", "xitong", "shenji"],
)
def test_nobody_else_may_reveal_or_open_the_custody_pages(
    client_as: ClientAs, real_name_lead: Lead, username: str
) -> None:
    client = client_as(username)
    response = _reveal(client, real_name_lead)
    assert response.status_code == 403
    assert NAME not in response.content.decode()
    assert client.get("/vault/").status_code == 403
    assert client.get(f"/vault/leads/{real_name_lead.pk}/").status_code == 403
    assert not AuditEvent.objects.filter(action=AuditAction.IDENTITY_REVEALED).exists()


def test_custodian_of_another_town_gets_404(client_as: ClientAs, town: Unit) -> None:
    other_town = build_unit(name="港东镇", kind=UnitKind.TOWN, parent=town.parent, code="GD")
    lead = lead_services.register_lead(
        actor=user("shiban"),
        unit=other_town,
        data=lead_services.LeadInput(
            received_at=timezone.now() - timedelta(hours=1),
            channel=Channel.LETTER,
            source=Source.UPPER_ASSIGNED,
            upstream_office="荣成市扫黑办",
            summary="港东镇的举报线索",
            reporter=lead_services.ReporterInput(name=NAME, phone=PHONE),
        ),
    )
    client = client_as("baoguan")
    assert client.get(f"/vault/leads/{lead.pk}/").status_code == 404
    assert _reveal(client, lead).status_code == 404
    assert lead.number not in client.get("/vault/").content.decode()


def test_anonymous_visitor_is_sent_to_login(real_name_lead: Lead) -> None:
    for response in (
        Client().get("/vault/"),
        _reveal(Client(), real_name_lead),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_lead_page_shows_real_name_or_anonymous_and_never_the_reference(
    client_as: ClientAs, real_name_lead: Lead, register: Callable[..., Lead]
) -> None:
    anonymous = register(reporter=lead_services.ReporterInput())
    client = client_as("banshi")
    page = client.get(f"/leads/{real_name_lead.pk}/").content.decode()
    assert "实名举报（身份已加密）" in page
    assert real_name_lead.reporter_reference not in page
    assert "匿名举报" in client.get(f"/leads/{anonymous.pk}/").content.decode()


def test_a_free_text_reason_from_before_the_categories_is_withheld_from_the_log_and_export(
    client_as: ClientAs, real_name_lead: Lead
) -> None:
    record_event(
        action=AuditAction.IDENTITY_REVEALED,
        actor=user("baoguan"),
        unit=real_name_lead.unit,
        target=real_name_lead,
        details={"reason": f"回访{NAME}，电话139-1234-0000"},
    )
    client = client_as("shenji")

    page = client.get("/audit/").content.decode()
    export = client.get("/audit/export/")

    workbook = openpyxl.load_workbook(io.BytesIO(export.content))
    cells = " ".join(
        str(cell.value) for row in workbook.active.iter_rows() for cell in row if cell.value
    )
    for shown in (page, cells):
        assert NAME not in shown
        assert "139-1234-0000" not in shown
        assert "category=其他" in shown
    # The row itself is untouched: the chain still verifies.
    assert "完整" in client.get("/audit/chain/").content.decode()


@pytest.mark.parametrize("note", IDENTITY_VARIANTS.values(), ids=IDENTITY_VARIANTS.keys())
def test_the_reveal_service_refuses_a_note_carrying_the_identity(
    real_name_lead: Lead, note: str
) -> None:
    with pytest.raises(ServiceError, match="不得包含举报人的身份信息") as refused:
        services.reveal_reporter_identity(
            actor=user("baoguan"),
            lead=real_name_lead,
            category=RevealReason.VERIFICATION,
            note=note,
        )
    assert refused.value.field == "note"
    assert not AuditEvent.objects.filter(action=AuditAction.IDENTITY_REVEALED).exists()
