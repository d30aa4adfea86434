"""举报奖励 and 回访 through the custodian: the rules, the audit, and what handlers never see."""

import importlib
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import lxml.html
import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from saohei.audit.models import AuditAction, AuditEvent
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.custody import services
from saohei.custody.models import PaymentMethod, RewardCase, RewardStatus
from saohei.custody.tests.conftest import IDENTITY_VARIANTS, NAME, PHONE, PLANTED, conclude, user
from saohei.leads import services as lead_services
from saohei.leads.models import Conclusion, FollowUp, Lead, Satisfaction
from saohei.notifications.models import Notification
from saohei.organisations.models import Unit

pytestmark = pytest.mark.django_db
ClientAs = Callable[[str], Client]
REASON = "举报内容经查属实，已立案侦查"


def _propose(lead: Lead, amount: str = "5000", *, actor: str = "baoguan") -> RewardCase:
    return services.propose_reward(
        actor=user(actor), lead=lead, is_eligible=True, reason=REASON, amount=Decimal(amount)
    )


def _post_proposal(client: Client, lead: Lead, amount: str) -> Any:
    return client.post(
        f"/vault/leads/{lead.pk}/reward/", {"is_eligible": "on", "reason": REASON, "amount": amount}
    )


def _pay(reward: RewardCase) -> RewardCase:
    return services.record_reward_payment(
        actor=user("baoguan"),
        reward=reward,
        paid_on=timezone.localdate(),
        method=PaymentMethod.CASH,
        reference="QS-2",
    )


class TestRewardRules:
    def test_custodian_proposes_leader_approves_custodian_pays(self, concluded_lead: Lead) -> None:
        reward = _propose(concluded_lead)
        assert reward.status == RewardStatus.PROPOSED
        leaders = Notification.objects.filter(title__contains=concluded_lead.number)
        assert {n.recipient.username for n in leaders} >= {"shuji", "zhenzhang", "fushuji"}

        services.decide_reward(actor=user("shuji"), reward=reward, approve=True)
        services.record_reward_payment(
            actor=user("baoguan"),
            reward=reward,
            paid_on=timezone.localdate(),
            method=PaymentMethod.BANK_TRANSFER,
            reference="ZZ20260001",
        )

        reward.refresh_from_db()
        assert reward.status == RewardStatus.PAID
        assert reward.decided_by == user("shuji")
        actions = list(
            AuditEvent.objects.filter(action__startswith="reward_")
            .order_by("sequence")
            .values_list("action", flat=True)
        )
        assert actions == [
            AuditAction.REWARD_PROPOSED,
            AuditAction.REWARD_APPROVED,
            AuditAction.REWARD_PAID,
        ]
        for event in AuditEvent.objects.filter(action__startswith="reward_"):
            for planted in PLANTED:
                assert planted not in str(event.details)

    @pytest.mark.parametrize("amount", ["0", "20000.01", "-1"])
    def test_eligible_amount_must_be_positive_and_within_the_cap(
        self, concluded_lead: Lead, amount: str
    ) -> None:
        with pytest.raises(ServiceError, match="奖励金额"):
            _propose(concluded_lead, amount)
        assert not RewardCase.objects.exists()
        assert not AuditEvent.objects.filter(action=AuditAction.REWARD_PROPOSED).exists()

    def test_the_cap_is_configurable(self, concluded_lead: Lead, settings: object) -> None:
        settings.SAOHEI_REWARD_CAP = 50000  # type: ignore[attr-defined]
        assert _propose(concluded_lead, "30000").amount == Decimal("30000")

    def test_ineligible_means_zero(self, concluded_lead: Lead) -> None:
        with pytest.raises(ServiceError, match="金额应为0"):
            services.propose_reward(
                actor=user("baoguan"),
                lead=concluded_lead,
                is_eligible=False,
                reason="举报内容经查不实",
                amount=Decimal("100"),
            )
        reward = services.propose_reward(
            actor=user("baoguan"),
            lead=concluded_lead,
            is_eligible=False,
            reason="举报内容经查不实",
            amount=Decimal("0"),
        )
        services.decide_reward(actor=user("shuji"), reward=reward, approve=True)
        with pytest.raises(ServiceError, match="已批准且金额大于0"):
            services.record_reward_payment(
                actor=user("baoguan"),
                reward=reward,
                paid_on=timezone.localdate(),
                method=PaymentMethod.CASH,
                reference="QS-1",
            )

    def test_only_after_conclusion_and_only_for_real_name_reports(
        self, real_name_lead: Lead, register: Callable[..., Lead]
    ) -> None:
        with pytest.raises(ServiceError, match="办结后"):
            _propose(real_name_lead)
        anonymous = conclude(register(reporter=lead_services.ReporterInput()))
        with pytest.raises(ServiceError, match="匿名"):
            _propose(anonymous)
        assert not RewardCase.objects.exists()

    def test_only_the_custodian_proposes_and_pays(self, concluded_lead: Lead) -> None:
        for username in ("banshi", "shuji", "cun02"):
            with pytest.raises(ActionNotAllowed):
                _propose(concluded_lead, actor=username)
        reward = _propose(concluded_lead)
        services.decide_reward(actor=user("fushuji"), reward=reward, approve=True)
        with pytest.raises(ActionNotAllowed):
            services.record_reward_payment(
                actor=user("banshi"),
                reward=reward,
                paid_on=timezone.localdate(),
                method=PaymentMethod.CASH,
                reference="QS-1",
            )
        assert RewardCase.objects.get().status == RewardStatus.APPROVED

    def test_only_a_leader_decides_and_a_return_needs_a_reason(self, concluded_lead: Lead) -> None:
        reward = _propose(concluded_lead)
        for username in ("banshi", "baoguan", "minjing"):
            with pytest.raises(ActionNotAllowed):
                services.decide_reward(actor=user(username), reward=reward, approve=True)
        with pytest.raises(ServiceError, match="理由"):
            services.decide_reward(actor=user("shuji"), reward=reward, approve=False)
        services.decide_reward(actor=user("shuji"), reward=reward, approve=False, note="金额偏高")
        assert reward.status == RewardStatus.RETURNED
        # A returned proposal is revised and goes back to the leaders.
        revised = _propose(concluded_lead, "3000")
        assert revised.pk == reward.pk
        assert revised.status == RewardStatus.PROPOSED
        assert revised.decided_by is None

    def test_one_reward_per_matter_for_its_first_real_name_reporter(
        self, register: Callable[..., Lead], reporter: lead_services.ReporterInput
    ) -> None:
        earlier = register(
            reporter=reporter, received_at=timezone.now() - timedelta(days=2), summary="码头强收费"
        )
        later = register(
            reporter=lead_services.ReporterInput(name="第二举报人", phone="13800001111"),
            summary="码头强行收取停靠费",
        )
        # The later report was kept as the matter; the earlier one merged into it.
        lead_services.merge_lead(actor=user("banshi"), lead=earlier, into=later)
        conclude(later)
        earlier.refresh_from_db()
        with pytest.raises(ServiceError, match="首个实名举报人"):
            _propose(later)
        _propose(earlier)
        with pytest.raises(ServiceError, match="已有举报奖励"):
            _propose(later)

    def test_payment_reference_may_not_carry_the_identity(self, concluded_lead: Lead) -> None:
        reward = _propose(concluded_lead)
        services.decide_reward(actor=user("shuji"), reward=reward, approve=True)
        with pytest.raises(ServiceError, match="身份信息"):
            services.record_reward_payment(
                actor=user("baoguan"),
                reward=reward,
                paid_on=timezone.localdate(),
                method=PaymentMethod.BANK_TRANSFER,
                reference=f"转{NAME}",
            )
        assert not AuditEvent.objects.filter(action=AuditAction.REWARD_PAID).exists()


class TestRewardPages:
    def test_refused_payment_keeps_what_was_typed_in_its_row(
        self, client_as: ClientAs, concluded_lead: Lead
    ) -> None:
        custodian = client_as("baoguan")
        custodian.post(
            f"/vault/leads/{concluded_lead.pk}/reward/",
            {"is_eligible": "on", "reason": REASON, "amount": "8000"},
        )
        reward = RewardCase.objects.get()
        client_as("shuji").post(f"/vault/rewards/{reward.pk}/decide/", {"decision": "approve"})
        response = custodian.post(
            f"/vault/rewards/{reward.pk}/payment/",
            {"paid_on": "not-a-date", "method": PaymentMethod.CASH, "reference": "ZZ-778"},
        )
        assert response.status_code == 400
        page = lxml.html.fromstring(response.content.decode())
        assert page.get_element_by_id(f"id_pay{reward.pk}_reference").get("value") == "ZZ-778"
        paid_on = page.get_element_by_id(f"id_pay{reward.pk}_paid_on")
        assert paid_on.get("aria-invalid") == "true"
        assert page.get_element_by_id(paid_on.get("aria-describedby")).text_content().strip()
        reward.refresh_from_db()
        assert reward.status == RewardStatus.APPROVED

    def test_leader_approves_on_the_page_and_never_sees_the_identity(
        self, client_as: ClientAs, concluded_lead: Lead
    ) -> None:
        custodian = client_as("baoguan")
        response = custodian.post(
            f"/vault/leads/{concluded_lead.pk}/reward/",
            {"is_eligible": "on", "reason": REASON, "amount": "8000"},
        )
        assert response.status_code == 302
        leader = client_as("shuji")
        page = leader.get("/vault/rewards/").content.decode()
        assert concluded_lead.number in page
        assert "8000" in page
        for planted in PLANTED:
            assert planted not in page
        reward = RewardCase.objects.get()
        leader.post(f"/vault/rewards/{reward.pk}/decide/", {"decision": "approve", "note": ""})
        reward.refresh_from_db()
        assert reward.status == RewardStatus.APPROVED
        custodian.post(
            f"/vault/rewards/{reward.pk}/payment/",
            {
                "paid_on": timezone.localdate().isoformat(),
                "method": PaymentMethod.BANK_TRANSFER,
                "reference": "ZZ-778",
            },
        )
        reward.refresh_from_db()
        assert reward.status == RewardStatus.PAID

    def test_invalid_proposal_rerenders_with_the_error(
        self, client_as: ClientAs, concluded_lead: Lead
    ) -> None:
        response = _post_proposal(client_as("baoguan"), concluded_lead, "99999")
        assert response.status_code == 400
        assert "奖励金额" in response.content.decode()
        assert not RewardCase.objects.exists()

    def test_list_pages_take_the_same_queries_for_one_row_or_many(
        self,
        client_as: ClientAs,
        register: Callable[..., Lead],
        reporter: lead_services.ReporterInput,
    ) -> None:
        def add_reward() -> None:
            lead = conclude(register(reporter=reporter))
            services.decide_reward(actor=user("shuji"), reward=_propose(lead), approve=True)

        add_reward()
        clients = {name: client_as(name) for name in ("baoguan", "fushuji")}
        tables = {
            "/vault/": 'data-testid="reported-leads"',
            "/vault/rewards/": 'data-testid="reward-table"',
        }
        counts = {}
        for path, name in (
            ("/vault/", "baoguan"),
            ("/vault/rewards/", "baoguan"),
            ("/vault/rewards/", "fushuji"),
        ):
            with CaptureQueriesContext(connection) as one:
                response = clients[name].get(path)
            assert response.status_code == 200 and tables[path] in response.content.decode()
            counts[(path, name)] = len(one)
        add_reward()
        add_reward()
        for (path, name), expected in counts.items():
            with CaptureQueriesContext(connection) as many:
                response = clients[name].get(path)
            assert response.status_code == 200 and tables[path] in response.content.decode()
            assert "暂无举报奖励记录" not in response.content.decode()
            assert len(many) == expected, (path, name)

    @pytest.mark.parametrize("username", ["banshi", "minjing", "cun02", "shiban", "xitong"])
    def test_other_roles_cannot_open_the_rewards(self, client_as: ClientAs, username: str) -> None:
        assert client_as(username).get("/vault/rewards/").status_code == 403


class TestFollowUpThroughTheCustodian:
    def test_custodian_records_the_follow_up_and_handlers_see_only_method_and_satisfaction(
        self, client_as: ClientAs, concluded_lead: Lead
    ) -> None:
        response = client_as("baoguan").post(
            f"/vault/leads/{concluded_lead.pk}/follow-up/",
            {
                "contacted_on": timezone.localdate().isoformat(),
                "method": "电话",
                "satisfaction": Satisfaction.SATISFIED,
            },
        )
        assert response.status_code == 302
        follow_up = FollowUp.objects.get()
        assert follow_up.author == user("baoguan")
        assert AuditEvent.objects.filter(
            action=AuditAction.LEAD_FOLLOWED_UP, actor=user("baoguan")
        ).exists()
        page = client_as("banshi").get(f"/leads/{concluded_lead.pk}/").content.decode()
        assert "回访（电话）：满意" in page
        # The office can now archive the real-name lead.
        concluded_lead.refresh_from_db()
        lead_services.archive_lead(actor=user("banshi"), lead=concluded_lead)

    def test_free_text_method_is_not_accepted_on_the_custody_page(
        self, client_as: ClientAs, concluded_lead: Lead
    ) -> None:
        response = client_as("baoguan").post(
            f"/vault/leads/{concluded_lead.pk}/follow-up/",
            {
                "contacted_on": timezone.localdate().isoformat(),
                "method": f"电话{PHONE}",
                "satisfaction": Satisfaction.SATISFIED,
            },
        )
        assert response.status_code == 400
        assert not FollowUp.objects.exists()

    def test_record_follow_up_admits_the_custodian_of_the_town_only(
        self, concluded_lead: Lead, town: Unit
    ) -> None:
        for username in ("cun02", "minjing", "shiban", "xitong"):
            with pytest.raises(ActionNotAllowed):
                lead_services.record_follow_up(
                    actor=user(username),
                    lead=concluded_lead,
                    data=lead_services.FollowUpInput(
                        contacted_on=timezone.localdate(),
                        method="电话",
                        satisfaction=Satisfaction.SATISFIED,
                    ),
                )
        assert not FollowUp.objects.exists()
        assert not AuditEvent.objects.filter(action=AuditAction.LEAD_FOLLOWED_UP).exists()
        lead_services.record_follow_up(
            actor=user("baoguan"),
            lead=concluded_lead,
            data=lead_services.FollowUpInput(
                contacted_on=timezone.localdate(),
                method="电话",
                satisfaction=Satisfaction.MOSTLY,
            ),
        )
        assert FollowUp.objects.get().satisfaction == Satisfaction.MOSTLY


def _reopen(lead: Lead) -> None:
    lead.refresh_from_db()
    lead_services.reopen_lead(actor=user("shuji"), lead=lead, reason="出现新的情况，重新核查")


def _conclude_again(lead: Lead, conclusion: str) -> None:
    lead_services.propose_conclusion(
        actor=user("banshi"), lead=lead, conclusion=conclusion, basis="重新核查后的结论依据"
    )
    lead_services.sign_off(actor=user("fushuji"), lead=lead, approve=True)


class TestRewardsOnlyForSubstantiatedLeads:
    @pytest.mark.parametrize(
        "conclusion",
        [
            Conclusion.EXCLUDED,
            Conclusion.UNFOUNDED,
            Conclusion.TO_OTHER_DEPARTMENT,
            Conclusion.UNVERIFIABLE,
        ],
    )
    def test_a_lead_not_substantiated_gets_no_reward(
        self, real_name_lead: Lead, conclusion: str
    ) -> None:
        lead = conclude(real_name_lead, conclusion)
        with pytest.raises(ServiceError, match="查实或部分查实"):
            _propose(lead, "2000")
        assert not RewardCase.objects.exists()
        assert not AuditEvent.objects.filter(action=AuditAction.REWARD_PROPOSED).exists()

    @pytest.mark.parametrize(
        "conclusion",
        [Conclusion.CONFIRMED_FILED, Conclusion.CONFIRMED_PUNISHED, Conclusion.PARTLY_CONFIRMED],
    )
    def test_a_substantiated_lead_may_have_a_reward(
        self, real_name_lead: Lead, conclusion: str
    ) -> None:
        assert _propose(conclude(real_name_lead, conclusion)).status == RewardStatus.PROPOSED

    def test_the_page_refuses_and_hides_the_form_on_an_excluded_lead(
        self, client_as: ClientAs, real_name_lead: Lead
    ) -> None:
        lead = conclude(real_name_lead, Conclusion.EXCLUDED)
        client = client_as("baoguan")
        page = client.get(f"/vault/leads/{lead.pk}/").content.decode()
        assert 'data-testid="reward-form"' not in page
        assert "查实或部分查实" in page

        response = _post_proposal(client, lead, "2000")

        assert response.status_code == 400
        assert "查实或部分查实" in response.content.decode()
        assert not RewardCase.objects.exists()

    def test_a_lead_reopened_and_excluded_after_the_proposal_cannot_be_approved(
        self, client_as: ClientAs, concluded_lead: Lead
    ) -> None:
        reward = _propose(concluded_lead)
        _reopen(concluded_lead)
        _conclude_again(concluded_lead, Conclusion.EXCLUDED)
        page = client_as("shuji").get("/vault/rewards/").content.decode()
        assert '<option value="approve">' not in page
        assert "查实或部分查实" in page

        with pytest.raises(ServiceError, match="查实或部分查实"):
            services.decide_reward(actor=user("shuji"), reward=reward, approve=True)
        response = client_as("shuji").post(
            f"/vault/rewards/{reward.pk}/decide/", {"decision": "approve"}, follow=True
        )

        assert "查实或部分查实" in response.content.decode()
        reward.refresh_from_db()
        assert reward.status == RewardStatus.PROPOSED
        assert not AuditEvent.objects.filter(action=AuditAction.REWARD_APPROVED).exists()
        # Returning it stays possible, so the proposal does not hang in the queue.
        services.decide_reward(actor=user("shuji"), reward=reward, approve=False, note="已改为查否")

    def test_a_lead_reopened_after_approval_cannot_be_paid(
        self, client_as: ClientAs, concluded_lead: Lead
    ) -> None:
        reward = _propose(concluded_lead)
        services.decide_reward(actor=user("shuji"), reward=reward, approve=True)
        _reopen(concluded_lead)
        page = client_as("baoguan").get("/vault/rewards/").content.decode()
        assert 'data-testid="payment-form"' not in page

        with pytest.raises(ServiceError, match="重新打开"):
            _pay(reward)
        _conclude_again(concluded_lead, Conclusion.UNFOUNDED)
        with pytest.raises(ServiceError, match="查实或部分查实"):
            _pay(reward)
        reward.refresh_from_db()
        assert reward.status == RewardStatus.APPROVED
        assert not AuditEvent.objects.filter(action=AuditAction.REWARD_PAID).exists()

    def test_a_merged_lead_follows_the_conclusion_of_its_matter(
        self, register: Callable[..., Lead], reporter: lead_services.ReporterInput
    ) -> None:
        earlier = register(
            reporter=reporter, received_at=timezone.now() - timedelta(days=2), summary="码头强收费"
        )
        later = register(summary="码头强行收取停靠费")
        lead_services.merge_lead(actor=user("banshi"), lead=earlier, into=later)
        conclude(later, Conclusion.EXCLUDED)
        earlier.refresh_from_db()
        with pytest.raises(ServiceError, match="查实或部分查实"):
            _propose(earlier)


@pytest.mark.parametrize("reason", IDENTITY_VARIANTS.values(), ids=IDENTITY_VARIANTS.keys())
def test_a_reward_reason_carrying_the_identity_in_any_form_is_refused(
    concluded_lead: Lead, reason: str
) -> None:
    with pytest.raises(ServiceError, match="不得包含举报人的身份信息"):
        services.propose_reward(
            actor=user("baoguan"),
            lead=concluded_lead,
            is_eligible=True,
            reason=f"举报属实。{reason}",
            amount=Decimal("2000"),
        )
    assert not RewardCase.objects.exists()


def _follow_up(lead: Lead, actor: str, *, method: str = "电话", notes: str = "") -> None:
    lead_services.record_follow_up(
        actor=user(actor),
        lead=lead,
        data=lead_services.FollowUpInput(
            contacted_on=timezone.localdate(),
            method=method,
            satisfaction=Satisfaction.SATISFIED,
            notes=notes,
        ),
    )


FOLLOW_UP_VARIANTS = {
    key: IDENTITY_VARIANTS[key]
    for key in (
        "hyphenated phone",
        "full-width phone",
        "seventeen of the eighteen ID digits",
        "address without the town",
        "three characters of the name",
    )
}


@pytest.mark.parametrize("notes", FOLLOW_UP_VARIANTS.values(), ids=FOLLOW_UP_VARIANTS.keys())
def test_the_custodians_follow_up_notes_may_not_carry_the_identity(
    concluded_lead: Lead, notes: str
) -> None:
    for method, text in (("电话", notes), (notes, "举报人表示满意")):
        with pytest.raises(ServiceError, match="不得包含举报人的身份信息"):
            _follow_up(concluded_lead, "baoguan", method=method, notes=text)
    assert not FollowUp.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.LEAD_FOLLOWED_UP).exists()


def test_an_office_members_follow_up_notes_are_not_an_oracle_for_the_identity(
    concluded_lead: Lead,
) -> None:
    # The office cannot see the vault: refusing its guess would tell it the guess was right.
    _follow_up(concluded_lead, "banshi", notes=f"是不是{NAME}？")
    assert FollowUp.objects.count() == 1


def test_reward_texts_written_before_the_new_check_are_withheld_when_they_carry_the_identity(
    concluded_lead: Lead,
    register: Callable[..., Lead],
    reporter: lead_services.ReporterInput,
) -> None:
    migration = importlib.import_module(
        "saohei.custody.migrations.0002_withhold_identity_in_reward_texts"
    )
    leaky = _propose(concluded_lead)
    # Texts the weaker check let through: a hyphenated phone, a full-width one.
    RewardCase.objects.filter(pk=leaky.pk).update(
        eligibility_reason="举报属实，电话139-1234-0000", payment_reference="１３９１２３４００００"
    )
    clean = _propose(conclude(register(reporter=reporter)))

    migration.withhold_identity_in_reward_texts(django_apps, None)

    leaky.refresh_from_db()
    clean.refresh_from_db()
    assert leaky.eligibility_reason == migration.WITHHELD
    assert leaky.payment_reference == migration.WITHHELD
    assert clean.eligibility_reason == REASON
