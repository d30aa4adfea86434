"""/api/v1/cases — 治安案件倒查. Same access rules as the pages (the context's access module)."""

from datetime import time
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field, PlainSerializer, WithJsonSchema

from saohei.api.schemas import ErrorResponse, OneOf, Shown
from saohei.cases import access, queries, services
from saohei.cases.models import Case, CasePerson, CaseReview, ImportJob, Nature
from saohei.common.dates import EventDay, ShownDay
from saohei.common.errors import ActionNotAllowed
from saohei.organisations.models import User

router = Router(tags=["治安案件倒查"])


# When the incident happened by the clock on the police station's wall: a local time of day read
# with `occurred_on`, never an instant, so no offset; "HH:MM:SS" (decision 0058).
LocalClockTime = Annotated[
    time,
    PlainSerializer(lambda value: value.strftime("%H:%M:%S"), return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$",
            "description": "北京时间的钟点（时:分:秒），不带时区，与 occurred_on 一起读",
        }
    ),
]


class PersonOut(Schema):
    name: str
    role: Annotated[str, Shown(CasePerson, "role")]
    role_label: str
    id_number_masked: str
    phone_masked: str
    plates: list[str]


class ReviewOut(Schema):
    conclusion: Annotated[str, Shown(CaseReview, "conclusion")]
    conclusion_label: str
    is_gang: bool
    organiser: str
    notes: str
    reviewed_on: ShownDay
    reviewer: str
    lead_number: str | None


class CaseOut(Schema):
    id: int
    number: str
    unit: str
    cause: str
    nature: Annotated[str, Shown(Case, "nature")]
    nature_label: str
    occurred_on: ShownDay
    occurred_time: LocalClockTime | None
    place: str
    village: str | None
    outcome: str
    persons: list[PersonOut]
    review: ReviewOut | None


class CaseDetailOut(CaseOut):
    summary: str
    means: Annotated[str, Shown(Case, "means")]
    motive: Annotated[str, Shown(Case, "motive")]


class CasePageOut(Schema):
    items: list[CaseOut]
    next_cursor: str
    previous_cursor: str


class CaseFilterIn(Schema):
    village_id: int | None = None
    nature: Nature | None = None
    reviewed: bool | None = None
    year: int | None = Field(None, ge=queries.EARLIEST_CASE_YEAR, le=queries.LATEST_CASE_YEAR)
    q: str = ""
    after: str = ""
    before: str = ""


class ReviewIn(Schema):
    conclusion: Annotated[str, OneOf(CaseReview, "conclusion")]
    reviewed_on: EventDay
    notes: str
    is_gang: bool = False
    organiser: str = ""


class ImportErrorOut(Schema):
    sheet: str
    row: int
    column: str
    message: str


class ImportJobOut(Schema):
    id: int
    unit: str
    status: Annotated[str, Shown(ImportJob, "status")]
    status_label: str
    total_rows: int
    processed_rows: int
    progress_percent: int
    message: str
    cases_created: int
    cases_updated: int
    persons_written: int
    error_count: int
    errors: list[ImportErrorOut]


def _user(request: HttpRequest) -> User:
    user: User = request.auth  # type: ignore[attr-defined]
    return user


def _require_case_access(user: User) -> None:
    if not user.has_any_role(access.CASE_ROLES) or not access.case_towns(user).exists():
        raise ActionNotAllowed("您没有查看治安案件的权限")


def _person_out(person: CasePerson) -> PersonOut:
    return PersonOut(
        name=person.name,
        role=person.role,
        role_label=person.get_role_display(),
        id_number_masked=person.id_number_masked,
        phone_masked=person.phone_masked,
        plates=[plate.number for plate in person.plates.all()],
    )


def _review_out(review: CaseReview | None) -> ReviewOut | None:
    if review is None:
        return None
    return ReviewOut(
        conclusion=review.conclusion,
        conclusion_label=review.get_conclusion_display(),
        is_gang=review.is_gang,
        organiser=review.organiser,
        notes=review.notes,
        reviewed_on=review.reviewed_on,
        reviewer=review.reviewer.real_name,
        lead_number=review.lead.number if review.lead else None,
    )


def _case_fields(case: Case) -> dict[str, Any]:
    return {
        "id": case.pk,
        "number": case.number,
        "unit": case.unit.name,
        "cause": case.cause,
        "nature": case.nature,
        "nature_label": case.get_nature_display(),
        "occurred_on": case.occurred_on,
        "occurred_time": case.occurred_time,
        "place": case.place,
        "village": case.village.name if case.village else None,
        "outcome": case.outcome,
        "persons": [_person_out(person) for person in case.persons.all()],
        "review": _review_out(getattr(case, "review", None)),
    }


def _detail(case: Case) -> CaseDetailOut:
    return CaseDetailOut(
        **_case_fields(case), summary=case.summary, means=case.means, motive=case.motive
    )


@router.get(
    "",
    response={200: CasePageOut, 401: ErrorResponse, 403: ErrorResponse, 422: ErrorResponse},
    summary="案件列表",
)
def list_cases(request: HttpRequest, filters: Query[CaseFilterIn]) -> CasePageOut:
    """Newest first, 50 a page; follow `next_cursor` with `after`. ID numbers are masked."""
    user = _user(request)
    _require_case_access(user)
    reviewed = "" if filters.reviewed is None else ("yes" if filters.reviewed else "no")
    cases = queries.filter_cases(
        user,
        queries.CaseFilters(
            village_id=filters.village_id,
            nature=filters.nature or "",
            reviewed=reviewed,
            year=filters.year,
            text=filters.q,
        ),
    )
    page = queries.page_of_cases(cases, after=filters.after, before=filters.before)
    return CasePageOut(
        items=[CaseOut(**_case_fields(case)) for case in page.cases],
        next_cursor=page.next_cursor,
        previous_cursor=page.previous_cursor,
    )


@router.get(
    "/imports/{job_id}",
    response={200: ImportJobOut, 401: ErrorResponse, 404: ErrorResponse, 422: ErrorResponse},
    summary="导入进度与结果",
)
def import_status(request: HttpRequest, job_id: int) -> ImportJobOut:
    job: ImportJob = access.get_import_job_for_user(_user(request), job_id)
    return ImportJobOut(
        id=job.pk,
        unit=job.unit.name,
        status=job.status,
        status_label=job.get_status_display(),
        total_rows=job.total_rows,
        processed_rows=job.processed_rows,
        progress_percent=job.progress_percent,
        message=job.message,
        cases_created=job.cases_created,
        cases_updated=job.cases_updated,
        persons_written=job.persons_written,
        error_count=job.error_count,
        errors=[ImportErrorOut(**error) for error in job.errors],
    )


@router.get(
    "/{case_id}",
    response={200: CaseDetailOut, 401: ErrorResponse, 404: ErrorResponse, 422: ErrorResponse},
    summary="案件详情",
)
def get_case(request: HttpRequest, case_id: int) -> CaseDetailOut:
    return _detail(access.get_case_for_user(_user(request), case_id))


@router.post(
    "/{case_id}/review",
    response={
        200: CaseDetailOut,
        400: ErrorResponse,
        401: ErrorResponse,
        403: ErrorResponse,
        404: ErrorResponse,
        422: ErrorResponse,
    },
    summary="倒查（排除 / 转为线索）",
)
def review_case(request: HttpRequest, case_id: int, payload: ReviewIn) -> CaseDetailOut:
    """Office staff and leaders of the case's town only; 转为线索 registers a lead."""
    user = _user(request)
    case = access.get_case_for_user(user, case_id)
    services.review_case(
        actor=user,
        case=case,
        conclusion=payload.conclusion,
        reviewed_on=payload.reviewed_on,
        notes=payload.notes,
        is_gang=payload.is_gang,
        organiser=payload.organiser,
    )
    return _detail(access.get_case_for_user(user, case_id))
