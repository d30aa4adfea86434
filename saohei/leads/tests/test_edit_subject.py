"""修改 and 移除被反映人 on an open lead (decision 0056): the office only, identifiers sealed and
indexed as at 登记, before and after (masked) in the lead's history and the audit log, a save
over a newer version refused with what changed, a removal with its reason."""

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from saohei.audit.models import AuditAction, AuditEvent
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.common.pii import blind_index, suffix_index
from saohei.leads import services
from saohei.leads.models import Lead, LeadEventKind, Status, Subject, SubjectRole
from saohei.leads.tests.conftest import advance
from saohei.organisations.models import Unit, User

pytestmark = pytest.mark.django_db

FIRST_ID = "370281200307268626"
SECOND_ID = "370281198001011238"
FIRST_PHONE = "13905312468"
SECOND_PHONE = "13812345678"


def _user(username: str) -> User:
    return User.objects.get(username=username)


@pytest.fixture
def lead(register: Callable[..., Lead]) -> Lead:
    return register(
        subjects=[
            services.SubjectInput(
                name="申屠亮", id_number=FIRST_ID, phone=FIRST_PHONE, plates=["鲁K12345"]
            )
        ]
    )


def _subject(lead: Lead) -> Subject:
    return Subject.objects.get(lead=lead)


def _edit(subject: Subject, actor: str = "banshi", **changes: object) -> Subject:
    values: dict[str, object] = {
        "name": subject.name,
        "alias": subject.alias,
        "address": subject.address,
        "village": subject.village,
        "role": subject.role,
        "position": subject.position,
    }
    values.update(changes)
    return services.edit_subject(
        actor=_user(actor),
        subject=subject,
        data=services.SubjectInput(**values),  # type: ignore[arg-type]
        version=subject.version,
    )


def _history(lead: Lead, kind: LeadEventKind) -> str:
    return "\n".join(lead.events.filter(kind=kind).values_list("note", flat=True))


def test_a_new_id_number_is_sealed_and_indexed_as_at_registration(lead: Lead) -> None:
    subject = _edit(_subject(lead), id_number=SECOND_ID, phone=SECOND_PHONE)

    saved = Subject.objects.get(pk=subject.pk)
    assert saved.unsealed_id_number() == SECOND_ID and saved.unsealed_phone() == SECOND_PHONE
    assert saved.id_number_index == blind_index("id_number", SECOND_ID)
    assert saved.id_number_suffix_index == suffix_index("id_number", SECOND_ID)
    assert saved.phone_index == blind_index("phone", SECOND_PHONE)
    assert saved.id_number_masked == "370281********1238"
    assert saved.version == 2


def test_before_and_after_are_in_the_history_and_the_audit_log_masked_only(lead: Lead) -> None:
    subject = _edit(_subject(lead), name="申屠明", id_number=SECOND_ID, phone=SECOND_PHONE)

    history = _history(lead, LeadEventKind.SUBJECT_EDITED)
    assert "姓名：申屠亮 → 申屠明" in history
    assert "身份证号：370281********8626 → 370281********1238" in history
    assert "手机号：139****2468 → 138****5678" in history
    event = AuditEvent.objects.get(action=AuditAction.LEAD_SUBJECT_EDITED)
    assert event.details["subject_id"] == subject.pk and event.details["version"] == 2
    assert event.details["changes"]["name"] == {"before": "申屠亮", "after": "申屠明"}
    written = history + str(event.details)
    for clear in (FIRST_ID, SECOND_ID, FIRST_PHONE, SECOND_PHONE):
        assert clear not in written


def test_empty_boxes_keep_the_sealed_numbers_and_clearing_removes_them(lead: Lead) -> None:
    subject = _edit(_subject(lead), alias="亮子")
    assert (subject.unsealed_id_number(), subject.unsealed_phone()) == (FIRST_ID, FIRST_PHONE)

    services.edit_subject(
        actor=_user("banshi"),
        subject=subject,
        data=services.SubjectInput(name=subject.name, alias="亮子"),
        clear_phone=True,
        version=subject.version,
    )

    saved = Subject.objects.get(pk=subject.pk)
    assert saved.unsealed_id_number() == FIRST_ID
    assert (saved.phone_sealed, saved.phone_index, saved.phone_masked) == ("", "", "")
    assert "手机号：139****2468 → （空）" in _history(lead, LeadEventKind.SUBJECT_EDITED)


def test_an_edit_that_changes_nothing_is_refused(lead: Lead) -> None:
    subject = _subject(lead)
    with pytest.raises(ServiceError, match="没有修改任何内容"):
        _edit(subject, id_number=FIRST_ID)
    assert Subject.objects.get(pk=subject.pk).version == 1


def test_a_bad_id_number_is_refused_and_nothing_is_written(lead: Lead) -> None:
    subject = _subject(lead)
    with pytest.raises(ServiceError):
        _edit(subject, name="申屠明", id_number="370281200307268629")
    saved = Subject.objects.get(pk=subject.pk)
    assert (saved.name, saved.version, saved.unsealed_id_number()) == ("申屠亮", 1, FIRST_ID)
    assert not AuditEvent.objects.filter(action=AuditAction.LEAD_SUBJECT_EDITED).exists()


def test_making_a_subject_an_official_puts_the_lead_with_the_leaders(lead: Lead) -> None:
    _edit(_subject(lead), role=SubjectRole.OFFICIAL, position="镇农业站站长")
    lead.refresh_from_db()
    assert lead.involves_official


def test_a_village_head_may_neither_edit_nor_remove(
    lead: Lead, register: Callable[..., Lead], village: Unit
) -> None:
    subject = _subject(advance(lead, "investigating", village=village))
    with pytest.raises(ActionNotAllowed):
        _edit(subject, actor="cun02", name="申屠明")
    with pytest.raises(ActionNotAllowed):
        services.remove_subject(actor=_user("cun02"), subject=subject, reason="不是本人")
    assert Subject.objects.get(pk=subject.pk).name == "申屠亮"


def test_a_concluded_lead_keeps_its_subjects(lead: Lead) -> None:
    subject = _subject(advance(lead, "concluded"))
    assert lead.status == Status.CONCLUDED
    with pytest.raises(ServiceError, match="不能修改被反映人"):
        _edit(subject, name="申屠明")
    with pytest.raises(ServiceError, match="不能移除被反映人"):
        services.remove_subject(actor=_user("banshi"), subject=subject, reason="重复登记")
    assert Subject.objects.filter(pk=subject.pk, name="申屠亮").exists()


def test_an_edit_over_a_newer_version_is_refused_and_the_first_kept(lead: Lead) -> None:
    stale = _subject(lead)
    _edit(_subject(lead), name="申屠明")

    with pytest.raises(ServiceError, match="该被反映人在您打开之后"):
        _edit(stale, alias="亮子")

    saved = _subject(lead)
    assert (saved.name, saved.alias, saved.version) == ("申屠明", "", 2)


def test_removal_needs_a_reason_and_writes_nothing_without_one(lead: Lead) -> None:
    subject = _subject(lead)
    with pytest.raises(ServiceError, match="理由"):
        services.remove_subject(actor=_user("banshi"), subject=subject, reason="  ")
    assert Subject.objects.filter(pk=subject.pk).exists()


def test_removing_the_last_subject_keeps_who_it_was_masked_with_the_reason(lead: Lead) -> None:
    subject = _subject(lead)

    services.remove_subject(
        actor=_user("banshi"), subject=subject, reason="经核实为重复登记", version=1
    )

    assert not lead.subjects.exists()
    history = _history(lead, LeadEventKind.SUBJECT_REMOVED)
    assert "申屠亮" in history and "370281********8626" in history
    assert "经核实为重复登记" in history
    event = AuditEvent.objects.get(action=AuditAction.LEAD_SUBJECT_REMOVED)
    assert event.details["plates"] == 1 and event.details["reason"] == "经核实为重复登记"
    for clear in (FIRST_ID, FIRST_PHONE):
        assert clear not in history + str(event.details)


def test_a_removal_of_a_subject_edited_meanwhile_is_refused(lead: Lead) -> None:
    stale = _subject(lead)
    _edit(_subject(lead), name="申屠明")
    with pytest.raises(ServiceError, match="该被反映人在您打开之后"):
        services.remove_subject(
            actor=_user("banshi"), subject=stale, reason="重复登记", version=stale.version
        )
    assert lead.subjects.exists()


def test_a_subject_removed_meanwhile_cannot_be_edited(lead: Lead) -> None:
    stale = _subject(lead)
    services.remove_subject(actor=_user("banshi"), subject=_subject(lead), reason="重复登记")
    with pytest.raises(ServiceError, match="已被他人移除"):
        _edit(stale, name="申屠明")
    assert not AuditEvent.objects.filter(action=AuditAction.LEAD_SUBJECT_EDITED).exists()


# Through the pages.


def test_the_edit_page_never_shows_a_clear_number_and_saves_a_new_one(
    lead: Lead, client_as: Callable[[str], Client]
) -> None:
    subject = _subject(lead)
    client = client_as("banshi")
    url = reverse("leads:edit_subject", args=[lead.pk, subject.pk])
    page = client.get(url).content.decode()
    assert "370281********8626" in page and FIRST_ID not in page and FIRST_PHONE not in page

    response = client.post(
        url,
        {"name": "申屠亮", "role": SubjectRole.REPORTED, "id_number": SECOND_ID, "version": 1},
    )

    assert response.status_code == 302
    assert _subject(lead).unsealed_id_number() == SECOND_ID
    detail = client.get(reverse("leads:detail", args=[lead.pk])).content.decode()
    assert "370281********8626 → 370281********1238" in detail
    assert SECOND_ID not in detail


def test_a_bad_id_number_on_the_page_is_marked_at_its_field(
    lead: Lead, client_as: Callable[[str], Client]
) -> None:
    subject = _subject(lead)
    url = reverse("leads:edit_subject", args=[lead.pk, subject.pk])
    response = client_as("banshi").post(
        url,
        {"name": "申屠明", "role": SubjectRole.REPORTED, "id_number": "37028120030726862X"},
    )
    assert response.status_code == 400
    assert 'data-testid="field-error"' in response.content.decode()
    assert _subject(lead).name == "申屠亮"


def test_a_stale_edit_on_the_page_shows_what_changed_with_numbers_masked(
    lead: Lead, client_as: Callable[[str], Client]
) -> None:
    subject = _subject(lead)
    url = reverse("leads:edit_subject", args=[lead.pk, subject.pk])
    first = client_as("shuji").post(
        url, {"name": "申屠明", "role": SubjectRole.REPORTED, "id_number": SECOND_ID, "version": 1}
    )
    second = client_as("banshi").post(
        url,
        {
            "name": "申屠亮",
            "alias": "亮子",
            "role": SubjectRole.REPORTED,
            "phone": SECOND_PHONE,
            "version": 1,
        },
    )

    assert first.status_code == 302 and second.status_code == 400
    page = second.content.decode()
    assert "该被反映人在您打开之后已被" in page
    rows = second.context["form"].stale_changes
    assert [(row.label, row.saved, row.submitted) for row in rows] == [
        ("姓名", "申屠明", "申屠亮"),
        ("绰号", "（空）", "亮子"),
        ("手机号", "139****2468", "138****5678"),
    ]
    # What was typed stays, and the newer version is carried for a deliberate second save.
    assert 'value="亮子"' in page and 'name="version" value="2"' in page
    for clear in (FIRST_ID, SECOND_ID, FIRST_PHONE):
        assert clear not in page
    assert _subject(lead).alias == ""


def test_the_removal_page_confirms_and_asks_the_reason(
    lead: Lead, client_as: Callable[[str], Client]
) -> None:
    subject = _subject(lead)
    client = client_as("banshi")
    url = reverse("leads:remove_subject", args=[lead.pk, subject.pk])
    page = client.get(url).content.decode()
    assert "确认移除" in page and "370281********8626" in page and FIRST_ID not in page
    assert lead.subjects.exists()  # a GET writes nothing

    refused = client.post(url, {"reason": "", "version": 1})
    assert refused.status_code == 400 and lead.subjects.exists()

    removed = client.post(url, {"reason": "经核实为重复登记", "version": 1})
    assert removed.status_code == 302 and not lead.subjects.exists()


def test_a_village_head_gets_no_edit_page(
    lead: Lead, village: Unit, client_as: Callable[[str], Client]
) -> None:
    subject = _subject(advance(lead, "investigating", village=village))
    for name in ("leads:edit_subject", "leads:remove_subject"):
        response = client_as("cun02").post(
            reverse(name, args=[lead.pk, subject.pk]), {"name": "申屠明", "reason": "x"}
        )
        assert response.status_code in (403, 404)
    assert _subject(lead).name == "申屠亮"
