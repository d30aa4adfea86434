"""上级审核反馈 (decision 0062): the assigning supervisor accepts or returns a town's 反馈."""

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.utils import timezone

from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.leads import services
from saohei.leads.models import Lead, LeadEventKind, Source, Status
from saohei.leads.tests.conftest import advance
from saohei.organisations.models import User

pytestmark = pytest.mark.django_db

Register = Callable[..., Lead]


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _later() -> date:
    return timezone.localdate() + timedelta(days=14)


@pytest.fixture
def fed_back(register: Register) -> Lead:
    lead = register(actor="shiban", source=Source.UPPER_ASSIGNED, upstream_office="荣成市扫黑办")
    advance(lead, "concluded")
    services.record_feedback(
        actor=_user("banshi"),
        lead=lead,
        fed_back_on=timezone.localdate(),
        recipient="荣成市扫黑办",
        content="经核查，线索不实",
    )
    lead.refresh_from_db()
    return lead


def test_a_supervisor_registers_a_12337_lead_too(register: Register) -> None:
    lead = register(actor="shiban", source=Source.PLATFORM_12337)
    assert lead.source == Source.PLATFORM_12337
    with pytest.raises(ActionNotAllowed):
        register(actor="shiban", source=Source.SELF_FOUND)


def test_a_return_reopens_the_lead_and_clears_its_feedback_time(fed_back: Lead) -> None:
    services.return_feedback(
        actor=_user("shiban"), lead=fed_back, reason="核查对象不全，请补充", new_deadline=_later()
    )
    fed_back.refresh_from_db()
    assert fed_back.status == Status.INVESTIGATING and fed_back.fed_back_at is None
    assert fed_back.feedbacks.count() == 1  # the earlier 反馈 stays in the history
    assert fed_back.events.last().kind == LeadEventKind.FEEDBACK_RETURNED  # type: ignore[union-attr]
    with pytest.raises(ServiceError, match="尚未反馈上级"):
        services.accept_feedback(actor=_user("shiban"), lead=fed_back)


@pytest.mark.parametrize("username", ["banshi", "shuji", "cun01", "minjing", "baoguan"])
def test_only_a_supervisor_over_the_town_judges(fed_back: Lead, username: str) -> None:
    for judge in (
        lambda: services.accept_feedback(actor=_user(username), lead=fed_back),
        lambda: services.return_feedback(
            actor=_user(username), lead=fed_back, reason="理由很充分", new_deadline=_later()
        ),
    ):
        with pytest.raises(ActionNotAllowed):
            judge()
    fed_back.refresh_from_db()
    assert (
        fed_back.status == Status.CONCLUDED
        and not fed_back.events.filter(
            kind__in=[LeadEventKind.FEEDBACK_ACCEPTED, LeadEventKind.FEEDBACK_RETURNED]
        ).exists()
    )


def test_a_lead_of_the_towns_own_source_is_not_the_supervisors_to_judge(
    register: Register,
) -> None:
    lead = advance(register(), "concluded")
    with pytest.raises(ActionNotAllowed):
        services.return_feedback(
            actor=_user("shiban"), lead=lead, reason="理由很充分的", new_deadline=_later()
        )
