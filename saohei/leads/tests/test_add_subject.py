"""添加被反映人 on an open lead, pre-filled from a 识别建议 link (offsets, never values)."""

from collections.abc import Callable

import pytest
from django.test import Client

from saohei.audit.models import AuditAction, AuditEvent
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.leads import services
from saohei.leads.models import Lead, SubjectRole
from saohei.organisations.models import User

pytestmark = pytest.mark.django_db
SUMMARY = "东岛村申屠亮在码头强收卸货费，电话１３９ ０５３１-２４６８，身份证号370281200307268626。"


@pytest.fixture
def lead(register: Callable[..., Lead]) -> Lead:
    return register(summary=SUMMARY)


def test_office_adds_a_subject_with_sealed_identifiers_and_an_audit_event(lead: Lead) -> None:
    banshi = User.objects.get(username="banshi")
    subject = services.add_subject(
        actor=banshi,
        lead=lead,
        subject=services.SubjectInput(name="申屠亮", id_number="370281200307268626"),
    )
    assert subject.lead == lead and subject.unsealed_id_number() == "370281200307268626"
    assert "370281200307268626" not in subject.id_number_masked
    event = AuditEvent.objects.get(action=AuditAction.LEAD_SUBJECT_ADDED)
    assert event.details == {"subject_id": subject.pk, "plates": 0}


def test_plates_added_with_the_subject_are_stored_normalised_and_counted_only(lead: Lead) -> None:
    subject = services.add_subject(
        actor=User.objects.get(username="banshi"),
        lead=lead,
        subject=services.SubjectInput(
            name="申屠亮", plates=["鲁k 12345", "鲁K·12345", "鲁KD12345"]
        ),
    )
    assert sorted(subject.plates.values_list("number", flat=True)) == ["鲁K12345", "鲁KD12345"]
    event = AuditEvent.objects.get(action=AuditAction.LEAD_SUBJECT_ADDED)
    assert event.details == {"subject_id": subject.pk, "plates": 2}


def test_a_bad_plate_refuses_the_whole_subject(lead: Lead) -> None:
    with pytest.raises(ServiceError):
        services.add_subject(
            actor=User.objects.get(username="banshi"),
            lead=lead,
            subject=services.SubjectInput(name="申屠亮", plates=["鲁K1234"]),
        )
    assert not lead.subjects.exists()


def test_adding_an_official_puts_the_lead_with_the_leaders(lead: Lead) -> None:
    services.add_subject(
        actor=User.objects.get(username="shuji"),
        lead=lead,
        subject=services.SubjectInput(name="王建设", role=SubjectRole.OFFICIAL),
    )
    lead.refresh_from_db()
    assert lead.involves_official


def test_a_village_head_cannot_add_and_nothing_is_written(lead: Lead) -> None:
    with pytest.raises(ActionNotAllowed):
        services.add_subject(
            actor=User.objects.get(username="cun02"),
            lead=lead,
            subject=services.SubjectInput(name="申屠亮"),
        )
    assert not lead.subjects.exists()


def test_a_bad_id_number_is_refused_and_nothing_is_written(lead: Lead) -> None:
    with pytest.raises(ServiceError):
        services.add_subject(
            actor=User.objects.get(username="banshi"),
            lead=lead,
            subject=services.SubjectInput(name="申屠亮", id_number="370281200307268629"),
        )
    assert not lead.subjects.exists()


def _span(text: str) -> tuple[int, int]:
    start = SUMMARY.index(text)
    return start, start + len(text)


def test_the_form_is_prefilled_from_offsets_into_the_leads_own_summary(
    lead: Lead, client_as: Callable[[str], Client]
) -> None:
    client = client_as("banshi")
    start, end = _span("１３９ ０５３１-２４６８")
    url = f"/leads/{lead.pk}/subjects/add/?field=phone&source=summary&start={start}&end={end}"
    page = client.get(url).content.decode()
    assert 'value="13905312468"' in page
    start, end = _span("申屠亮")
    page = client.get(
        f"/leads/{lead.pk}/subjects/add/?field=name&source=summary&start={start}&end={end}"
    ).content.decode()
    assert 'value="申屠亮"' in page
    assert not lead.subjects.exists()  # a GET writes nothing


@pytest.mark.parametrize(
    "query",
    [
        "field=name&source=summary&start=5&end=999",
        "field=reporter&source=summary&start=0&end=3",
        "field=name&source=reporter_reference&start=0&end=3",
        "field=name&source=summary&start=x",
    ],
)
def test_offsets_outside_the_text_or_unknown_fields_prefill_nothing(
    lead: Lead, client_as: Callable[[str], Client], query: str
) -> None:
    response = client_as("banshi").get(f"/leads/{lead.pk}/subjects/add/?{query}")
    assert response.status_code == 200
    assert "申屠" not in response.content.decode().split("<form", 1)[1]


def test_posting_the_form_adds_the_subject(lead: Lead, client_as: Callable[[str], Client]) -> None:
    response = client_as("banshi").post(
        f"/leads/{lead.pk}/subjects/add/",
        {
            "name": "申屠亮",
            "phone": "13905312468",
            "plates": "鲁K12345、鲁KD12345",
            "role": SubjectRole.REPORTED,
        },
    )
    assert response.status_code == 302
    subject = lead.subjects.get()
    assert subject.unsealed_phone() == "13905312468"
    assert sorted(subject.plates.values_list("number", flat=True)) == ["鲁K12345", "鲁KD12345"]


def test_a_bad_phone_is_shown_beside_the_field(
    lead: Lead, client_as: Callable[[str], Client]
) -> None:
    response = client_as("banshi").post(
        f"/leads/{lead.pk}/subjects/add/",
        {"name": "申屠亮", "phone": "12345", "role": SubjectRole.REPORTED},
    )
    assert response.status_code == 400
    assert "invalid-feedback" in response.content.decode()
    assert not lead.subjects.exists()


@pytest.mark.parametrize("username", ["cun02", "minjing", "shiban", "baoguan", "xitong"])
def test_other_roles_get_403(lead: Lead, client_as: Callable[[str], Client], username: str) -> None:
    client = client_as(username)
    assert client.get(f"/leads/{lead.pk}/subjects/add/").status_code == 403
    assert client.post(f"/leads/{lead.pk}/subjects/add/", {"name": "申屠亮"}).status_code == 403
    assert not lead.subjects.exists()


def test_anonymous_visitor_is_sent_to_sign_in(lead: Lead) -> None:
    response = Client().get(f"/leads/{lead.pk}/subjects/add/")
    assert response.status_code == 302 and "login" in response["Location"]
