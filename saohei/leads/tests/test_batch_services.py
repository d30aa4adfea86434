"""register_leads and correct_leads: a 交办清单's many leads written as one lead at a time would
be (numbers, subjects, history, audit events, versions), all or none (decision 0061, addendum)."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone

from saohei.audit.models import AuditAction, AuditEvent
from saohei.audit.queries import verify_chain
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.leads import services
from saohei.leads.models import (
    Channel,
    Lead,
    LeadEvent,
    LeadEventKind,
    LeadNumberCounter,
    Source,
    Subject,
    SubjectPlate,
    SubjectRole,
)
from saohei.leads.tests.conftest import advance
from saohei.organisations.models import Unit, User

pytestmark = pytest.mark.django_db
Register = Callable[..., Lead]


def _item(number: int, **overrides: object) -> services.LeadInput:
    values: dict[str, object] = {
        "received_at": timezone.now() - timedelta(hours=1),
        "channel": Channel.PLATFORM,
        "source": Source.UPPER_ASSIGNED,
        "summary": f"第{number}条：有人在码头强行收取渔船停靠费",
        "upstream_office": "荣成市扫黑办",
        "upstream_reference": f"RC-{number}",
        "subjects": [
            services.SubjectInput(
                name=f"王某{number}", id_number="370682198001011236", plates=["鲁K12345"]
            )
        ],
    }
    values.update(overrides)
    return services.LeadInput(**values)  # type: ignore[arg-type]


def test_a_batch_is_numbered_in_order_after_the_last_lead_with_everything_each_lead_gets(
    register: Register, town: Unit
):
    before = register()
    clerk = User.objects.get(username="banshi")
    events_before = AuditEvent.objects.count()

    leads = services.register_leads(actor=clerk, unit=town, items=[_item(n) for n in range(3)])

    prefix, year, sequence = before.number.rsplit("-", 2)
    assert [lead.number for lead in leads] == [
        f"{prefix}-{year}-{int(sequence) + step:04d}" for step in (1, 2, 3)
    ]
    for number, lead in enumerate(leads):
        saved = Lead.objects.get(pk=lead.pk)
        assert saved.upstream_reference == f"RC-{number}"
        subject = Subject.objects.get(lead=saved)
        assert subject.name == f"王某{number}" and subject.id_number_masked.endswith("1236")
        assert SubjectPlate.objects.filter(subject=subject, number="鲁K12345").exists()
        assert LeadEvent.objects.filter(lead=saved, kind=LeadEventKind.REGISTERED).count() == 1
    registered = list(
        AuditEvent.objects.filter(action=AuditAction.LEAD_REGISTERED).order_by("sequence")
    )
    assert [event.target_id for event in registered][-3:] == [str(lead.pk) for lead in leads]
    assert registered[-1].details == {"source": "upper_assigned", "subjects": 1, "plates": 1}
    assert AuditEvent.objects.count() == events_before + 3
    assert verify_chain().is_intact


def test_one_refused_lead_refuses_the_batch_and_takes_no_number(register: Register, town: Unit):
    register()
    counter = LeadNumberCounter.objects.get(unit=town)
    leads_before, events_before = Lead.objects.count(), AuditEvent.objects.count()

    with pytest.raises(ServiceError, match="请填写简要内容"):
        services.register_leads(
            actor=User.objects.get(username="banshi"),
            unit=town,
            items=[_item(1), _item(2, summary="  "), _item(3)],
        )

    assert Lead.objects.count() == leads_before and AuditEvent.objects.count() == events_before
    assert LeadNumberCounter.objects.get(unit=town).last_value == counter.last_value


def test_a_village_head_registers_no_batch(town: Unit):
    with pytest.raises(ActionNotAllowed):
        services.register_leads(
            actor=User.objects.get(username="cun01"), unit=town, items=[_item(1)]
        )
    assert not Lead.objects.filter(upstream_reference="RC-1").exists()


def _corrections(leads: list[Lead], village: Unit) -> list[services.LeadCorrection]:
    deadline = timezone.localdate() + timedelta(days=7)
    return [
        services.LeadCorrection(
            lead=leads[0],
            facts=services.FactsInput(summary="更正后的问题内容", village=village),
        ),
        services.LeadCorrection(lead=leads[1], upstream_deadline=deadline),
        services.LeadCorrection(
            lead=leads[2],
            subject=services.SubjectInput(name="村干部赵某", role=SubjectRole.OFFICIAL),
        ),
    ]


def test_corrections_write_what_each_single_service_writes(town: Unit, village: Unit):
    clerk = User.objects.get(username="banshi")
    leads = services.register_leads(actor=clerk, unit=town, items=[_item(n) for n in range(3)])

    services.correct_leads(actor=clerk, corrections=_corrections(leads, village))

    first, second, third = (Lead.objects.get(pk=lead.pk) for lead in leads)
    assert (first.summary, first.village, first.version) == ("更正后的问题内容", village, 2)
    assert second.due_on == second.upstream_deadline == timezone.localdate() + timedelta(days=7)
    assert second.version == 2 and second.escalation_level == 0
    assert third.involves_official and third.version == 1
    assert Subject.objects.filter(lead=third, name="村干部赵某").exists()
    corrected = AuditEvent.objects.filter(action=AuditAction.LEAD_CORRECTED)
    assert {event.target_id for event in corrected} == {str(first.pk), str(second.pk)}
    facts = corrected.get(target_id=str(first.pk)).details
    assert facts["changes"]["summary"]["after"] == "更正后的问题内容" and facts["version"] == 2
    added = AuditEvent.objects.get(action=AuditAction.LEAD_SUBJECT_ADDED)
    assert added.details["subject_id"] == Subject.objects.get(name="村干部赵某").pk
    notes = LeadEvent.objects.filter(kind=LeadEventKind.CORRECTED).values_list("note", flat=True)
    assert any("简要内容" in note for note in notes) and any(
        "上级要求办结日期" in note for note in notes
    )
    assert verify_chain().is_intact


def test_a_concluded_lead_refuses_every_correction_of_the_batch(town: Unit, village: Unit):
    clerk = User.objects.get(username="banshi")
    leads = services.register_leads(actor=clerk, unit=town, items=[_item(n) for n in range(3)])
    advance(leads[2], "concluded")
    leads[2].refresh_from_db()
    events_before = AuditEvent.objects.count()

    with pytest.raises(ServiceError, match="不能更正"):
        services.correct_leads(actor=clerk, corrections=_corrections(leads, village))

    assert Lead.objects.get(pk=leads[0].pk).summary.startswith("第0条")
    assert AuditEvent.objects.count() == events_before


def test_a_village_head_corrects_nothing(town: Unit, village: Unit):
    leads = services.register_leads(
        actor=User.objects.get(username="banshi"), unit=town, items=[_item(n) for n in range(3)]
    )
    with pytest.raises(ActionNotAllowed):
        services.correct_leads(
            actor=User.objects.get(username="cun01"), corrections=_corrections(leads, village)
        )
    assert Lead.objects.get(pk=leads[0].pk).version == 1
