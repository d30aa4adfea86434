"""/api/v1/cases — 治安案件倒查. Same access rules as the pages (the context's access module)."""

from datetime import time
from typing import IO, Annotated, Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field, PlainSerializer, WithJsonSchema

from saohei.api.downloads import binary_200, download
from saohei.api.schemas import ErrorResponse, OneOf, Shown
from saohei.cases import access, queries, services
from saohei.cases.downloads import (
    case_filter_form,
    import_template_for,
    value_mapping_form,
    value_options,
    write_case_ledger,
)
from saohei.cases.exports import stored_rejected_rows, write_rejected_rows
from saohei.cases.forms import CasePersonForm
from saohei.cases.kinds import CASE_SHEET
from saohei.cases.models import Case, CasePerson, CaseReview, ImportJob, Nature
from saohei.common.access import user_has_any_role
from saohei.common.dates import EventDay, ShownDay
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.common.http import XLSX_TYPE, client_ip, stamped_name, streamed_download
from saohei.common.validation import text_problem
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


class UnknownValueOut(Schema):
    place: int = Field(description="在本次导入待对照取值中的序号，取值对照时引用")
    field: str
    field_label: str
    word: str = Field(description="来文中的原词")
    rows: int
    options: dict[str, str] = Field(description="可对照的值 → 名称（该镇的村、字典值等）")


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
    unknown_values: list[UnknownValueOut] = Field(
        description="无法识别、待取值对照的词（POST …/imports/{job_id}/values）"
    )


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


class CaseExportIn(Schema):
    """The list's filters (as `GET /cases`), checked by the page's filter form."""

    village_id: int | None = None
    nature: Nature | None = None
    reviewed: bool | None = None
    year: int | None = Field(None, ge=queries.EARLIEST_CASE_YEAR, le=queries.LATEST_CASE_YEAR)
    q: str = ""


# The API's filter names and the page form's fields they fill.
_FORM_FIELDS = {"village_id": "village", "nature": "nature", "year": "year", "q": "q"}


@router.get(
    "/export",
    response={401: ErrorResponse, 403: ErrorResponse, 400: ErrorResponse, 422: ErrorResponse},
    summary="导出案件倒查台账",
    openapi_extra=binary_200(XLSX_TYPE, "案件倒查台账（.xlsx），与列表页“导出”相同"),
)
def export_cases(request: HttpRequest, filters: Query[CaseExportIn]) -> FileResponse:
    """The page's 案件倒查台账 of the account's cases with the list's filters (a village
    outside the account's towns is a 400); audited."""
    user = _user(request)
    _require_case_access(user)
    data: dict[str, Any] = {
        field: str(value)
        for name, field in _FORM_FIELDS.items()
        if (value := getattr(filters, name)) not in ("", None)
    }
    if filters.reviewed is not None:
        data["reviewed"] = "yes" if filters.reviewed else "no"
    form, case_filters = case_filter_form(user, data)
    if case_filters is None:
        field, errors = next(iter(form.errors.items()))
        names = {form_field: name for name, form_field in _FORM_FIELDS.items()}
        raise ServiceError(f"筛选条件有误：{errors[0]}", field=names.get(field, field))
    ip_address = client_ip(request)

    def write(target: IO[bytes]) -> None:
        write_case_ledger(
            target, actor=user, form=form, filters=case_filters, ip_address=ip_address
        )

    return streamed_download(write, filename=stamped_name("案件倒查台账"))


@router.get(
    "/imports/template.xlsx",
    response={401: ErrorResponse, 403: ErrorResponse},
    summary="下载案件导入模板",
    openapi_extra=binary_200(XLSX_TYPE, "治安案件导入模板（.xlsx），所属村为本镇的村"),
)
def import_template(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _require_case_access(user)
    return download(import_template_for(user), name="治安案件导入模板.xlsx", content_type=XLSX_TYPE)


@router.get(
    "/imports/{int:job_id}",
    response={200: ImportJobOut, 401: ErrorResponse, 404: ErrorResponse, 422: ErrorResponse},
    summary="导入进度与结果",
)
def import_status(request: HttpRequest, job_id: int) -> ImportJobOut:
    return _job_out(access.get_import_job_for_user(_user(request), job_id))


def _job_out(job: ImportJob) -> ImportJobOut:
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
        unknown_values=_unknown_values(job),
    )


def _unknown_values(job: ImportJob) -> list[UnknownValueOut]:
    if not job.unknown_values:
        return []
    options = value_options(job)
    labels = {target.key: target.label for target in CASE_SHEET.fields}
    return [
        UnknownValueOut(
            place=place,
            field=word["field"],
            field_label=labels.get(word["field"], ""),
            word=word["word"],
            rows=int(word.get("rows", 0)),
            options=options.get(word["field"], {}),
        )
        for place, word in enumerate(job.unknown_values)
    ]


@router.get(
    "/{int:case_id}",
    response={200: CaseDetailOut, 401: ErrorResponse, 404: ErrorResponse, 422: ErrorResponse},
    summary="案件详情",
)
def get_case(request: HttpRequest, case_id: int) -> CaseDetailOut:
    return _detail(access.get_case_for_user(_user(request), case_id))


@router.post(
    "/{int:case_id}/review",
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


# Parity with the pages (decision 0066): 加入涉案人员, the import upload, its retry and the
# refused rows' workbook, through the pages' access checks, forms and services.


class CasePersonIn(Schema):
    name: str
    role: Annotated[str, OneOf(CasePerson, "role")]
    id_number: str = ""
    phone: str = ""
    address: str = ""
    plates: str = Field("", description="多个车牌用顿号或逗号分开")


class CaseImportIn(Schema):
    unit_id: int
    sender: str = Field("", description="来文单位；其保存的取值对照自动使用")
    skip_rejected: bool = Field(False, description="有错误的案件先不导入，其余照常导入")


IMPORT_ERRORS = {
    400: ErrorResponse,
    401: ErrorResponse,
    403: ErrorResponse,
    404: ErrorResponse,
    422: ErrorResponse,
}


@router.post(
    "/{int:case_id}/persons",
    response={201: CaseDetailOut, **IMPORT_ERRORS},
    summary="加入涉案人员",
)
def add_person(request: HttpRequest, case_id: int, payload: CasePersonIn) -> Status[CaseDetailOut]:
    """The office of the case's town (`can_add_person`, else 403); the page's form checks the
    ID number, mobile and plates (a 400 naming the field); identifiers are sealed as imported
    ones and shown masked."""
    user = _user(request)
    case = access.get_case_for_user(user, case_id)
    if not access.can_add_person(user, case):
        raise ActionNotAllowed("只有本镇扫黑办工作人员或领导小组组长、副组长可以添加涉案人员")
    form = CasePersonForm(data=payload.dict())
    if not form.is_valid():
        field, messages = next(iter(form.errors.items()))
        raise ServiceError(str(messages[0]), field=field)
    data = form.cleaned_data
    services.add_case_person(
        actor=user,
        case=case,
        person=services.CasePersonInput(
            name=data["name"],
            role=data["role"],
            id_number=data["id_number"],
            phone=data["phone"],
            address=data["address"],
            plates=data["plates"],
        ),
    )
    return Status(201, _detail(access.get_case_for_user(user, case_id)))


@router.post(
    "/imports",
    response={201: ImportJobOut, 413: ErrorResponse, **IMPORT_ERRORS},
    summary="上传案件文件（后台导入）",
)
def submit_import(
    request: HttpRequest,
    payload: Form[CaseImportIn],
    file: File[UploadedFile],
    persons_file: File[UploadedFile | None] = None,
) -> Status[ImportJobOut]:
    """multipart/form-data: `unit_id` (a town whose cases the account imports, else 403),
    `file` (.xlsx with 案件 and 涉案人员, or the 案件 CSV), `persons_file` (the 涉案人员 CSV
    with a CSV), `sender`, `skip_rejected`. Answers the job; follow it with
    `GET …/imports/{job_id}`."""
    user = _user(request)
    _require_case_access(user)
    town = access.case_towns(user).filter(pk=payload.unit_id).first()
    if town is None:
        raise ActionNotAllowed("您不能为该单位导入治安案件", field="unit_id")
    for name, upload in (("file", file), ("persons_file", persons_file)):
        problem = text_problem(upload.name or "", multiline=False) if upload else ""
        if problem:
            raise ServiceError(f"文件名{problem}", field=name)
    job = services.submit_case_import(
        actor=user,
        unit=town,
        file=file,
        persons_file=persons_file,
        skip_rejected=payload.skip_rejected,
        sender=payload.sender,
    )
    return Status(201, _job_out(access.get_import_job_for_user(user, job.pk)))


@router.post(
    "/imports/{int:job_id}/retry",
    response={200: ImportJobOut, **IMPORT_ERRORS},
    summary="重新导入（中断的导入）",
)
def retry_import(request: HttpRequest, job_id: int) -> ImportJobOut:
    """An interrupted job run again from the files it kept (`retry_import`): a job that was not
    interrupted is a 400, an account that may not import for its town a 403."""
    user = _user(request)
    _require_case_access(user)
    job = access.get_import_job_for_user(user, job_id)
    services.retry_import(actor=user, job=job)
    return _job_out(access.get_import_job_for_user(user, job_id))


class ValueChoiceIn(Schema):
    place: int = Field(description="待对照取值的序号（导入进度中 unknown_values[].place）")
    value: str = Field(description="对照的值，须为该词 options 之一；空为暂不对照")


class ImportValuesIn(Schema):
    values: list[ValueChoiceIn]


@router.post(
    "/imports/{int:job_id}/values",
    response={200: ImportJobOut, **IMPORT_ERRORS},
    summary="取值对照（无需重新上传）",
)
def map_import_values(request: HttpRequest, job_id: int, payload: ImportValuesIn) -> ImportJobOut:
    """The page's 取值对照: each unknown word's value, remembered for the job's sender; a job
    refused for them is checked again from the file it kept. Whoever may import the town
    (else 403); 400 while the job lists no word to map, or for a value the word may not take."""
    user = _user(request)
    _require_case_access(user)
    job = access.get_import_job_for_user(user, job_id)
    if not access.can_import(user, job.unit):
        raise ActionNotAllowed("您无权导入该镇的治安案件")
    words = len(job.unknown_values or [])
    if any(not 0 <= choice.place < words for choice in payload.values):
        raise ServiceError("没有这个待对照的取值", field="values")
    form = value_mapping_form(
        user,
        job,
        {f"value_{choice.place}": choice.value for choice in payload.values},
        value_options(job),
    )
    if form is None:
        raise ServiceError("这次导入没有待对照的取值，或仍在进行中")
    if not form.is_valid():
        raise ServiceError(str(next(iter(form.errors.values()))[0]), field="values")
    services.map_import_values(actor=user, job=job, choices=form.chosen())
    return _job_out(access.get_import_job_for_user(user, job_id))


@router.get(
    "/imports/{int:job_id}/rejected.xlsx",
    response=IMPORT_ERRORS,
    summary="下载未通过校验的行",
    openapi_extra=binary_200(XLSX_TYPE, "未通过校验的行，附错误说明，改正后可再导入"),
)
def rejected_rows(request: HttpRequest, job_id: int) -> FileResponse:
    """As the page: whoever may open the job; 404 when none were kept (a clean import, or
    past the 24 hours they are kept); every download audited."""
    user = _user(request)
    if not user_has_any_role(user, access.CASE_ROLES):
        raise ActionNotAllowed("您没有查看案件导入的权限")
    job = access.get_import_job_for_user(user, job_id)
    tables = stored_rejected_rows(job)
    if not tables:
        raise Http404("这次导入没有保留未通过校验的行")
    ip_address = client_ip(request)

    def write(target: IO[bytes]) -> None:
        write_rejected_rows(tables, file_name=job.file_name, exported_by=str(user), target=target)
        services.record_rejected_rows_download(
            actor=user,
            job=job,
            rows=sum(len(table["rows"]) for table in tables),
            ip_address=ip_address,
        )

    return streamed_download(write, filename=stamped_name("未通过校验的行"))
