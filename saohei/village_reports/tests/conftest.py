from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone

from saohei.leads import services as lead_services
from saohei.leads.models import Channel, Lead, Source, Status
from saohei.organisations.models import Unit, User


@pytest.fixture
def village_of(user: Callable[[str], User]) -> Callable[[str], Unit]:
    """The village a demo head heads (cun01 → the first village, …)."""

    def get(username: str) -> Unit:
        head = user(username)
        village = Unit.objects.get(pk=head.role_grants.get().unit_id)
        return village

    return get


RegisterLead = Callable[..., Lead]


@pytest.fixture
def register_lead(user: Callable[[str], User]) -> RegisterLead:
    """A lead registered by the office for a village, received now; `handled` hands it to the
    village (so its head may see and link it)."""

    def make(
        village: Unit,
        *,
        handled: bool = True,
        summary: str = "村内有人放高利贷",
        official: bool = False,
    ) -> Lead:
        assert village.parent is not None
        lead = lead_services.register_lead(
            actor=user("shuji" if official else "banshi"),
            unit=village.parent,
            data=lead_services.LeadInput(
                received_at=timezone.now() - timedelta(minutes=5),
                channel=Channel.IN_PERSON,
                source=Source.SELF_FOUND,
                summary=summary,
                village=village,
                involves_official=official,
            ),
        )
        if handled:
            # Arrange only: the assignment's own workflow is the leads context's to test.
            Lead.objects.filter(pk=lead.pk).update(handling_unit=village, status=Status.ASSIGNED)
            lead.refresh_from_db()
        return lead

    return make
