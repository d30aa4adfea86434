"""待办: the work waiting for one person, for the top of their home page (decision 0015).

Each kind is one function from the user to its count and its first rows, read through the same
access helpers as its list page, so the 待办 never shows what the user may not open: a lead about
an official only to the leaders, the custodian only vault work. Two queries per kind (a count and
one page of rows), whatever the number of items.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Any, TypeVar

from django.db.models import Count, F, Model, Q, QuerySet, Window
from django.db.models.expressions import OrderBy
from django.urls import reverse
from django.utils import timezone

from saohei.common.roles import Role
from saohei.custody.access import CUSTODIAN_ROLES, reported_leads, visible_reward_cases
from saohei.custody.models import RewardStatus
from saohei.leads.access import SIGN_OFF_ROLES, visible_leads
from saohei.leads.models import (
    FOLLOW_UP_STATUSES,
    Instruction,
    Lead,
    LeadEventKind,
    LeadQuerySet,
    Status,
)
from saohei.leads.notices import lead_label, lead_url
from saohei.meetings.access import visible_tasks
from saohei.meetings.models import TaskStatus
from saohei.meetings.services import task_label, task_url
from saohei.notifications.wording import excerpt
from saohei.organisations.access import units_within
from saohei.organisations.models import UnitQuerySet, User
from saohei.organisations.queries import OFFICE_ROLES
from saohei.rectifications.access import visible_items
from saohei.rectifications.models import Status as ItemStatus
from saohei.rectifications.services import item_label, item_url
from saohei.tips.access import visible_tips
from saohei.tips.models import TipStatus
from saohei.village_reports import access as village_report_access
from saohei.village_reports import queries as village_report_queries

ROWS_PER_KIND = 5
ModelT = TypeVar("ModelT", bound=Model)


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


class Viewer:
    """The user, with the reads every kind shares computed once."""

    def __init__(self, user: User) -> None:
        self.user = user

    @cached_property
    def leads(self) -> LeadQuerySet:
        return visible_leads(self.user)

    @cached_property
    def grants(self) -> list[tuple[str, str]]:
        """(role, unit path) of every grant, read once for all the kinds."""
        return list(self.user.role_grants.values_list("role", "unit__path"))

    def paths(self, roles: frozenset[Role]) -> list[str]:
        return [path for role, path in self.grants if role in roles]

    def holds(self, roles: frozenset[Role]) -> bool:
        return bool(self.paths(roles))

    def units(self, roles: frozenset[Role]) -> UnitQuerySet:
        """A subquery, not a list: no query of its own."""
        return units_within(self.paths(roles))


def _first_rows(queryset: QuerySet[ModelT], *ordering: Any) -> tuple[int, list[ModelT]]:
    """The first rows and the total in one query: the count is a window over the same rows."""
    rows = list(
        queryset.annotate(waiting_total=Window(Count("pk"))).order_by(*ordering)[:ROWS_PER_KIND]
    )
    return (rows[0].waiting_total if rows else 0), rows  # type: ignore[attr-defined]


def _lead_rows(leads: QuerySet[Lead]) -> QuerySet[Lead]:
    return leads.select_related("village", "handling_unit", "target_category")


def leads_to_sign_off(viewer: Viewer) -> WaitingKind:
    """审核: 拟办结 waiting for a leader of the town, never one's own proposal."""
    if not viewer.holds(SIGN_OFF_ROLES):
        return WaitingKind("待审核办结", 0)
    leads = viewer.leads.filter(status=Status.PROPOSED, unit__in=viewer.units(SIGN_OFF_ROLES))
    count, rows = _first_rows(
        _lead_rows(leads.exclude(proposed_by=viewer.user)), _due_first(), "proposed_at", "id"
    )
    items = [WaitingItem(lead_label(x), lead_url(x), x.due_on, x.proposed_at) for x in rows]
    return WaitingKind("待审核办结", count, items, reverse("leads:list") + "?status=proposed")


def instructions_to_answer(viewer: Viewer) -> WaitingKind:
    """批示 to answer: on leads the user handles, or that the office works without a handler."""
    on_my_leads = Q(lead__handler=viewer.user)
    if viewer.holds(OFFICE_ROLES):
        on_my_leads |= Q(lead__in=viewer.leads, lead__unit__in=viewer.units(OFFICE_ROLES))
    instructions = (
        Instruction.objects.filter(answered_at__isnull=True)
        .filter(on_my_leads)
        .exclude(author=viewer.user)
        .select_related("author", "lead__village", "lead__handling_unit", "lead__target_category")
    )
    count, rows = _first_rows(instructions, _due_first("lead__due_on"), "created_at", "id")
    items = [
        WaitingItem(
            f"{lead_label(i.lead)} {i.author.real_name}：{excerpt(i.content)}",
            lead_url(i.lead),
            i.lead.due_on,
            i.created_at,
        )
        for i in rows
    ]
    return WaitingKind("待落实批示", count, items)


def leads_to_triage(viewer: Viewer) -> WaitingKind:
    """研判: leads registered and not yet 研判分流, for the office of the town."""
    if not viewer.holds(OFFICE_ROLES):
        return WaitingKind("待研判线索", 0)
    leads = viewer.leads.filter(status=Status.REGISTERED, unit__in=viewer.units(OFFICE_ROLES))
    count, rows = _first_rows(_lead_rows(leads), "received_at", "id")
    items = [WaitingItem(lead_label(x), lead_url(x), None, x.received_at) for x in rows]
    return WaitingKind("待研判线索", count, items, reverse("leads:list") + "?status=registered")


def leads_to_assist(viewer: Viewer) -> WaitingKind:
    """协查: open leads shared with the officer's station that the station has not answered yet —
    neither a 核查 entry nor a 派出所反馈 from it (either is what the office waits for)."""
    police = frozenset({Role.POLICE_OFFICER})
    if not viewer.holds(police):
        return WaitingKind("待协查线索", 0)
    stations = viewer.units(police)
    leads = viewer.leads.filter(
        police_unit__in=stations, status__in=(Status.ASSIGNED, Status.INVESTIGATING)
    ).exclude(
        Q(investigation_entries__author_unit__in=stations)
        | Q(events__kind=LeadEventKind.POLICE_FEEDBACK, events__actor_unit__in=stations)
    )
    count, rows = _first_rows(_lead_rows(leads), _due_first(), "assigned_at", "id")
    items = [WaitingItem(lead_label(x), lead_url(x), x.due_on, x.assigned_at) for x in rows]
    return WaitingKind("待协查线索", count, items)


FOLLOW_UP_WAITING = Q(
    is_real_name_report=True, status__in=FOLLOW_UP_STATUSES, followed_up_at__isnull=True
)


def leads_to_follow_up(viewer: Viewer) -> WaitingKind:
    """回访 for the office: real-name leads concluded or archived and not yet called back."""
    if not viewer.holds(OFFICE_ROLES):
        return WaitingKind("待回访", 0)
    leads = viewer.leads.filter(FOLLOW_UP_WAITING, unit__in=viewer.units(OFFICE_ROLES))
    count, rows = _first_rows(_lead_rows(leads), "concluded_at", "id")
    items = [WaitingItem(lead_label(x), lead_url(x), None, x.concluded_at) for x in rows]
    return WaitingKind("待回访", count, items)


def vault_follow_ups(viewer: Viewer) -> WaitingKind:
    """回访 for the custodian: the vault page of each lead, by number only (no content)."""
    if not viewer.holds(CUSTODIAN_ROLES):
        return WaitingKind("待回访（保管员）", 0)
    leads = (
        reported_leads(viewer.user).filter(FOLLOW_UP_WAITING).only("pk", "number", "concluded_at")
    )
    count, rows = _first_rows(leads, "concluded_at", "id")
    items = [
        WaitingItem(f"线索 {x.number}", reverse("vault:lead", args=[x.pk]), None, x.concluded_at)
        for x in rows
    ]
    return WaitingKind("待回访（保管员）", count, items, reverse("vault:index") + "?awaiting=1")


def items_to_verify(viewer: Viewer) -> WaitingKind:
    """销号: requests the office verifies, never the requester's own or their village's."""
    if not viewer.holds(OFFICE_ROLES):
        return WaitingKind("待审核销号", 0)
    items = (
        visible_items(viewer.user)
        .filter(status=ItemStatus.REQUESTED, unit__in=viewer.units(OFFICE_ROLES))
        .exclude(responsible_person=viewer.user)
        .exclude(village__in=viewer.units(frozenset({Role.VILLAGE_HEAD})))
        .select_related("village", "responsible_unit")
    )
    count, rows = _first_rows(items, _due_first(), "requested_at", "id")
    entries = [WaitingItem(item_label(x), item_url(x), x.due_on, x.requested_at) for x in rows]
    return WaitingKind(
        "待审核销号", count, entries, reverse("rectifications:list") + "?status=requested"
    )


def my_rectification_items(viewer: Viewer) -> WaitingKind:
    """整改: open items the user is responsible for."""
    items = (
        visible_items(viewer.user)
        .filter(status=ItemStatus.OPEN, responsible_person=viewer.user)
        .select_related("village", "responsible_unit")
    )
    count, rows = _first_rows(items, _due_first(), "id")
    entries = [WaitingItem(item_label(x), item_url(x), x.due_on) for x in rows]
    return WaitingKind("待整改事项", count, entries)


def my_tasks(viewer: Viewer) -> WaitingKind:
    """任务: open meeting tasks assigned to the user."""
    tasks = (
        visible_tasks(viewer.user)
        .filter(status=TaskStatus.OPEN, assignee=viewer.user)
        .select_related("decision")
    )
    count, rows = _first_rows(tasks, "due_on", "id")
    items = [WaitingItem(task_label(x), task_url(x), x.due_on) for x in rows]
    return WaitingKind("待办任务", count, items)


def tips_to_accept(viewer: Viewer) -> WaitingKind:
    """受理: pending tips; the clerks take the ordinary ones, the leaders those about officials."""
    if not viewer.holds(OFFICE_ROLES):
        return WaitingKind("待受理举报", 0)
    tips = (
        visible_tips(viewer.user)
        .filter(status=TipStatus.PENDING)
        .filter(
            Q(unit__in=viewer.units(frozenset({Role.OFFICE_STAFF})), concerns_officials=False)
            | Q(unit__in=viewer.units(SIGN_OFF_ROLES), concerns_officials=True)
        )
        .select_related("village")
    )
    count, rows = _first_rows(tips, "submitted_at", "id")
    items = [
        WaitingItem(
            f"{x}（{x.village.name}）" if x.village else str(x),
            reverse("tips:detail", args=[x.pk]),
            None,
            x.submitted_at,
        )
        for x in rows
    ]
    return WaitingKind("待受理举报", count, items, reverse("tips:queue"))


def rewards_to_approve(viewer: Viewer) -> WaitingKind:
    """举报奖励: proposals a leader of the town approves, never their own."""
    if not viewer.holds(SIGN_OFF_ROLES):
        return WaitingKind("待审批举报奖励", 0)
    rewards = (
        visible_reward_cases(viewer.user)
        .filter(status=RewardStatus.PROPOSED, lead__unit__in=viewer.units(SIGN_OFF_ROLES))
        .exclude(proposed_by=viewer.user)
        .select_related("lead")
    )
    count, rows = _first_rows(rewards, "proposed_at", "id")
    items = [
        WaitingItem(f"线索 {x.lead.number}", reverse("vault:rewards"), None, x.proposed_at)
        for x in rows
    ]
    return WaitingKind("待审批举报奖励", count, items, reverse("vault:rewards"))


def village_reports_due(viewer: Viewer) -> WaitingKind:
    """村月报: a village head's village with no report for the month it is reporting now."""
    if not viewer.holds(frozenset({Role.VILLAGE_HEAD})):
        return WaitingKind("待报村月报", 0)
    today = timezone.localdate()
    items = []
    for village in village_report_access.headed_villages(viewer.user):
        assert village.parent is not None
        due_day = village_report_queries.due_day_of(village.parent)
        month = village_report_queries.month_in_progress(today, due_day=due_day)
        if village_report_queries.list_village_reports(village=village, months=[month]):
            continue
        url = reverse("village_reports:submit", kwargs={"village_id": village.pk})
        items.append(
            WaitingItem(
                f"{village.name}{month:%Y年%m月}村月报",
                f"{url}?month={month:%Y-%m}",
                village_report_queries.due_on(month, due_day=due_day),
            )
        )
    return WaitingKind("待报村月报", len(items), items, reverse("village_reports:index"))


KINDS: list[Callable[[Viewer], WaitingKind]] = [
    leads_to_sign_off,
    instructions_to_answer,
    items_to_verify,
    rewards_to_approve,
    tips_to_accept,
    leads_to_triage,
    leads_to_assist,
    my_tasks,
    village_reports_due,
    my_rectification_items,
    leads_to_follow_up,
    vault_follow_ups,
]


def waiting_for(user: User) -> list[WaitingKind]:
    """The kinds with something waiting, each with its count and its most pressing rows first
    (the earliest deadline; without one, the longest waiting)."""
    if not user.is_authenticated:
        return []
    viewer = Viewer(user)
    return [kind for kind in (build(viewer) for build in KINDS) if kind.count]
