"""Every state change of a tip: one transaction each, audited — never with the reporter's
address, device or identity (DOMAIN.md §4.6)."""

from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from saohei.audit.models import AuditAction
from saohei.audit.services import record_event
from saohei.common.changes import people_changed
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.common.pii import clean_id_number, clean_mobile
from saohei.common.rows import lock_current
from saohei.common.uploads import CheckedUpload, check_uploads, sniff_content_type, store_upload
from saohei.common.validation import checked_text
from saohei.leads import services as lead_services
from saohei.leads.models import (
    Channel,
    DictionaryEntry,
    DictionaryKind,
    Lead,
    Source,
    SubjectRole,
)
from saohei.leads.services import ReporterInput
from saohei.notifications.models import NotificationKind
from saohei.notifications.services import notify
from saohei.organisations.models import Unit, UnitKind, User
from saohei.tips import access, queries
from saohei.tips.models import (
    MessageDirection,
    Tip,
    TipAttachment,
    TipMessage,
    TipPerson,
    TipStatus,
)
from saohei.tips.receipts import new_receipt, receipt_digest
from saohei.vault.services import store_reporter_identity

# Public uploads are tighter than staff ones: a cheap phone on a slow line, and strangers' files.
MAX_TIP_FILES = 5
MAX_TIP_FILE_BYTES = 10 * 1024 * 1024
MAX_FILES_PER_TIP = 20
MAX_TIP_PERSONS = 5
# With those the intake handler adds from the text (the lead's subject form takes 20 too).
MAX_PERSONS_WITH_ADDED = 20
MAX_TEXT_CHARS = 5000
MIN_CONTENT_CHARS = 10
TIP_CONTENT_TYPES = frozenset(
    {
        "image/jpeg",
        "image/png",
        "image/gif",
        "image/heic",
        "image/heif",
        "audio/mpeg",
        "audio/wav",
        "audio/mp4",
        "application/pdf",
    }
)
# The one answer for an unknown, mistyped or guessed receipt: it must not tell them apart.
WRONG_RECEIPT_MESSAGE = "查询码不正确，或没有对应的举报。请核对后重新输入。"


@dataclass(frozen=True)
class PersonInput:
    name: str = ""
    alias: str = ""
    village: Unit | None = None
    role: str = SubjectRole.REPORTED
    position: str = ""
    description: str = ""

    @property
    def is_empty(self) -> bool:
        texts = (self.name, self.alias, self.position, self.description)
        return not any(text.strip() for text in texts) and self.village is None


@dataclass
class TipInput:
    content: str
    category: DictionaryEntry | None = None
    village: Unit | None = None
    occurred_when: str = ""
    place: str = ""
    victims: str = ""
    witnesses: str = ""
    involves_official: bool = False
    persons: list[PersonInput] = field(default_factory=list)
    reporter: ReporterInput | None = None
    attachments: list[CheckedUpload] = field(default_factory=list)


@dataclass(frozen=True)
class SubmittedTip:
    """The new tip and its receipt: the only time the receipt exists outside the reporter."""

    tip: Tip
    receipt: str


def check_tip_uploads(files: list[UploadedFile]) -> list[CheckedUpload]:
    """Photos, recordings and PDFs only, by content; the whole batch is refused on any fault."""
    if len(files) > MAX_TIP_FILES:
        raise ServiceError(f"每次最多上传 {MAX_TIP_FILES} 个附件", field="attachments")
    for upload in files:
        if (upload.size or 0) > MAX_TIP_FILE_BYTES:
            raise ServiceError(
                f"附件“{upload.name}”超过 {MAX_TIP_FILE_BYTES // 1024 // 1024}MB，请压缩或分次上传",
                field="attachments",
            )
        # By content, before check_uploads: the public portal never has an archive opened.
        upload.seek(0)
        content_type = sniff_content_type(upload.read(32))
        if content_type is not None and content_type not in TIP_CONTENT_TYPES:
            raise ServiceError(
                f"附件“{upload.name}”不是照片、录音或PDF文件（按文件内容识别），未能接收",
                field="attachments",
            )
        upload.seek(0)
    return check_uploads(files)


def _check_checked_uploads(uploads: list[CheckedUpload]) -> None:
    """The same limits again inside the service, for callers that skipped the form."""
    if len(uploads) > MAX_TIP_FILES:
        raise ServiceError(f"每次最多上传 {MAX_TIP_FILES} 个附件", field="attachments")
    for item in uploads:
        if item.size > MAX_TIP_FILE_BYTES or item.content_type not in TIP_CONTENT_TYPES:
            raise ServiceError("附件的大小或类型不符合要求", field="attachments")


def _store_attachments(
    tip: Tip, uploads: list[CheckedUpload], message: TipMessage | None = None
) -> None:
    for checked in uploads:
        attachment = TipAttachment(
            tip=tip,
            message=message,
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
        )
        store_upload(attachment.file, checked)
        attachment.save()


def _clean_person(person: PersonInput, unit: Unit, *, one_form: bool = False) -> dict[str, Any]:
    """The person's stored fields; an error names the tip form's 被举报人 block, or with
    `one_form` (a single person's form) the field itself."""

    def field(name: str) -> str:
        return name if one_form else "persons"

    if person.village is not None and (
        person.village.parent_id != unit.pk or not person.village.is_village
    ):
        raise ServiceError("被举报人所在村（社区）不在该镇", field=field("village"))
    if person.role not in SubjectRole.values:
        raise ServiceError("被举报人身份不正确", field=field("role"))
    role = SubjectRole(person.role)
    # A position given without saying cadre or official: assume official, the protective
    # reading (leaders only); the leaders can correct it on the lead.
    if person.position.strip() and role not in (SubjectRole.VILLAGE_CADRE, SubjectRole.OFFICIAL):
        role = SubjectRole.OFFICIAL
    return {
        "name": checked_text(person.name, field=field("name"), label="被举报人姓名", limit=50),
        "alias": checked_text(person.alias, field=field("alias"), label="被举报人绰号", limit=50),
        "village": person.village,
        "role": role,
        "position": checked_text(
            person.position, field=field("position"), label="被举报人职务", limit=100
        ),
        "description": checked_text(
            person.description, field=field("description"), label="被举报人情况", limit=2000
        ),
    }


def _seal_reporter(reporter: ReporterInput) -> tuple[str, bool]:
    """Real-name details go to the vault only; returns (reference, is real-name)."""
    if not reporter.name.strip() or not reporter.phone.strip():
        raise ServiceError("实名举报请填写姓名和联系电话，以便我们联系您", field="reporter_name")
    phone = clean_mobile(reporter.phone)
    id_number = clean_id_number(reporter.id_number) if reporter.id_number.strip() else ""
    identity = store_reporter_identity(
        name=checked_text(reporter.name, field="reporter_name", label="姓名", limit=50),
        phone=phone,
        id_number=id_number,
        address=checked_text(reporter.address, field="reporter_address", label="住址", limit=200),
    )
    return identity.reference, not identity.is_anonymous


def _unique_receipt() -> tuple[str, str]:
    # A repeat in 10^16 is practically impossible; the unique digest column is the real guard.
    while True:
        receipt = new_receipt()
        digest = receipt_digest(receipt)
        if not Tip.objects.filter(receipt_digest=digest).exists():
            return receipt, digest


@transaction.atomic
def submit_tip(*, unit: Unit, data: TipInput) -> SubmittedTip:
    """A tip from the public: stored with a fresh receipt that is returned once and never kept."""
    if unit.kind != UnitKind.TOWN or not unit.is_active:
        raise ServiceError("请选择举报事项所在的镇（街道）", field="unit")
    content = checked_text(data.content, field="content", label="主要问题", limit=MAX_TEXT_CHARS)
    if len(content) < MIN_CONTENT_CHARS:
        raise ServiceError(
            f"请写明举报的主要问题（至少{MIN_CONTENT_CHARS}个字）：什么人、做了什么、什么后果",
            field="content",
        )
    if data.village is not None and (
        data.village.parent_id != unit.pk or not data.village.is_village
    ):
        raise ServiceError("所选村（社区）不在该镇", field="village")
    if data.category is not None and data.category.kind != DictionaryKind.TARGET_CATEGORY:
        raise ServiceError("问题类别不正确", field="category")
    persons = [_clean_person(person, unit) for person in data.persons if not person.is_empty]
    if len(persons) > MAX_TIP_PERSONS:
        raise ServiceError(f"被举报人最多填写 {MAX_TIP_PERSONS} 名", field="persons")
    _check_checked_uploads(data.attachments)
    reference, is_real_name = _seal_reporter(data.reporter) if data.reporter else ("", False)

    receipt, digest = _unique_receipt()
    tip = Tip.objects.create(
        unit=unit,
        receipt_digest=digest,
        category=data.category,
        village=data.village,
        occurred_when=checked_text(
            data.occurred_when, field="occurred_when", label="事发时间", limit=100
        ),
        place=checked_text(data.place, field="place", label="事发地点", limit=200),
        content=content,
        victims=checked_text(
            data.victims, field="victims", label="受害人情况", limit=MAX_TEXT_CHARS
        ),
        witnesses=checked_text(
            data.witnesses, field="witnesses", label="知情人、证人", limit=MAX_TEXT_CHARS
        ),
        involves_official=data.involves_official,
        concerns_officials=data.involves_official
        or any(person["role"] != SubjectRole.REPORTED for person in persons),
        reporter_reference=reference,
        is_real_name=is_real_name,
    )
    TipPerson.objects.bulk_create([TipPerson(tip=tip, **person) for person in persons])
    people_changed("tip", [tip.pk])
    _store_attachments(tip, data.attachments)
    record_event(
        action=AuditAction.TIP_SUBMITTED,
        unit=unit,
        target=tip,
        details={"persons": len(persons), "attachments": len(data.attachments)},
    )
    notify(
        recipients=access.intake_recipients(tip),
        title=f"收到新的群众举报（{tip}）",
        url=reverse("tips:detail", args=[tip.pk]),
        kind=NotificationKind.INFO,
    )
    return SubmittedTip(tip=tip, receipt=receipt)


@transaction.atomic
def follow_up_with_receipt(
    *, receipt: str, body: str, attachments: list[CheckedUpload] | None = None
) -> TipMessage:
    """举报人补充: a reply or more material from whoever holds the receipt."""
    tip = queries.get_tip_by_receipt(receipt)
    if tip is None:
        raise ServiceError(WRONG_RECEIPT_MESSAGE, field="receipt")
    uploads = attachments or []
    text = checked_text(body, field="body", label="补充内容", limit=MAX_TEXT_CHARS)
    if not text and not uploads:
        raise ServiceError("请填写补充内容或选择要上传的材料", field="body")
    _check_checked_uploads(uploads)
    if tip.attachments.count() + len(uploads) > MAX_FILES_PER_TIP:
        raise ServiceError(
            f"每件举报最多接收 {MAX_FILES_PER_TIP} 个附件，如有更多材料请留言说明",
            field="attachments",
        )
    now = timezone.now()
    message = TipMessage.objects.create(
        tip=tip, direction=MessageDirection.FROM_REPORTER, body=text, created_at=now
    )
    _store_attachments(tip, uploads, message)
    Tip.objects.filter(pk=tip.pk).update(last_reporter_message_at=now)
    record_event(
        action=AuditAction.TIP_FOLLOWED_UP,
        unit=tip.unit,
        target=tip,
        details={"message_id": message.pk, "attachments": len(uploads)},
    )
    notify(
        recipients=access.intake_recipients(tip),
        title=f"{tip} 的举报人补充了材料",
        url=reverse("tips:detail", args=[tip.pk]),
        kind=NotificationKind.INFO,
    )
    return message


def _require_handler(actor: User, tip: Tip) -> None:
    if not access.can_handle(actor, tip):
        raise ActionNotAllowed(
            "只有本镇扫黑办工作人员或领导小组组长、副组长可以处理群众举报；"
            "涉及干部或公职人员的举报仅限组长、副组长处理"
        )


def _locked(tip: Tip, *, transition: bool = True) -> Tip:
    """Re-read the tip under a row lock, so two clerks cannot accept it twice; a transition is
    refused when the status has moved on since the tip was loaded."""
    return lock_current(tip, noun="举报", field="status" if transition else None)


def _narrative(tip: Tip, persons: list[TipPerson]) -> str:
    """The tip's four blocks as one text for the lead (the lead has no fields for them)."""
    lines = [f"【群众网络举报】提交时间：{timezone.localtime(tip.submitted_at):%Y-%m-%d %H:%M}"]
    for label, value in (
        ("事发时间", tip.occurred_when),
        ("事发地点", tip.place),
        ("主要问题", tip.content),
        ("受害人及受害情况", tip.victims),
        ("知情人、证人", tip.witnesses),
    ):
        if value:
            lines.append(f"{label}：{value}")
    for number, person in enumerate(persons, start=1):
        details = [str(person)]
        if person.village is not None:
            details.append(person.village.name)
        if person.position:
            details.append(f"职务：{person.position}")
        if person.description:
            details.append(person.description)
        lines.append(f"被举报人{number}：" + "；".join(details))
    if tip.involves_official:
        lines.append("举报人认为涉及公职人员（保护伞）。")
    return "\n".join(lines)


@transaction.atomic
def accept_tip(
    *,
    actor: User,
    tip: Tip,
    summary: str = "",
    target_category: DictionaryEntry | None = None,
    village: Unit | None = None,
) -> Lead:
    """受理: registers a lead (群众举报, 网络) with the named people as subjects, the tip's files
    and the reporter's vault reference; the tip then follows the lead's status."""
    tip = _locked(tip)
    _require_handler(actor, tip)
    if tip.status != TipStatus.PENDING:
        raise ServiceError(f"该举报当前为“{tip.get_status_display()}”，不能受理")
    persons = list(tip.persons.select_related("village"))
    with ExitStack() as files:
        uploads = []
        for attachment in tip.attachments.all():
            handle = files.enter_context(
                attachment.file.storage.open(str(attachment.file.name), "rb")
            )
            upload = UploadedFile(
                file=handle,
                name=attachment.display_name,
                content_type=attachment.content_type,
                size=attachment.size,
            )
            uploads.append(
                CheckedUpload(upload, attachment.content_type, attachment.sha256, attachment.size)
            )
        lead = lead_services.register_lead(
            actor=actor,
            unit=tip.unit,
            data=lead_services.LeadInput(
                received_at=tip.submitted_at,
                channel=Channel.ONLINE,
                source=Source.PUBLIC_REPORT,
                summary=(summary.strip() or queries.default_summary(tip))[:500],
                narrative=_narrative(tip, persons),
                village=village or tip.village,
                place=tip.place,
                target_category=target_category or tip.category,
                involves_official=tip.involves_official,
                subjects=[
                    lead_services.SubjectInput(
                        name=person.name or person.alias or "（姓名不详）",
                        alias=person.alias,
                        village=person.village,
                        role=person.role,
                        position=person.position,
                    )
                    for person in persons
                ],
                attachments=uploads,
                # The vault entry already exists: the lead points at it rather than a copy.
                reporter_reference=tip.reporter_reference,
                is_real_name_report=tip.is_real_name,
            ),
        )
    tip.status = TipStatus.ACCEPTED
    tip.lead = lead
    tip.decided_by = actor
    tip.decided_at = timezone.now()
    tip.save(update_fields=["status", "lead", "decided_by", "decided_at"])
    people_changed("tip", [tip.pk])
    record_event(
        action=AuditAction.TIP_ACCEPTED,
        actor=actor,
        unit=tip.unit,
        target=tip,
        details={"lead": lead.number},
    )
    return lead


@transaction.atomic
def add_tip_person(*, actor: User, tip: Tip, person: PersonInput) -> TipPerson:
    """被举报人 the intake handler reads in a pending tip's text (受理 then makes it a subject of
    the lead). Naming a cadre or an official puts the tip with the leaders, as at submission."""
    tip = _locked(tip, transition=False)
    _require_handler(actor, tip)
    if tip.status != TipStatus.PENDING:
        raise ServiceError(
            f"该举报当前为“{tip.get_status_display()}”，不能再添加被举报人；已受理的请在线索中添加"
        )
    cleaned = _clean_person(person, tip.unit, one_form=True)
    if not cleaned["name"] and not cleaned["alias"]:
        raise ServiceError("请填写被举报人姓名或绰号", field="name")
    if tip.persons.count() >= MAX_PERSONS_WITH_ADDED:
        raise ServiceError(f"一件举报最多记录 {MAX_PERSONS_WITH_ADDED} 名被举报人")
    added = TipPerson.objects.create(
        tip=tip,
        name=cleaned["name"],
        alias=cleaned["alias"],
        village=cleaned["village"],
        role=cleaned["role"],
        position=cleaned["position"],
        description=cleaned["description"],
    )
    if added.role != SubjectRole.REPORTED and not tip.concerns_officials:
        tip.concerns_officials = True
        tip.save(update_fields=["concerns_officials"])
    people_changed("tip", [tip.pk])
    # No names: the audit log says that a person was added, not who.
    record_event(
        action=AuditAction.TIP_PERSON_ADDED,
        actor=actor,
        unit=tip.unit,
        target=tip,
        details={"person_id": added.pk, "role": added.role},
    )
    return added


@transaction.atomic
def mark_spam(*, actor: User, tip: Tip, reason: str) -> Tip:
    """列为垃圾信息: out of the queue, kept and restorable; the reporter is not told."""
    tip = _locked(tip)
    _require_handler(actor, tip)
    if tip.status != TipStatus.PENDING:
        raise ServiceError("只有待受理的举报可以列为垃圾信息")
    text = checked_text(reason, field="reason", label="理由", limit=200)
    if len(text) < 2:
        raise ServiceError("请写明列为垃圾信息的理由", field="reason")
    tip.status = TipStatus.SPAM
    tip.spam_reason = text
    tip.decided_by = actor
    tip.decided_at = timezone.now()
    tip.save(update_fields=["status", "spam_reason", "decided_by", "decided_at"])
    people_changed("tip", [tip.pk])
    record_event(action=AuditAction.TIP_MARKED_SPAM, actor=actor, unit=tip.unit, target=tip)
    return tip


@transaction.atomic
def restore_from_spam(*, actor: User, tip: Tip) -> Tip:
    """Back to the queue, for a tip put among the spam by mistake."""
    tip = _locked(tip)
    _require_handler(actor, tip)
    if tip.status != TipStatus.SPAM:
        raise ServiceError("只有垃圾信息中的举报可以恢复")
    tip.status = TipStatus.PENDING
    tip.spam_reason = ""
    tip.decided_by = actor
    tip.decided_at = timezone.now()
    tip.save(update_fields=["status", "spam_reason", "decided_by", "decided_at"])
    people_changed("tip", [tip.pk])
    record_event(action=AuditAction.TIP_RESTORED, actor=actor, unit=tip.unit, target=tip)
    return tip


@transaction.atomic
def send_message_to_reporter(*, actor: User, tip: Tip, body: str) -> TipMessage:
    """The office writes to the reporter through the receipt channel (asks for more, tells the
    outcome); the reporter sees “扫黑办”, never the writer's name."""
    _require_handler(actor, tip)
    text = checked_text(body, field="body", label="留言", limit=2000)
    if not text:
        raise ServiceError("请填写留言内容", field="body")
    now = timezone.now()
    message = TipMessage.objects.create(
        tip=tip, direction=MessageDirection.TO_REPORTER, body=text, author=actor, created_at=now
    )
    Tip.objects.filter(pk=tip.pk).update(last_office_message_at=now)
    record_event(
        action=AuditAction.TIP_MESSAGE_SENT,
        actor=actor,
        unit=tip.unit,
        target=tip,
        details={"message_id": message.pk},
    )
    return message


@transaction.atomic
def record_tip_viewed(*, actor: User, tip: Tip, ip_address: str | None) -> None:
    """等保: every view of a tip's content by staff is audited, like a lead's."""
    record_event(
        action=AuditAction.TIP_VIEWED,
        actor=actor,
        unit=tip.unit,
        target=tip,
        ip_address=ip_address,
    )


@transaction.atomic
def record_attachment_downloaded(
    *, actor: User, tip: Tip, attachment_id: int, sha256: str, ip_address: str | None
) -> None:
    """Every download of a reporter's file is audited with its digest."""
    record_event(
        action=AuditAction.ATTACHMENT_DOWNLOADED,
        actor=actor,
        unit=tip.unit,
        target=tip,
        ip_address=ip_address,
        details={"attachment_id": attachment_id, "sha256": sha256},
    )
