"""No double transitions (decision 0044): a transition re-reads the lead under a lock and is
refused when the status moved on since the lead was loaded; it writes only its own fields."""

from collections.abc import Callable

import pytest
from django.urls import reverse

from saohei.audit.models import AuditAction, AuditEvent
from saohei.common.errors import ServiceError
from saohei.leads import services
from saohei.leads.models import Lead, LeadEventKind, Status
from saohei.leads.tests.conftest import advance
from saohei.organisations.models import Unit, User
from saohei.testing.races import race

MOVED_ON = "该线索已被他人处理，请刷新后重试"


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _events(lead: Lead, *actions: AuditAction) -> int:
    return AuditEvent.objects.filter(
        target_type="leads.lead", target_id=str(lead.pk), action__in=actions
    ).count()


def _stale(lead: Lead) -> Lead:
    return Lead.objects.get(pk=lead.pk)


@pytest.mark.django_db(transaction=True)
def test_two_leaders_signing_off_one_lead_at_once_sign_it_once(register: Callable[..., Lead]):
    lead = advance(register(), "proposed")
    first, second = _stale(lead), _stale(lead)

    outcomes = race(
        lambda: services.sign_off(actor=_user("shuji"), lead=first, approve=True),
        lambda: services.sign_off(actor=_user("zhenzhang"), lead=second, approve=True),
    )

    refusals = [outcome for outcome in outcomes if isinstance(outcome, ServiceError)]
    assert len(refusals) == 1 and refusals[0].message == MOVED_ON
    assert _events(lead, AuditAction.LEAD_SIGNED_OFF) == 1
    assert lead.events.filter(kind=LeadEventKind.SIGNED_OFF).count() == 1
    assert _stale(lead).status == Status.CONCLUDED


@pytest.mark.django_db(transaction=True)
def test_one_leader_approving_while_another_returns_only_one_counts(
    register: Callable[..., Lead],
):
    lead = advance(register(), "proposed")
    approving, returning = _stale(lead), _stale(lead)

    outcomes = race(
        lambda: services.sign_off(actor=_user("shuji"), lead=approving, approve=True),
        lambda: services.sign_off(
            actor=_user("zhenzhang"), lead=returning, approve=False, note="证据不足，补充走访"
        ),
    )

    refusals = [outcome for outcome in outcomes if isinstance(outcome, ServiceError)]
    assert len(refusals) == 1 and refusals[0].message == MOVED_ON
    assert _events(lead, AuditAction.LEAD_SIGNED_OFF, AuditAction.LEAD_RETURNED) == 1
    approved = not isinstance(outcomes[0], ServiceError)
    assert _stale(lead).status == (Status.CONCLUDED if approved else Status.INVESTIGATING)


@pytest.mark.django_db
class TestStaleTransitionsAreRefused:
    """Load, let a competitor act, then run the stale one: refused, nothing written."""

    def test_sign_off_after_a_return(self, register: Callable[..., Lead]):
        lead = advance(register(), "proposed")
        stale = _stale(lead)
        services.sign_off(actor=_user("zhenzhang"), lead=lead, approve=False, note="补充走访记录")

        with pytest.raises(ServiceError, match=MOVED_ON):
            services.sign_off(actor=_user("shuji"), lead=stale, approve=True)
        assert _events(lead, AuditAction.LEAD_SIGNED_OFF) == 0
        assert _stale(lead).status == Status.INVESTIGATING

    def test_triage_after_another_triage(self, register: Callable[..., Lead]):
        lead = register()
        stale = _stale(lead)
        services.triage_lead(actor=_user("banshi"), lead=lead, opinion="交村核查")

        with pytest.raises(ServiceError, match=MOVED_ON):
            services.triage_lead(actor=_user("banshi"), lead=stale, opinion="会同派出所")
        assert _stale(lead).triage_opinion == "交村核查"
        assert _events(lead, AuditAction.LEAD_TRIAGED) == 1

    def test_assign_after_another_assignment(self, register: Callable[..., Lead], town: Unit):
        lead = register()
        stale = _stale(lead)
        services.assign_lead(
            actor=_user("banshi"), lead=lead, handling_unit=town, handler=_user("banshi")
        )

        with pytest.raises(ServiceError, match=MOVED_ON):
            services.assign_lead(actor=_user("banshi"), lead=stale, handling_unit=town)
        assert _stale(lead).handler == _user("banshi")
        assert _events(lead, AuditAction.LEAD_ASSIGNED) == 1

    def test_proposal_after_another_proposal(self, register: Callable[..., Lead]):
        lead = advance(register(), "investigating")
        stale = _stale(lead)
        services.propose_conclusion(
            actor=_user("banshi"), lead=lead, conclusion="excluded", basis="经走访核实排除涉黑涉恶"
        )

        with pytest.raises(ServiceError, match=MOVED_ON):
            services.propose_conclusion(
                actor=_user("banshi"),
                lead=stale,
                conclusion="not_substantiated",
                basis="经走访核实反映问题不属实",
            )
        assert _stale(lead).conclusion == "excluded"
        assert _events(lead, AuditAction.LEAD_PROPOSED) == 1

    def test_archive_after_a_reopening(self, register: Callable[..., Lead]):
        lead = advance(register(source="self_found"), "concluded")
        stale = _stale(lead)
        services.reopen_lead(actor=_user("shuji"), lead=lead, reason="发现新的事实证据")

        with pytest.raises(ServiceError, match=MOVED_ON):
            services.archive_lead(actor=_user("banshi"), lead=stale)
        assert _events(lead, AuditAction.LEAD_ARCHIVED) == 0
        assert _stale(lead).status == Status.INVESTIGATING

    def test_reopen_after_another_reopening(self, register: Callable[..., Lead]):
        lead = advance(register(), "concluded")
        stale = _stale(lead)
        services.reopen_lead(actor=_user("shuji"), lead=lead, reason="发现新的事实证据")

        with pytest.raises(ServiceError, match=MOVED_ON):
            services.reopen_lead(actor=_user("zhenzhang"), lead=stale, reason="群众再次反映")
        assert _events(lead, AuditAction.LEAD_REOPENED) == 1

    def test_merge_after_a_sign_off(self, register: Callable[..., Lead]):
        lead, into = advance(register(), "proposed"), register()
        stale = _stale(lead)
        services.sign_off(actor=_user("shuji"), lead=lead, approve=True)

        with pytest.raises(ServiceError, match=MOVED_ON):
            services.merge_lead(actor=_user("banshi"), lead=stale, into=into)
        assert _stale(lead).status == Status.CONCLUDED
        assert _events(lead, AuditAction.LEAD_MERGED) == 0

    def test_a_transition_keeps_a_field_another_service_changed_meanwhile(
        self, register: Callable[..., Lead]
    ):
        lead = advance(register(), "proposed")
        stale = _stale(lead)
        # An unrelated change (a 批示 answered, a deadline extended) does not move the status.
        Lead.objects.filter(pk=lead.pk).update(triage_opinion="组长：抓紧办理")

        services.sign_off(actor=_user("shuji"), lead=stale, approve=True)

        assert _stale(lead).triage_opinion == "组长：抓紧办理"

    def test_answering_a_instruction_already_answered(self, register: Callable[..., Lead]):
        lead = advance(register(), "assigned")
        instruction = services.give_instruction(
            actor=_user("shuji"), lead=lead, content="请抓紧核查"
        )
        stale = type(instruction).objects.get(pk=instruction.pk)
        services.answer_instruction(actor=_user("banshi"), instruction=instruction, answer="已走访")

        with pytest.raises(ServiceError, match="该批示已被他人处理"):
            services.answer_instruction(actor=_user("banshi"), instruction=stale, answer="另一回复")
        assert type(instruction).objects.get(pk=instruction.pk).answer == "已走访"


def _facts(lead: Lead, **changes: object) -> services.FactsInput:
    values: dict[str, object] = {
        "summary": lead.summary,
        "narrative": lead.narrative,
        "village": lead.village,
        "place": lead.place,
        "target_category": lead.target_category,
    }
    values.update(changes)
    return services.FactsInput(**values)  # type: ignore[arg-type]


@pytest.mark.django_db
class TestCorrectingTheRegisteredFacts:
    def test_the_office_corrects_them_with_before_and_after_in_history_and_log(
        self, register: Callable[..., Lead]
    ):
        lead = register()

        services.correct_facts(
            actor=_user("banshi"), lead=lead, data=_facts(lead, place="东岛村码头"), version=1
        )

        saved = _stale(lead)
        assert (saved.place, saved.version) == ("东岛村码头", 2)
        event = AuditEvent.objects.get(action=AuditAction.LEAD_CORRECTED)
        assert event.details["changes"] == {"place": {"before": "（空）", "after": "东岛村码头"}}
        assert lead.events.get(kind=LeadEventKind.CORRECTED).note == "地点：（空） → 东岛村码头"

    def test_a_correction_on_a_stale_version_is_refused_and_the_first_kept(
        self, register: Callable[..., Lead]
    ):
        lead = register()
        stale = _stale(lead)
        services.correct_facts(
            actor=_user("banshi"), lead=lead, data=_facts(lead, place="东岛村码头"), version=1
        )
        # A transition meanwhile does not count as a correction, and is kept.
        services.triage_lead(actor=_user("banshi"), lead=lead, opinion="交村核查")

        with pytest.raises(ServiceError, match="该线索在您打开之后已被"):
            services.correct_facts(
                actor=_user("shuji"),
                lead=stale,
                data=_facts(stale, summary="有人在码头强收停靠费并殴打渔民"),
                version=stale.version,
            )

        saved = _stale(lead)
        assert (saved.place, saved.summary) == ("东岛村码头", lead.summary)
        assert saved.status == Status.TRIAGED
        assert AuditEvent.objects.filter(action=AuditAction.LEAD_CORRECTED).count() == 1

    def test_a_concluded_lead_is_not_corrected(self, register: Callable[..., Lead]):
        lead = advance(register(), "concluded")
        with pytest.raises(ServiceError, match="不能更正登记信息"):
            services.correct_facts(actor=_user("banshi"), lead=lead, data=_facts(lead, place="x"))

    def test_the_page_answers_a_stale_post_with_the_message(
        self, register: Callable[..., Lead], client_as
    ):
        lead = register()
        url = reverse("leads:correct", args=[lead.pk])
        assert 'name="version" value="1"' in client_as("banshi").get(url).content.decode()
        data = {"summary": lead.summary, "narrative": "", "place": "码头", "version": 1}

        assert client_as("banshi").post(url, data).status_code == 302
        refused = client_as("shuji").post(url, {**data, "place": "渔港"})

        assert refused.status_code == 400
        assert "该线索在您打开之后已被" in refused.content.decode()
        assert _stale(lead).place == "码头"

    def test_a_stale_correction_shows_what_changed_and_keeps_what_was_typed(
        self, register: Callable[..., Lead], client_as
    ):
        lead = register()
        url = reverse("leads:correct", args=[lead.pk])
        long_story = "渔民反映" + "码头收费情况" * 30
        saved_first = {"summary": lead.summary, "narrative": long_story, "place": "码头"}
        assert client_as("banshi").post(url, {**saved_first, "version": 1}).status_code == 302

        typed = {"summary": "有人在码头强收停靠费并殴打渔民", "narrative": "", "place": "码头"}
        refused = client_as("shuji").post(url, {**typed, "version": 1})

        assert refused.status_code == 400
        rows = [
            (row.label, row.saved, row.submitted) for row in refused.context["form"].stale_changes
        ]
        # The place both saved is not listed; a long text is cut, with its length.
        assert rows == [
            ("简要内容", lead.summary, "有人在码头强收停靠费并殴打渔民"),
            ("详细情况", f"{long_story[:80]}…（共{len(long_story)}字）", "（空）"),
        ]
        page = refused.content.decode()
        assert 'data-testid="stale-changes"' in page and "他人已保存的内容（第2版）" in page
        assert "有人在码头强收停靠费并殴打渔民</textarea>" in page
        assert 'name="version" value="2"' in page
        # Saving again, with both in view, is a deliberate choice and goes through.
        assert client_as("shuji").post(url, {**typed, "version": 2}).status_code == 302
        assert _stale(lead).summary == "有人在码头强收停靠费并殴打渔民"
