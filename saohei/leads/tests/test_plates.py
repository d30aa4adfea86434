"""Vehicle plates of a lead's subjects (issue 12, decision 0027): registration, the edit on the
lead page, the API, search, and who may change them."""

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import lxml.html
import pytest
from django.test import Client
from django.utils import timezone

from saohei.api.services import create_api_token
from saohei.audit.models import AuditAction, AuditEvent
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.common.roles import Role
from saohei.leads import services
from saohei.leads.models import Lead, Subject, SubjectPlate
from saohei.leads.tests.conftest import advance
from saohei.leads.tests.test_views import _form
from saohei.meetings.tests.conftest import make_account
from saohei.organisations.models import Unit, UnitKind, User
from saohei.organisations.services import build_unit

pytestmark = pytest.mark.django_db
Register = Callable[..., Lead]


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _plates(subject: Subject) -> list[str]:
    return list(subject.plates.values_list("number", flat=True))


@pytest.fixture
def lead_with_plates(register: Register, village: Unit) -> Lead:
    return register(
        village=village,
        subjects=[services.SubjectInput(name="张三", plates=["鲁K·12345", "鲁kd12345"])],
    )


def test_registering_stores_plates_in_normal_form_and_audits_only_their_count(
    lead_with_plates: Lead,
) -> None:
    subject = lead_with_plates.subjects.get()
    assert _plates(subject) == ["鲁K12345", "鲁KD12345"]
    event = AuditEvent.objects.get(action=AuditAction.LEAD_REGISTERED)
    assert event.details["plates"] == 2
    assert "12345" not in json.dumps(event.details, ensure_ascii=False)


def test_a_bad_plate_refuses_the_registration_and_writes_nothing(register: Register) -> None:
    with pytest.raises(ServiceError, match="位数不对") as refused:
        register(subjects=[services.SubjectInput(name="张三", plates=["鲁K1234"])])
    assert refused.value.field == "plates"
    assert not Lead.objects.exists()
    assert not Subject.objects.exists()


def test_the_office_replaces_a_subjects_plates_with_an_audit_event(
    lead_with_plates: Lead,
) -> None:
    subject = lead_with_plates.subjects.get()

    services.set_subject_plates(
        actor=_user("banshi"), subject=subject, plates=["鲁KD12345", "粤B12345D"]
    )

    assert sorted(_plates(subject)) == ["粤B12345D", "鲁KD12345"]
    event = AuditEvent.objects.get(action=AuditAction.SUBJECT_PLATES_CHANGED)
    assert event.details == {"subject_id": subject.pk, "added": 1, "removed": 1}
    assert event.actor == _user("banshi")


def test_plates_stay_as_they_were_when_the_audit_event_cannot_be_written(
    lead_with_plates: Lead, monkeypatch: pytest.MonkeyPatch
) -> None:
    subject = lead_with_plates.subjects.get()

    def audit_fails(*args: object, **kwargs: object) -> None:
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(services, "_audit", audit_fails)
    with pytest.raises(RuntimeError):
        services.set_subject_plates(actor=_user("banshi"), subject=subject, plates=["粤B12345D"])

    assert _plates(subject) == ["鲁K12345", "鲁KD12345"]


@pytest.mark.parametrize("username", ["cun02", "suozhang", "shiban"])
def test_only_the_office_may_change_plates(lead_with_plates: Lead, username: str) -> None:
    subject = lead_with_plates.subjects.get()
    with pytest.raises(ActionNotAllowed):
        services.set_subject_plates(actor=_user(username), subject=subject, plates=[])
    assert len(_plates(subject)) == 2
    assert not AuditEvent.objects.filter(action=AuditAction.SUBJECT_PLATES_CHANGED).exists()


def test_plates_of_a_concluded_lead_stay_as_they_were(lead_with_plates: Lead) -> None:
    advance(lead_with_plates, "signed")
    subject = lead_with_plates.subjects.get()
    with pytest.raises(ServiceError, match="已办结"):
        services.set_subject_plates(actor=_user("banshi"), subject=subject, plates=[])
    assert len(_plates(subject)) == 2


def test_the_registration_form_takes_several_plates(client_as: Callable[[str], Client]) -> None:
    response = client_as("banshi").post(
        "/leads/new/", _form(**{"subjects-0-plates": "鲁K 12345，粤Z1234港"})
    )
    assert response.status_code == 302
    assert _plates(Subject.objects.get()) == ["鲁K12345", "粤Z1234港"]


def test_a_bad_plate_on_the_registration_form_is_marked_beside_it(
    client_as: Callable[[str], Client],
) -> None:
    response = client_as("banshi").post(
        "/leads/new/", _form(**{"subjects-0-plates": "鲁K12345、鲁K1234港"})
    )
    assert response.status_code == 400
    page = lxml.html.fromstring(response.content.decode())
    field = page.get_element_by_id("id_subjects-0-plates")
    assert field.get("value") == "鲁K12345、鲁K1234港"
    assert field.get("aria-invalid") == "true"
    error = page.get_element_by_id("id_subjects-0-plates_error")
    assert "第2个车牌“鲁K1234港”" in error.text_content()
    assert "只用于粤Z" in error.text_content()
    assert not Lead.objects.exists()


def test_plates_alone_need_a_name(client_as: Callable[[str], Client]) -> None:
    response = client_as("banshi").post("/leads/new/", _form(**{"subjects-1-plates": "鲁K12345"}))
    assert response.status_code == 400
    assert "须填写姓名" in response.content.decode()


def test_the_lead_page_shows_plates_and_the_office_edits_them(
    client_as: Callable[[str], Client], lead_with_plates: Lead
) -> None:
    office = client_as("banshi")
    subject = lead_with_plates.subjects.get()
    page = office.get(f"/leads/{lead_with_plates.pk}/").content.decode()
    assert "鲁K12345、鲁KD12345" in page

    response = office.post(
        f"/leads/{lead_with_plates.pk}/subjects/{subject.pk}/plates/",
        {f"plates{subject.pk}-plates": "鲁k·54321"},
    )

    assert response.status_code == 302
    assert _plates(subject) == ["鲁K54321"]


def test_a_bad_plate_on_the_lead_page_is_shown_beside_the_subjects_field(
    client_as: Callable[[str], Client], lead_with_plates: Lead
) -> None:
    subject = lead_with_plates.subjects.get()
    response = client_as("banshi").post(
        f"/leads/{lead_with_plates.pk}/subjects/{subject.pk}/plates/",
        {f"plates{subject.pk}-plates": "AK12345"},
    )
    assert response.status_code == 400
    page = lxml.html.fromstring(response.content.decode())
    field = page.get_element_by_id(f"id_plates{subject.pk}-plates")
    assert field.get("value") == "AK12345"
    assert (
        "省份简称" in page.get_element_by_id(f"id_plates{subject.pk}-plates_error").text_content()
    )
    assert len(_plates(subject)) == 2


def test_the_village_head_sees_plates_but_may_not_change_them(
    client_as: Callable[[str], Client], lead_with_plates: Lead
) -> None:
    services.assign_lead(
        actor=_user("banshi"),
        lead=lead_with_plates,
        handling_unit=Unit.objects.get(name="东岛村"),
    )
    head = client_as("cun02")
    subject = lead_with_plates.subjects.get()
    page = head.get(f"/leads/{lead_with_plates.pk}/").content.decode()
    assert "鲁K12345" in page
    assert "修改车牌号" not in page
    response = head.post(
        f"/leads/{lead_with_plates.pk}/subjects/{subject.pk}/plates/",
        {f"plates{subject.pk}-plates": ""},
    )
    assert response.status_code == 403
    assert len(_plates(subject)) == 2


def test_another_villages_head_and_an_anonymous_visitor_are_refused(
    client_as: Callable[[str], Client], lead_with_plates: Lead
) -> None:
    subject = lead_with_plates.subjects.get()
    path = f"/leads/{lead_with_plates.pk}/subjects/{subject.pk}/plates/"
    body = {f"plates{subject.pk}-plates": ""}
    assert client_as("cun01").post(path, body).status_code == 404
    anonymous = Client().post(path, body)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")
    # Another lead's subject under this lead's number is not found either.
    assert (
        client_as("banshi")
        .post(f"/leads/{lead_with_plates.pk}/subjects/{subject.pk + 1000}/plates/", body)
        .status_code
        == 404
    )
    assert len(_plates(subject)) == 2


def test_another_towns_office_and_the_police_get_404_and_change_nothing(
    client_as: Callable[[str], Client], lead_with_plates: Lead
) -> None:
    town = Unit.objects.get(name="港西镇")
    other = build_unit(name="港东镇", kind=UnitKind.TOWN, parent=town.parent, code="GD")
    make_account("gdbanshi", "港东镇扫黑办", other, Role.OFFICE_STAFF)
    subject = lead_with_plates.subjects.get()
    path = f"/leads/{lead_with_plates.pk}/subjects/{subject.pk}/plates/"
    body = {f"plates{subject.pk}-plates": "粤B12345D"}
    for username in ("gdbanshi", "minjing"):
        assert client_as(username).post(path, body).status_code == 404, username
    assert len(_plates(subject)) == 2
    assert not AuditEvent.objects.filter(action=AuditAction.SUBJECT_PLATES_CHANGED).exists()


def test_the_lead_list_finds_a_plate_typed_with_or_without_spaces(
    client_as: Callable[[str], Client], lead_with_plates: Lead, register: Register
) -> None:
    other = register(subjects=[services.SubjectInput(name="李四", plates=["鲁K54321"])])
    office = client_as("banshi")
    for typed in ("鲁K12345", "鲁k 12345", "鲁K·123 45", "鲁 K12345", "KD123"):
        page = office.get("/leads/", {"q": typed}).content.decode()
        assert lead_with_plates.number in page, typed
        assert other.number not in page, typed


def _api(username: str) -> dict[str, str]:
    _, token = create_api_token(user=_user(username), name="测试")
    return {"Authorization": f"Bearer {token}"}


def _new_lead(town: Unit, **overrides: Any) -> str:
    body = {
        "unit_id": town.pk,
        "received_at": (timezone.localtime() - timedelta(hours=1)).isoformat(),
        "channel": "letter",
        "source": "public_report",
        "summary": "有人在东岛村码头强行收取渔船停靠费",
        **overrides,
    }
    return json.dumps(body)


def test_the_api_registers_and_shows_plates(town: Unit) -> None:
    headers = _api("banshi")
    body = _new_lead(town, subjects=[{"name": "张三", "plates": ["鲁K 12345", "鲁KF12345"]}])
    created = Client().post("/api/v1/leads", body, content_type="application/json", headers=headers)
    assert created.status_code == 201, created.content.decode()
    assert created.json()["subjects"][0]["plates"] == ["鲁K12345", "鲁KF12345"]
    listed = Client().get("/api/v1/leads", headers=headers).json()
    assert listed["items"][0]["subjects"][0]["plates"] == ["鲁K12345", "鲁KF12345"]


def test_the_api_refuses_a_bad_plate_with_the_reason_and_writes_nothing(town: Unit) -> None:
    body = _new_lead(town, subjects=[{"name": "张三", "plates": ["鲁K12345", "鲁KI2345"]}])
    response = Client().post(
        "/api/v1/leads", body, content_type="application/json", headers=_api("banshi")
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert "subjects.0.plates.1" in error["fields"]
    assert "I或O" in error["fields"]["subjects.0.plates.1"][0]
    assert not Lead.objects.exists()
    assert not SubjectPlate.objects.exists()
