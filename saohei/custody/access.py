"""Who may use the custody pages, decided here and nowhere else.

- 举报信息保管员 of a town: the town's leads that have a reporter (number, dates, status and
  conclusion only), the audited reveal, 回访, reward proposals and payment records.
- 组长/副组长 of the town: the reward cases, to approve or return them (never an identity).
- Everyone else: 403 for the pages, 404 for ids.
"""

from django.http import Http404

from saohei.common.roles import Role
from saohei.custody.models import RewardCase, RewardCaseQuerySet
from saohei.leads.access import SIGN_OFF_ROLES
from saohei.leads.models import Lead, LeadQuerySet
from saohei.organisations.access import grant_paths, units_within
from saohei.organisations.models import User

CUSTODIAN_ROLES = frozenset({Role.IDENTITY_CUSTODIAN})
REWARD_ROLES = frozenset(CUSTODIAN_ROLES | SIGN_OFF_ROLES)


def reported_leads(user: User) -> LeadQuerySet:
    """Leads with a reporter in the towns the user is the custodian of."""
    paths = grant_paths(user, CUSTODIAN_ROLES) if user.is_authenticated else []
    if not paths:
        return Lead.objects.none()
    return Lead.objects.filter(unit__in=units_within(paths)).exclude(reporter_reference="")


def get_reported_lead_for_custodian(user: User, lead_id: int) -> Lead:
    lead = reported_leads(user).filter(pk=lead_id).select_related("unit").first()
    if lead is None:
        raise Http404("线索不存在或您无权查看")
    return lead


def visible_reward_cases(user: User) -> RewardCaseQuerySet:
    """The custodian's and the leaders' towns' reward cases."""
    paths = grant_paths(user, REWARD_ROLES) if user.is_authenticated else []
    if not paths:
        return RewardCase.objects.none()
    return RewardCase.objects.filter(lead__unit__in=units_within(paths))


def get_reward_case_for_user(user: User, reward_id: int) -> RewardCase:
    reward = (
        visible_reward_cases(user)
        .filter(pk=reward_id)
        .select_related("lead", "lead__unit", "proposed_by", "decided_by")
        .first()
    )
    if reward is None:
        raise Http404("奖励记录不存在或您无权查看")
    return reward
