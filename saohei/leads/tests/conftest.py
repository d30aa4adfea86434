from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from saohei.common.roles import Role
from saohei.leads import services
from saohei.leads.models import Channel, Lead, Source
from saohei.organisations.models import Unit, User


@pytest.fixture
def town(demo: None) -> Unit:
    return Unit.objects.get(name="港西镇")


@pytest.fixture
def village(demo: None) -> Unit:
    return Unit.objects.get(name="东岛村")


@pytest.fixture
def register(town: Unit) -> Callable[..., Lead]:
    """Register a lead as the office clerk (banshi), with overridable fields."""
    return registrar(town)


def registrar(town: Unit) -> Callable[..., Lead]:
    """`register` outside a fixture (a shared layer, saohei/testing/town.py)."""

    def make(actor: str = "banshi", **overrides: Any) -> Lead:
        values: dict[str, Any] = {
            "received_at": timezone.now() - timedelta(hours=1),
            "channel": Channel.PHONE,
            "source": Source.PUBLIC_REPORT,
            "summary": "有人在东岛村码头强行收取渔船停靠费",
        }
        values.update(overrides)
        return services.register_lead(
            actor=User.objects.get(username=actor), unit=town, data=services.LeadInput(**values)
        )

    return make


def advance(
    lead: Lead, to: str, *, village: Unit | None = None, conclusion: str = "excluded"
) -> Lead:
    """Walk a lead through the workflow with the demo's people, up to `to`."""
    office, leader = User.objects.get(username="banshi"), User.objects.get(username="shuji")
    handling_unit = village or Unit.objects.get(name="港西镇")
    # The handler belongs to the handling unit: the village's head, or the office clerk.
    handler = (
        User.objects.filter(role_grants__role=Role.VILLAGE_HEAD, role_grants__unit=village).first()
        if village
        else office
    )
    services.assign_lead(actor=office, lead=lead, handling_unit=handling_unit, handler=handler)
    if to == "assigned":
        return lead
    services.record_investigation(
        actor=office,
        lead=lead,
        occurred_on=timezone.localdate(),
        content="走访码头经营户五户，未发现强收费用",
    )
    if to == "investigating":
        return lead
    services.propose_conclusion(
        actor=office,
        lead=lead,
        conclusion=conclusion,
        basis="经走访核实，系正常管理收费，排除涉黑涉恶可能",
    )
    if to == "proposed":
        return lead
    services.sign_off(actor=leader, lead=lead, approve=True)
    return lead
