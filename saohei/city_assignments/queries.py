"""Reads of the city's assignments: each town's progress, overdue, and its latest 反馈."""

from dataclasses import dataclass
from datetime import date, datetime

from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from saohei.city_assignments.access import may_read_assignment, readable_lead_ids
from saohei.city_assignments.models import (
    AssignedTown,
    CityAssignment,
    ListStatus,
    Progress,
    Verdict,
)
from saohei.common.paging import KeysetPage, keyset_page
from saohei.leads.models import Feedback
from saohei.organisations.models import Unit, User

# Assignments a page of the list shows, and towns a page of one assignment's progress shows.
PAGE_SIZE = 50
TOWNS_PER_PAGE = 20
# The list's header counts up to here, never the city's whole history.
COUNT_CAP = 1000

# Shown instead of content a viewer may not read (a lead about an official).
WITHHELD = "涉及公职人员，内容仅限有权查看该线索的人员"


@dataclass
class TownProgress:
    """One town's row as the city reads it; content fields are empty when withheld."""

    row: AssignedTown
    progress: Progress
    is_overdue: bool
    readable: bool
    feedback: Feedback | None

    @property
    def may_be_judged(self) -> bool:
        return self.readable and self.progress == Progress.SUBMITTED


def progress_of(row: AssignedTown, latest: Feedback | None) -> Progress:
    """Read off the lead: a return clears its 反馈上级 time, a new 反馈 sets it again."""
    lead = row.lead
    if lead.fed_back_at is None or latest is None:
        return Progress.RETURNED if row.verdict == Verdict.RETURNED else Progress.WAITING
    if row.judged_feedback_id == latest.pk and row.verdict == Verdict.ACCEPTED:
        return Progress.ACCEPTED
    return Progress.SUBMITTED


def _is_overdue(progress: Progress, due_on: date | None, today: date) -> bool:
    """Owed and late: the 反馈 is neither waiting for the city nor accepted by the deadline."""
    owed = progress in (Progress.WAITING, Progress.RETURNED)
    return owed and due_on is not None and due_on < today


def _rows(assignments: list[CityAssignment], row_ids: list[int] | None) -> QuerySet[AssignedTown]:
    latest = Feedback.objects.filter(lead=OuterRef("lead_id")).order_by("-created_at", "-id")
    rows = AssignedTown.objects.filter(assignment__in=assignments)
    if row_ids is not None:
        rows = rows.filter(pk__in=row_ids)
    return rows.select_related("town", "lead", "reviewed_by").annotate(
        latest_feedback_id=Subquery(latest.values("pk")[:1])
    )


def town_progress(
    user: User, assignments: list[CityAssignment], *, row_ids: list[int] | None = None
) -> dict[int, list[TownProgress]]:
    """Per assignment id, its towns in order (only `row_ids` when given: a page of them), with
    what this user may read of each."""
    rows = list(_rows(assignments, row_ids))
    feedback_ids = [row.latest_feedback_id for row in rows if row.latest_feedback_id]  # type: ignore[attr-defined]
    feedbacks = {
        feedback.pk: feedback
        for feedback in Feedback.objects.filter(pk__in=feedback_ids).select_related("author")
    }
    readable = readable_lead_ids(user, [row.lead_id for row in rows])
    today = timezone.localdate()
    result: dict[int, list[TownProgress]] = {assignment.pk: [] for assignment in assignments}
    for row in rows:
        latest = feedbacks.get(row.latest_feedback_id)  # type: ignore[attr-defined]
        progress = progress_of(row, latest)
        result[row.assignment_id].append(
            TownProgress(
                row=row,
                progress=progress,
                is_overdue=_is_overdue(progress, row.lead.due_on, today),
                readable=row.lead_id in readable,
                feedback=latest if row.lead_id in readable else None,
            )
        )
    return result


@dataclass
class AssignmentSummary:
    assignment: CityAssignment
    readable: bool
    towns: list[TownProgress]

    def count(self, progress: str) -> int:
        return sum(1 for town in self.towns if town.progress == progress)

    @property
    def submitted(self) -> int:
        return self.count(Progress.SUBMITTED)

    @property
    def accepted(self) -> int:
        return self.count(Progress.ACCEPTED)

    @property
    def returned(self) -> int:
        return self.count(Progress.RETURNED)

    @property
    def overdue(self) -> int:
        return sum(1 for town in self.towns if town.is_overdue)


def list_assignments(user: User, assignments: QuerySet[CityAssignment]) -> list[AssignmentSummary]:
    """The city's list: each assignment with its towns' progress, in one handful of queries."""
    chosen = list(
        assignments.select_related("city", "created_by").prefetch_related(
            Prefetch("towns", queryset=AssignedTown.objects.only("id", "assignment_id", "lead_id"))
        )
    )
    progress = town_progress(user, chosen)
    readable = readable_lead_ids(
        user, [row.lead_id for assignment in chosen for row in assignment.towns.all()]
    )
    return [
        AssignmentSummary(
            assignment=assignment,
            readable=_readable(user, assignment, readable),
            towns=progress[assignment.pk],
        )
        for assignment in chosen
    ]


def _readable(user: User, assignment: CityAssignment, readable: set[int]) -> bool:
    if not assignment.involves_official or assignment.created_by_id == user.pk:
        return True
    lead_ids = {row.lead_id for row in assignment.towns.all()}
    return bool(lead_ids) and lead_ids <= readable


def summarise(user: User, assignment: CityAssignment) -> AssignmentSummary:
    return AssignmentSummary(
        assignment=assignment,
        readable=may_read_assignment(user, assignment),
        towns=town_progress(user, [assignment])[assignment.pk],
    )


# Paging and filters (0062 addendum). Progress is still read off the lead: the same rule as
# `progress_of`, written once more as SQL so that a filter and a page are the database's work.


def with_progress(rows: QuerySet[AssignedTown]) -> QuerySet[AssignedTown]:
    """`rows` annotated with `progress_code` (a `Progress` value) as `progress_of` reads it."""
    latest = Feedback.objects.filter(lead=OuterRef("lead_id")).order_by("-created_at", "-id")
    return rows.annotate(latest_feedback_id=Subquery(latest.values("pk")[:1])).annotate(
        progress_code=Case(
            When(
                Q(lead__fed_back_at__isnull=True) | Q(latest_feedback_id__isnull=True),
                then=Case(
                    When(verdict=Verdict.RETURNED, then=Value(Progress.RETURNED.value)),
                    default=Value(Progress.WAITING.value),
                ),
            ),
            When(
                verdict=Verdict.ACCEPTED,
                judged_feedback_id=F("latest_feedback_id"),
                then=Value(Progress.ACCEPTED.value),
            ),
            default=Value(Progress.SUBMITTED.value),
            output_field=CharField(),
        )
    )


def _rows_in(rows: QuerySet[AssignedTown], status: str, today: date) -> QuerySet[AssignedTown]:
    """Town rows in a clerk's status: 进行中 not yet accepted, 已逾期 owed past the deadline
    (`_is_overdue`), 待审核反馈 submitted, 已办结 accepted."""
    # Q, not keywords: the annotation is unknown to the type checker's model of the fields.
    if status == ListStatus.OPEN:
        return rows.exclude(Q(progress_code=Progress.ACCEPTED))
    if status == ListStatus.OVERDUE:
        return rows.filter(
            Q(progress_code__in=[Progress.WAITING, Progress.RETURNED], lead__due_on__lt=today)
        )
    if status == ListStatus.SUBMITTED:
        return rows.filter(Q(progress_code=Progress.SUBMITTED))
    if status == ListStatus.DONE:
        return rows.filter(Q(progress_code=Progress.ACCEPTED))
    return rows


def filter_assignments(
    assignments: QuerySet[CityAssignment], *, status: str = "", town: Unit | None = None
) -> QuerySet[CityAssignment]:
    """Assignments with a town (the chosen one, else any) in `status`; 已办结: every town (or
    the chosen one) accepted. Each test is an EXISTS on the assignment's own towns."""
    rows = with_progress(AssignedTown.objects.filter(assignment=OuterRef("pk")))
    if town is not None:
        rows = rows.filter(town=town)
        assignments = assignments.filter(Exists(rows))
    if not status:
        return assignments
    today = timezone.localdate()
    if status == ListStatus.DONE:
        return assignments.filter(Exists(rows), ~Exists(_rows_in(rows, ListStatus.OPEN, today)))
    return assignments.filter(Exists(_rows_in(rows, status, today)))


def page_of_assignments(
    assignments: QuerySet[CityAssignment], *, after: str = "", before: str = ""
) -> KeysetPage[CityAssignment]:
    """Keyset paging on (assigned_at, id), newest first: a page costs its size, not the city's
    history (index `city_assignment_keyset`)."""
    return keyset_page(
        assignments,
        field="assigned_at",
        parse=datetime.fromisoformat,
        after=after,
        before=before,
        size=PAGE_SIZE,
    )


def capped_count(assignments: QuerySet[CityAssignment]) -> str:
    """The list's header: counted up to `COUNT_CAP`, never COUNT(*) of everything."""
    count = assignments.order_by().values("pk")[: COUNT_CAP + 1].count()
    return f"{COUNT_CAP}+" if count > COUNT_CAP else str(count)


def count_towns_by_status(assignment: CityAssignment) -> dict[str, int]:
    """One assignment's towns per filter, in one query (its towns: at most the city's)."""
    today = timezone.localdate()
    owed = Q(progress_code__in=[Progress.WAITING, Progress.RETURNED], lead__due_on__lt=today)
    counts = with_progress(assignment.towns.order_by()).aggregate(
        all=Count("pk"),
        open=Count("pk", filter=~Q(progress_code=Progress.ACCEPTED)),
        overdue=Count("pk", filter=owed),
        submitted=Count("pk", filter=Q(progress_code=Progress.SUBMITTED)),
        done=Count("pk", filter=Q(progress_code=Progress.ACCEPTED)),
    )
    return {key: value or 0 for key, value in counts.items()}


@dataclass
class TownPage:
    """One page of an assignment's towns, with what the viewer may read of each."""

    page: Page  # type: ignore[type-arg]
    towns: list[TownProgress]


def page_of_towns(
    user: User,
    assignment: CityAssignment,
    *,
    status: str = "",
    town: Unit | None = None,
    page: str | int | None = 1,
) -> TownPage:
    """Numbered pages of the towns of one assignment, in the towns' order: the rows are at most
    the towns under the city (the user's scope), so the count and offset stay that small."""
    rows = with_progress(assignment.towns.all())
    if town is not None:
        rows = rows.filter(town=town)
    rows = _rows_in(rows, status, timezone.localdate()).order_by(
        "town__sort_order", "town__path", "id"
    )
    chosen = Paginator(rows.values_list("pk", flat=True), TOWNS_PER_PAGE).get_page(page)
    ids = list(chosen.object_list)
    progress = town_progress(user, [assignment], row_ids=ids)[assignment.pk]
    order = {pk: position for position, pk in enumerate(ids)}
    return TownPage(page=chosen, towns=sorted(progress, key=lambda town: order[town.row.pk]))
