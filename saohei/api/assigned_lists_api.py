"""/api/v1/assigned-lists — 交办清单 (decision 0061), with the pages' access rules
(`assigned_lists.access`).

The same access functions as `assigned_lists.views`: 扫黑办工作人员 of a town import, they and
组长/副组长 read and export; a list or staged sheet outside the account's towns is 404. Lists,
like every list of the API, answer any token with what its account sees (nothing but for a
town's office). The import is the page's three steps, each an operation (decision 0066): upload
(the sheet is staged and read with the sender's saved mapping, else the guessed one), the
preview as JSON (columns, words to map, every row's outcome or problems), an optional mapping
(what the page's selects send), then 确认导入, refused with 400 while any problem is left.
"""

from datetime import datetime
from typing import Annotated

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from saohei.api.downloads import binary_200, download
from saohei.api.schemas import ErrorResponse, OneOf, Shown
from saohei.assigned_lists import access, exports, services
from saohei.assigned_lists.forms import LEFT_OUT
from saohei.assigned_lists.kinds import ASSIGNED_LIST
from saohei.assigned_lists.models import (
    AssignedList,
    AssignedListRow,
    ListImportJob,
    RowOutcome,
)
from saohei.common.dates import ShownMoment
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.common.http import XLSX_TYPE
from saohei.common.paging import keyset_page
from saohei.common.validation import text_problem
from saohei.leads.access import visible_leads
from saohei.leads.models import Lead
from saohei.organisations.models import User
from saohei.sheets.checking import value_key
from saohei.sheets.headers import IGNORED
from saohei.sheets.kinds import FieldKind
from saohei.sheets.models import StagedSheet
from saohei.sheets.preview import town_villages
from saohei.sheets.rejected import rejected_rows_xlsx

router = Router(tags=["交办清单"])

ERRORS = {
    400: ErrorResponse,
    401: ErrorResponse,
    403: ErrorResponse,
    404: ErrorResponse,
    422: ErrorResponse,
}

PAGE_SIZE = 50
NOT_A_CLERK = "只有本镇扫黑办工作人员可以导入交办清单"


class AssignedListSummaryOut(Schema):
    id: int
    unit_id: int
    unit: str
    sender: str
    source: Annotated[str, Shown(AssignedList, "source")]
    source_label: str
    file_name: str
    imported_by: str
    imported_at: ShownMoment
    rows: int
    created_count: int
    updated_count: int


class AssignedListRowOut(Schema):
    position: int
    row_number: int
    upstream_reference: str
    outcome: Annotated[str, Shown(AssignedListRow, "outcome")]
    outcome_label: str
    lead_number: str
    # False for a lead the account may not open (受限线索): its id, status and deadline are empty.
    readable: bool
    lead_id: int | None
    lead_status: Annotated[str, Shown(Lead, "status", also=("",))]
    lead_status_label: str
    lead_due_on: str


class AssignedListDetailOut(AssignedListSummaryOut):
    row_items: list[AssignedListRowOut]


class AssignedListPageOut(Schema):
    items: list[AssignedListSummaryOut]
    next_cursor: str


class AssignedListQuery(Schema):
    after: str = ""


class StagedColumnOut(Schema):
    title: str
    # The field this column fills ("ignore": left out, "": not recognised).
    field: str
    field_label: str


class StagedWordOut(Schema):
    field: str
    field_label: str
    word: str
    rows: int
    # What the word may be mapped to: a choice's value, or a village's id.
    options: dict[str, str]


class StagedRowOut(Schema):
    row_number: int
    upstream_reference: str
    outcome: Annotated[str, Shown(AssignedListRow, "outcome")]
    outcome_label: str
    lead_number: str
    changes: list[str]
    problems: list[str]


class StagedListOut(Schema):
    id: int
    unit_id: int
    sender: str
    file_name: str
    # Whether the columns came from the mapping saved for this sender (else guessed).
    remembered: bool
    columns: list[StagedColumnOut]
    unknown_words: list[StagedWordOut]
    sheet_problems: list[str]
    problem_count: int
    counts: dict[str, int]
    row_items: list[StagedRowOut]
    # The list made from it once imported (its rows are then emptied and not shown), else null.
    imported_list_id: int | None
    job_id: int | None = Field(
        None, description="长清单的后台导入任务（确认导入后），见 GET /assigned-lists/jobs/{id}"
    )


class StageListIn(Schema):
    unit_id: int
    sender: str
    source: Annotated[str, OneOf(AssignedList, "source")]


class ListMappingIn(Schema):
    # Column title → field key, or "ignore" to leave it out; titles not named keep the preview's.
    columns: dict[str, str] = {}
    # Field → the sheet's word → the value it means (a choice's value, a village's id).
    values: dict[str, dict[str, str]] = {}


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,no-any-return]


def _clerk(request: HttpRequest) -> User:
    """The pages' `role_required(*IMPORT_ROLES)` with a town to import for, else 403."""
    user = _user(request)
    if not access.import_towns(user).exists():
        raise ActionNotAllowed(NOT_A_CLERK)
    return user


def _summary_fields(assigned: AssignedList, rows: int) -> dict[str, object]:
    return {
        "id": assigned.pk,
        "unit_id": assigned.unit_id,
        "unit": assigned.unit.name,
        "sender": assigned.sender,
        "source": assigned.source,
        "source_label": assigned.get_source_display(),
        "file_name": assigned.file_name,
        "imported_by": assigned.imported_by.real_name,
        "imported_at": assigned.imported_at,
        "rows": rows,
        "created_count": assigned.created_count,
        "updated_count": assigned.updated_count,
    }


def _detail(user: User, assigned: AssignedList) -> AssignedListDetailOut:
    rows = list(assigned.rows.select_related("lead").order_by("position"))
    visible = set(
        visible_leads(user)
        .filter(pk__in=[row.lead_id for row in rows])
        .values_list("pk", flat=True)
    )
    items = []
    for row in rows:
        readable = row.lead_id in visible
        lead = row.lead
        items.append(
            AssignedListRowOut(
                position=row.position,
                row_number=row.row_number,
                upstream_reference=row.upstream_reference,
                outcome=row.outcome,
                outcome_label=row.get_outcome_display(),
                lead_number=lead.number,
                readable=readable,
                lead_id=lead.pk if readable else None,
                lead_status=lead.status if readable else "",
                lead_status_label=lead.get_status_display() if readable else "",
                lead_due_on=f"{lead.due_on:%Y-%m-%d}" if readable and lead.due_on else "",
            )
        )
    return AssignedListDetailOut(
        **_summary_fields(assigned, len(rows)),  # type: ignore[arg-type]
        row_items=items,
    )


def _word_options(staged: StagedSheet, field: str) -> dict[str, str]:
    target = ASSIGNED_LIST.field(field)
    if target.kind == FieldKind.VILLAGE:
        return {str(pk): name for pk, name in town_villages(staged.unit).names.items()}
    return dict(target.choices)


def _preview(user: User, staged: StagedSheet) -> StagedListOut:
    if staged.imported_at is not None:
        # Once imported its rows are emptied (they held ID numbers in clear): what there is to
        # see is the list, as the page redirects to it.
        imported = AssignedList.objects.filter(staged=staged).values_list("pk", flat=True).first()
        return StagedListOut(
            id=staged.pk,
            unit_id=staged.unit_id,
            sender=staged.sender,
            file_name=staged.file_name,
            remembered=False,
            columns=[],
            unknown_words=[],
            sheet_problems=[],
            problem_count=0,
            counts={},
            row_items=[],
            imported_list_id=imported,
            job_id=_job_id(staged),
        )
    plan = services.plan_import(actor=user, staged=staged)
    checked = plan.reading.checked
    labels = {target.key: target.label for target in ASSIGNED_LIST.fields}
    return StagedListOut(
        id=staged.pk,
        unit_id=staged.unit_id,
        sender=staged.sender,
        file_name=staged.file_name,
        remembered=plan.reading.remembered,
        columns=[
            StagedColumnOut(
                title=title,
                field=checked.columns[title],
                field_label=labels.get(checked.columns[title], ""),
            )
            for title in checked.header.titles
            if title in checked.columns
        ],
        unknown_words=[
            StagedWordOut(
                field=word.field,
                field_label=labels.get(word.field, ""),
                word=word.word,
                rows=count,
                options=_word_options(staged, word.field),
            )
            for word, count in sorted(
                checked.unknown.items(), key=lambda item: (item[0].field, item[0].word)
            )
        ],
        sheet_problems=list(checked.problems),
        problem_count=plan.problem_count,
        counts={str(value): plan.count(value) for value in RowOutcome.values},
        row_items=[
            StagedRowOut(
                row_number=row.checked.number,
                upstream_reference=str(row.checked.data.get("upstream_reference", "")),
                outcome=row.outcome,
                outcome_label=row.outcome_label,
                lead_number=row.lead.number if row.lead is not None else "",
                changes=row.changes,
                problems=row.checked.problems,
            )
            for row in plan.rows
        ],
        imported_list_id=None,
        job_id=_job_id(staged),
    )


def _job_id(staged: StagedSheet) -> int | None:
    return ListImportJob.objects.filter(staged=staged).values_list("pk", flat=True).first()


@router.get("", response={200: AssignedListPageOut, **ERRORS}, summary="交办清单列表")
def list_lists(request: HttpRequest, filters: Query[AssignedListQuery]) -> AssignedListPageOut:
    """The lists of the towns the account's office reads, newest first, 50 a page (`after`)."""
    user = _user(request)
    page = keyset_page(
        access.visible_lists(user).select_related("unit", "imported_by"),
        field="imported_at",
        parse=datetime.fromisoformat,
        after=filters.after,
        size=PAGE_SIZE,
    )
    counts = dict(
        AssignedListRow.objects.filter(assigned_list__in=[row.pk for row in page.rows])
        .values_list("assigned_list")
        .annotate(rows=Count("id"))
        .values_list("assigned_list", "rows")
    )
    return AssignedListPageOut(
        items=[
            AssignedListSummaryOut(**_summary_fields(row, counts.get(row.pk, 0)))  # type: ignore[arg-type]
            for row in page.rows
        ],
        next_cursor=page.next_cursor,
    )


@router.get(
    "/{int:list_id}", response={200: AssignedListDetailOut, **ERRORS}, summary="交办清单详情"
)
def get_list(request: HttpRequest, list_id: int) -> AssignedListDetailOut:
    """Every row with its lead; a lead the account may not open shows its number only."""
    user = _user(request)
    return _detail(user, access.get_list_for_user(user, list_id))


@router.get(
    "/{int:list_id}/feedback.xlsx",
    response=ERRORS,
    summary="导出反馈表（原格式）",
    openapi_extra=binary_200(
        XLSX_TYPE, "反馈表：清单原有的标题行、表头和合并单元格，加核查情况等四列"
    ),
)
def feedback_xlsx(request: HttpRequest, list_id: int) -> HttpResponse:
    """The page's 反馈表, audited as the page's export."""
    user = _user(request)
    assigned = access.get_list_for_user(user, list_id)
    content = exports.feedback_xlsx(assigned, user=user)
    services.record_list_export(actor=user, assigned=assigned, document="feedback_xlsx")
    return download(
        content,
        name=f"反馈-{assigned.file_name.rsplit('.', 1)[0]}.xlsx",
        content_type=XLSX_TYPE,
    )


@router.get(
    "/{int:list_id}/reports.zip",
    response=ERRORS,
    summary="下载办结报告",
    openapi_extra=binary_200("application/zip", "每条已办结线索的办结反馈报告（.docx）"),
)
def reports_zip(request: HttpRequest, list_id: int) -> HttpResponse:
    user = _user(request)
    assigned = access.get_list_for_user(user, list_id)
    content, _ = exports.reports_zip(assigned, user=user)
    services.record_list_export(actor=user, assigned=assigned, document="reports_zip")
    return download(
        content,
        name=f"办结报告-{assigned.file_name.rsplit('.', 1)[0]}.zip",
        content_type="application/zip",
    )


@router.post(
    "/imports",
    response={201: StagedListOut, 413: ErrorResponse, **ERRORS},
    summary="上传交办清单（待导入）",
)
def stage_list(
    request: HttpRequest, payload: Form[StageListIn], file: File[UploadedFile]
) -> Status[StagedListOut]:
    """multipart/form-data: `unit_id` (a town the account imports for, else 403), `sender`,
    `source` (the 来源 of rows without one) and `file` (.xlsx or CSV, at most 1,000 rows).
    Answers the preview: nothing is imported until `…/import`."""
    user = _clerk(request)
    town = access.import_towns(user).filter(pk=payload.unit_id).first()
    if town is None:
        raise ActionNotAllowed("您不能为该单位导入交办清单")
    # The name as every text of the API; the content is read and checked by the sheet reader.
    problem = text_problem(file.name or "", multiline=False)
    if problem:
        raise ServiceError(f"文件名{problem}", field="file")
    upload = file
    staged = services.stage_list(
        actor=user,
        unit=town,
        sender=payload.sender,
        source=payload.source,
        file=upload,
        file_name=upload.name or "交办清单",
    )
    return Status(201, _preview(user, staged))


@router.get(
    "/imports/{int:staged_id}", response={200: StagedListOut, **ERRORS}, summary="待导入清单预览"
)
def get_staged(request: HttpRequest, staged_id: int) -> StagedListOut:
    user = _clerk(request)
    return _preview(user, access.get_staged_for_user(user, staged_id))


def _checked_mapping(
    user: User, staged: StagedSheet, payload: ListMappingIn
) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """What the page's selects allow: titles of this sheet, fields of the kind (or "ignore"),
    words the preview asked about and values among their options; else 400 naming the part."""
    checked = services.plan_import(actor=user, staged=staged).reading.checked
    keys = {target.key for target in ASSIGNED_LIST.fields}
    columns = {title: key for title, key in checked.columns.items() if key}
    for title, key in payload.columns.items():
        if title not in checked.columns:
            raise ServiceError(f"表中没有“{title}”列", field="columns")
        if key != LEFT_OUT and key not in keys:
            raise ServiceError(f"“{title}”对应的字段无法识别", field="columns")
        columns[title] = IGNORED if key == LEFT_OUT else key
    asked = {(word.field, value_key(word.word)) for word in checked.unknown}
    values: dict[str, dict[str, str]] = {}
    for field, words in payload.values.items():
        for word, value in words.items():
            if (field, value_key(word)) not in asked:
                raise ServiceError(f"“{word}”不是待对照的取值", field="values")
            if value not in _word_options(staged, field):
                raise ServiceError(f"“{word}”的对照值不在可选范围内", field="values")
            values.setdefault(field, {})[value_key(word)] = value
    return columns, values


@router.put(
    "/imports/{int:staged_id}/mapping",
    response={200: StagedListOut, **ERRORS},
    summary="保存列对照和取值对照",
)
def save_mapping(request: HttpRequest, staged_id: int, payload: ListMappingIn) -> StagedListOut:
    """The page's mapping step: saved for the sender (used for its next lists too), then the
    preview read again with it."""
    user = _clerk(request)
    staged = access.get_staged_for_user(user, staged_id)
    columns, values = _checked_mapping(user, staged, payload)
    services.save_list_mapping(actor=user, staged=staged, columns=columns, values=values)
    return _preview(user, staged)


class ListImportJobOut(Schema):
    id: int
    unit_id: int
    unit: str
    file_name: str
    status: Annotated[str, Shown(ListImportJob, "status")]
    status_label: str
    total_rows: int
    processed_rows: int
    progress_percent: int
    message: str
    created_at: ShownMoment
    finished_at: ShownMoment | None
    staged_id: int
    list_id: int | None = Field(description="导入成功后的交办清单")
    can_retry: bool = Field(description="失败且保留了上传的清单，可重试而无需重新上传")


def _job_out(job: ListImportJob) -> ListImportJobOut:
    return ListImportJobOut(
        id=job.pk,
        unit_id=job.unit_id,
        unit=job.unit.name,
        file_name=job.file_name,
        status=job.status,
        status_label=job.get_status_display(),
        total_rows=job.total_rows,
        processed_rows=job.processed_rows,
        progress_percent=job.progress_percent,
        message=job.message,
        created_at=job.created_at,
        finished_at=job.finished_at,
        staged_id=job.staged_id,
        list_id=job.assigned_list_id,
        can_retry=job.can_retry,
    )


@router.post(
    "/imports/{int:staged_id}/import",
    response={201: AssignedListDetailOut, 202: ListImportJobOut, **ERRORS},
    summary="确认导入交办清单",
)
def import_list(
    request: HttpRequest, staged_id: int
) -> Status[AssignedListDetailOut] | Status[ListImportJobOut]:
    """确认导入: every row or none; 400 while the preview shows a problem. A list of more than
    `services.INLINE_ROWS` rows is imported in the background as on the page: 202 with the job,
    followed at `GET /assigned-lists/jobs/{list_job_id}` (a second confirm answers the same job)."""
    user = _clerk(request)
    staged = access.get_staged_for_user(user, staged_id)
    if not services.runs_inline(staged):
        job = services.submit_list_import(actor=user, staged=staged)
        return Status(202, _job_out(access.get_job_for_user(user, job.pk)))
    assigned = services.import_list(actor=user, staged=staged)
    return Status(201, _detail(user, access.get_list_for_user(user, assigned.pk)))


@router.get(
    "/jobs/{int:list_job_id}",
    response={200: ListImportJobOut, **ERRORS},
    summary="长清单导入进度",
)
def get_import_job(request: HttpRequest, list_job_id: int) -> ListImportJobOut:
    """The job's page: where it stands (an interrupted one shown failed), the list once made."""
    user = _clerk(request)
    return _job_out(services.current_list_import(job=access.get_job_for_user(user, list_job_id)))


@router.post(
    "/jobs/{int:list_job_id}/retry",
    response={202: ListImportJobOut, **ERRORS},
    summary="重试长清单导入",
)
def retry_import_job(request: HttpRequest, list_job_id: int) -> Status[ListImportJobOut]:
    """The page's 重试: a failed job run again from the list it kept, no new upload; 400 when
    there is nothing to retry."""
    user = _clerk(request)
    job = services.retry_list_import(actor=user, job=access.get_job_for_user(user, list_job_id))
    return Status(202, _job_out(access.get_job_for_user(user, job.pk)))


@router.get(
    "/imports/{int:staged_id}/rejected.xlsx",
    response=ERRORS,
    summary="下载未通过的行",
    openapi_extra=binary_200(XLSX_TYPE, "未通过检查的行，附错误说明"),
)
def rejected_xlsx(request: HttpRequest, staged_id: int) -> HttpResponse:
    user = _clerk(request)
    staged = access.get_staged_for_user(user, staged_id)
    plan = services.plan_import(actor=user, staged=staged)
    content = rejected_rows_xlsx(
        plan.reading.checked, exported_by=str(user), file_name=staged.file_name
    )
    return download(
        content,
        name=f"未通过的行-{staged.file_name.rsplit('.', 1)[0]}.xlsx",
        content_type=XLSX_TYPE,
    )
