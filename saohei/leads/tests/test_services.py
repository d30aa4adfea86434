from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone

from saohei.audit.models import AuditAction, AuditEvent
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.leads import services
from saohei.leads.models import Lead, LeadEventKind, Source, Status, Subject, SubjectRole
from saohei.leads.tests.conftest import advance
from saohei.notifications.models import Notification
from saohei.organisations.models import Unit, User
from saohei.organisations.queries import OUTSIDE_UNIT
from saohei.vault.models import ReporterIdentity
from saohei.workdays.calendar import add_working_days

pytestmark = pytest.mark.django_db
Register = Callable[..., Lead]


def _user(username: str) -> User:
    return User.objects.get(username=username)


class TestRegistration:
    def test_numbers_run_per_town_and_year(self, register: Register) -> None:
        first, second = register(), register()
        year = timezone.localdate().year
        assert first.number == f"GX-{year}-0001"
        assert second.number == f"GX-{year}-0002"

    def test_numbers_are_never_reused(self, register: Register) -> None:
        first = register()
        Lead.objects.filter(pk=first.pk).delete()
        assert register().number.endswith("-0002")

    def test_registration_is_audited_with_a_timeline_entry(self, register: Register) -> None:
        lead = register()
        assert lead.events.get().kind == LeadEventKind.REGISTERED
        event = AuditEvent.objects.get(action=AuditAction.LEAD_REGISTERED)
        assert event.target_id == str(lead.pk)

    def test_default_deadline_is_counted_in_working_days(self, register: Register) -> None:
        lead = register()
        expected = add_working_days(timezone.localdate(lead.received_at), 30)
        assert lead.due_on == expected

    def test_upstream_deadline_wins(self, register: Register) -> None:
        deadline = timezone.localdate() + timedelta(days=10)
        lead = register(
            source=Source.UPPER_ASSIGNED, upstream_office="荣成市扫黑办", upstream_deadline=deadline
        )
        assert lead.due_on == deadline

    def test_subject_identifiers_are_sealed_and_masked(
        self, register: Register, village: Unit
    ) -> None:
        lead = register(
            subjects=[
                services.SubjectInput(
                    name="张三",
                    alias="三哥",
                    id_number="11010519491231002X",
                    phone="13912345678",
                    village=village,
                )
            ]
        )
        subject = lead.subjects.get()
        assert subject.id_number_masked == "110105********002X"
        assert subject.phone_masked == "139****5678"
        assert "11010519491231002X" not in subject.id_number_sealed
        assert subject.id_number_index

    def test_bad_id_number_writes_nothing(self, register: Register) -> None:
        with pytest.raises(ServiceError, match="校验位"):
            register(subjects=[services.SubjectInput(name="张三", id_number="110105194912310021")])
        assert not Lead.objects.exists()
        assert not AuditEvent.objects.filter(action=AuditAction.LEAD_REGISTERED).exists()

    def test_reporter_goes_to_the_vault_not_the_lead(self, register: Register) -> None:
        lead = register(reporter=services.ReporterInput(name="李四", phone="13800000000"))
        identity = ReporterIdentity.objects.get()
        assert lead.reporter_reference == identity.reference
        assert lead.is_real_name_report
        assert "李四" not in identity.sealed_identity
        assert "李四" not in str(AuditEvent.objects.values_list("details", flat=True))

    def test_upper_assigned_lead_needs_the_office(self, register: Register) -> None:
        with pytest.raises(ServiceError, match="交办单位"):
            register(source=Source.UPPER_ASSIGNED)

    def test_village_head_cannot_register(self, register: Register) -> None:
        with pytest.raises(ActionNotAllowed):
            register(actor="cun01")

    def test_supervisor_registers_only_assigned_leads(self, register: Register) -> None:
        lead = register(
            actor="shiban", source=Source.UPPER_ASSIGNED, upstream_office="荣成市扫黑办"
        )
        assert lead.created_by.username == "shiban"
        with pytest.raises(ServiceError, match="上级督导"):
            register(actor="shiban", source=Source.SELF_FOUND)

    def test_future_received_time_is_refused(self, register: Register) -> None:
        with pytest.raises(ServiceError, match="晚于现在"):
            register(received_at=timezone.now() + timedelta(days=1))

    def test_subject_official_marks_the_lead(self, register: Register) -> None:
        lead = register(
            subjects=[
                services.SubjectInput(name="王五", role=SubjectRole.OFFICIAL, position="某局科长")
            ]
        )
        assert lead.involves_official


class TestWorkflow:
    def test_full_path_to_archive(self, register: Register) -> None:
        lead = register(source=Source.UPPER_ASSIGNED, upstream_office="荣成市扫黑办")
        services.triage_lead(actor=_user("banshi"), lead=lead, opinion="交东岛村会同派出所核查")
        advance(lead, "concluded")
        assert lead.status == Status.CONCLUDED
        assert lead.signed_off_by == _user("shuji")
        with pytest.raises(ServiceError, match="反馈上级"):
            services.archive_lead(actor=_user("banshi"), lead=lead)
        services.record_feedback(
            actor=_user("banshi"),
            lead=lead,
            fed_back_on=timezone.localdate(),
            recipient="荣成市扫黑办",
            content="已核查，排除",
        )
        services.archive_lead(actor=_user("banshi"), lead=lead)
        assert lead.status == Status.ARCHIVED
        kinds = list(lead.events.values_list("kind", flat=True))
        assert kinds == [
            "registered",
            "triaged",
            "assigned",
            "investigation",
            "proposed",
            "signed_off",
            "fed_back",
            "archived",
        ]

    def test_conclusion_needs_investigation_first(self, register: Register) -> None:
        lead = advance(register(), "assigned")
        with pytest.raises(ServiceError, match="拟办结"):
            services.propose_conclusion(
                actor=_user("banshi"),
                lead=lead,
                conclusion="excluded",
                basis="经核实排除涉黑涉恶可能",
            )

    def test_only_leaders_sign_off(self, register: Register) -> None:
        lead = advance(register(), "proposed")
        for username in ("banshi", "cun01", "minjing", "shiban"):
            with pytest.raises(ActionNotAllowed):
                services.sign_off(actor=_user(username), lead=lead, approve=True)
        lead.refresh_from_db()
        assert lead.status == Status.PROPOSED

    def test_proposer_cannot_sign_own_proposal(self, register: Register) -> None:
        lead = advance(register(), "investigating")
        services.propose_conclusion(
            actor=_user("shuji"), lead=lead, conclusion="excluded", basis="经核实排除涉黑涉恶可能"
        )
        with pytest.raises(ActionNotAllowed, match="自己"):
            services.sign_off(actor=_user("shuji"), lead=lead, approve=True)

    def test_return_needs_a_reason_and_goes_back_to_investigation(self, register: Register) -> None:
        lead = advance(register(), "proposed")
        with pytest.raises(ServiceError, match="理由"):
            services.sign_off(actor=_user("shuji"), lead=lead, approve=False)
        services.sign_off(actor=_user("shuji"), lead=lead, approve=False, note="证据不足，补充走访")
        assert lead.status == Status.INVESTIGATING
        assert AuditEvent.objects.filter(action=AuditAction.LEAD_RETURNED).exists()

    def test_thin_basis_is_refused(self, register: Register) -> None:
        lead = advance(register(), "investigating")
        with pytest.raises(ServiceError, match="结论依据"):
            services.propose_conclusion(
                actor=_user("banshi"), lead=lead, conclusion="excluded", basis="排除"
            )

    def test_discipline_transfer_only_for_officials(self, register: Register) -> None:
        lead = advance(register(), "investigating")
        with pytest.raises(ServiceError, match="公职人员"):
            services.propose_conclusion(
                actor=_user("banshi"),
                lead=lead,
                conclusion="to_discipline",
                basis="涉及公职人员，移送纪委监委处理",
            )

    def test_refused_transition_writes_nothing(self, register: Register) -> None:
        lead = register()
        events_before = (lead.events.count(), AuditEvent.objects.count())
        with pytest.raises(ServiceError):
            services.archive_lead(actor=_user("banshi"), lead=lead)
        assert (lead.events.count(), AuditEvent.objects.count()) == events_before
        lead.refresh_from_db()
        assert lead.status == Status.REGISTERED

    def test_reopen_with_reason(self, register: Register) -> None:
        lead = advance(register(), "concluded")
        with pytest.raises(ServiceError, match="理由"):
            services.reopen_lead(actor=_user("shuji"), lead=lead, reason="")
        services.reopen_lead(actor=_user("shuji"), lead=lead, reason="群众再次反映，有新情况")
        assert lead.status == Status.INVESTIGATING
        assert lead.conclusion == ""

    def test_real_name_lead_needs_follow_up_before_archive(self, register: Register) -> None:
        lead = advance(register(reporter=services.ReporterInput(name="李四")), "concluded")
        with pytest.raises(ServiceError, match="回访"):
            services.archive_lead(actor=_user("banshi"), lead=lead)
        services.record_follow_up(
            actor=_user("banshi"),
            lead=lead,
            data=services.FollowUpInput(
                contacted_on=timezone.localdate(),
                method="电话",
                satisfaction="satisfied",
            ),
        )
        services.archive_lead(actor=_user("banshi"), lead=lead)

    def test_anonymous_lead_cannot_be_followed_up(self, register: Register) -> None:
        lead = advance(register(), "concluded")
        with pytest.raises(ServiceError, match="匿名"):
            services.record_follow_up(
                actor=_user("banshi"),
                lead=lead,
                data=services.FollowUpInput(
                    contacted_on=timezone.localdate(),
                    method="电话",
                    satisfaction="satisfied",
                ),
            )


class TestAssignment:
    def test_assignment_notifies_handler_village_head_and_police(
        self, register: Register, village: Unit
    ) -> None:
        lead = register()
        police = Unit.objects.get(name="港西派出所")
        services.assign_lead(
            actor=_user("banshi"), lead=lead, handling_unit=village, police_unit=police
        )
        recipients = set(Notification.objects.values_list("recipient__username", flat=True))
        assert {"minjing", "suozhang", "jiaodaoyuan"} <= recipients
        assert User.objects.get(unit=village).username in recipients

    def test_conflicted_village_cannot_be_the_handler(
        self, register: Register, village: Unit
    ) -> None:
        lead = register(
            subjects=[
                services.SubjectInput(
                    name="村主任甲", role=SubjectRole.VILLAGE_CADRE, village=village
                )
            ]
        )
        with pytest.raises(ServiceError, match="利益冲突"):
            services.assign_lead(actor=_user("banshi"), lead=lead, handling_unit=village)

    def test_other_town_unit_is_refused(self, register: Register) -> None:
        with pytest.raises(ServiceError, match="本镇"):
            services.assign_lead(
                actor=_user("banshi"),
                lead=register(),
                handling_unit=Unit.objects.get(name="荣成市扫黑办"),
            )

    def test_village_head_cannot_assign(self, register: Register, village: Unit) -> None:
        with pytest.raises(ActionNotAllowed):
            services.assign_lead(actor=_user("cun01"), lead=register(), handling_unit=village)


class TestInstructionsAndExtensions:
    def test_instruction_is_answered_by_the_handler(self, register: Register) -> None:
        lead = advance(register(), "assigned")
        instruction = services.give_instruction(
            actor=_user("shuji"), lead=lead, content="请会同派出所一周内查清"
        )
        assert Notification.objects.filter(
            recipient__username="banshi", kind="instruction"
        ).exists()
        services.answer_instruction(
            actor=_user("banshi"), instruction=instruction, answer="已会同派出所走访"
        )
        instruction.refresh_from_db()
        assert instruction.answered_at is not None
        assert Notification.objects.filter(recipient__username="shuji").exists()

    def test_office_staff_cannot_give_instructions(self, register: Register) -> None:
        with pytest.raises(ActionNotAllowed):
            services.give_instruction(actor=_user("banshi"), lead=register(), content="x")

    def test_extension_needs_a_later_date_and_a_leader(self, register: Register) -> None:
        lead = register()
        assert lead.due_on is not None
        with pytest.raises(ActionNotAllowed):
            services.extend_deadline(
                actor=_user("banshi"),
                lead=lead,
                new_due_on=lead.due_on + timedelta(days=5),
                reason="x",
            )
        with pytest.raises(ServiceError, match="晚于"):
            services.extend_deadline(
                actor=_user("shuji"), lead=lead, new_due_on=lead.due_on, reason="x"
            )
        services.extend_deadline(
            actor=_user("shuji"),
            lead=lead,
            new_due_on=lead.due_on + timedelta(days=5),
            reason="需调取银行流水",
        )
        assert lead.extensions.count() == 1


class TestMergeAndLink:
    def test_merge_keeps_both_and_links_them(self, register: Register) -> None:
        first, second = register(), register()
        services.merge_lead(actor=_user("banshi"), lead=second, into=first)
        second.refresh_from_db()
        assert second.status == Status.MERGED
        assert second.merged_into == first
        assert Lead.objects.count() == 2
        assert first.links.filter(other=second).exists()

    def test_cannot_merge_into_itself(self, register: Register) -> None:
        lead = register()
        with pytest.raises(ServiceError):
            services.merge_lead(actor=_user("banshi"), lead=lead, into=lead)


class TestPolice:
    def test_police_feedback_only_from_the_shared_station(self, register: Register) -> None:
        lead = register()
        services.assign_lead(
            actor=_user("banshi"),
            lead=lead,
            handling_unit=lead.unit,
            police_unit=Unit.objects.get(name="港西派出所"),
        )
        services.record_police_feedback(
            actor=_user("minjing"), lead=lead, content="已调取近三年接处警记录，无相关警情"
        )
        assert lead.events.filter(kind=LeadEventKind.POLICE_FEEDBACK).exists()
        with pytest.raises(ActionNotAllowed):
            services.record_police_feedback(actor=_user("cun01"), lead=lead, content="x")

    def test_police_records_investigation_on_a_shared_lead(self, register: Register) -> None:
        lead = register()
        services.assign_lead(
            actor=_user("banshi"),
            lead=lead,
            handling_unit=lead.unit,
            police_unit=Unit.objects.get(name="港西派出所"),
        )
        entry = services.record_investigation(
            actor=_user("minjing"), lead=lead, occurred_on=timezone.localdate(), content="调取监控"
        )
        assert entry.author_unit is not None and entry.author_unit.name == "港西派出所"


def test_subject_rows_are_stored(register: Register) -> None:
    register(subjects=[services.SubjectInput(name="甲"), services.SubjectInput(name="乙")])
    assert Subject.objects.count() == 2


def test_sharing_with_police_shows_in_the_exchange_log_on_both_sides(register: Register) -> None:
    from saohei.leads.queries import exchange_log

    lead = register()
    police = Unit.objects.get(name="港西派出所")
    services.assign_lead(
        actor=_user("banshi"), lead=lead, handling_unit=lead.unit, police_unit=police
    )
    services.record_investigation(
        actor=_user("minjing"), lead=lead, occurred_on=timezone.localdate(), content="调取监控"
    )
    services.record_investigation(
        actor=_user("banshi"), lead=lead, occurred_on=timezone.localdate(), content="走访"
    )
    services.record_police_feedback(actor=_user("minjing"), lead=lead, content="未发现团伙作案迹象")
    kinds = [event.kind for event in exchange_log(lead)]
    assert kinds == ["shared", "investigation", "police_feedback"]
    # Re-assigning to the same station does not share it twice.
    services.assign_lead(
        actor=_user("banshi"), lead=lead, handling_unit=lead.unit, police_unit=police
    )
    assert [event.kind for event in exchange_log(lead)].count("shared") == 1


@pytest.mark.parametrize("username", ["xitong", "anquan", "shenji", "baoguan"])
def test_administrators_and_the_custodian_are_never_handlers(
    register: Register, town: Unit, username: str
) -> None:
    from saohei.leads.forms import AssignForm

    dedicated = User.objects.get(username=username)
    assert dedicated not in AssignForm(town=town).fields["handler"].queryset  # type: ignore[attr-defined]
    lead = register()
    with pytest.raises(ServiceError, match="不参与办案") as error:
        services.assign_lead(
            actor=User.objects.get(username="banshi"),
            lead=lead,
            handling_unit=town,
            handler=dedicated,
        )
    assert error.value.field == "handler"
    lead.refresh_from_db()
    assert lead.handler is None and lead.status == Status.REGISTERED


def test_assign_refuses_a_handler_outside_the_handling_unit(
    register: Register, village: Unit
) -> None:
    lead = register()
    clerk = User.objects.get(username="banshi")

    with pytest.raises(ServiceError) as refused:
        services.assign_lead(actor=clerk, lead=lead, handling_unit=village, handler=clerk)

    assert refused.value.field == "handler"
    assert refused.value.message == OUTSIDE_UNIT
    lead.refresh_from_db()
    assert lead.handler is None and lead.status == Status.REGISTERED
