"""/api/v1/rectifications — 问题整改台账, with the pages' access rules (`rectifications.access`).

An item the account may not see is 404, a refused action 403, a refused input 400. Progress with
evidence files is a multipart operation of its own, through the pages' upload checks
(`common.uploads.check_uploads`, decision 0063).
"""

from typing import IO, Annotated, Any, Literal

from django.http import FileResponse, Http404, HttpRequest
from django.utils import timezone
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from saohei.api.downloads import ANY_FILE, binary_200
from saohei.api.ids import one_of, recording_town
from saohei.api.schemas import ErrorResponse, EvidenceOut, OneOf, Shown
from saohei.api.uploads import checked_files
from saohei.api.versions import edit_version
from saohei.common.dates import DeadlineDay, EventDay, ShownDay, ShownMoment
from saohei.common.errors import ServiceError
from saohei.common.http import (
    XLSX_TYPE,
    client_ip,
    stamped_name,
    stored_file_download,
    streamed_download,
)
from saohei.organisations.models import Unit, User
from saohei.organisations.queries import is_office_member
from saohei.rectifications import access, queries, services
from saohei.rectifications.downloads import (
    item_filter_form,
    require_ledger_reader,
    write_item_ledger,
)
from saohei.rectifications.models import RectificationItem

router = Router(tags=["问题整改"])

ERRORS = {
    400: ErrorResponse,
    401: ErrorResponse,
    403: ErrorResponse,
    404: ErrorResponse,
    422: ErrorResponse,
}


class ItemSummaryOut(Schema):
    id: int
    unit_id: int
    village_id: int | None
    village: str
    source_kind: Annotated[str, Shown(RectificationItem, "source_kind")]
    source_kind_label: str
    description: str
    responsible_person_id: int
    responsible_person: str
    due_on: ShownDay
    due_state: str
    status: Annotated[str, Shown(RectificationItem, "status")]
    status_label: str
    escalation_level: int


class ProgressOut(Schema):
    id: int
    occurred_on: ShownDay
    content: str
    author: str
    evidence: list[EvidenceOut]


class ItemDetailOut(ItemSummaryOut):
    version: int
    source_label: str
    source_url: str
    measures: str
    responsible_leader: str
    responsible_unit: str
    requested_at: ShownMoment | None
    verified_at: ShownMoment | None
    verified_by: str
    is_verification_accepted: bool | None
    verification_reason: str
    closed_at: ShownMoment | None
    recheck_result: Annotated[str, Shown(RectificationItem, "recheck_result")]
    recheck_reason: str
    progress: list[ProgressOut]


class ItemPageOut(Schema):
    items: list[ItemSummaryOut]
    next_cursor: str


class ItemListQuery(Schema):
    village_id: int | None = None
    source_kind: Annotated[str, OneOf(RectificationItem, "source_kind", also=("",))] = ""
    status: Annotated[str, OneOf(RectificationItem, "status", also=("",))] = ""
    responsible_person_id: int | None = None
    due_state: str = ""
    after: str = ""


class ItemIn(Schema):
    unit_id: int
    village_id: int | None = None
    source_kind: Annotated[str, OneOf(RectificationItem, "source_kind")]
    source_label: str = ""
    source_url: str = ""
    description: str
    measures: str
    responsible_leader_id: int
    responsible_unit_id: int
    responsible_person_id: int
    due_on: DeadlineDay | None = None
    working_days: int | None = None


class ProgressIn(Schema):
    occurred_on: EventDay
    content: str


class ClosureIn(Schema):
    note: str = ""


class VerifyIn(Schema):
    accept: bool
    reason: str = ""


class MeasuresIn(Schema):
    measures: str
    # The version read; with it, an edit over someone else's newer save is refused (409).
    version: int | None = None


class RecheckIn(Schema):
    passed: bool
    reason: str = ""
    # 新整改时限 when re-opened; without one the service sets its default.
    due_on: DeadlineDay | None = None


class SummaryGrouping(Schema):
    # The page's groupings (`queries.GROUPINGS`): 所属村, 责任人, 问题来源.
    by: Literal["village", "person", "source"] = "village"


class SummaryRowOut(Schema):
    key: str
    label: str
    total: int
    closed: int
    requested: int
    open: int
    overdue: int
    completion_rate: str


class SummaryOut(Schema):
    by: Literal["village", "person", "source"]
    heading: str
    rows: list[SummaryRowOut]
    total: int
    closed: int
    overdue: int


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,no-any-return]


def _summary_fields(item: RectificationItem) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "id": item.pk,
        "unit_id": item.unit_id,
        "village_id": item.village_id,
        "village": item.village.name if item.village else "",
        "source_kind": item.source_kind,
        "source_kind_label": item.get_source_kind_display(),
        "description": item.description,
        "responsible_person_id": item.responsible_person_id,
        "responsible_person": item.responsible_person.real_name,
        "due_on": item.due_on,
        "due_state": queries.due_state(item, today=today, threshold=queries.amber_threshold(today)),
        "status": item.status,
        "status_label": item.get_status_display(),
        "escalation_level": item.escalation_level,
    }


def _detail(item: RectificationItem) -> ItemDetailOut:
    progress = [
        ProgressOut(
            id=entry.pk,
            occurred_on=entry.occurred_on,
            content=entry.content,
            author=entry.author.real_name,
            evidence=[
                EvidenceOut(
                    id=file.pk, original_name=file.original_name, size=file.size, sha256=file.sha256
                )
                for file in entry.evidence.all()
            ],
        )
        for entry in item.progress_updates.select_related("author").prefetch_related("evidence")
    ]
    return ItemDetailOut(
        **_summary_fields(item),
        version=item.version,
        source_label=item.source_label,
        source_url=item.source_url,
        measures=item.measures,
        responsible_leader=item.responsible_leader.real_name,
        responsible_unit=item.responsible_unit.name,
        requested_at=item.requested_at,
        verified_at=item.verified_at,
        verified_by=item.verified_by.real_name if item.verified_by else "",
        is_verification_accepted=item.is_verification_accepted,
        verification_reason=item.verification_reason,
        closed_at=item.closed_at,
        recheck_result=item.recheck_result,
        recheck_reason=item.recheck_reason,
        progress=progress,
    )


@router.get("", response={200: ItemPageOut, **ERRORS}, summary="整改事项列表")
def list_items(request: HttpRequest, filters: Query[ItemListQuery]) -> ItemPageOut:
    page = queries.page_of_items(
        queries.filter_items(
            _user(request),
            queries.ItemFilters(
                village_id=filters.village_id,
                source_kind=filters.source_kind,
                status=filters.status,
                responsible_person_id=filters.responsible_person_id,
                due_state=filters.due_state,
            ),
        ),
        after=filters.after,
    )
    return ItemPageOut(
        items=[ItemSummaryOut(**_summary_fields(item)) for item in page.rows],
        next_cursor=page.next_cursor,
    )


class ItemExportQuery(Schema):
    """The list page's filters, checked by its filter form (a unit or person outside the
    account's scope is a 400 naming the parameter)."""

    town_id: int | None = None
    village_id: int | None = None
    source_kind: Annotated[str, OneOf(RectificationItem, "source_kind", also=("",))] = ""
    status: Annotated[str, OneOf(RectificationItem, "status", also=("",))] = ""
    responsible_person_id: int | None = None
    due_state: str = Field("", description="soon 即将到期，overdue 已逾期")
    q: str = Field("", max_length=50, description="问题描述、整改措施、来源、责任人")


# The API's filter names and the page form's fields they fill.
_FORM_FIELDS = {
    "town_id": "town",
    "village_id": "village",
    "source_kind": "source",
    "status": "status",
    "responsible_person_id": "person",
    "due_state": "due",
    "q": "q",
}


@router.get(
    "/export",
    response=ERRORS,
    summary="导出问题整改台账",
    openapi_extra=binary_200(XLSX_TYPE, "问题整改台账（.xlsx），与列表页“导出”相同"),
)
def export_items(request: HttpRequest, filters: Query[ItemExportQuery]) -> FileResponse:
    """The page's 问题整改台账 of what the account's list shows with the same filters;
    audited. The pages' readers only (else 403)."""
    user = _user(request)
    require_ledger_reader(user)
    data = {
        field: str(value)
        for name, field in _FORM_FIELDS.items()
        if (value := getattr(filters, name)) not in ("", None)
    }
    form, item_filters = item_filter_form(user, data)
    if item_filters is None:
        field, errors = next(iter(form.errors.items()))
        names = {form_field: name for name, form_field in _FORM_FIELDS.items()}
        raise ServiceError(f"筛选条件有误：{errors[0]}", field=names.get(field, field))
    ip_address = client_ip(request)

    def write(output: IO[bytes]) -> None:
        write_item_ledger(
            output, actor=user, form=form, filters=item_filters, ip_address=ip_address
        )

    return streamed_download(write, filename=stamped_name("问题整改台账"))


@router.post("", response={201: ItemDetailOut, **ERRORS}, summary="列入整改台账")
def create_item(request: HttpRequest, payload: ItemIn) -> Status[ItemDetailOut]:
    """Units and people are looked up within the town only; the service checks the actor."""
    user = _user(request)
    town = recording_town(
        payload.unit_id,
        may_record=lambda town: is_office_member(user, town),
        refusal="只能为本镇登记整改事项",
    )
    units = Unit.objects.subtree_of(town)
    people = User.objects.filter(unit__in=units)
    village = None
    if payload.village_id is not None:
        village = one_of(
            units, payload.village_id, field="village_id", refusal="所属村须为本镇的村（社区）"
        )
    responsible_unit = one_of(
        units,
        payload.responsible_unit_id,
        field="responsible_unit_id",
        refusal="责任单位须为本镇或本镇下属单位",
    )
    leader = one_of(
        people,
        payload.responsible_leader_id,
        field="responsible_leader_id",
        refusal="责任领导须为本镇人员",
    )
    person = one_of(
        people,
        payload.responsible_person_id,
        field="responsible_person_id",
        refusal="责任人须为本镇人员",
    )
    item = services.open_item(
        actor=user,
        unit=town,
        source=services.ItemSource(
            kind=payload.source_kind, label=payload.source_label, url=payload.source_url
        ),
        data=services.ItemInput(
            village=village,
            description=payload.description,
            measures=payload.measures,
            responsible_leader=leader,
            responsible_unit=responsible_unit,
            responsible_person=person,
            due_on=payload.due_on,
            working_days=payload.working_days,
        ),
    )
    return Status(201, _detail(access.get_item_for_user(user, item.pk)))


@router.get("/summary", response={200: SummaryOut, **ERRORS}, summary="整改对照清单")
def summary(request: HttpRequest, grouping: Query[SummaryGrouping]) -> SummaryOut:
    """The page's 对照清单: per village, responsible person or source, of the items in sight."""
    rows = queries.summarize(_user(request), by=grouping.by)
    return SummaryOut(
        by=grouping.by,
        heading=queries.GROUPINGS[grouping.by][2],
        rows=[
            SummaryRowOut(
                key="" if row.key is None else str(row.key),
                label=row.label,
                total=row.total,
                closed=row.closed,
                requested=row.requested,
                open=row.open,
                overdue=row.overdue,
                completion_rate=row.completion_rate,
            )
            for row in rows
        ],
        total=sum(row.total for row in rows),
        closed=sum(row.closed for row in rows),
        overdue=sum(row.overdue for row in rows),
    )


@router.get("/{int:item_id}", response={200: ItemDetailOut, **ERRORS}, summary="整改事项详情")
def get_item(request: HttpRequest, item_id: int) -> ItemDetailOut:
    return _detail(access.get_item_for_user(_user(request), item_id))


@router.post(
    "/{int:item_id}/progress", response={201: ItemDetailOut, **ERRORS}, summary="填报整改进展"
)
def add_progress(request: HttpRequest, item_id: int, payload: ProgressIn) -> Status[ItemDetailOut]:
    user = _user(request)
    item = access.get_item_for_user(user, item_id)
    services.record_progress(
        actor=user, item=item, occurred_on=payload.occurred_on, content=payload.content
    )
    return Status(201, _detail(item))


@router.post(
    "/{int:item_id}/progress/evidence",
    response={201: ItemDetailOut, 413: ErrorResponse, **ERRORS},
    summary="填报整改进展（附佐证材料）",
)
def add_progress_with_evidence(
    request: HttpRequest,
    item_id: int,
    payload: Form[ProgressIn],
    evidence: File[list[UploadedFile]],
) -> Status[ItemDetailOut]:
    """multipart/form-data: `occurred_on`, `content` and one to ten `evidence` files (images,
    PDF, Office documents, audio or video; 20 MB each), read by their content as on the page."""
    user = _user(request)
    item = access.get_item_for_user(user, item_id)
    services.record_progress(
        actor=user,
        item=item,
        occurred_on=payload.occurred_on,
        content=payload.content,
        evidence=checked_files(evidence, field="evidence"),
    )
    return Status(201, _detail(item))


@router.post(
    "/{int:item_id}/request-closure", response={200: ItemDetailOut, **ERRORS}, summary="申请销号"
)
def request_closure(request: HttpRequest, item_id: int, payload: ClosureIn) -> ItemDetailOut:
    user = _user(request)
    item = access.get_item_for_user(user, item_id)
    services.request_closure(actor=user, item=item, note=payload.note)
    return _detail(item)


@router.post("/{int:item_id}/verify", response={200: ItemDetailOut, **ERRORS}, summary="审核销号")
def verify(request: HttpRequest, item_id: int, payload: VerifyIn) -> ItemDetailOut:
    user = _user(request)
    item = access.get_item_for_user(user, item_id)
    services.verify_closure(actor=user, item=item, accept=payload.accept, reason=payload.reason)
    return _detail(item)


@router.post(
    "/{int:item_id}/measures",
    response={200: ItemDetailOut, 409: ErrorResponse, **ERRORS},
    summary="修改整改措施",
)
def edit_measures(request: HttpRequest, item_id: int, payload: MeasuresIn) -> ItemDetailOut:
    """The town's office while the item is open; `version` or `If-Match` as on the page."""
    user = _user(request)
    item = access.get_item_for_user(user, item_id)
    version = edit_version(request, payload.version)
    services.edit_measures(actor=user, item=item, measures=payload.measures, version=version)
    return _detail(access.get_item_for_user(user, item_id))


@router.post("/{int:item_id}/recheck", response={200: ItemDetailOut, **ERRORS}, summary="复查")
def recheck(request: HttpRequest, item_id: int, payload: RecheckIn) -> ItemDetailOut:
    """A closed item confirmed (`passed`) or re-opened with a reason and a new deadline."""
    user = _user(request)
    item = access.get_item_for_user(user, item_id)
    services.recheck(
        actor=user, item=item, passed=payload.passed, reason=payload.reason, due_on=payload.due_on
    )
    return _detail(access.get_item_for_user(user, item_id))


@router.get(
    "/{int:item_id}/evidence/{int:evidence_id}",
    response=ERRORS,
    summary="下载佐证材料",
    openapi_extra=binary_200(ANY_FILE, "佐证材料文件，类型为上传时按内容识别的类型"),
)
def download_evidence(request: HttpRequest, item_id: int, evidence_id: int) -> FileResponse:
    """The page's download: the item in sight (else 404), audited with the file's digest."""
    user = _user(request)
    item = access.get_item_for_user(user, item_id)
    evidence = item.evidence.filter(pk=evidence_id).first()
    if evidence is None:
        raise Http404("佐证材料不存在")
    evidence.item = item
    services.record_evidence_downloaded(
        actor=user, evidence=evidence, ip_address=client_ip(request)
    )
    return stored_file_download(
        evidence.file, filename=evidence.original_name, content_type=evidence.content_type
    )
