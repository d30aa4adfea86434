"""/api/v1/inspections — 村级档案检查, with the pages' access rules (`inspections.access`).

A round the account may not see is 404; a village head sees only their own village's findings;
a 上级督导 reads the rounds of the towns under them. Recording or correcting a finding is the
office's: others who can see the round get 403, a refused input 400, a malformed body 422. A
finding that is not 合格 lands on the village's on-site rectification list (its item id is
returned). Photos are added to a finding by a multipart operation of its own, through the page's
correction service and upload checks (decision 0063).
"""

from typing import Annotated

from django.http import HttpRequest
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile

from saohei.api.ids import one_of, recording_town
from saohei.api.schemas import ErrorResponse, OneOf, Shown
from saohei.api.uploads import checked_files
from saohei.common.dates import EventDay, ShownDay
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.inspections import access, services
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
