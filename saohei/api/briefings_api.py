"""/api/v1/briefings — 工作简报 drafts, with the pages' access rules (`briefings.access`: the
towns' office and leaders edit, a 上级督导 reads) and services.

A town or draft outside the account's briefing towns is 404, an edit by a reader 403, a refused
input 400, an edit over a newer save 409 (decision 0056).
"""

from datetime import datetime
from typing import Annotated, Literal
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status

from saohei.api.ids import recording_town
from saohei.api.schemas import ErrorResponse
from saohei.api.versions import edit_version
from saohei.briefings import access, services
from saohei.briefings.documents import draft_period_label, from_draft, to_docx, to_pdf
from saohei.briefings.forms import parse_period
from saohei.briefings.models import BriefingDraft
from saohei.common.dates import PeriodDay, ShownDay, ShownMoment
from saohei.common.errors import ActionNotAllowed
from saohei.common.paging import keyset_page
from saohei.organisations.models import User

router = Router(tags=["工作简报"])

ERRORS = {
    400: ErrorResponse,
    401: ErrorResponse,
    403: ErrorResponse,
    404: ErrorResponse,
    422: ErrorResponse,
}
DOCUMENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


class DraftSummaryOut(Schema):
    id: int
    unit_id: int
    unit: str
    title: str
    issue: str = Field(description="期号，如 2026年第3期")
    issued_on: ShownDay
    period: str
    date_from: ShownDay | None
    date_to: ShownDay | None
    created_by: str
    created_at: ShownMoment
    edited_by: str
    edited_at: ShownMoment | None
    version: int


class DraftSectionOut(Schema):
    key: str
    heading: str
    text: str


class DraftDetailOut(DraftSummaryOut):
    generated_at: ShownMoment
    sections: list[DraftSectionOut]
    can_edit: bool = Field(description="本账号可修改、重新生成（本镇扫黑办和领导小组）")


class DraftPageOut(Schema):
    items: list[DraftSummaryOut]
    next_cursor: str


class DraftListQuery(Schema):
    unit_id: int | None = Field(None, description="只看这个镇（街道）的草稿")
    after: str = ""


class DraftIn(Schema):
    unit_id: int
    date_from: PeriodDay | None = None
    date_to: PeriodDay | None = None


class DraftExportQuery(Schema):
    file_format: Literal["docx", "pdf"] = "docx"


class DraftEditIn(Schema):
    title: str = Field(max_length=200)
    sections: dict[str, Annotated[str, Field(max_length=20000)]] = Field(
        default_factory=dict, description="部分的 key → 正文；未列出的部分不变"
    )
    version: int | None = Field(None, description="读取时的 version；也可放在 If-Match 头")


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,no-any-return]


def _require_reader(user: User) -> None:
    """The pages' `role_required(READ_ROLES)`."""
    if not user.has_any_role(access.READ_ROLES):
        raise ActionNotAllowed("您没有查看工作简报的权限")


def _summary_fields(draft: BriefingDraft) -> dict[str, object]:
    return {
        "id": draft.pk,
        "unit_id": draft.unit_id,
        "unit": draft.unit.name,
        "title": draft.title,
        "issue": f"{draft.issue_year}年第{draft.issue_number}期",
        "issued_on": draft.issued_on,
        "period": draft_period_label(draft),
        "date_from": draft.date_from,
        "date_to": draft.date_to,
        "created_by": draft.created_by.real_name,
        "created_at": draft.created_at,
        "edited_by": draft.edited_by.real_name if draft.edited_by else "",
        "edited_at": draft.edited_at,
        "version": draft.version,
    }


def _detail(user: User, draft: BriefingDraft) -> DraftDetailOut:
    return DraftDetailOut(
        **_summary_fields(draft),  # type: ignore[arg-type]
        generated_at=draft.generated_at,
        sections=[
            DraftSectionOut(
                key=section["key"], heading=section.get("heading", ""), text=section["text"]
            )
            for section in draft.sections
        ],
        can_edit=access.can_edit(user, draft.unit),
    )


@router.get("/drafts", response={200: DraftPageOut, **ERRORS}, summary="简报草稿列表")
def list_drafts(request: HttpRequest, filters: Query[DraftListQuery]) -> DraftPageOut:
    """The drafts of the account's briefing towns, newest first, 50 a page."""
    user = _user(request)
    _require_reader(user)
    drafts = BriefingDraft.objects.filter(unit__in=access.briefing_towns(user))
    if filters.unit_id is not None:
        drafts = drafts.filter(unit_id=filters.unit_id)
    page = keyset_page(
        drafts.select_related("unit", "created_by", "edited_by"),
        field="created_at",
        parse=datetime.fromisoformat,
        after=filters.after,
    )
    return DraftPageOut(
        items=[DraftSummaryOut(**_summary_fields(draft)) for draft in page.rows],  # type: ignore[arg-type]
        next_cursor=page.next_cursor,
    )


@router.post("/drafts", response={201: DraftDetailOut, **ERRORS}, summary="保存为简报草稿")
def create_draft(request: HttpRequest, payload: DraftIn) -> Status[DraftDetailOut]:
    """The town's next issue of the year, generated now from its records (`create_draft`)."""
    user = _user(request)
    _require_reader(user)
    town = recording_town(
        payload.unit_id,
        may_record=lambda town: town in access.briefing_towns(user) and access.can_edit(user, town),
        refusal="只能为本镇保存简报草稿",
    )
    date_from, date_to = parse_period(
        payload.date_from.isoformat() if payload.date_from else "",
        payload.date_to.isoformat() if payload.date_to else "",
    )
    draft = services.create_draft(actor=user, unit=town, date_from=date_from, date_to=date_to)
    return Status(201, _detail(user, access.get_draft_for_user(user, draft.pk)))


@router.get("/drafts/{int:draft_id}", response={200: DraftDetailOut, **ERRORS}, summary="简报草稿")
def get_draft(request: HttpRequest, draft_id: int) -> DraftDetailOut:
    user = _user(request)
    _require_reader(user)
    return _detail(user, access.get_draft_for_user(user, draft_id))


@router.patch(
    "/drafts/{int:draft_id}",
    response={200: DraftDetailOut, 409: ErrorResponse, **ERRORS},
    summary="修改简报草稿",
)
def edit_draft(request: HttpRequest, draft_id: int, payload: DraftEditIn) -> DraftDetailOut:
    user = _user(request)
    _require_reader(user)
    draft = access.get_draft_for_user(user, draft_id)
    services.edit_draft(
        actor=user,
        draft=draft,
        title=payload.title,
        texts=payload.sections,
        version=edit_version(request, payload.version),
    )
    return _detail(user, access.get_draft_for_user(user, draft_id))


@router.post(
    "/drafts/{int:draft_id}/regenerate",
    response={200: DraftDetailOut, **ERRORS},
    summary="按最新数据重新生成",
)
def regenerate_draft(request: HttpRequest, draft_id: int) -> DraftDetailOut:
    """Today's records replace the text, edits included; the issue keeps its number."""
    user = _user(request)
    _require_reader(user)
    draft = access.get_draft_for_user(user, draft_id)
    services.regenerate_draft(actor=user, draft=draft)
    return _detail(user, access.get_draft_for_user(user, draft_id))


@router.get(
    "/drafts/{int:draft_id}/export",
    response={200: None, **ERRORS},
    summary="导出简报草稿（docx 或 pdf）",
    openapi_extra={
        "responses": {
            200: {
                "description": "简报文件（盖导出人和时间）",
                "content": {
                    kind: {"schema": {"type": "string", "format": "binary"}}
                    for kind in DOCUMENT_TYPES.values()
                },
            }
        }
    },
)
def export_draft(
    request: HttpRequest, draft_id: int, query: Query[DraftExportQuery]
) -> HttpResponse:
    """The document as the page's 导出 makes it, stamped with the exporter; audited."""
    user = _user(request)
    _require_reader(user)
    draft = access.get_draft_for_user(user, draft_id)
    services.record_export(
        actor=user,
        unit=draft.unit,
        file_format=query.file_format,
        date_from=draft.date_from,
        date_to=draft.date_to,
        draft=draft,
        via="api",
    )
    document = from_draft(draft)
    exporter = user.real_name or user.username
    render = to_docx if query.file_format == "docx" else to_pdf
    response = HttpResponse(
        render(document, exported_by=exporter), content_type=DOCUMENT_TYPES[query.file_format]
    )
    filename = f"{document.title}（{document.period_label}）.{query.file_format}"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
