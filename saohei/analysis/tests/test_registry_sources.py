"""Saving through each context's own services puts the record in the registry's outbox, and the
refresh turns it into persons: a case import, a lead with its subjects, a tip, 受理 and 并案."""

from datetime import timedelta

import pytest
from django.utils import timezone

from saohei.analysis.changes import refresh_pending
from saohei.analysis.models import Appearance, PendingChange, Person
from saohei.analysis.tests.registry_helpers import id_number
from saohei.cases.services import import_cases_file
from saohei.cases.tests.helpers import case_row, person_row, xlsx_file
from saohei.common.pii import blind_index
from saohei.leads import services as leads
from saohei.leads.models import Channel, Lead, Source
from saohei.organisations.models import Unit, User
from saohei.tips.services import PersonInput, TipInput, accept_tip, submit_tip

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(demo: None) -> User:
    return User.objects.get(username="banshi")


def register(clerk: User, *subjects: leads.SubjectInput) -> Lead:
    return leads.register_lead(
        actor=clerk,
        unit=Unit.objects.get(name="港西镇"),
        data=leads.LeadInput(
            received_at=timezone.now() - timedelta(hours=1),
            channel=Channel.PHONE,
            source=Source.PUBLIC_REPORT,
            summary="码头强收卸货费",
            subjects=list(subjects),
        ),
    )


def test_an_import_and_a_lead_meet_in_one_person(clerk: User) -> None:
    job = import_cases_file(
        actor=clerk,
        unit=Unit.objects.get(name="港西镇"),
        file=xlsx_file(
            cases=[case_row(number="A-001"), case_row(number="A-002")],
            persons=[
                person_row(number="A-001", name="申屠亮", id_number=id_number(41), role="纠集者"),
                person_row(number="A-002", name="申屠亮", id_number=id_number(41)),
                person_row(number="A-002", name="王某", role="被害人"),
            ],
        ),
    )
    assert job.status == "succeeded", job.errors
    assert PendingChange.objects.filter(incident_kind="case").count() == 2
    register(clerk, leads.SubjectInput(name="申屠亮", id_number=id_number(41)))
    refresh_pending()
    person = Person.objects.get(name="申屠亮")
    assert sorted(person.appearances.values_list("incident_kind", "role")) == [
        ("case", "gatherer"),
        ("case", "participant"),
        ("lead", "reported"),
    ]
    assert person.perpetrator_count == 2
    assert Appearance.objects.get(name="王某").is_perpetrator is False


def test_a_tip_counts_until_its_lead_takes_over(clerk: User) -> None:
    town = Unit.objects.get(name="港西镇")
    tip = submit_tip(
        unit=town,
        data=TipInput(
            content="东岛村有人在码头强收卸货费，不给就打人，已经好几年了",
            persons=[PersonInput(name="申屠亮")],
        ),
    ).tip
    refresh_pending()
    assert Appearance.objects.filter(incident_kind="tip", incident_id=tip.pk).count() == 1
    lead = accept_tip(actor=clerk, tip=tip)
    refresh_pending()
    assert not Appearance.objects.filter(incident_kind="tip").exists()
    assert Appearance.objects.filter(incident_kind="lead", incident_id=lead.pk).count() == 1


def test_a_merged_leads_subjects_are_counted_once(clerk: User) -> None:
    first = register(clerk, leads.SubjectInput(name="申屠亮", id_number=id_number(42)))
    second = register(clerk, leads.SubjectInput(name="申屠亮", id_number=id_number(42)))
    refresh_pending()
    assert Person.objects.get(name="申屠亮").appearance_count == 2
    leads.merge_lead(actor=clerk, lead=second, into=first)
    refresh_pending()
    assert Person.objects.get(name="申屠亮").appearance_count == 1


def test_a_subject_edited_or_removed_on_its_lead_is_seen_by_the_registry(clerk: User) -> None:
    lead = register(clerk, leads.SubjectInput(name="申屠亮", id_number=id_number(43)))
    refresh_pending()
    subject = lead.subjects.get()
    leads.edit_subject(
        actor=clerk,
        subject=subject,
        data=leads.SubjectInput(name="申屠明", id_number=id_number(44)),
        version=subject.version,
    )
    refresh_pending()
    appearance = Appearance.objects.get(incident_kind="lead", incident_id=lead.pk)
    assert appearance.name == "申屠明"
    assert appearance.id_number_index == blind_index("id_number", id_number(44))
    assert not Person.objects.filter(name="申屠亮").exists()

    leads.remove_subject(actor=clerk, subject=subject, reason="经核实为重复登记")
    refresh_pending()
    assert not Appearance.objects.filter(incident_kind="lead", incident_id=lead.pk).exists()
    assert not Person.objects.filter(name="申屠明").exists()
