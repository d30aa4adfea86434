"""Reads for the custody pages, always starting from `access` (the custodian's towns)."""

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import Q

from saohei.common.paging import KeysetPage, keyset_page
from saohei.custody.access import reported_leads, visible_reward_cases
from saohei.custody.models import DEFAULT_REWARD_CAP, RewardCase, RewardStatus
from saohei.leads.models import FOLLOW_UP_STATUSES, Lead
from saohei.organisations.models import User

PAGE_SIZE = 50


def list_reported_leads(
    user: User,
    *,
    number: str = "",
    awaiting_follow_up: bool = False,
    after: str = "",
    before: str = "",
) -> KeysetPage[Lead]:
    """The custodian's leads with a reporter: number, dates, status only (no content)."""
    leads = reported_leads(user).only(
        "pk",
        "number",
        "received_at",
        "status",
        "conclusion",
        "is_real_name_report",
        "followed_up_at",
    )
    if number.strip():
        leads = leads.filter(number__contains=number.strip().upper())
    if awaiting_follow_up:
        leads = leads.filter(
            is_real_name_report=True,
            status__in=FOLLOW_UP_STATUSES,
            followed_up_at__isnull=True,
        )
    return keyset_page(
        leads,
        field="received_at",
        parse=datetime.fromisoformat,
        after=after,
        before=before,
        size=PAGE_SIZE,
    )


def list_reward_cases(user: User) -> list[RewardCase]:
    """Awaiting approval first, then the newest."""
    rewards = visible_reward_cases(user).select_related(
        "lead", "lead__unit", "lead__merged_into", "proposed_by", "decided_by"
    )
    pending = Q(status=RewardStatus.PROPOSED)
    return list(rewards.filter(pending)) + list(rewards.exclude(pending)[:200])


def reward_cap() -> Decimal:
    return Decimal(str(getattr(settings, "SAOHEI_REWARD_CAP", DEFAULT_REWARD_CAP)))
