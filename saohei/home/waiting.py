"""待办: the work waiting for one person, for the top of their home page (decision 0015).

Each kind is one function from the user to its count and its first rows, read through the same
access helpers as its list page, so the 待办 never shows what the user may not open: a lead about
an official only to the leaders, the custodian only vault work. Two queries per kind (a count and
one page of rows), whatever the number of items.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import F, Q, QuerySet
from django.db.models.expressions import OrderBy

from saohei.common.roles import Role
from saohei.custody.access import reported_leads, visible_reward_cases
from saohei.custody.models import RewardStatus
from saohei.leads.access import OFFICE_ROLES, SIGN_OFF_ROLES, visible_leads
from saohei.leads.models import FOLLOW_UP_STATUSES, Instruction, Lead, Status
from saohei.leads.notices import lead_label, lead_url
from saohei.meetings.access import visible_tasks
from saohei.meetings.models import TaskStatus
from saohei.meetings.services import task_label, task_url
from saohei.notifications.wording import excerpt
from saohei.organisations.access import grant_paths, units_within
from saohei.organisations.models import User
from saohei.rectifications.access import visible_items
from saohei.rectifications.models import Status as ItemStatus
from saohei.rectifications.services import item_label, item_url
from saohei.tips.access import visible_tips
from saohei.tips.models import TipStatus

ROWS_PER_KIND = 5


def _due_first(path: str = "due_on") -> OrderBy:
    """The earliest deadline first; items without one after them (on every database)."""
    return F(path).asc(nulls_last=True)


@dataclass(frozen=True)
class WaitingItem:
    title: str
    url: str
    due_on: date | None = None
    since: datetime | None = None


@dataclass
class WaitingKind:
    label: str
    count: int
    items: list[WaitingItem] = field(default_factory=list)
    more_url: str = ""


def _town_ids(user: User, roles: frozenset[Role]) -> list[int]:
    return list(units_within(grant_paths(user, roles)).values_list("pk", flat=True))


def _lead_rows(leads: QuerySet[Lead]) -> QuerySet[Lead]:
    return leads.select_related("village", "handling_unit", "target_category")


def leads_to_sign_off(user: User) -> WaitingKind:
    """审核: 拟办结 waiting for a leader of the town, never one's own proposal."""
    leads = visible_leads(user).filter(
        status=Status.PROPOSED, unit_id__in=_town_ids(user, SIGN_OFF_ROLES)
    )
    leads = leads.exclude(proposed_by=user)
    rows = _lead_rows(leads).order_by(_due_first(), "proposed_at", "id")[:ROWS_PER_KIND]
    return WaitingKind(
        label="待审核办结",
        count=leads.count(),
        items=[
            WaitingItem(lead_label(lead), lead_url(lead), lead.due_on, lead.proposed_at)
            for lead in rows
        ],
        more_url="/leads/?status=proposed",
    )


def instructions_to_answer(user: User) -> WaitingKind:
    """批示 to answer: on leads the user handles, or that the office works without a handler."""
    office_towns = _town_ids(user, OFFICE_ROLES)
    instructions = (
        Instruction.objects.filter(answered_at__isnull=True)
        .filter(
            Q(lead__handler=user) | Q(lead__in=visible_leads(user), lead__unit_id__in=office_towns)
        )
        .exclude(author=user)
    )
    rows = instructions.select_related(
        "author", "lead__village", "lead__handling_unit", "lead__target_category"
    ).order_by(_due_first("lead__due_on"), "created_at", "id")[:ROWS_PER_KIND]
    return WaitingKind(
        label="待落实批示",
        count=instructions.count(),
        items=[
            WaitingItem(
                f"{lead_label(i.lead)} {i.author.real_name}：{excerpt(i.content)}",
                lead_url(i.lead),
                i.lead.due_on,
                i.created_at,
            )
            for i in rows
        ],
    )


def leads_to_triage(user: User) -> WaitingKind:
    """研判: leads registered and not yet 研判分流, for the office of the town."""
    leads = visible_leads(user).filter(
        status=Status.REGISTERED, unit_id__in=_town_ids(user, OFFICE_ROLES)
    )
    rows = _lead_rows(leads).order_by("received_at", "id")[:ROWS_PER_KIND]
    return WaitingKind(
        label="待研判线索",
        count=leads.count(),
        items=[
            WaitingItem(lead_label(lead), lead_url(lead), None, lead.received_at) for lead in rows
        ],
        more_url="/leads/?status=registered",
    )


def leads_to_follow_up(user: User) -> WaitingKind:
    """回访: real-name leads concluded or archived and not yet called back. The custodian's rows
    open the vault page (number only); the office's the lead."""
    waiting = Q(
        is_real_name_report=True, status__in=FOLLOW_UP_STATUSES, followed_up_at__isnull=True
    )
    vault = reported_leads(user).filter(waiting)
    if vault.exists():
        rows = vault.order_by("concluded_at", "id")[:ROWS_PER_KIND]
        return WaitingKind(
            label="待回访",
            count=vault.count(),
            items=[
                WaitingItem(
                    f"线索 {lead.number}", f"/vault/leads/{lead.pk}/", None, lead.concluded_at
                )
                for lead in rows
            ],
            more_url="/vault/?awaiting=1",
        )
    leads = visible_leads(user).filter(waiting, unit_id__in=_town_ids(user, OFFICE_ROLES))
    rows = _lead_rows(leads).order_by("concluded_at", "id")[:ROWS_PER_KIND]
    return WaitingKind(
        label="待回访",
        count=leads.count(),
        items=[
            WaitingItem(lead_label(lead), lead_url(lead), None, lead.concluded_at) for lead in rows
        ],
    )


def items_to_verify(user: User) -> WaitingKind:
    """销号: requests the office verifies, never the requester's own or their village's."""
    village_ids = _town_ids(user, frozenset({Role.VILLAGE_HEAD}))
    items = (
        visible_items(user)
        .filter(status=ItemStatus.REQUESTED, unit_id__in=_town_ids(user, OFFICE_ROLES))
        .exclude(responsible_person=user)
        .exclude(village_id__in=village_ids)
    )
    rows = items.select_related("village", "responsible_unit").order_by(
        "due_on", "requested_at", "id"
    )[:ROWS_PER_KIND]
    return WaitingKind(
        label="待审核销号",
        count=items.count(),
        items=[
            WaitingItem(item_label(item), item_url(item), item.due_on, item.requested_at)
            for item in rows
        ],
        more_url="/rectifications/?status=requested",
    )


def my_rectification_items(user: User) -> WaitingKind:
    """整改: open items the user is responsible for."""
    items = visible_items(user).filter(status=ItemStatus.OPEN, responsible_person=user)
    rows = items.select_related("village", "responsible_unit").order_by("due_on", "id")[
        :ROWS_PER_KIND
    ]
    return WaitingKind(
        label="待整改事项",
        count=items.count(),
        items=[WaitingItem(item_label(item), item_url(item), item.due_on) for item in rows],
    )


def my_tasks(user: User) -> WaitingKind:
    """任务: open meeting tasks assigned to the user."""
    tasks = visible_tasks(user).filter(status=TaskStatus.OPEN, assignee=user)
    rows = tasks.select_related("decision__meeting").order_by("due_on", "id")[:ROWS_PER_KIND]
    return WaitingKind(
        label="待办任务",
        count=tasks.count(),
        items=[WaitingItem(task_label(task), task_url(task), task.due_on) for task in rows],
    )


def tips_to_accept(user: User) -> WaitingKind:
    """受理: pending tips; the clerks take the ordinary ones, the leaders those about officials."""
    staff_towns = _town_ids(user, frozenset({Role.OFFICE_STAFF}))
    leader_towns = _town_ids(user, SIGN_OFF_ROLES)
    tips = (
        visible_tips(user)
        .filter(status=TipStatus.PENDING)
        .filter(
            Q(unit_id__in=staff_towns, concerns_officials=False)
            | Q(unit_id__in=leader_towns, concerns_officials=True)
        )
    )
    rows = tips.select_related("village").order_by("submitted_at", "id")[:ROWS_PER_KIND]
    return WaitingKind(
        label="待受理举报",
        count=tips.count(),
        items=[
            WaitingItem(
                f"{tip}（{tip.village.name}）" if tip.village else str(tip),
                f"/tips/{tip.pk}/",
                None,
                tip.submitted_at,
            )
            for tip in rows
        ],
        more_url="/tips/",
    )


def rewards_to_approve(user: User) -> WaitingKind:
    """举报奖励: proposals a leader of the town approves, never their own."""
    rewards = (
        visible_reward_cases(user)
        .filter(status=RewardStatus.PROPOSED, lead__unit_id__in=_town_ids(user, SIGN_OFF_ROLES))
        .exclude(proposed_by=user)
    )
    rows = rewards.select_related("lead").order_by("proposed_at", "id")[:ROWS_PER_KIND]
    return WaitingKind(
        label="待审批举报奖励",
        count=rewards.count(),
        items=[
            WaitingItem(f"线索 {reward.lead.number}", "/vault/rewards/", None, reward.proposed_at)
            for reward in rows
        ],
        more_url="/vault/rewards/",
    )


KINDS: list[Callable[[User], WaitingKind]] = [
    leads_to_sign_off,
    instructions_to_answer,
    items_to_verify,
    rewards_to_approve,
    tips_to_accept,
    leads_to_triage,
    my_tasks,
    my_rectification_items,
    leads_to_follow_up,
]


def waiting_for(user: User) -> list[WaitingKind]:
    """The kinds with something waiting, each with its count and its most pressing rows first
    (the earliest deadline; without one, the longest waiting)."""
    if not user.is_authenticated:
        return []
    return [kind for kind in (build(user) for build in KINDS) if kind.count]
