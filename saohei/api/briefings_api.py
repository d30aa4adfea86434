"""/api/v1/briefings — 工作简报 drafts, with the pages' access rules (`briefings.access`: the
towns' office and leaders edit, a 上级督导 reads) and services.

A town or draft outside the account's briefing towns is 404, an edit by a reader 403, a refused
input 400, an edit over a newer save 409 (decision 0056).
"""

from datetime import date, datetime
from typing import Annotated, Literal
from urllib.parse import quote

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from saohei.api.ids import recording_town
from saohei.api.schemas import ErrorResponse
from saohei.api.versions import edit_version
from saohei.briefings import access, services
from saohei.briefings.compose import compose, period_label
from saohei.briefings.documents import (
    DOCUMENT_TYPES,
    document_file,
    draft_period_label,
    from_briefing,
    from_draft,
)
from saohei.briefings.figures import Scope, drill_down, get_figure, value
from saohei.briefings.forms import parse_period
from saohei.briefings.imprint import current_imprint
from saohei.briefings.models import BriefingDraft
from saohei.briefings.numbers import plain
from saohei.common.dates import PeriodDay, ShownDay, ShownMoment
from saohei.common.errors import ActionNotAllowed
from saohei.common.paging import keyset_page
from saohei.organisations.models import Unit, User

router = Router(tags=["工作简报"])

ERRORS = {
    400: ErrorResponse,
    401: ErrorResponse,
    403: ErrorResponse,
    404: ErrorResponse,
    422: ErrorResponse,
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
    content, content_type, filename = document_file(
        from_draft(draft), query.file_format, exported_by=user.real_name or user.username
    )
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


class BriefingQuery(Schema):
    unit_id: int | None = Field(None, description="镇（街道）；不填为可查看的第一个")
    date_from: PeriodDay | None = Field(None, description="起；不填为自专项斗争开始")
    date_to: PeriodDay | None = Field(None, description="止；不填为今天")


class BriefingSectionOut(Schema):
    heading: str
    paragraphs: list[str]


class BriefingOut(Schema):
    unit_id: int
    unit: str
    title: str
    period: str
    issuing_unit: str
    sections: list[BriefingSectionOut]
    can_edit: bool = Field(description="本账号可保存为草稿（本镇扫黑办和领导小组）")
    can_edit_settings: bool = Field(description="本账号可修改本镇的版头版记")


def _scope(user: User, query: BriefingQuery) -> tuple[Unit, date | None, date | None]:
    """The page's ?unit=&from=&to=: a town outside the account's briefing towns is 404, a bad
    period a 400 naming its field (`forms.parse_period`)."""
    if query.unit_id is None:
        # The page's default town: the first the account briefs (none: 404, as the page).
        towns = access.briefing_towns(user)
        if not towns:
            raise Http404("您没有可以查看简报的镇（街道）")
        unit = towns[0]
    else:
        unit = access.get_town_for_user(user, query.unit_id)
    date_from, date_to = parse_period(
        query.date_from.isoformat() if query.date_from else "",
        query.date_to.isoformat() if query.date_to else "",
    )
    return unit, date_from, date_to


@router.get("", response={200: BriefingOut, **ERRORS}, summary="工作简报（生成）")
def get_briefing(request: HttpRequest, query: Query[BriefingQuery]) -> BriefingOut:
    """The page's briefing of the town and period, generated from the records (not saved)."""
    user = _user(request)
    _require_reader(user)
    unit, date_from, date_to = _scope(user, query)
    document = from_briefing(compose(unit, date_from, date_to))
    return BriefingOut(
        unit_id=unit.pk,
        unit=unit.name,
        title=document.title,
        period=document.period_label,
        issuing_unit=document.masthead.issuing_unit,
        sections=[
            BriefingSectionOut(heading=block.heading, paragraphs=list(block.paragraphs))
            for block in document.blocks
        ],
        can_edit=access.can_edit(user, unit),
        can_edit_settings=access.can_edit_settings(user, unit),
    )


class BriefingExportQuery(BriefingQuery):
    file_format: Literal["docx", "pdf"] = "docx"


@router.get(
    "/export",
    response={200: None, **ERRORS},
    summary="导出工作简报（docx 或 pdf）",
    openapi_extra={
        "responses": {
            200: {
                "description": "简报文件（盖导出人和时间），与简报页导出的相同",
                "content": {
                    kind: {"schema": {"type": "string", "format": "binary"}}
                    for kind in DOCUMENT_TYPES.values()
                },
            }
        }
    },
)
def export_briefing(request: HttpRequest, query: Query[BriefingExportQuery]) -> HttpResponse:
    """The page's 导出 of a generated briefing; audited."""
    user = _user(request)
    _require_reader(user)
    unit, date_from, date_to = _scope(user, query)
    briefing = compose(unit, date_from, date_to)
    services.record_export(
        actor=user, unit=unit, file_format=query.file_format, date_from=date_from, date_to=date_to
    )
    content, content_type, filename = document_file(
        from_briefing(briefing), query.file_format, exported_by=user.real_name or user.username
    )
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


class FigureRowOut(Schema):
    id: int
    cells: list[str]


class FigureOut(Schema):
    key: str
    label: str
    unit_id: int
    period: str
    columns: list[str]
    rows: list[FigureRowOut] = Field(description="本账号自己的列表能看到的记录")
    restricted: int = Field(description="计入该数字、但本账号无权查看的记录条数")
    total: str = Field(description="简报中的数字")


@router.get("/figures/{key}", response={200: FigureOut, **ERRORS}, summary="简报数字的明细")
def briefing_figure(request: HttpRequest, key: str, query: Query[BriefingQuery]) -> FigureOut:
    """The records one number counts, as the page lists them: those the account's own lists
    show; the others only counted (`figures.drill_down`)."""
    user = _user(request)
    _require_reader(user)
    figure = get_figure(key)
    if figure is None:
        raise Http404("简报中没有这个数字")
    unit, date_from, date_to = _scope(user, query)
    today = timezone.localdate()
    scope = Scope(unit=unit, date_from=date_from, date_to=date_to, today=today)
    shown = drill_down(figure, scope, user)
    return FigureOut(
        key=figure.key,
        label=figure.label,
        unit_id=unit.pk,
        period=period_label(date_from, date_to, today=today),
        columns=list(figure.columns),
        rows=[FigureRowOut(id=row.record.pk, cells=figure.row(row.record)) for row in shown.rows],
        restricted=shown.restricted,
        total=plain(value(figure, scope)),
    )


class BriefingSettingsOut(Schema):
    unit_id: int
    issuing_unit: str
    report_to: str
    copy_to: str
    distribute_to: str
    copies: int | None


class BriefingSettingsIn(Schema):
    issuing_unit: str = Field(min_length=1, max_length=100)
    report_to: str = Field("", max_length=300)
    copy_to: str = Field("", max_length=300)
    distribute_to: str = Field("", max_length=300)
    copies: int | None = Field(None, ge=1, le=9999)


def _settings_out(unit: Unit) -> BriefingSettingsOut:
    imprint = current_imprint(unit).as_json()
    return BriefingSettingsOut(
        unit_id=unit.pk,
        issuing_unit=imprint["issuing_unit"],
        report_to=imprint["report_to"],
        copy_to=imprint["copy_to"],
        distribute_to=imprint["distribute_to"],
        copies=imprint["copies"],
    )


@router.get(
    "/settings/{int:unit_id}", response={200: BriefingSettingsOut, **ERRORS}, summary="版头版记"
)
def briefing_settings(request: HttpRequest, unit_id: int) -> BriefingSettingsOut:
    """The town's 版头版记 as the settings page shows them: its office's and 组长's."""
    return _settings_out(access.get_settings_town_for_user(_user(request), unit_id))


@router.put(
    "/settings/{int:unit_id}", response={200: BriefingSettingsOut, **ERRORS}, summary="修改版头版记"
)
def update_briefing_settings(
    request: HttpRequest, unit_id: int, payload: BriefingSettingsIn
) -> BriefingSettingsOut:
    """Saved for the briefings saved from now on (`services.update_briefing_settings`)."""
    user = _user(request)
    unit = access.get_settings_town_for_user(user, unit_id)
    services.update_briefing_settings(
        actor=user,
        unit=unit,
        data=services.BriefingSettingsInput(
            issuing_unit=payload.issuing_unit,
            report_to=payload.report_to,
            copy_to=payload.copy_to,
            distribute_to=payload.distribute_to,
            copies=payload.copies,
        ),
    )
    return _settings_out(unit)
