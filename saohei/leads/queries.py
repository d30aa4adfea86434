"""Reads of leads, always starting from `access.visible_leads`."""

import difflib
from dataclasses import dataclass
from datetime import date, datetime

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from saohei.common.errors import ServiceError
from saohei.common.paging import keyset_page
from saohei.common.pii import blind_index, clean_id_number, clean_mobile
from saohei.common.search import People, SearchFields, apply_search
from saohei.deadlines.queries import amber_threshold as deadline_amber_threshold
from saohei.leads.access import visible_leads
from saohei.leads.models import (
    OPEN_STATUSES,
    Lead,
    LeadQuerySet,
    Source,
    SourceTimeLimit,
    Status,
    Subject,
)
from saohei.organisations.models import Unit, User
from saohei.organisations.queries import OFFICE_ROLES

PAGE_SIZE = 50
COUNT_CAP = 1000


@dataclass(frozen=True)
class LeadFilters:
    status: str = ""
    source: str = ""
    village_id: int | None = None
    without_village: bool = False  # only leads tied to no village
    category_id: int | None = None
    handler_id: int | None = None
    due_state: str = ""  # overdue | soon | ok (open, not yet amber) | none (open, no time limit)
    date_from: date | None = None
    date_to: date | None = None
    text: str = ""


def amber_threshold(today: date | None = None) -> date:
    return deadline_amber_threshold(today or timezone.localdate())


def due_state(lead: Lead, *, today: date, threshold: date) -> str:
    """'' (no deadline or closed), 'ok', 'soon' (amber) or 'overdue' (red)."""
    if lead.status not in OPEN_STATUSES or lead.due_on is None:
        return ""
    if lead.due_on < today:
        return "overdue"
    if lead.due_on <= threshold:
        return "soon"
    return "ok"


def filter_leads(user: User, filters: LeadFilters) -> LeadQuerySet:
    return apply_filters(visible_leads(user), filters)


def apply_filters(leads: LeadQuerySet, filters: LeadFilters) -> LeadQuerySet:
    """The list's filters on leads already scoped by access (the home page counts with these)."""
    if filters.status == "open":
        leads = leads.filter(status__in=OPEN_STATUSES)
    elif filters.status:
        leads = leads.filter(status=filters.status)
    if filters.source:
        leads = leads.filter(source=filters.source)
    if filters.village_id:
        leads = leads.filter(village_id=filters.village_id)
    elif filters.without_village:
        leads = leads.filter(village__isnull=True)
    if filters.category_id:
        leads = leads.filter(target_category_id=filters.category_id)
    if filters.handler_id:
        leads = leads.filter(handler_id=filters.handler_id)
    today = timezone.localdate()
    if filters.due_state == "overdue":
        leads = leads.filter(status__in=OPEN_STATUSES, due_on__lt=today)
    elif filters.due_state == "soon":
        leads = leads.filter(
            status__in=OPEN_STATUSES, due_on__gte=today, due_on__lte=amber_threshold(today)
        )
    elif filters.due_state == "ok":
        leads = leads.filter(status__in=OPEN_STATUSES, due_on__gt=amber_threshold(today))
    elif filters.due_state == "none":
        leads = leads.filter(status__in=OPEN_STATUSES, due_on__isnull=True)
    if filters.date_from:
        leads = leads.filter(received_at__date__gte=filters.date_from)
    if filters.date_to:
        leads = leads.filter(received_at__date__lte=filters.date_to)
    if filters.text:
        leads = search(leads, filters.text)
    return leads


def _summary_or_narrative(word: str) -> Q:
    """Terms of 3+ characters use the trigram index (SQLite FTS5 / PostgreSQL pg_trgm, migration
    0004); shorter ones scan, because a trigram index silently finds nothing for them."""
    if connection.vendor == "sqlite" and len(word) >= 3:
        phrase = '"' + word.replace('"', '""') + '"'
        return Q(
            pk__in=RawSQL(
                "SELECT rowid FROM leads_lead_fts WHERE leads_lead_fts MATCH %s", [phrase]
            )
        )
    return Q(summary__contains=word) | Q(narrative__contains=word)


SEARCH_FIELDS = SearchFields(
    text=("summary", "narrative"),
    codes=("number",),
    people=(People(Subject, "lead_id", ("name", "alias"), sealed=True, codes=("plates__number",)),),
    text_match=_summary_or_narrative,
)


def search(leads: LeadQuerySet, text: str) -> LeadQuerySet:
    """Number, summary, narrative, subjects' names, aliases and plates; a subject's ID number or mobile
    (whole, or its last four) through the blind indexes (`common.search`)."""
    return apply_search(leads, text, SEARCH_FIELDS)


@dataclass(frozen=True)
class LeadPage:
    leads: list[Lead]
    next_cursor: str
    previous_cursor: str
    count_label: str


def page_of_leads(leads: LeadQuerySet, *, after: str = "", before: str = "") -> LeadPage:
    """Keyset paging on (received_at, id): page 10,000 costs what page 1 does."""
    page = keyset_page(
        leads.select_related("village", "handling_unit", "handler", "target_category"),
        field="received_at",
        parse=datetime.fromisoformat,
        after=after,
        before=before,
        size=PAGE_SIZE,
    )
    return LeadPage(
        leads=page.rows,
        next_cursor=page.next_cursor,
        previous_cursor=page.previous_cursor,
        count_label="",
    )


def capped_count(leads: LeadQuerySet) -> str:
    """Never COUNT(*) a large table for a list header: count up to a cap."""
    count = leads.order_by().values("pk")[: COUNT_CAP + 1].count()
    return f"{COUNT_CAP}+" if count > COUNT_CAP else str(count)


def possible_duplicates(lead: Lead, *, viewer: User) -> list[tuple[Lead, str]]:
    """Leads of the same town that share a subject ID/phone, a name in the same village, or a
    nearly identical summary — for the office to link or merge."""
    # Only leads the viewer may open: a duplicate hint must not reveal an official's lead.
    others = visible_leads(viewer).filter(unit=lead.unit).exclude(pk=lead.pk)
    reasons: dict[int, str] = {}
    subjects = list(lead.subjects.all())
    id_indexes = [s.id_number_index for s in subjects if s.id_number_index]
    phone_indexes = [s.phone_index for s in subjects if s.phone_index]
    for other_id in Subject.objects.filter(
        lead__in=others, id_number_index__in=id_indexes
    ).values_list("lead_id", flat=True):
        reasons.setdefault(other_id, "被反映人身份证号相同")
    for other_id in Subject.objects.filter(
        lead__in=others, phone_index__in=phone_indexes
    ).values_list("lead_id", flat=True):
        reasons.setdefault(other_id, "被反映人手机号相同")
    for subject in subjects:
        if subject.village_id:
            same = Subject.objects.filter(
                lead__in=others, name=subject.name, village_id=subject.village_id
            )
            for other_id in same.values_list("lead_id", flat=True):
                reasons.setdefault(other_id, f"同村同名被反映人：{subject.name}")
    recent = others.order_by("-received_at").values_list("pk", "summary")[:1000]
    for other_id, summary in recent:
        matcher = difflib.SequenceMatcher(None, lead.summary, summary)
        if matcher.quick_ratio() >= 0.8 and matcher.ratio() >= 0.8:
            reasons.setdefault(other_id, "简要内容高度相似")
    found = Lead.objects.filter(pk__in=reasons).order_by("-received_at")
    return [(other, reasons[other.pk]) for other in found]


def find_leads_by_identifier(user: User, *, id_number: str = "", phone: str = "") -> LeadQuerySet:
    """Exact match through the blind index; the identifier itself is never stored in clear."""
    condition = Q(pk__in=[])
    try:
        if id_number:
            condition |= Q(
                subjects__id_number_index=blind_index("id_number", clean_id_number(id_number))
            )
        if phone:
            condition |= Q(subjects__phone_index=blind_index("phone", clean_mobile(phone)))
    except ServiceError:
        return Lead.objects.none()
    return visible_leads(user).filter(condition).distinct()


def villages_of(unit: Unit) -> list[Unit]:
    return list(Unit.objects.filter(parent=unit).villages().active().order_by("sort_order", "name"))


def open_instructions_for(user: User) -> list:  # type: ignore[type-arg]
    """批示 awaiting an answer, on either side: given by the user, or on leads they handle."""
    from saohei.leads.models import Instruction

    return list(
        Instruction.objects.filter(answered_at__isnull=True)
        .filter(
            Q(author=user)
            | Q(lead__handler=user)
            | Q(lead__in=visible_leads(user), lead__handler__isnull=True)
        )
        .select_related("lead", "author")
        .order_by("created_at")[:20]
    )


def status_label(value: str) -> str:
    return Status(value).label


@dataclass(frozen=True)
class WorkSummary:
    """What a person should act on, for the home page."""

    my_open: list[tuple[Lead, str]]
    supervised: list[Lead]
    open_count: int
    overdue_count: int


def work_summary(user: User) -> WorkSummary:
    from saohei.leads.access import SIGN_OFF_ROLES

    today = timezone.localdate()
    threshold = amber_threshold(today)
    leads = visible_leads(user).filter(status__in=OPEN_STATUSES)
    if user.has_any_role(OFFICE_ROLES):
        mine = leads.filter(Q(handler=user) | Q(handler__isnull=True, status=Status.REGISTERED))
    else:
        mine = leads
    mine_rows = list(mine.select_related("village").order_by("due_on", "id")[:10])
    supervised = (
        list(leads.filter(escalation_level__gte=2).order_by("due_on")[:10])
        if user.has_any_role(SIGN_OFF_ROLES)
        else []
    )
    return WorkSummary(
        my_open=[(lead, due_state(lead, today=today, threshold=threshold)) for lead in mine_rows],
        supervised=supervised,
        open_count=leads.count(),
        overdue_count=leads.filter(due_on__lt=today).count(),
    )


def exchange_log(lead: Lead) -> list:  # type: ignore[type-arg]
    """情报联动、信息互通: what passed between the office and the 派出所 on this lead."""
    from saohei.leads.models import LeadEvent, LeadEventKind
    from saohei.organisations.models import UnitKind

    return list(
        LeadEvent.objects.filter(lead=lead)
        .filter(
            Q(kind__in=[LeadEventKind.SHARED, LeadEventKind.POLICE_FEEDBACK])
            | Q(kind=LeadEventKind.INVESTIGATION, actor_unit__kind=UnitKind.POLICE_STATION)
        )
        .select_related("actor", "actor_unit")
        .order_by("occurred_at", "id")
    )


DEFAULT_TIME_LIMITS = {
    Source.UPPER_ASSIGNED: 15,
    Source.PLATFORM_12337: 30,
    Source.PUBLIC_REPORT: 30,
    Source.SELF_FOUND: 30,
    Source.CASE_REVIEW: 20,
    Source.TALK: 30,
    Source.TRANSFER: 15,
    Source.ANALYSIS: 30,
}


def time_limit_for(source: str) -> int:
    configured = (
        SourceTimeLimit.objects.filter(source=source).values_list("working_days", flat=True).first()
    )
    return configured if configured is not None else DEFAULT_TIME_LIMITS[Source(source)]
