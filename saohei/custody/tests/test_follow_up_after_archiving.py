"""回访 follows the conclusion: it stays possible on an archived lead (issue 11, decision 0015)."""

from collections.abc import Callable

from django.test import Client
from django.utils import timezone

from saohei.custody.tests.conftest import user
from saohei.leads import services as lead_services
from saohei.leads.models import FollowUp, Lead, Satisfaction, Status

ClientAs = Callable[[str], Client]


def follow_up_form(method: str = "电话") -> dict[str, str]:
    return {
        "contacted_on": timezone.localdate().isoformat(),
        "method": method,
        "satisfaction": Satisfaction.SATISFIED,
    }


def archive(lead: Lead) -> Lead:
    lead_services.record_follow_up(
        actor=user("banshi"),
        lead=lead,
        data=lead_services.FollowUpInput(
            contacted_on=timezone.localdate(),
            method="上门",
            satisfaction=Satisfaction.SATISFIED,
        ),
    )
    lead.refresh_from_db()
    return lead_services.archive_lead(actor=user("banshi"), lead=lead)


def test_custodian_records_a_follow_up_on_an_archived_lead(
    client_as: ClientAs, concluded_lead: Lead
) -> None:
    lead = archive(concluded_lead)
    custodian = client_as("baoguan")
    assert (
        'data-testid="follow-up-form"' in custodian.get(f"/vault/leads/{lead.pk}/").content.decode()
    )

    response = custodian.post(f"/vault/leads/{lead.pk}/follow-up/", follow_up_form())

    assert response.status_code == 302
    assert FollowUp.objects.filter(lead=lead, author=user("baoguan")).exists()
    lead.refresh_from_db()
    assert lead.status == Status.ARCHIVED


def test_office_is_offered_and_records_a_follow_up_on_an_archived_lead(
    client_as: ClientAs, concluded_lead: Lead
) -> None:
    lead = archive(concluded_lead)
    office = client_as("banshi")
    assert 'data-testid="follow-up-form"' in office.get(f"/leads/{lead.pk}/").content.decode()

    office.post(f"/leads/{lead.pk}/follow-up/", follow_up_form("电话"))

    assert FollowUp.objects.filter(lead=lead).count() == 2


def test_no_follow_up_form_is_offered_before_the_conclusion(
    client_as: ClientAs, real_name_lead: Lead
) -> None:
    assert (
        'data-testid="follow-up-form"'
        not in client_as("baoguan").get(f"/vault/leads/{real_name_lead.pk}/").content.decode()
    )
    assert (
        'data-testid="follow-up-form"'
        not in client_as("banshi").get(f"/leads/{real_name_lead.pk}/").content.decode()
    )
