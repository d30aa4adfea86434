"""/api/v1/city — 市级交办 (decision 0062), with the pages' access rules (`city_assignments.access`).

The same access functions as `city_assignments.views`: an action needs 上级督导 (else 403) and
an assignment of the city they supervise (else 404), the service decides the rest. Reads, like
the API's other reads, are never 403: the list shows any account what it sees (nothing but for
a city's supervisors), a detail it may not see is 404. Content of a
lead about an official is withheld exactly as on the detail page (`queries.WITHHELD`): the town,
its progress and deadline show, its 反馈, conclusion and the city's verdict text do not.
"""

from typing import IO, Annotated

from django.http import FileResponse, HttpRequest
from ninja import Field, Query, Router, Schema, Status

from saohei.api.downloads import binary_200
from saohei.api.ids import all_of
from saohei.api.schemas import ErrorResponse, OneOf, OneOfChoices, Shown
from saohei.city_assignments import access, queries, services
from saohei.city_assignments.downloads import require_exporter, write_city_feedback
from saohei.city_assignments.forms import assignment_filters
from saohei.city_assignments.models import AssignedTown, CityAssignment, ListStatus
from saohei.common.access import user_has_any_role
from saohei.common.dates import DeadlineDay, ShownDay, ShownMoment
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.common.http import XLSX_TYPE, client_ip, stamped_name, streamed_download
from saohei.common.roles import Role
from saohei.organisations.models import Unit, User

router = Router(tags=["市级交办"])

ERRORS = {
    400: ErrorResponse,
    401: ErrorResponse,
    403: ErrorResponse,
    404: ErrorResponse,
    422: ErrorResponse,
}

NOT_A_SUPERVISOR = "只有市扫黑办的上级督导人员可以查看和交办市级交办事项"


class TownFeedbackOut(Schema):
    id: int
    fed_back_on: ShownDay
    recipient: str
    content: str
    author: str


class TownRowOut(Schema):
    id: int
    town_id: int
    town: str
    lead_id: int
    lead_number: str
    lead_status_label: str
    due_on: ShownDay | None
    progress: str
    progress_label: str
    is_overdue: bool
    # False for a lead about an official the account may not open: the fields below are empty.
    readable: bool
    may_be_judged: bool
    conclusion_label: str
    feedback: TownFeedbackOut | None
    verdict: Annotated[str, Shown(AssignedTown, "verdict")]
    verdict_label: str
    return_reason: str
    reviewed_by: str
    reviewed_at: ShownMoment | None
    # The 反馈期限 of the city's last return (also the lead's `due_on` until changed again).
    return_deadline: ShownDay | None


class AssignmentSummaryOut(Schema):
    id: int
    city_id: int
    city: str
    number: str
    source: Annotated[str, Shown(CityAssignment, "source")]
    source_label: str
    assigned_at: ShownMoment
    deadline: ShownDay
    involves_official: bool
    # False: summary, subject_name (and instruction in the detail) read `withheld` / "".
    readable: bool
    summary: str
    subject_name: str
    created_by: str
    towns: int
    submitted: int
    accepted: int
    returned: int
    overdue: int


class AssignmentDetailOut(AssignmentSummaryOut):
    instruction: str
    town_rows: list[TownRowOut]


class AssignmentPageOut(Schema):
    items: list[AssignmentSummaryOut]
    next_cursor: str


class AssignmentListQuery(Schema):
    """The list page's filters (`forms.assignment_filters`) and its keyset cursor."""

    status: Annotated[str, OneOfChoices(ListStatus, also=("",))] = Field(
        "", description="open 进行中，overdue 已逾期，submitted 待审核反馈，done 已办结"
    )
    town_id: int | None = Field(None, description="只看交办到这个镇（街道）的；须为督导的市所辖")
    after: str = ""


class AssignmentIn(Schema):
    town_ids: list[int]
    deadline: DeadlineDay
    instruction: str
    summary: str
    source: Annotated[str, OneOf(CityAssignment, "source")]
    subject_name: str = ""
    number: str = ""
    involves_official: bool = False


class ReturnIn(Schema):
    reason: str
    # Omitted: `services.default_return_deadline()` (RETURN_WORKING_DAYS 工作日 from today).
    deadline: DeadlineDay | None = None


def _supervisor(request: HttpRequest) -> User:
    """The pages' `role_required(Role.SUPERVISOR)`: any other account is refused outright."""
    user: User = request.auth  # type: ignore[attr-defined]
    if not user_has_any_role(user, {Role.SUPERVISOR}):
        raise ActionNotAllowed(NOT_A_SUPERVISOR)
    return user


def _summary_fields(summary: queries.AssignmentSummary) -> dict[str, object]:
    assignment = summary.assignment
    return {
        "id": assignment.pk,
        "city_id": assignment.city_id,
        "city": assignment.city.name,
        "number": assignment.number,
        "source": assignment.source,
        "source_label": assignment.get_source_display(),
        "assigned_at": assignment.assigned_at,
        "deadline": assignment.deadline,
        "involves_official": assignment.involves_official,
        "readable": summary.readable,
        "summary": assignment.summary if summary.readable else queries.WITHHELD,
        "subject_name": assignment.subject_name if summary.readable else "",
        "created_by": assignment.created_by.real_name,
        "towns": len(summary.towns),
        "submitted": summary.submitted,
        "accepted": summary.accepted,
        "returned": summary.returned,
        "overdue": summary.overdue,
    }


def _town_row(town: queries.TownProgress) -> TownRowOut:
    row, lead, readable = town.row, town.row.lead, town.readable
    feedback = town.feedback
    return TownRowOut(
        id=row.pk,
        town_id=row.town_id,
        town=row.town.name,
        lead_id=lead.pk,
        lead_number=lead.number,
        lead_status_label=lead.get_status_display(),
        due_on=lead.due_on,
        progress=str(town.progress),
        progress_label=town.progress.label,
        is_overdue=town.is_overdue,
        readable=readable,
        may_be_judged=town.may_be_judged,
        conclusion_label=lead.get_conclusion_display() if readable else "",
        feedback=TownFeedbackOut(
            id=feedback.pk,
            fed_back_on=feedback.fed_back_on,
            recipient=feedback.recipient,
            content=feedback.content,
            author=feedback.author.real_name,
        )
        if feedback is not None
        else None,
        verdict=row.verdict if readable else "",
        verdict_label=row.get_verdict_display() if readable else "",
        return_reason=row.return_reason if readable else "",
        reviewed_by=row.reviewed_by.real_name if readable and row.reviewed_by else "",
        reviewed_at=row.reviewed_at if readable else None,
        return_deadline=row.return_deadline,
    )


def _detail(user: User, assignment_id: int) -> AssignmentDetailOut:
    assignment = access.get_assignment_for_user(user, assignment_id)
    summary = queries.summarise(user, assignment)
    return AssignmentDetailOut(
        **_summary_fields(summary),  # type: ignore[arg-type]
        instruction=assignment.instruction if summary.readable else queries.WITHHELD,
        town_rows=[_town_row(town) for town in summary.towns],
    )


@router.get("/assignments", response={200: AssignmentPageOut, **ERRORS}, summary="市级交办列表")
def list_assignments(
    request: HttpRequest, filters: Query[AssignmentListQuery]
) -> AssignmentPageOut:
    """Every assignment of the cities the account supervises, newest first, 50 a page, with the
    page's filters: a town's status and the town (a town outside the cities: 400). Like
    every list of the API it answers any token with what its account sees: nothing but for a
    city's supervisors (`access.visible_assignments`); details and actions refuse other roles."""
    user: User = request.auth  # type: ignore[attr-defined]
    data = {"status": filters.status, "town": filters.town_id}
    form, chosen_filters = assignment_filters(
        user, {key: value for key, value in data.items() if value not in ("", None)}
    )
    if chosen_filters is None:
        field, errors = next(iter(form.errors.items()))
        raise ServiceError(str(errors[0]), field="town_id" if field == "town" else field)
    assignments = queries.filter_assignments(
        access.visible_assignments(user),
        status=chosen_filters["status"],
        town=chosen_filters["town"],
    )
    page = queries.page_of_assignments(assignments, after=filters.after)
    chosen = CityAssignment.objects.filter(pk__in=[assignment.pk for assignment in page.rows])
    return AssignmentPageOut(
        items=[
            AssignmentSummaryOut(**_summary_fields(summary))  # type: ignore[arg-type]
            for summary in queries.list_assignments(user, chosen)
        ],
        next_cursor=page.next_cursor,
    )


@router.get(
    "/assignments/export",
    response=ERRORS,
    summary="导出市级交办反馈表",
    openapi_extra=binary_200(XLSX_TYPE, "市级交办反馈表（.xlsx），与列表页“导出”相同"),
)
def export_assignments(request: HttpRequest) -> FileResponse:
    """The page's 反馈表: every assignment the supervisor reads, withheld ones withheld;
    上级督导 only (else 403), audited."""
    user: User = request.auth  # type: ignore[attr-defined]
    require_exporter(user)
    ip_address = client_ip(request)

    def write(output: IO[bytes]) -> None:
        write_city_feedback(output, actor=user, ip_address=ip_address)

    return streamed_download(write, filename=stamped_name("市级交办反馈表"))


@router.post("/assignments", response={201: AssignmentDetailOut, **ERRORS}, summary="交办到镇")
def create_assignment(request: HttpRequest, payload: AssignmentIn) -> Status[AssignmentDetailOut]:
    """Towns by id, among the city's own (another city's town: 400 naming `town_ids`)."""
    user = _supervisor(request)
    cities = access.supervised_cities(user)
    if not cities:
        raise ActionNotAllowed(services.NOT_THE_CITY)
    # The page's city: the first the supervisor holds, should they hold several.
    city = cities[0]
    if not payload.town_ids:
        raise ServiceError("请选择至少一个镇（街道）", field="town_ids")
    towns = all_of(
        Unit.objects.filter(pk__in=[town.pk for town in access.assignable_towns(city)]),
        payload.town_ids,
        field="town_ids",
        refusal="只能交办给本市所辖的镇（街道）",
    )
    assignment = services.assign_to_towns(
        actor=user,
        city=city,
        data=services.AssignmentInput(
            towns=towns,
            deadline=payload.deadline,
            instruction=payload.instruction,
            summary=payload.summary,
            source=payload.source,
            subject_name=payload.subject_name,
            number=payload.number,
            involves_official=payload.involves_official,
        ),
    )
    return Status(201, _detail(user, assignment.pk))


@router.get(
    "/assignments/{int:assignment_id}",
    response={200: AssignmentDetailOut, **ERRORS},
    summary="市级交办详情",
)
def get_assignment(request: HttpRequest, assignment_id: int) -> AssignmentDetailOut:
    """404 for anyone who does not supervise its city, other roles included: a read is never
    403 here (a read-only token reads what its read-write twin reads, `test_token_rules`)."""
    return _detail(request.auth, assignment_id)  # type: ignore[attr-defined]


def _row(request: HttpRequest, assignment_id: int, town_row_id: int) -> tuple[User, AssignedTown]:
    user = _supervisor(request)
    assignment = access.get_assignment_for_user(user, assignment_id)
    return user, access.get_town_of(assignment, town_row_id)


@router.post(
    "/assignments/{int:assignment_id}/towns/{int:town_row_id}/accept",
    response={200: AssignmentDetailOut, **ERRORS},
    summary="采纳镇的反馈",
)
def accept_feedback(
    request: HttpRequest, assignment_id: int, town_row_id: int
) -> AssignmentDetailOut:
    user, row = _row(request, assignment_id, town_row_id)
    services.accept_feedback(actor=user, row=row)
    return _detail(user, assignment_id)


@router.post(
    "/assignments/{int:assignment_id}/towns/{int:town_row_id}/return",
    response={200: AssignmentDetailOut, **ERRORS},
    summary="退回重查",
)
def return_feedback(
    request: HttpRequest, assignment_id: int, town_row_id: int, payload: ReturnIn
) -> AssignmentDetailOut:
    user, row = _row(request, assignment_id, town_row_id)
    services.return_feedback(actor=user, row=row, reason=payload.reason, deadline=payload.deadline)
    return _detail(user, assignment_id)
