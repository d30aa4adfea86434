"""Every state change of the archive inspections: one transaction each, checked, audited."""

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from saohei.audit.models import AuditAction
from saohei.audit.services import record_event
from saohei.common.dates import DateKind, check_date
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.common.roles import Role
from saohei.common.uploads import CheckedUpload, store_upload
from saohei.inspections.models import ArchiveFolder, Finding, FindingPhoto, InspectionRound, Result
from saohei.notifications.models import NotificationKind
from saohei.notifications.services import notify
from saohei.organisations.models import Unit, UnitKind, User
from saohei.organisations.queries import (
    LEADER_ROLES,
    is_case_worker_under,
    is_office_member,
    list_office_towns,
    users_holding,
)
from saohei.rectifications.models import RectificationItem, SourceKind, Status
from saohei.rectifications.services import ItemInput, ItemSource, item_label, open_item

TEXT_LIMIT = 2000

MEASURES = {
    Result.IRREGULAR: "按档案规范整理“{folder}”材料，补齐签字、日期和目录",
    Result.MISSING: "补齐“{folder}”档案材料，按规范归档",
}


def round_url(inspection: InspectionRound) -> str:
    return reverse("inspections:detail", args=[inspection.pk])


@dataclass(frozen=True)
class RoundInput:
    """档案检查 as deployed: by whom, when, who inspects which villages, and the working days
    each finding's rectification gets."""

    title: str
    deployed_by: str
    inspected_on: date
    inspectors: list[User]
    villages: list[Unit]
    working_days: int = 10


@transaction.atomic
def create_round(*, actor: User, unit: Unit, data: RoundInput) -> InspectionRound:
    """部署档案检查: the town's office or leaders, over villages of the town."""
    inspectors, villages, working_days = data.inspectors, data.villages, data.working_days
    deployed_by, inspected_on = data.deployed_by, data.inspected_on
    if unit.kind != UnitKind.TOWN:
        raise ServiceError("档案检查应登记在镇（街道）", field="unit")
    if not is_office_member(actor, unit):
        raise ActionNotAllowed("只有本镇扫黑办工作人员或领导小组成员可以登记档案检查")
    title = data.title.strip()
    if not title:
        raise ServiceError("请填写检查名称", field="title")
    if not villages:
        raise ServiceError("请选择检查村居", field="villages")
    if any(village.parent_id != unit.pk or not village.is_village for village in villages):
        raise ServiceError("检查村居须为本镇的村（社区）", field="villages")
    if not inspectors:
        raise ServiceError("请选择检查人员", field="inspectors")
    if any(not is_case_worker_under(person, unit) for person in inspectors):
        raise ServiceError(
            "检查人员须为本镇在岗人员（三员、举报信息保管员除外）", field="inspectors"
        )
    if working_days < 1 or working_days > 60:
        raise ServiceError("整改时限应为1至60个工作日", field="working_days")
    check_date(inspected_on, kind=DateKind.EVENT, label="检查日期", field="inspected_on")
    inspection = InspectionRound.objects.create(
        unit=unit,
        title=title[:200],
        deployed_by=deployed_by.strip()[:100],
        inspected_on=inspected_on,
        working_days=working_days,
        created_by=actor,
    )
    inspection.inspectors.set(inspectors)
    inspection.villages.set(villages)
    record_event(
        action=AuditAction.INSPECTION_ROUND_CREATED,
        actor=actor,
        unit=unit,
        target=inspection,
        details={"villages": len(villages)},
    )
    return inspection


def _village_head(village: Unit) -> User | None:
    return users_holding(Role.VILLAGE_HEAD, on=village).order_by("pk").first()


def _town_leader(town: Unit, actor: User) -> User:
    if users_holding(LEADER_ROLES, on=town).filter(pk=actor.pk).exists():
        return actor
    leader = users_holding(Role.LEADER, on=town).order_by("pk").first()
    if leader is None:
        raise ServiceError("本镇尚未设置领导小组组长，无法确定责任领导")
    return leader


def _open_onsite_item(
    *,
    actor: User,
    inspection: InspectionRound,
    village: Unit,
    folder: ArchiveFolder,
    result: str,
    note: str,
) -> RectificationItem:
    """A folder found not 合格 becomes an item of the village's on-site rectification list."""
    head = _village_head(village)
    if head is None:
        raise ServiceError("该村居尚未设置村负责人，无法列入现场整改清单", field="village")
    label = Result(result).label
    return open_item(
        actor=actor,
        unit=inspection.unit,
        source=ItemSource(
            kind=SourceKind.ARCHIVE_INSPECTION,
            label=f"{inspection.title}·{village.name}"[:200],
            url=round_url(inspection),
        ),
        data=ItemInput(
            village=village,
            description=f"档案“{folder.name}”{label}：{note}",
            measures=MEASURES[Result(result)].format(folder=folder.name),
            responsible_leader=_town_leader(inspection.unit, actor),
            responsible_unit=village,
            responsible_person=head,
            working_days=inspection.working_days,
        ),
    )


def _store_photos(finding: Finding, photos: list[CheckedUpload]) -> None:
    for checked in photos:
        photo = FindingPhoto(
            finding=finding,
            original_name=(checked.upload.name or "检查照片")[:200],
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
        )
        store_upload(photo.file, checked)
        photo.save()


def _check_note(result: str, note: str) -> str:
    if result not in Result.values:
        raise ServiceError("检查结果不正确", field="result")
    note = note.strip()
    if len(note) > TEXT_LIMIT:
        raise ServiceError(f"说明不能超过{TEXT_LIMIT}个字", field="note")
    if result != Result.PASSED and not note:
        raise ServiceError("不合格的项目请填写说明", field="note")
    return note


@transaction.atomic
def record_finding(
    *,
    actor: User,
    inspection: InspectionRound,
    village: Unit,
    folder: ArchiveFolder,
    result: str,
    note: str = "",
    photos: list[CheckedUpload] | None = None,
) -> Finding:
    """检查结果: one per village and folder; not 合格 puts an item on the on-site list."""
    _require_recorder(actor, inspection)
    note = _check_note(result, note)
    _check_village(inspection, village)
    _check_folder(inspection, village, folder)
    return _record(
        actor=actor,
        inspection=inspection,
        village=village,
        row=ChecklistRow(folder=folder, result=result, note=note, photos=photos or []),
    )


@dataclass
class ChecklistRow:
    """One folder of a village's checklist as submitted: result, note and photos."""

    folder: ArchiveFolder
    result: str = Result.PASSED
    note: str = ""
    photos: list[CheckedUpload] = field(default_factory=list)


class ChecklistRefused(ServiceError):
    """Some rows of a checklist were refused; `row_errors` maps folder id → (field, message)."""

    def __init__(self, row_errors: dict[int, tuple[str, str]]) -> None:
        super().__init__(
            f"有 {len(row_errors)} 项未能登记，请按提示修改后重新提交；本次未登记任何一项"
        )
        self.row_errors = row_errors


@transaction.atomic
def record_checklist(
    *, actor: User, inspection: InspectionRound, village: Unit, rows: list[ChecklistRow]
) -> list[Finding]:
    """检查清单: a village's folders in one submit; any refused row refuses them all."""
    _require_recorder(actor, inspection)
    _check_village(inspection, village)
    if not rows:
        raise ServiceError("该村居没有待登记的档案类别")
    row_errors: dict[int, tuple[str, str]] = {}
    checked: list[ChecklistRow] = []
    for row in rows:
        try:
            note = _check_note(row.result, row.note)
            _check_folder(inspection, village, row.folder)
        except ServiceError as error:
            row_errors[row.folder.pk] = (error.field or "note", error.message)
            continue
        checked.append(ChecklistRow(row.folder, row.result, note, row.photos))
    if len({row.folder.pk for row in rows}) != len(rows):
        raise ServiceError("同一档案类别提交了两次，请刷新页面后重新填写")
    if row_errors:
        raise ChecklistRefused(row_errors)
    return [
        _record(actor=actor, inspection=inspection, village=village, row=row) for row in checked
    ]


def _require_recorder(actor: User, inspection: InspectionRound) -> None:
    if not is_office_member(actor, inspection.unit):
        raise ActionNotAllowed("只有本镇扫黑办工作人员或领导小组成员可以登记检查结果")


def _check_village(inspection: InspectionRound, village: Unit) -> None:
    if not inspection.villages.filter(pk=village.pk).exists():
        raise ServiceError("该村居不在本次检查范围内", field="village")


def _check_folder(inspection: InspectionRound, village: Unit, folder: ArchiveFolder) -> None:
    if not folder.is_active:
        raise ServiceError("该档案类别已停用", field="folder")
    if Finding.objects.filter(round=inspection, village=village, folder=folder).exists():
        raise ServiceError("该村居的这一类档案已登记检查结果", field="folder")


def _record(
    *, actor: User, inspection: InspectionRound, village: Unit, row: ChecklistRow
) -> Finding:
    item = None
    if row.result != Result.PASSED:
        item = _open_onsite_item(
            actor=actor,
            inspection=inspection,
            village=village,
            folder=row.folder,
            result=row.result,
            note=row.note,
        )
    finding = Finding.objects.create(
        round=inspection,
        village=village,
        folder=row.folder,
        result=row.result,
        note=row.note,
        rectification_item=item,
        recorded_by=actor,
    )
    _store_photos(finding, row.photos)
    record_event(
        action=AuditAction.INSPECTION_RECORDED,
        actor=actor,
        unit=inspection.unit,
        target=finding,
        details={
            "round_id": inspection.pk,
            "village_id": village.pk,
            "result": row.result,
            "rectification_item_id": item.pk if item else None,
            "photos": [checked.sha256 for checked in row.photos],
        },
    )
    return finding


@transaction.atomic
def edit_finding(
    *,
    actor: User,
    finding: Finding,
    result: str,
    note: str,
    photos: list[CheckedUpload] | None = None,
) -> Finding:
    """更正检查结果: the office corrects result and note, or adds photos; audited before → after.

    A finding already on the on-site list keeps its rectification item as it was printed and
    signed: the item's text is not rewritten, its 责任人 is told of the correction, and it
    cannot be turned into 合格 here (that is what 销号 on the ledger is for). A finding that
    becomes not 合格 opens its item now.
    """
    inspection = finding.round
    if not is_office_member(actor, inspection.unit):
        raise ActionNotAllowed("只有本镇扫黑办工作人员或领导小组成员可以修改检查结果")
    note = _check_note(result, note)
    photos = photos or []
    changes: dict[str, dict[str, str]] = {}
    if result != finding.result:
        changes["result"] = {
            "before": finding.get_result_display(),
            "after": Result(result).label,
        }
    if note != finding.note:
        changes["note"] = {"before": finding.note[:200], "after": note[:200]}
    if not changes and not photos:
        raise ServiceError("没有修改任何内容")
    item = finding.rectification_item
    if item is not None and changes:
        if item.status == Status.CLOSED:
            raise ServiceError(
                "该项已列入整改事项并已销号，检查结果不能再修改；如需补充，可只上传照片",
                field="result",
            )
        if result == Result.PASSED:
            raise ServiceError(
                "该项已列入现场整改清单，不能直接改为合格；如确属误判，请由村负责人在整改台账"
                "中说明情况并申请销号，经扫黑办审核后销号",
                field="result",
            )
    opened = None
    if item is None and result != Result.PASSED:
        opened = _open_onsite_item(
            actor=actor,
            inspection=inspection,
            village=finding.village,
            folder=finding.folder,
            result=result,
            note=note,
        )
        finding.rectification_item = opened
    finding.result = result
    finding.note = note
    finding.edited_by = actor
    finding.edited_at = timezone.now()
    finding.save(update_fields=["result", "note", "rectification_item", "edited_by", "edited_at"])
    _store_photos(finding, photos)
    record_event(
        action=AuditAction.INSPECTION_FINDING_EDITED,
        actor=actor,
        unit=inspection.unit,
        target=finding,
        details={
            "round_id": inspection.pk,
            "village_id": finding.village_id,
            "changes": changes,
            "photos_added": [checked.sha256 for checked in photos],
            "rectification_item_id": finding.rectification_item_id,
            "rectification_item_opened": opened is not None,
        },
    )
    if item is not None and changes:
        notify(
            recipients=[item.responsible_person],
            title=f"档案检查结果已更正，整改事项内容未改变：{item_label(item)}",
            body=f"“{finding.folder.name}”：{note}"[:200],
            url=reverse("rectifications:detail", args=[item.pk]),
            kind=NotificationKind.INFO,
        )
    return finding


@transaction.atomic
def save_folder(
    *,
    actor: User,
    folder: ArchiveFolder | None,
    name: str,
    sort_order: int,
    is_active: bool,
) -> ArchiveFolder:
    """检查项目: the checklist is shared by all towns; any town's office or leaders edit it."""
    if not list_office_towns(actor):
        raise ActionNotAllowed("只有扫黑办工作人员或领导小组成员可以修改档案检查项目")
    name = name.strip()
    if not name or len(name) > 100:
        raise ServiceError("请填写档案类别（不超过100字）", field="name")
    clash = ArchiveFolder.objects.filter(name=name)
    if folder is not None:
        clash = clash.exclude(pk=folder.pk)
    if clash.exists():
        raise ServiceError("已有同名的档案类别", field="name")
    saved = folder or ArchiveFolder()
    saved.name, saved.sort_order, saved.is_active = name, sort_order, is_active
    saved.save()
    record_event(
        action=AuditAction.ARCHIVE_FOLDER_SAVED,
        actor=actor,
        target=saved,
        details={"name": name, "sort_order": sort_order, "is_active": is_active},
    )
    return saved


def record_onsite_list_printed(
    *, actor: User, inspection: InspectionRound, village: Unit, file_format: str
) -> None:
    """Printing the on-site list is audited: it is the document the village head signs."""
    record_event(
        action=AuditAction.ONSITE_LIST_PRINTED,
        actor=actor,
        unit=inspection.unit,
        target=inspection,
        details={"village_id": village.pk, "format": file_format},
    )


@transaction.atomic
def record_photo_downloaded(
    *, actor: User, inspection: InspectionRound, photo: FindingPhoto, ip_address: str | None = None
) -> None:
    """Every download of an inspection photo is audited with its digest (the access check is
    the caller's)."""
    record_event(
        action=AuditAction.ATTACHMENT_DOWNLOADED,
        actor=actor,
        unit=inspection.unit,
        target=inspection,
        ip_address=ip_address,
        details={"photo_id": photo.pk, "sha256": photo.sha256},
    )
