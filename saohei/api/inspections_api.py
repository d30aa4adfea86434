"""/api/v1/inspections — 村级档案检查, with the pages' access rules (`inspections.access`).

A round the account may not see is 404; a village head sees only their own village's findings;
a 上级督导 reads the rounds of the towns under them. Recording or correcting a finding is the
office's: others who can see the round get 403, a refused input 400, a malformed body 422. A
finding that is not 合格 lands on the village's on-site rectification list (its item id is
returned). Photos are added to a finding by a multipart operation of its own, through the page's
correction service and upload checks (decision 0063).
"""

from typing import Annotated, Literal

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from saohei.api.downloads import ANY_FILE, binary_200, download
from saohei.api.ids import one_of, recording_town
from saohei.api.schemas import ErrorResponse, OneOf, Shown
from saohei.api.uploads import checked_files
from saohei.common.access import user_has_any_role
from saohei.common.dates import EventDay, ShownDay
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.common.http import client_ip, stored_file_download
from saohei.common.roles import Role
from saohei.inspections import access, queries, services
from saohei.inspections.documents import OnsiteList, onsite_docx, onsite_pdf
from saohei.inspections.models import ArchiveFolder, Finding, InspectionRound
from saohei.organisations.models import Unit, User
from saohei.organisations.queries import is_office_member

router = Router(tags=["档案检查"])

ERRORS = {
    400: ErrorResponse,
    401: ErrorResponse,
    403: ErrorResponse,
    404: ErrorResponse,
    422: ErrorResponse,
}


class RoundSummaryOut(Schema):
    id: int
    unit_id: int
    title: str
    deployed_by: str
    inspected_on: ShownDay
    working_days: int


class FindingOut(Schema):
    id: int
    village_id: int
    village: str
    folder: str
    result: Annotated[str, Shown(Finding, "result")]
    result_label: str
    note: str
    rectification_item_id: int | None


class FindingIn(Schema):
    village_id: int
    folder_id: int
    result: Annotated[str, OneOf(Finding, "result")]
    note: str = ""


class FindingEditIn(Schema):
    """更正检查结果: the fields sent replace the saved ones."""

    result: Annotated[str, OneOf(Finding, "result")] | None = None
    note: str | None = None


class RoundDetailOut(RoundSummaryOut):
    village_ids: list[int]
    findings: list[FindingOut]


class RoundIn(Schema):
    unit_id: int
    title: str
    deployed_by: str = ""
    inspected_on: EventDay
    inspector_ids: list[int]
    village_ids: list[int]
    working_days: int = 10


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,no-any-return]


def _summary(inspection: InspectionRound) -> RoundSummaryOut:
    return RoundSummaryOut(
        id=inspection.pk,
        unit_id=inspection.unit_id,
        title=inspection.title,
        deployed_by=inspection.deployed_by,
        inspected_on=inspection.inspected_on,
        working_days=inspection.working_days,
    )


def _finding(finding: Finding) -> FindingOut:
    return FindingOut(
        id=finding.pk,
        village_id=finding.village_id,
        village=finding.village.name,
        folder=finding.folder.name,
        result=finding.result,
        result_label=finding.get_result_display(),
        note=finding.note,
        rectification_item_id=finding.rectification_item_id,
    )


def _detail(user: User, inspection: InspectionRound) -> RoundDetailOut:
    findings = access.visible_findings(user, inspection).select_related("village", "folder")
    return RoundDetailOut(
        **_summary(inspection).dict(),
        village_ids=[village.pk for village in access.visible_villages(user, inspection)],
        findings=[_finding(finding) for finding in findings],
    )


def _require_office(user: User, inspection: InspectionRound) -> None:
    """Called after the scoped fetch: 404 outside the reader's scope comes first, then 403."""
    if not is_office_member(user, inspection.unit):
        raise ActionNotAllowed("只有本镇扫黑办工作人员或领导小组成员可以登记或修改检查结果")


@router.get("", response={200: list[RoundSummaryOut], **ERRORS}, summary="档案检查列表")
def list_rounds(request: HttpRequest) -> list[RoundSummaryOut]:
    return [_summary(inspection) for inspection in access.visible_rounds(_user(request))[:500]]


@router.post("", response={201: RoundDetailOut, **ERRORS}, summary="登记档案检查")
def create_round(request: HttpRequest, payload: RoundIn) -> Status[RoundDetailOut]:
    user = _user(request)
    town = recording_town(
        payload.unit_id,
        may_record=lambda town: is_office_member(user, town),
        refusal="只能为本镇登记档案检查",
    )
    villages = list(Unit.objects.filter(parent=town, pk__in=payload.village_ids))
    if len(villages) != len(set(payload.village_ids)):
        raise ServiceError("检查村居须为本镇的村（社区）", field="village_ids")
    inspectors = list(
        User.objects.filter(
            is_active=True, unit__path__startswith=town.path, pk__in=payload.inspector_ids
        )
    )
    if len(inspectors) != len(set(payload.inspector_ids)):
        raise ServiceError("检查人员须为本镇人员", field="inspector_ids")
    inspection = services.create_round(
        actor=user,
        unit=town,
        data=services.RoundInput(
            title=payload.title,
            deployed_by=payload.deployed_by,
            inspected_on=payload.inspected_on,
            inspectors=inspectors,
            villages=villages,
            working_days=payload.working_days,
        ),
    )
    return Status(201, _detail(user, inspection))


@router.get("/{int:round_id}", response={200: RoundDetailOut, **ERRORS}, summary="档案检查详情")
def get_round(request: HttpRequest, round_id: int) -> RoundDetailOut:
    user = _user(request)
    return _detail(user, access.get_round_for_user(user, round_id))


@router.post(
    "/{int:round_id}/findings", response={201: FindingOut, **ERRORS}, summary="登记检查结果"
)
def record_finding(request: HttpRequest, round_id: int, payload: FindingIn) -> Status[FindingOut]:
    """Not 合格 puts an item on the village's on-site rectification list."""
    user = _user(request)
    inspection = access.get_round_for_user(user, round_id)
    _require_office(user, inspection)
    village = one_of(
        inspection.villages.all(),
        payload.village_id,
        field="village_id",
        refusal="该村居不在本次检查范围内",
    )
    folder = one_of(
        ArchiveFolder.objects.all(), payload.folder_id, field="folder_id", refusal="档案类别不存在"
    )
    finding = services.record_finding(
        actor=user,
        inspection=inspection,
        village=village,
        folder=folder,
        result=payload.result,
        note=payload.note,
    )
    return Status(201, _finding(finding))


@router.patch(
    "/{int:round_id}/findings/{int:finding_id}",
    response={200: FindingOut, **ERRORS},
    summary="修改检查结果",
)
def edit_finding(
    request: HttpRequest, round_id: int, finding_id: int, payload: FindingEditIn
) -> FindingOut:
    """An item already on the on-site list is not rewritten (see the inspections README)."""
    user = _user(request)
    inspection = access.get_round_for_user(user, round_id)
    finding = access.get_finding_for_user(user, inspection, finding_id)
    _require_office(user, inspection)
    edited = services.edit_finding(
        actor=user,
        finding=finding,
        result=payload.result if payload.result is not None else finding.result,
        note=payload.note if payload.note is not None else finding.note,
    )
    return _finding(edited)


@router.post(
    "/{int:round_id}/findings/{int:finding_id}/photos",
    response={201: FindingOut, 413: ErrorResponse, **ERRORS},
    summary="补充检查结果照片",
)
def add_finding_photos(
    request: HttpRequest, round_id: int, finding_id: int, photos: File[list[UploadedFile]]
) -> Status[FindingOut]:
    """multipart/form-data: one to ten `photos`, read by their content as on the page's 更正 form
    (result and note unchanged); the office's, as every correction of a finding."""
    user = _user(request)
    inspection = access.get_round_for_user(user, round_id)
    finding = access.get_finding_for_user(user, inspection, finding_id)
    _require_office(user, inspection)
    edited = services.edit_finding(
        actor=user,
        finding=finding,
        result=finding.result,
        note=finding.note,
        photos=checked_files(photos, field="photos"),
    )
    return Status(201, _finding(edited))


# Parity with the pages (decision 0066): a finding's photo, a village's on-site list (and its
# printed form), a village's status over rounds and the one-submit checklist, with the pages'
# roles (`READ_ROLES` of the inspection pages: the office, its 督导 and village heads).
READ_ROLES = frozenset(
    {Role.LEADER, Role.DEPUTY_LEADER, Role.OFFICE_STAFF, Role.VILLAGE_HEAD, Role.SUPERVISOR}
)
DOCUMENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


class OnsiteRowOut(Schema):
    finding_id: int
    folder: str
    result: Annotated[str, Shown(Finding, "result")]
    result_label: str
    note: str
    rectification_item_id: int | None
    measures: str
    due_on: ShownDay | None


class OnsiteListOut(Schema):
    round_id: int
    village_id: int
    title: str
    rows: list[OnsiteRowOut]


class OnsiteExportQuery(Schema):
    file_format: Literal["docx", "pdf"] = "docx"


class VillageRoundStatusOut(Schema):
    round_id: int
    title: str
    inspected_on: ShownDay
    results: list[str] = Field(description="与 folders 一一对应的检查结果；该轮未检查的为空")
    problems: int


class VillageStatusOut(Schema):
    village_id: int
    village: str
    folders: list[str]
    rounds: list[VillageRoundStatusOut]


class ChecklistRowIn(Schema):
    folder_id: int
    result: Annotated[str, OneOf(Finding, "result")]
    note: str = ""


class ChecklistIn(Schema):
    rows: list[ChecklistRowIn] = Field(
        default_factory=list,
        description="不合格的项；其余待登记的档案类别一律登记为合格（与页面的默认相同）",
    )


def _reader(user: User) -> None:
    if not user_has_any_role(user, READ_ROLES):
        raise ActionNotAllowed("您没有查看档案检查的权限")


def _onsite(user: User, round_id: int, village_id: int) -> tuple[InspectionRound, OnsiteList]:
    _reader(user)
    inspection = access.get_round_for_user(user, round_id)
    village = access.get_village_for_user(user, inspection, village_id)
    return inspection, queries.onsite_list(inspection, village)


@router.get(
    "/{int:round_id}/photos/{int:photo_id}",
    response=ERRORS,
    summary="下载检查照片",
    openapi_extra=binary_200(ANY_FILE, "照片文件，类型为上传时按内容识别的类型"),
)
def download_photo(request: HttpRequest, round_id: int, photo_id: int) -> FileResponse:
    """A photo of a finding the account may see (a village head: their village's only); every
    download audited with its digest, as on the page."""
    user = _user(request)
    _reader(user)
    inspection = access.get_round_for_user(user, round_id)
    finding = access.visible_findings(user, inspection).filter(photos__pk=photo_id).first()
    if finding is None:
        raise Http404("照片不存在")
    photo = finding.photos.get(pk=photo_id)
    services.record_photo_downloaded(
        actor=user, inspection=inspection, photo=photo, ip_address=client_ip(request)
    )
    return stored_file_download(
        photo.file, filename=photo.original_name, content_type=photo.content_type
    )


@router.get(
    "/{int:round_id}/villages/{int:village_id}/onsite",
    response={200: OnsiteListOut, **ERRORS},
    summary="现场整改清单",
)
def get_onsite_list(request: HttpRequest, round_id: int, village_id: int) -> OnsiteListOut:
    _, onsite = _onsite(_user(request), round_id, village_id)
    rows = []
    for finding in onsite.findings:
        item = finding.rectification_item
        rows.append(
            OnsiteRowOut(
                finding_id=finding.pk,
                folder=finding.folder.name,
                result=finding.result,
                result_label=finding.get_result_display(),
                note=finding.note,
                rectification_item_id=finding.rectification_item_id,
                measures=item.measures if item else "",
                due_on=item.due_on if item else None,
            )
        )
    return OnsiteListOut(
        round_id=onsite.inspection.pk,
        village_id=onsite.village.pk,
        title=onsite.title,
        rows=rows,
    )


@router.get(
    "/{int:round_id}/villages/{int:village_id}/onsite/export",
    response={200: None, **ERRORS},
    summary="打印现场整改清单（docx 或 pdf）",
    openapi_extra={
        "responses": {
            200: {
                "description": "现场整改清单文件（盖导出人和时间）",
                "content": {
                    kind: {"schema": {"type": "string", "format": "binary"}}
                    for kind in DOCUMENT_TYPES.values()
                },
            }
        }
    },
)
def export_onsite_list(
    request: HttpRequest, round_id: int, village_id: int, query: Query[OnsiteExportQuery]
) -> HttpResponse:
    """The document the village head signs, as the page prints it; audited."""
    user = _user(request)
    inspection, onsite = _onsite(user, round_id, village_id)
    services.record_onsite_list_printed(
        actor=user, inspection=inspection, village=onsite.village, file_format=query.file_format
    )
    exported_by = user.real_name or user.username
    render = onsite_docx if query.file_format == "docx" else onsite_pdf
    return download(
        render(onsite, exported_by=exported_by),
        name=f"{onsite.title}.{query.file_format}",
        content_type=DOCUMENT_TYPES[query.file_format],
    )


@router.get(
    "/villages/{int:village_id}",
    response={200: VillageStatusOut, **ERRORS},
    summary="村居档案检查情况",
)
def get_village_status(request: HttpRequest, village_id: int) -> VillageStatusOut:
    """Every round that covered the village, with the result per folder."""
    user = _user(request)
    _reader(user)
    village = access.village_for_status(user, village_id)
    folders, rows = queries.village_status(village)
    return VillageStatusOut(
        village_id=village.pk,
        village=village.name,
        folders=[folder.name for folder in folders],
        rounds=[
            VillageRoundStatusOut(
                round_id=row.inspection.pk,
                title=row.inspection.title,
                inspected_on=row.inspection.inspected_on,
                results=row.results,
                problems=row.problems,
            )
            for row in rows
        ],
    )


@router.post(
    "/{int:round_id}/villages/{int:village_id}/checklist",
    response={201: RoundDetailOut, **ERRORS},
    summary="登记检查清单",
)
def record_checklist(
    request: HttpRequest, round_id: int, village_id: int, payload: ChecklistIn
) -> Status[RoundDetailOut]:
    """The village's folders not yet recorded in one submit (`record_checklist`): the rows
    sent, every other one 合格; a refused row refuses them all (400 naming `rows`). Photos are
    added to a finding afterwards (`…/findings/{finding_id}/photos`)."""
    user = _user(request)
    inspection = access.get_round_for_user(user, round_id)
    _require_office(user, inspection)
    village = access.get_village_for_user(user, inspection, village_id)
    folders = {folder.pk: folder for folder in queries.list_folders_to_record(inspection, village)}
    sent = {row.folder_id: row for row in payload.rows}
    if len(sent) != len(payload.rows):
        raise ServiceError("同一档案类别提交了两次", field="rows")
    unknown = [folder_id for folder_id in sent if folder_id not in folders]
    if unknown:
        raise ServiceError("档案类别不存在或该村居已登记", field="rows")
    rows = [
        services.ChecklistRow(folder, sent[pk].result, sent[pk].note)
        if pk in sent
        else services.ChecklistRow(folder)
        for pk, folder in folders.items()
    ]
    try:
        services.record_checklist(actor=user, inspection=inspection, village=village, rows=rows)
    except services.ChecklistRefused as refused:
        reasons = "；".join(
            f"{folders[pk].name}：{message}" for pk, (_, message) in refused.row_errors.items()
        )
        raise ServiceError(f"{refused.message}（{reasons}）", field="rows") from refused
    return Status(201, _detail(user, access.get_round_for_user(user, round_id)))


class FolderOut(Schema):
    id: int
    name: str
    sort_order: int
    is_active: bool = Field(description="停用的类别不再出现在新的检查中")


class FolderIn(Schema):
    folder_id: int | None = Field(None, description="修改的类别；不填为新增")
    name: str = Field(min_length=1, max_length=100)
    sort_order: int = Field(100, ge=0, le=10000)
    is_active: bool = True


def _folder_out(folder: ArchiveFolder) -> FolderOut:
    return FolderOut(
        id=folder.pk, name=folder.name, sort_order=folder.sort_order, is_active=folder.is_active
    )


@router.get("/folders", response={200: list[FolderOut], **ERRORS}, summary="档案检查项目")
def list_folders(request: HttpRequest) -> list[FolderOut]:
    """The checklist every town's inspections use, in its order; any town's office (else 403)."""
    access.require_checklist_editor(_user(request))
    return [_folder_out(folder) for folder in ArchiveFolder.objects.all()]


@router.post("/folders", response={200: FolderOut, **ERRORS}, summary="新增或修改档案检查项目")
def save_folder(request: HttpRequest, payload: FolderIn) -> FolderOut:
    """The page's form: a new folder, or `folder_id`'s name, order and whether it is used in
    new findings (`services.save_folder`, audited)."""
    user = _user(request)
    access.require_checklist_editor(user)
    folder = None
    if payload.folder_id is not None:
        folder = ArchiveFolder.objects.filter(pk=payload.folder_id).first()
        if folder is None:
            raise ServiceError("档案类别不存在", field="folder_id")
    saved = services.save_folder(
        actor=user,
        folder=folder,
        name=payload.name,
        sort_order=payload.sort_order,
        is_active=payload.is_active,
    )
    return _folder_out(saved)
