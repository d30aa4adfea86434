"""Reads of the city's assignments: each town's progress, overdue, and its latest 反馈."""

from dataclasses import dataclass
from datetime import date

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone

from saohei.city_assignments.access import may_read_assignment, readable_lead_ids
from saohei.city_assignments.models import AssignedTown, CityAssignment, Progress, Verdict
from saohei.leads.models import Feedback
from saohei.organisations.models import User

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


def _rows(assignments: list[CityAssignment]) -> QuerySet[AssignedTown]:
    latest = Feedback.objects.filter(lead=OuterRef("lead_id")).order_by("-created_at", "-id")
    return (
        AssignedTown.objects.filter(assignment__in=assignments)
        .select_related("town", "lead", "reviewed_by")
        .annotate(latest_feedback_id=Subquery(latest.values("pk")[:1]))
    )


def town_progress(user: User, assignments: list[CityAssignment]) -> dict[int, list[TownProgress]]:
    """Per assignment id, its towns in order, with what this user may read of each."""
    rows = list(_rows(assignments))
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
