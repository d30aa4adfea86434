"""Every state change of a rectification item: one transaction each, checked, audited.

整改中 → (销号申请) 已申请销号 → (审核通过) 已销号; a returned request goes back to 整改中 with
the reason; a closed item can be re-checked: confirmed (复查通过) or re-opened with a reason.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from saohei.audit.models import AuditAction
from saohei.audit.services import record_event
from saohei.common.dates import DateKind, check_date
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.common.rows import lock_current
from saohei.common.uploads import CheckedUpload, store_upload
from saohei.common.validation import checked_text
from saohei.deadlines.queries import list_office_staff
from saohei.notifications.models import NotificationKind
from saohei.notifications.services import notify
from saohei.notifications.wording import name_item
from saohei.organisations.models import Unit, UnitKind, User
from saohei.organisations.queries import (
    LEADER_ROLES,
    is_case_worker_under,
    is_office_member,
    users_holding,
)
from saohei.rectifications import access
from saohei.rectifications.models import (
    EventKind,
    Evidence,
    RecheckResult,
    RectificationEvent,
    RectificationItem,
    RectificationProgress,
    SourceKind,
    Status,
)
from saohei.workdays.calendar import add_working_days

# Working days allowed when the caller gives neither a date nor a limit.
DEFAULT_WORKING_DAYS = {
    SourceKind.SELF_INSPECTION: 20,
    SourceKind.TALK: 20,
    SourceKind.ARCHIVE_INSPECTION: 10,
    SourceKind.SUPERVISION: 10,
    SourceKind.MEETING: 20,
}
TEXT_LIMIT = 5000


def item_url(item: RectificationItem) -> str:
    return reverse("rectifications:detail", args=[item.pk])


def item_label(item: RectificationItem) -> str:
    """The item as a notice names it: its number, village (or unit) and what is to be fixed."""
    place = item.village or item.responsible_unit
    return name_item(f"整改事项{item.pk}号", place=place.name, summary=item.description)


def _event(
    item: RectificationItem, actor: User | None, kind: EventKind, note: str = ""
) -> RectificationEvent:
    return RectificationEvent.objects.create(item=item, kind=kind, actor=actor, note=note)


def _audit(
    action: AuditAction, actor: User | None, item: RectificationItem, **details: Any
) -> None:
    record_event(action=action, actor=actor, unit=item.unit, target=item, details=details)


def _lock(item: RectificationItem, *, transition: bool = True) -> None:
    """Re-read the item under a lock; a transition is refused when its status has moved on."""
    lock_current(item, noun="整改事项", field="status" if transition else None)


def _require_status(item: RectificationItem, allowed: Status, doing: str) -> None:
    if item.status != allowed:
        raise ServiceError(f"整改事项当前状态为“{item.get_status_display()}”，不能{doing}")


def office_staff_of(item: RectificationItem) -> list[User]:
    """The town's 扫黑办 clerks: they verify a 销号 request and hear of an overdue item."""
    return list_office_staff(unit=item.unit)


def _in_town(unit: Unit, town: Unit) -> bool:
    return unit.path.startswith(town.path)


@dataclass(frozen=True)
class ItemSource:
    """Where a problem was found: a `SourceKind`, its name as the ledger shows it, and a link
    inside the system to the record it came from (a meeting, a talk, an inspection)."""

    kind: str
    label: str = ""
    url: str = ""


@dataclass(frozen=True)
class ItemInput:
    """A problem as it goes on the ledger: what, how to fix it, who answers for it, by when
    (a date, or N working days from today; neither: the source's default)."""

    description: str
    measures: str
    responsible_leader: User
    responsible_unit: Unit
    responsible_person: User
    village: Unit | None = None
    due_on: date | None = None
    working_days: int | None = None


@transaction.atomic
def open_item(
    *,
    actor: User,
    unit: Unit,
    source: ItemSource,
    data: ItemInput,
    notice_topic: str = "",
) -> RectificationItem:
    """列入台账: the town's office or leaders put a problem on the ledger with owner and deadline.
    `notice_topic` names the piece of work the item continues (a meeting decision), so that its
    owner's notice replaces the earlier unread one instead of arriving as a second."""
    village, due_on = data.village, data.due_on
    if unit.kind != UnitKind.TOWN:
        raise ServiceError("整改事项应登记在镇（街道）", field="unit")
    if not is_office_member(actor, unit):
        raise ActionNotAllowed("只有本镇扫黑办工作人员或领导小组组长、副组长可以列入整改台账")
    if source.kind not in SourceKind.values:
        raise ServiceError("问题来源不正确", field="source_kind")
    if village is not None and (
        village.kind not in (UnitKind.VILLAGE, UnitKind.COMMUNITY) or village.parent_id != unit.pk
    ):
        raise ServiceError("所属村须为本镇的村（社区）", field="village")
    if source.url and not source.url.startswith("/"):
        raise ServiceError("来源链接只能是本系统内以“/”开头的地址", field="source_url")
    if not _in_town(data.responsible_unit, unit):
        raise ServiceError("责任单位须为本镇或本镇下属单位", field="responsible_unit")
    if not (
        data.responsible_leader.is_active
        and users_holding(LEADER_ROLES, on=unit).filter(pk=data.responsible_leader.pk).exists()
    ):
        raise ServiceError("责任领导须为本镇领导小组组长或副组长", field="responsible_leader")
    if not (is_case_worker_under(data.responsible_person, unit)):
        raise ServiceError(
            "责任人须为本镇在岗人员（三员、举报信息保管员除外）", field="responsible_person"
        )
    today = timezone.localdate()
    if due_on is None:
        days = data.working_days
        if days is None:
            days = DEFAULT_WORKING_DAYS[SourceKind(source.kind)]
        if days < 1 or days > 365:
            raise ServiceError("整改时限应为1至365个工作日", field="working_days")
        due_on = add_working_days(today, days)
    elif due_on < today:
        raise ServiceError("整改时限不能早于今天", field="due_on")
    check_date(due_on, kind=DateKind.DEADLINE, label="整改时限", field="due_on")
    item = RectificationItem.objects.create(
        unit=unit,
        village=village,
        source_kind=source.kind,
        source_label=source.label.strip()[:200],
        source_url=source.url.strip()[:300],
        description=checked_text(
            data.description, field="description", label="问题描述", limit=TEXT_LIMIT, required=True
        ),
        measures=checked_text(
            data.measures, field="measures", label="整改措施", limit=TEXT_LIMIT, required=True
        ),
        responsible_leader=data.responsible_leader,
        responsible_unit=data.responsible_unit,
        responsible_person=data.responsible_person,
        due_on=due_on,
        created_by=actor,
    )
    _event(item, actor, EventKind.OPENED, f"整改时限 {due_on:%Y-%m-%d}")
    _audit(
        AuditAction.RECTIFICATION_OPENED,
        actor,
        item,
        source_kind=source.kind,
        due_on=due_on.isoformat(),
    )
    notify(
        recipients=[data.responsible_person],
        title=f"新的整改事项已列入台账：{item_label(item)}",
        body=f"{item.source_label}，整改时限 {due_on:%Y-%m-%d}"
        if item.source_label
        else f"整改时限 {due_on:%Y-%m-%d}",
        url=item_url(item),
        kind=NotificationKind.INFO,
        topic=notice_topic,
    )
    return item


@transaction.atomic
def record_progress(
    *,
    actor: User,
    item: RectificationItem,
    occurred_on: date,
    content: str,
    evidence: list[CheckedUpload] | None = None,
) -> RectificationProgress:
    """整改进展 with its evidence: the responsible person, the village's head or the office."""
    if not access.can_update(actor, item):
        raise ActionNotAllowed("只有责任人、本村负责人或扫黑办可以填报整改进展")
    _lock(item, transition=False)
    _require_status(item, Status.OPEN, "填报进展")
    check_date(occurred_on, kind=DateKind.EVENT, label="进展日期", field="occurred_on")
    progress = RectificationProgress.objects.create(
        item=item,
        occurred_on=occurred_on,
        content=checked_text(
            content, field="content", label="整改进展", limit=TEXT_LIMIT, required=True
        ),
        author=actor,
    )
    digests = []
    for checked in evidence or []:
        stored = Evidence(
            item=item,
            progress=progress,
            original_name=(checked.upload.name or "佐证材料")[:200],
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
            uploaded_by=actor,
        )
        store_upload(stored.file, checked)
        stored.save()
        digests.append(checked.sha256)
    _event(item, actor, EventKind.PROGRESS, progress.content[:200])
    _audit(
        AuditAction.RECTIFICATION_PROGRESS,
        actor,
        item,
        progress_id=progress.pk,
        evidence=digests,
    )
    return progress


@transaction.atomic
def edit_measures(
    *, actor: User, item: RectificationItem, measures: str, version: int | None = None
) -> RectificationItem:
    """修改整改措施: the town's office, while the item is being rectified; refused when someone
    else saved them since `version` was opened. Before and after go to the audit log."""
    if not is_office_member(actor, item.unit):
        raise ActionNotAllowed("只有本镇扫黑办或领导小组可以修改整改措施")
    lock_current(item, noun="整改事项", field=None, version=version)
    _require_status(item, Status.OPEN, "修改整改措施")
    measures = checked_text(
        measures, field="measures", label="整改措施", limit=TEXT_LIMIT, required=True
    )
    if measures == item.measures:
        raise ServiceError("整改措施没有修改", field="measures")
    before = item.measures
    item.measures = measures
    item.version += 1
    item.save(update_fields=["measures", "version", "updated_at"])
    _event(item, actor, EventKind.MEASURES_EDITED, measures[:200])
    _audit(
        AuditAction.RECTIFICATION_MEASURES_EDITED,
        actor,
        item,
        before=before[:200],
        after=measures[:200],
        version=item.version,
    )
    return item


@transaction.atomic
def request_closure(*, actor: User, item: RectificationItem, note: str = "") -> RectificationItem:
    """销号申请: only after at least one progress update carrying evidence."""
    if not access.can_update(actor, item):
        raise ActionNotAllowed("只有责任人、本村负责人或扫黑办可以申请销号")
    _lock(item)
    _require_status(item, Status.OPEN, "申请销号")
    if not item.evidence.exists():
        raise ServiceError("申请销号前须至少填报一次附有佐证材料的整改进展", field="evidence")
    item.status = Status.REQUESTED
    item.requested_by = actor
    item.requested_at = timezone.now()
    item.closure_note = checked_text(note, field="note", label="申请说明", limit=TEXT_LIMIT)
    item.save(
        update_fields=["status", "requested_by", "requested_at", "closure_note", "updated_at"]
    )
    _event(item, actor, EventKind.REQUESTED, item.closure_note)
    _audit(AuditAction.RECTIFICATION_REQUESTED, actor, item)
    notify(
        recipients=[user for user in office_staff_of(item) if user.pk != actor.pk],
        title=f"申请销号，请审核：{item_label(item)}",
        url=item_url(item),
        kind=NotificationKind.REMINDER,
    )
    return item


@transaction.atomic
def verify_closure(
    *, actor: User, item: RectificationItem, accept: bool, reason: str = ""
) -> RectificationItem:
    """审核销号: the office accepts (销号) or returns with a reason; never the one who did it."""
    if not access.can_verify(actor, item):
        raise ActionNotAllowed(
            "只有扫黑办工作人员或领导小组组长、副组长可以审核销号，且不能审核本人或本村的事项"
        )
    _lock(item)
    _require_status(item, Status.REQUESTED, "审核销号")
    reason = checked_text(
        reason, field="reason", label="退回理由", limit=TEXT_LIMIT, required=not accept
    )
    now = timezone.now()
    item.verified_by = actor
    item.verified_at = now
    item.is_verification_accepted = accept
    item.verification_reason = reason
    if accept:
        item.status = Status.CLOSED
        item.closed_at = now
    else:
        item.status = Status.OPEN
    item.save(
        update_fields=[
            "status",
            "verified_by",
            "verified_at",
            "is_verification_accepted",
            "verification_reason",
            "closed_at",
            "updated_at",
        ]
    )
    _event(item, actor, EventKind.ACCEPTED if accept else EventKind.RETURNED, reason)
    _audit(
        AuditAction.RECTIFICATION_VERIFIED if accept else AuditAction.RECTIFICATION_RETURNED,
        actor,
        item,
    )
    notify(
        recipients=[item.responsible_person] + ([item.requested_by] if item.requested_by else []),
        title=f"{'已销号' if accept else '销号申请被退回'}：{item_label(item)}",
        body=reason[:200],
        url=item_url(item),
        kind=NotificationKind.REMINDER,
    )
    return item


@transaction.atomic
def recheck(
    *,
    actor: User,
    item: RectificationItem,
    passed: bool,
    reason: str = "",
    due_on: date | None = None,
) -> RectificationItem:
    """复查: confirm a closed item (复查通过) or re-open it with a reason and a new deadline."""
    if not access.can_verify(actor, item):
        raise ActionNotAllowed(
            "只有扫黑办工作人员或领导小组组长、副组长可以复查，且不能复查本人或本村的事项"
        )
    _lock(item)
    _require_status(item, Status.CLOSED, "复查")
    reason = checked_text(
        reason, field="reason", label="复查意见", limit=TEXT_LIMIT, required=not passed
    )
    item.recheck_result = RecheckResult.PASSED if passed else RecheckResult.REOPENED
    item.recheck_reason = reason
    item.rechecked_by = actor
    item.rechecked_at = timezone.now()
    fields = ["recheck_result", "recheck_reason", "rechecked_by", "rechecked_at", "updated_at"]
    if not passed:
        today = timezone.localdate()
        if due_on is not None and due_on < today:
            raise ServiceError("整改时限不能早于今天", field="due_on")
        check_date(due_on, kind=DateKind.DEADLINE, label="整改时限", field="due_on")
        item.status = Status.OPEN
        item.closed_at = None
        item.escalation_level = 0
        item.due_on = due_on or add_working_days(
            today, DEFAULT_WORKING_DAYS[SourceKind(item.source_kind)]
        )
        fields += ["status", "closed_at", "escalation_level", "due_on"]
    item.save(update_fields=fields)
    _event(
        item,
        actor,
        EventKind.RECHECK_PASSED if passed else EventKind.RECHECK_REOPENED,
        reason if passed else f"{reason}（新时限 {item.due_on:%Y-%m-%d}）",
    )
    _audit(AuditAction.RECTIFICATION_RECHECKED, actor, item, passed=passed)
    if not passed:
        notify(
            recipients=[item.responsible_person],
            title=f"复查未通过，需重新整改：{item_label(item)}",
            body=reason[:200],
            url=item_url(item),
            kind=NotificationKind.REMINDER,
        )
    return item


@transaction.atomic
def record_evidence_downloaded(
    *, actor: User, evidence: Evidence, ip_address: str | None = None
) -> None:
    """Every download of 佐证材料 is audited with its digest (the access check is the caller's)."""
    record_event(
        action=AuditAction.ATTACHMENT_DOWNLOADED,
        actor=actor,
        unit=evidence.item.unit,
        target=evidence.item,
        ip_address=ip_address,
        details={"evidence_id": evidence.pk, "sha256": evidence.sha256},
    )


@transaction.atomic
def record_ledger_export(
    *, actor: User, rows: int, filters: dict[str, Any], ip_address: str | None = None
) -> None:
    """Every export of the 问题整改台账 is audited with its row count and filters."""
    record_event(
        action=AuditAction.RECTIFICATIONS_EXPORTED,
        actor=actor,
        ip_address=ip_address,
        details={"rows": rows, "filters": filters},
    )
