"""revise_upstream_deadline: a corrected 交办清单's 反馈期限 moves the lead's deadline."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone

from saohei.audit.models import AuditAction, AuditEvent
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.leads import services
from saohei.leads.models import Lead, LeadEvent, LeadEventKind, Source
from saohei.leads.tests.conftest import advance
from saohei.organisations.models import User

pytestmark = pytest.mark.django_db
Register = Callable[..., Lead]


def _upstream(register: Register) -> Lead:
    return register(
        source=Source.UPPER_ASSIGNED,
        upstream_office="荣成市扫黑办",
        upstream_reference="RC-9",
        upstream_deadline=timezone.localdate() + timedelta(days=20),
    )


def test_the_new_upstream_deadline_is_the_due_date_and_the_escalation_restarts(register: Register):
    lead = _upstream(register)
    Lead.objects.filter(pk=lead.pk).update(escalation_level=1)
    new = timezone.localdate() + timedelta(days=5)

    services.revise_upstream_deadline(
        actor=User.objects.get(username="banshi"), lead=lead, upstream_deadline=new
    )

    lead.refresh_from_db()
    assert (lead.upstream_deadline, lead.due_on, lead.escalation_level) == (new, new, 0)
    assert LeadEvent.objects.filter(lead=lead, kind=LeadEventKind.CORRECTED).exists()
    assert AuditEvent.objects.filter(action=AuditAction.LEAD_CORRECTED).count() == 1


def test_a_concluded_lead_and_a_village_head_are_refused(register: Register):
    lead = _upstream(register)
    with pytest.raises(ActionNotAllowed):
        services.revise_upstream_deadline(
            actor=User.objects.get(username="cun01"),
            lead=lead,
            upstream_deadline=timezone.localdate(),
        )
    advance(lead, "concluded")
    with pytest.raises(ServiceError, match="不能修改反馈期限"):
        services.revise_upstream_deadline(
            actor=User.objects.get(username="banshi"),
            lead=lead,
            upstream_deadline=timezone.localdate(),
        )
