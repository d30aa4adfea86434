"""/vault/: the 举报信息保管员's pages, and the leaders' approval of rewards.

Identity appears on one response only: the reveal, answered to a POST with a stated reason,
marked no-store, and audited by the service.
"""

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from saohei.common.access import role_required
from saohei.common.errors import ServiceError
from saohei.common.forms import StyledForm
from saohei.common.http import client_ip
from saohei.common.validation import safe_text
from saohei.common.views import place_bound_form, submit_action_form
from saohei.custody import access, queries, services
from saohei.custody.forms import (
    FollowUpForm,
    PaymentForm,
    RevealForm,
    RewardDecisionForm,
    RewardProposalForm,
)
from saohei.custody.models import RewardCase, RewardStatus
from saohei.leads import access as lead_access
from saohei.leads import services as lead_services
from saohei.leads.models import Lead
from saohei.organisations.http import AuthenticatedHttpRequest
from saohei.organisations.models import User

CUSTODIAN = tuple(access.CUSTODIAN_ROLES)
REWARD_ROLES = tuple(access.REWARD_ROLES)


@role_required(*CUSTODIAN)
def index_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    number = safe_text(request.GET.get("q"), limit=32)
    awaiting = request.GET.get("awaiting") == "1"
    page = queries.list_reported_leads(
        request.user,
        number=number,
        awaiting_follow_up=awaiting,
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
    )
    filters = {key: value for key, value in (("q", number), ("awaiting", "1" * awaiting)) if value}
    return render(
        request,
        "custody/index.html",
        {"page": page, "number": number, "awaiting": awaiting, "base_query": urlencode(filters)},
    )


def _render_lead(
    request: HttpRequest,
    lead: Lead,
    *,
    reveal_form: RevealForm | None = None,
    follow_up_form: FollowUpForm | None = None,
    reward_form: RewardProposalForm | None = None,
    status: int = 200,
) -> HttpResponse:
    reward = RewardCase.objects.filter(lead=lead).select_related("decided_by").first()
    if reward_form is None and reward is not None:
        reward_form = RewardProposalForm(
            initial={
                "is_eligible": reward.is_eligible,
                "reason": reward.eligibility_reason,
                "amount": reward.amount,
            }
        )
    reward_refusal = services.reward_refusal(lead) if lead.is_real_name_report else ""
    context: dict[str, Any] = {
        "lead": lead,
        "reward": reward,
        "follow_ups": lead.follow_ups.order_by("contacted_on", "id"),
        "can_follow_up": lead.accepts_follow_up,
        "reward_refusal": reward_refusal,
        "can_propose_reward": lead.is_real_name_report
        and not reward_refusal
        and (reward is None or reward.status in (RewardStatus.PROPOSED, RewardStatus.RETURNED)),
        "reveal_form": reveal_form or RevealForm(),
        "follow_up_form": follow_up_form
        or FollowUpForm(initial={"contacted_on": timezone.localdate()}),
        "reward_form": reward_form or RewardProposalForm(),
        "reward_cap": queries.reward_cap(),
    }
    return render(request, "custody/lead.html", context, status=status)


@role_required(*CUSTODIAN)
def lead_view(request: AuthenticatedHttpRequest, lead_id: int) -> HttpResponse:
    return _render_lead(request, access.get_reported_lead_for_custodian(request.user, lead_id))


@never_cache
@require_POST
@role_required(*CUSTODIAN)
def reveal_view(request: AuthenticatedHttpRequest, lead_id: int) -> HttpResponse:
    user = request.user
    lead = access.get_reported_lead_for_custodian(user, lead_id)
    form = RevealForm(request.POST)
    if form.is_valid():
        try:
            identity = services.reveal_reporter_identity(
                actor=user,
                lead=lead,
                category=form.cleaned_data["category"],
                note=form.cleaned_data["note"],
                ip_address=client_ip(request),
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            return render(request, "custody/reveal.html", {"lead": lead, "identity": identity})
    return _render_lead(request, lead, reveal_form=form, status=400)


@require_POST
@role_required(*CUSTODIAN)
def follow_up_view(request: AuthenticatedHttpRequest, lead_id: int) -> HttpResponse:
    user = request.user
    lead = access.get_reported_lead_for_custodian(user, lead_id)
    form = FollowUpForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            lead_services.record_follow_up(
                actor=user,
                lead=lead,
                data=lead_services.FollowUpInput(
                    contacted_on=data["contacted_on"],
                    method=data["method"],
                    satisfaction=data["satisfaction"],
                ),
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, "已记录回访。")
            return redirect("vault:lead", lead_id=lead.pk)
    return _render_lead(request, lead, follow_up_form=form, status=400)


@require_POST
@role_required(*CUSTODIAN)
def reward_view(request: AuthenticatedHttpRequest, lead_id: int) -> HttpResponse:
    user = request.user
    lead = access.get_reported_lead_for_custodian(user, lead_id)
    form = RewardProposalForm(request.POST)
    if form.is_valid():
        try:
            services.propose_reward(
                actor=user,
                lead=lead,
                is_eligible=form.cleaned_data["is_eligible"],
                reason=form.cleaned_data["reason"],
                amount=form.cleaned_data["amount"],
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, "已提交举报奖励意见，等待领导审批。")
            return redirect("vault:lead", lead_id=lead.pk)
    return _render_lead(request, lead, reward_form=form, status=400)


@role_required(*REWARD_ROLES)
def reward_list_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _rewards_page(request, request.user)


def _rewards_page(
    request: HttpRequest,
    user: User,
    *,
    refused: tuple[int, str, StyledForm] | None = None,
) -> HttpResponse:
    """The reward cases with their forms; `refused` is (reward id, "decision_form" or
    "payment_form", form) for a refused submit, shown in its row as typed with its errors."""
    rewards = queries.list_reward_cases(user)
    openable = set(
        lead_access.visible_leads(user)
        .filter(pk__in=[reward.lead_id for reward in rewards])
        .values_list("pk", flat=True)
    )
    rows: list[dict[str, Any]] = []
    for reward in rewards:
        refusal = (
            services.reward_refusal(reward.lead)
            if reward.status in (RewardStatus.PROPOSED, RewardStatus.APPROVED)
            else ""
        )
        rows.append(
            {
                "reward": reward,
                "refusal": refusal,
                "can_decide": reward.status == RewardStatus.PROPOSED
                and lead_access.can_sign_off(user, reward.lead),
                # The leader may still return it; approval and payment wait for 查实.
                "can_approve": not refusal,
                "can_pay": reward.is_payable
                and not refusal
                and lead_access.is_identity_custodian(user, reward.lead.unit),
                "can_open_lead": reward.lead_id in openable,
                "decision_form": RewardDecisionForm(auto_id=f"id_decide{reward.pk}_%s"),
                "payment_form": PaymentForm(
                    auto_id=f"id_pay{reward.pk}_%s", initial={"paid_on": timezone.localdate()}
                ),
            }
        )
    if refused is not None:
        reward_id, slot, form = refused
        row = next((row for row in rows if row["reward"].pk == reward_id), {})
        place_bound_form(request, row, (slot, form))
    return render(
        request,
        "custody/rewards.html",
        {"rows": rows, "is_custodian": user.has_any_role(access.CUSTODIAN_ROLES)},
    )


@require_POST
@role_required(*REWARD_ROLES)
def decide_view(request: AuthenticatedHttpRequest, reward_id: int) -> HttpResponse:
    user = request.user
    reward = access.get_reward_case_for_user(user, reward_id)

    def perform(data: dict[str, Any]) -> HttpResponse:
        approve = data["decision"] == "approve"
        services.decide_reward(actor=user, reward=reward, approve=approve, note=data["note"])
        messages.success(request, "已批准。" if approve else "已退回。")
        return redirect("vault:rewards")

    return submit_action_form(
        request,
        RewardDecisionForm(request.POST, auto_id=f"id_decide{reward.pk}_%s"),
        perform=perform,
        render_page=lambda form: _rewards_page(
            request, user, refused=(reward.pk, "decision_form", form)
        ),
    )


@require_POST
@role_required(*CUSTODIAN)
def payment_view(request: AuthenticatedHttpRequest, reward_id: int) -> HttpResponse:
    user = request.user
    reward = access.get_reward_case_for_user(user, reward_id)

    def perform(data: dict[str, Any]) -> HttpResponse:
        services.record_reward_payment(
            actor=user,
            reward=reward,
            paid_on=data["paid_on"],
            method=data["method"],
            reference=data["reference"],
        )
        messages.success(request, "已登记发放。")
        return redirect("vault:rewards")

    return submit_action_form(
        request,
        PaymentForm(request.POST, auto_id=f"id_pay{reward.pk}_%s"),
        perform=perform,
        render_page=lambda form: _rewards_page(
            request, user, refused=(reward.pk, "payment_form", form)
        ),
    )
