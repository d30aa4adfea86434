"""Every state change of the archive inspections: one transaction each, checked, audited."""

from datetime import date

from django.db import transaction

from saohei.audit.models import AuditAction
from saohei.audit.services import record_event
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.common.roles import Role
from saohei.common.uploads import CheckedUpload
from saohei.inspections import access
from saohei.inspections.models import ArchiveFolder, Finding, FindingPhoto, InspectionRound, Result
from saohei.organisations.models import Unit, UnitKind, User
from saohei.rectifications.models import SourceKind
from saohei.rectifications.services import open_item

TEXT_LIMIT = 2000

MEASURES = {
    Result.IRREGULAR: "按档案规范整理“{folder}”材料，补齐签字、日期和目录",
    Result.MISSING: "补齐“{folder}”档案材料，按规范归档",
}


def round_url(inspection: InspectionRound) -> str:
    return f"/inspections/{inspection.pk}/"


@transaction.atomic
def create_round(
    *,
    actor: User,
    unit: Unit,
    title: str,
    deployed_by: str,
    inspected_on: date,
    inspectors: list[User],
    villages: list[Unit],
    working_days: int = 10,
) -> InspectionRound:
    """部署档案检查: the town's office or leaders, over villages of the town."""
    if unit.kind != UnitKind.TOWN:
        raise ServiceError("档案检查应登记在镇（街道）", field="unit")
    if not access.is_office_member(actor, unit):
        raise ActionNotAllowed("只有本镇扫黑办工作人员或领导小组成员可以登记档案检查")
    title = title.strip()
    if not title:
        raise ServiceError("请填写检查名称", field="title")
    if not villages:
        raise ServiceError("请选择检查村居", field="villages")
    if any(village.parent_id != unit.pk or not village.is_village for village in villages):
        raise ServiceError("检查村居须为本镇的村（社区）", field="villages")
    if not inspectors:
        raise ServiceError("请选择检查人员", field="inspectors")
    if working_days < 1 or working_days > 60:
        raise ServiceError("整改时限应为1至60个工作日", field="working_days")
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
    return (
        User.objects.filter(
            is_active=True, role_grants__role=Role.VILLAGE_HEAD, role_grants__unit=village
        )
        .order_by("pk")
        .first()
    )


def _town_leader(town: Unit, actor: User) -> User:
    leaders = User.objects.filter(
        is_active=True,
        role_grants__role__in=[Role.LEADER, Role.DEPUTY_LEADER],
        role_grants__unit=town,
    )
    if leaders.filter(pk=actor.pk).exists():
        return actor
    leader = leaders.filter(role_grants__role=Role.LEADER).order_by("pk").first()
    if leader is None:
        raise ServiceError("本镇尚未设置领导小组组长，无法确定责任领导")
    return leader


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
    if not access.is_office_member(actor, inspection.unit):
        raise ActionNotAllowed("只有本镇扫黑办工作人员或领导小组成员可以登记检查结果")
    if result not in Result.values:
        raise ServiceError("检查结果不正确", field="result")
    if not inspection.villages.filter(pk=village.pk).exists():
        raise ServiceError("该村居不在本次检查范围内", field="village")
    if not folder.is_active:
        raise ServiceError("该档案类别已停用", field="folder")
    if Finding.objects.filter(round=inspection, village=village, folder=folder).exists():
        raise ServiceError("该村居的这一类档案已登记检查结果", field="folder")
    note = note.strip()
    if len(note) > TEXT_LIMIT:
        raise ServiceError(f"说明不能超过{TEXT_LIMIT}个字", field="note")
    if result != Result.PASSED and not note:
        raise ServiceError("不合格的项目请填写说明", field="note")
    item = None
    if result != Result.PASSED:
        head = _village_head(village)
        if head is None:
            raise ServiceError("该村居尚未设置村负责人，无法列入现场整改清单", field="village")
        label = Result(result).label
        item = open_item(
            actor=actor,
            unit=inspection.unit,
            village=village,
            source_kind=SourceKind.ARCHIVE_INSPECTION,
            source_label=f"{inspection.title}·{village.name}"[:200],
            source_url=round_url(inspection),
            description=f"档案“{folder.name}”{label}：{note}",
            measures=MEASURES[Result(result)].format(folder=folder.name),
            responsible_leader=_town_leader(inspection.unit, actor),
            responsible_unit=village,
            responsible_person=head,
            working_days=inspection.working_days,
        )
    finding = Finding.objects.create(
        round=inspection,
        village=village,
        folder=folder,
        result=result,
        note=note,
        rectification_item=item,
        recorded_by=actor,
    )
    for checked in photos or []:
        photo = FindingPhoto(
            finding=finding,
            original_name=(checked.upload.name or "检查照片")[:200],
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
        )
        photo.file.save(checked.sha256, checked.upload, save=False)
        photo.save()
    record_event(
        action=AuditAction.INSPECTION_RECORDED,
        actor=actor,
        unit=inspection.unit,
        target=finding,
        details={
            "round_id": inspection.pk,
            "village_id": village.pk,
            "result": result,
            "rectification_item_id": item.pk if item else None,
            "photos": [checked.sha256 for checked in photos or []],
        },
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
    if not access.office_towns(actor):
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
