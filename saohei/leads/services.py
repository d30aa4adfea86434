"""Every state change of a lead: one transaction each, checked against role and state, audited."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from saohei.audit.models import AuditAction
from saohei.audit.services import EventInput, record_event, record_events
from saohei.common.bulk import update_rows
from saohei.common.changes import people_changed
from saohei.common.dates import DateKind, check_date
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.common.models import store_plates
from saohei.common.plates import clean_plates
from saohei.common.roles import Role
from saohei.common.rows import lock_current
from saohei.common.uploads import CheckedUpload, store_upload
from saohei.leads import access
from saohei.leads.models import (
    FOLLOW_UP_STATUSES,
    SOURCES_NEEDING_FEEDBACK,
    Attachment,
    Channel,
    Conclusion,
    DeadlineExtension,
    DictionaryEntry,
    Feedback,
    FollowUp,
    Instruction,
    InvestigationEntry,
    Lead,
    LeadEvent,
    LeadEventKind,
    LeadLink,
    LeadNumberCounter,
    Satisfaction,
    Source,
    Status,
    Subject,
    SubjectPlate,
    SubjectRole,
)
from saohei.leads.notices import (
    handling_side_for,
    instruction_recipients,
    lead_label,
    lead_url,
    leaders_for,
    office_staff_for,
    unique,
)
from saohei.leads.queries import time_limit_for
from saohei.notifications.models import NotificationKind
from saohei.notifications.services import notify
from saohei.organisations.models import Unit, UnitKind, User
from saohei.organisations.queries import (
    NOT_A_CASE_WORKER,
    OUTSIDE_UNIT,
    is_office_member,
    users_holding,
)
from saohei.vault.screening import refuse_sealed_identity_in
from saohei.vault.services import store_reporter_identity
from saohei.workdays.calendar import add_working_days


@dataclass(frozen=True)
class SubjectInput:
    name: str
    alias: str = ""
    id_number: str = ""
    phone: str = ""
    address: str = ""
    village: Unit | None = None
    role: str = SubjectRole.REPORTED
    position: str = ""
    # Vehicle plates as typed or already cleaned; stored in their normal form.
    plates: Sequence[str] = ()


@dataclass(frozen=True)
class ReporterInput:
    name: str = ""
    phone: str = ""
    id_number: str = ""
    address: str = ""


@dataclass(frozen=True)
class FollowUpInput:
    """回访 as recorded: when, how the reporter was reached, and how satisfied they were."""

    contacted_on: date
    method: str
    satisfaction: str
    notes: str = ""


@dataclass
class LeadInput:
    received_at: datetime
    channel: str
    source: str
    summary: str
    narrative: str = ""
    village: Unit | None = None
    place: str = ""
    target_category: DictionaryEntry | None = None
    offence_types: list[DictionaryEntry] = field(default_factory=list)
    involves_official: bool = False
    upstream_office: str = ""
    upstream_reference: str = ""
    upstream_deadline: date | None = None
    subjects: list[SubjectInput] = field(default_factory=list)
    reporter: ReporterInput | None = None
    # A reporter already in the vault (a portal tip): the lead points at that entry.
    reporter_reference: str = ""
    is_real_name_report: bool = False
    attachments: list[CheckedUpload] = field(default_factory=list)


@dataclass(frozen=True)
class FactsInput:
    """The registered facts the office may correct while the lead is open."""

    summary: str
    narrative: str = ""
    village: Unit | None = None
    place: str = ""
    target_category: DictionaryEntry | None = None


def _next_numbers(unit: Unit, year: int, count: int) -> list[str]:
    """`count` consecutive numbers of the unit's year, taken in one step under the counter's
    lock: a list of a thousand leads moves the counter once."""
    counter, _ = LeadNumberCounter.objects.select_for_update().get_or_create(unit=unit, year=year)
    LeadNumberCounter.objects.filter(pk=counter.pk).update(last_value=F("last_value") + count)
    counter.refresh_from_db(fields=["last_value"])
    prefix = unit.code or f"U{unit.pk}"
    first = counter.last_value - count + 1
    return [f"{prefix}-{year}-{value:04d}" for value in range(first, counter.last_value + 1)]


def _event(
    lead: Lead, actor: User | None, kind: LeadEventKind, *, from_status: str = "", note: str = ""
) -> LeadEvent:
    event = _new_event(lead, actor, kind, from_status=from_status, note=note)
    event.save()
    return event


def _new_event(
    lead: Lead, actor: User | None, kind: LeadEventKind, *, from_status: str = "", note: str = ""
) -> LeadEvent:
    return LeadEvent(
        lead=lead,
        kind=kind,
        actor=actor,
        actor_unit_id=getattr(actor, "unit_id", None),
        from_status=from_status,
        to_status=lead.status,
        note=note,
    )


def _audit(action: AuditAction, actor: User | None, lead: Lead, **details: Any) -> None:
    record_event(action=action, actor=actor, unit=lead.unit, target=lead, details=details)


def _lock(lead: Lead, *, transition: bool = True) -> None:
    """Re-read the lead under a lock; a transition is refused when its status has moved on."""
    lock_current(lead, noun="线索", field="status" if transition else None)


def _require_status(lead: Lead, allowed: set[str], doing: str) -> None:
    if lead.status not in allowed:
        raise ServiceError(f"线索当前状态为“{lead.get_status_display()}”，不能{doing}")


def _require_office(actor: User, lead: Lead) -> None:
    if not access.can_manage_lead(actor, lead):
        raise ActionNotAllowed("只有本镇扫黑办工作人员或领导小组组长、副组长可以执行此操作")


def _clean_subject(subject: SubjectInput) -> Subject:
    """An unsaved subject with its identifiers validated and sealed; the lead is set later."""
    if not subject.name.strip():
        raise ServiceError("被反映人姓名不能为空", field="subjects")
    cleaned = Subject(
        name=subject.name.strip()[:50],
        alias=subject.alias.strip()[:50],
        address=subject.address.strip()[:200],
        village=subject.village,
        role=SubjectRole(subject.role),
        position=subject.position.strip()[:100],
    )
    if subject.id_number.strip():
        cleaned.seal_id_number(subject.id_number)
    if subject.phone.strip():
        cleaned.seal_phone(subject.phone)
    return cleaned


def _store_attachments(
    lead: Lead, actor: User, uploads: list[CheckedUpload], entry: InvestigationEntry | None = None
) -> None:
    for checked in uploads:
        attachment = Attachment(
            lead=lead,
            entry=entry,
            original_name=(checked.upload.name or "附件")[:200],
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
            uploaded_by=actor,
        )
        store_upload(attachment.file, checked)
        attachment.save()


@transaction.atomic
def register_lead(*, actor: User, unit: Unit, data: LeadInput) -> Lead:
    """登记: a new lead with its number, subjects (identifiers sealed) and default deadline."""
    return register_leads(actor=actor, unit=unit, items=[data])[0]


@dataclass
class _PreparedLead:
    lead: Lead
    data: LeadInput
    subjects: list[Subject]
    plates: list[list[str]]


def _prepared(*, actor: User, unit: Unit, data: LeadInput, sources: set[str]) -> _PreparedLead:
    """One lead checked and built, unsaved: its identifiers sealed, its reporter in the vault."""
    if data.source not in sources and data.source in Source.values:
        raise ActionNotAllowed("上级督导只能登记上级交办线索", field="source")
    if not data.summary.strip():
        raise ServiceError("请填写简要内容", field="summary")
    if data.channel not in Channel.values:
        raise ServiceError("受理渠道不正确", field="channel")
    if data.source not in Source.values:
        raise ServiceError("线索来源不正确", field="source")
    if data.source == Source.UPPER_ASSIGNED and not data.upstream_office.strip():
        raise ServiceError("上级交办线索须填写交办单位", field="upstream_office")
    if data.village is not None and (
        data.village.parent_id != unit.pk or not data.village.is_village
    ):
        raise ServiceError("所属村不在本镇", field="village")
    if data.received_at > timezone.now():
        raise ServiceError("受理时间不能晚于现在", field="received_at")
    check_date(data.received_at, kind=DateKind.EVENT, label="受理时间", field="received_at")
    check_date(
        data.upstream_deadline,
        kind=DateKind.DEADLINE,
        label="上级要求办结日期",
        field="upstream_deadline",
    )
    subjects = [_clean_subject(subject) for subject in data.subjects]
    plates = [clean_plates(subject.plates) for subject in data.subjects]

    reporter_reference, is_real_name = data.reporter_reference, data.is_real_name_report
    if data.reporter is not None:
        identity = store_reporter_identity(
            name=data.reporter.name.strip(),
            phone=data.reporter.phone.strip(),
            id_number=data.reporter.id_number.strip(),
            address=data.reporter.address.strip(),
        )
        reporter_reference, is_real_name = identity.reference, not identity.is_anonymous

    received_on = timezone.localdate(data.received_at)
    due_on = data.upstream_deadline or add_working_days(received_on, time_limit_for(data.source))
    lead = Lead(
        unit=unit,
        received_at=data.received_at,
        channel=data.channel,
        source=data.source,
        upstream_office=data.upstream_office.strip(),
        upstream_reference=data.upstream_reference.strip(),
        upstream_deadline=data.upstream_deadline,
        village=data.village,
        place=data.place.strip(),
        target_category=data.target_category,
        summary=data.summary.strip(),
        narrative=data.narrative.strip(),
        involves_official=data.involves_official
        or any(subject.role == SubjectRole.OFFICIAL for subject in subjects),
        reporter_reference=reporter_reference,
        is_real_name_report=is_real_name,
        due_on=due_on,
        created_by=actor,
    )
    return _PreparedLead(lead=lead, data=data, subjects=subjects, plates=plates)


@transaction.atomic
def register_leads(*, actor: User, unit: Unit, items: Sequence[LeadInput]) -> list[Lead]:
    """登记 of several leads at once (a 交办清单), each exactly as `register_lead` would, with a
    statement per table instead of per lead: on SQLite every other writer waits while this
    transaction is open (decision 0057). All or none: one refused lead refuses them all."""
    if unit.kind != UnitKind.TOWN:
        raise ServiceError("线索应登记在镇（街道）扫黑办", field="unit")
    sources = access.registrable_sources(actor, unit)
    if not sources:
        raise ActionNotAllowed("您不能为该镇登记线索")
    allowed: set[str] = set(sources)
    prepared = [_prepared(actor=actor, unit=unit, data=data, sources=allowed) for data in items]
    by_year: dict[int, list[Lead]] = {}
    for item in prepared:
        by_year.setdefault(timezone.localdate(item.lead.received_at).year, []).append(item.lead)
    for year, leads in by_year.items():
        for lead, number in zip(leads, _next_numbers(unit, year, len(leads)), strict=True):
            lead.number = number
    leads = Lead.objects.bulk_create([item.lead for item in prepared])
    offences = Lead.offence_types.through
    offence_field = Lead.offence_types.field
    offences.objects.bulk_create(
        offences(
            **{
                f"{offence_field.m2m_field_name()}_id": item.lead.pk,
                f"{offence_field.m2m_reverse_field_name()}_id": entry.pk,
            }
        )
        for item in prepared
        for entry in item.data.offence_types
    )
    for item in prepared:
        for subject in item.subjects:
            subject.lead = item.lead
    Subject.objects.bulk_create([subject for item in prepared for subject in item.subjects])
    store_plates(
        SubjectPlate,
        [pair for item in prepared for pair in zip(item.subjects, item.plates, strict=True)],
    )
    for item in prepared:
        _store_attachments(item.lead, actor, item.data.attachments)
    people_changed("lead", [lead.pk for lead in leads])
    LeadEvent.objects.bulk_create(
        _new_event(lead, actor, LeadEventKind.REGISTERED) for lead in leads
    )
    # Counts only: plates, like every identifier, stay out of the audit log.
    record_events(
        [
            EventInput(
                action=AuditAction.LEAD_REGISTERED,
                actor=actor,
                unit=unit,
                target=item.lead,
                details={
                    "source": str(item.data.source),
                    "subjects": len(item.subjects),
                    "plates": sum(map(len, item.plates)),
                },
            )
            for item in prepared
        ]
    )
    return leads


SUMMARY_MAX = 500
FACT_LABELS = {
    "summary": "简要内容",
    "narrative": "详细情况",
    "village": "所属村",
    "place": "地点",
    "target_category": "线索类别",
}


def _shown(value: object) -> str:
    """A fact as the history shows it; long texts by their start, never whole in the log."""
    text = "（空）" if value in (None, "") else str(value)
    return text if len(text) <= 60 else f"{text[:60]}…（共{len(text)}字）"


def _apply_facts(lead: Lead, data: FactsInput) -> dict[str, dict[str, str]]:
    """Set the corrected facts on the (locked) lead; before and after of each one that changed."""
    if not data.summary.strip():
        raise ServiceError("请填写简要内容", field="summary")
    if len(data.summary.strip()) > SUMMARY_MAX:
        raise ServiceError(f"简要内容不能超过 {SUMMARY_MAX} 个字", field="summary")
    if data.village is not None and (
        data.village.parent_id != lead.unit_id or not data.village.is_village
    ):
        raise ServiceError("所属村不在本镇", field="village")
    proposed: dict[str, object] = {
        "summary": data.summary.strip(),
        "narrative": data.narrative.strip(),
        "village": data.village,
        "place": data.place.strip(),
        "target_category": data.target_category,
    }
    changed = {name: value for name, value in proposed.items() if getattr(lead, name) != value}
    changes = {
        name: {"before": _shown(getattr(lead, name)), "after": _shown(value)}
        for name, value in changed.items()
    }
    for name, value in changed.items():
        setattr(lead, name, value)
    return changes


def _facts_note(changes: dict[str, dict[str, str]]) -> str:
    return "；".join(
        f"{FACT_LABELS[name]}：{change['before']} → {change['after']}"
        for name, change in changes.items()
    )


@transaction.atomic
def correct_facts(*, actor: User, lead: Lead, data: FactsInput, version: int | None = None) -> Lead:
    """更正登记信息: the office corrects what was registered while the lead is open; before and
    after go to the lead's history and the audit log. Refused when someone else corrected it
    since `version` was opened."""
    _require_office(actor, lead)
    lock_current(lead, noun="线索", field=None, version=version)
    if not lead.is_open:
        raise ServiceError(f"线索当前状态为“{lead.get_status_display()}”，不能更正登记信息")
    changes = _apply_facts(lead, data)
    if not changes:
        raise ServiceError("没有修改任何内容")
    lead.version += 1
    lead.save(update_fields=[*changes, "version", "updated_at"])
    _event(lead, actor, LeadEventKind.CORRECTED, from_status=lead.status, note=_facts_note(changes))
    _audit(AuditAction.LEAD_CORRECTED, actor, lead, changes=changes, version=lead.version)
    return lead


@dataclass(frozen=True)
class LeadCorrection:
    """What a corrected 交办清单 row changes on its open lead; None leaves that part alone."""

    lead: Lead
    facts: FactsInput | None = None
    upstream_deadline: date | None = None
    subject: SubjectInput | None = None


@transaction.atomic
def correct_leads(*, actor: User, corrections: Sequence[LeadCorrection]) -> None:
    """The changes a re-imported 交办清单 makes to its open leads, each as `correct_facts`,
    `revise_upstream_deadline` and `add_subject` make it (the same history, audit events and
    versions), in a statement per table: on SQLite every other writer waits while this
    transaction is open (decision 0061, addendum). All or none."""
    if not corrections:
        return
    manageable = access.manageable_lead_ids(actor, [item.lead for item in corrections])
    if any(item.lead.pk not in manageable for item in corrections):
        raise ActionNotAllowed("只有本镇扫黑办工作人员或领导小组组长、副组长可以执行此操作")
    # Re-read under the lock, as `lock_current` does for one lead.
    current = (
        Lead.objects.select_for_update(of=("self",))
        .select_related("unit", "village", "target_category")
        .in_bulk([item.lead.pk for item in corrections])
    )
    now = timezone.now()
    groups: dict[tuple[str, ...], list[Lead]] = {}
    subjects: list[tuple[Lead, Subject, list[str]]] = []
    history: list[tuple[Lead, dict[str, Any], str, int]] = []
    for item in corrections:
        lead = current[item.lead.pk]
        if not lead.is_open:
            raise ServiceError(
                f"线索 {lead.number} 当前状态为“{lead.get_status_display()}”，不能更正"
            )
        fields: list[str] = []
        if item.facts is not None:
            changes = _apply_facts(lead, item.facts)
            if changes:
                fields += changes
                lead.version += 1
                history.append((lead, changes, _facts_note(changes), lead.version))
        if item.upstream_deadline is not None:
            change = _apply_upstream_deadline(lead, item.upstream_deadline)
            if change is not None:
                fields += _DEADLINE_FIELDS
                lead.version += 1
                history.append((lead, *change, lead.version))
        if item.subject is not None:
            subject = _clean_subject(item.subject)
            if item.subject.village is not None and item.subject.village.parent_id != lead.unit_id:
                raise ServiceError("所属村不在本镇", field="village")
            subject.lead = lead
            subjects.append((lead, subject, clean_plates(item.subject.plates)))
            if subject.role == SubjectRole.OFFICIAL and not lead.involves_official:
                lead.involves_official = True
                fields.append("involves_official")
        if fields:
            lead.updated_at = now
            key = tuple(sorted({*fields, "version", "updated_at"}))
            groups.setdefault(key, []).append(lead)
    for fields_changed, leads in groups.items():
        update_rows(leads, fields_changed)
    Subject.objects.bulk_create([subject for _, subject, _ in subjects])
    store_plates(SubjectPlate, [(subject, numbers) for _, subject, numbers in subjects])
    if subjects:
        people_changed("lead", sorted({lead.pk for lead, _, _ in subjects}))
    LeadEvent.objects.bulk_create(
        _new_event(lead, actor, LeadEventKind.CORRECTED, from_status=lead.status, note=note)
        for lead, _, note, _ in history
    )
    record_events(
        [
            EventInput(
                action=AuditAction.LEAD_CORRECTED,
                actor=actor,
                unit=lead.unit,
                target=lead,
                details={"changes": changes, "version": version},
            )
            for lead, changes, _, version in history
        ]
        # Counts only: plates, like every identifier, stay out of the audit log.
        + [
            EventInput(
                action=AuditAction.LEAD_SUBJECT_ADDED,
                actor=actor,
                unit=lead.unit,
                target=lead,
                details={"subject_id": subject.pk, "plates": len(numbers)},
            )
            for lead, subject, numbers in subjects
        ]
    )


@transaction.atomic
def add_subject(*, actor: User, lead: Lead, subject: SubjectInput) -> Subject:
    """被反映人 added to an open lead by its office; identifiers sealed as at 登记."""
    _require_office(actor, lead)
    _lock(lead, transition=False)
    if not lead.is_open:
        raise ServiceError(f"线索当前状态为“{lead.get_status_display()}”，不能添加被反映人")
    if subject.village is not None and subject.village.parent_id != lead.unit_id:
        raise ServiceError("所属村不在本镇", field="village")
    cleaned = _clean_subject(subject)
    numbers = clean_plates(subject.plates)
    cleaned.lead = lead
    cleaned.save()
    store_plates(SubjectPlate, [(cleaned, numbers)])
    if cleaned.role == SubjectRole.OFFICIAL and not lead.involves_official:
        # A lead about an official stays with the leaders, however the official was added.
        lead.involves_official = True
        lead.save(update_fields=["involves_official", "updated_at"])
    people_changed("lead", [lead.pk])
    # Counts only: plates, like every identifier, stay out of the audit log.
    _audit(AuditAction.LEAD_SUBJECT_ADDED, actor, lead, subject_id=cleaned.pk, plates=len(numbers))
    return cleaned


SUBJECT_LABELS = {
    "name": "姓名",
    "alias": "绰号",
    "id_number": "身份证号",
    "phone": "手机号",
    "address": "住址",
    "village": "所属村",
    "role": "身份",
    "position": "职务",
}
# What an edit compares and copies; sealed identifiers by their blind index, shown masked.
_SUBJECT_FIELDS = ("name", "alias", "address", "village", "role", "position")
_SEALED_SUBJECT_FIELDS = {
    "id_number": (
        "id_number_key",
        "id_number_sealed",
        "id_number_index",
        "id_number_suffix_index",
        "id_number_masked",
    ),
    "phone": ("phone_key", "phone_sealed", "phone_index", "phone_suffix_index", "phone_masked"),
}


def _subject_shown(subject: Subject, name: str) -> str:
    if name in _SEALED_SUBJECT_FIELDS:
        return getattr(subject, f"{name}_masked") or "（空）"
    if name == "role":
        return subject.get_role_display()
    return _shown(getattr(subject, name))


def _subject_described(subject: Subject) -> str:
    """A subject in the lead's history: name, role and masked identifiers, never clear ones."""
    parts = [str(subject), subject.get_role_display()]
    parts += [
        f"{SUBJECT_LABELS[name]} {getattr(subject, f'{name}_masked')}"
        for name in _SEALED_SUBJECT_FIELDS
        if getattr(subject, f"{name}_masked")
    ]
    return "，".join(parts)


def _lock_subject(subject: Subject, version: int | None) -> Lead:
    """Lock the lead then the subject (the order every subject change takes); refuse a subject
    removed meanwhile or saved past `version`."""
    lead = subject.lead
    _lock(lead, transition=False)
    if not Subject.objects.filter(pk=subject.pk, lead=lead).exists():
        raise ServiceError("该被反映人已被他人移除，请刷新后重试")
    lock_current(subject, noun="被反映人", field=None, version=version)
    return lead


@transaction.atomic
def edit_subject(
    *,
    actor: User,
    subject: Subject,
    data: SubjectInput,
    clear_id_number: bool = False,
    clear_phone: bool = False,
    version: int | None = None,
) -> Subject:
    """修改被反映人: the office corrects a subject of an open lead (as it may add one). An ID
    number or mobile typed is validated, sealed and indexed as at 登记; left empty it stays,
    unless asked to be cleared. Before and after, masked, go to the lead's history and the
    audit log; refused over someone else's save since `version`."""
    _require_office(actor, subject.lead)
    lead = _lock_subject(subject, version)
    if not lead.is_open:
        raise ServiceError(f"线索当前状态为“{lead.get_status_display()}”，不能修改被反映人")
    if data.village is not None and data.village.parent_id != lead.unit_id:
        raise ServiceError("所属村不在本镇", field="village")
    # The same cleaning and sealing as at 登记, on an unsaved copy, then copied over.
    cleaned = _clean_subject(data)
    for name, clear in (("id_number", clear_id_number), ("phone", clear_phone)):
        if clear and getattr(cleaned, f"{name}_sealed"):
            raise ServiceError(f"清除{SUBJECT_LABELS[name]}时请不要同时填写新的", field=name)
    changed: list[str] = [
        name for name in _SUBJECT_FIELDS if getattr(subject, name) != getattr(cleaned, name)
    ]
    for name, clear in (("id_number", clear_id_number), ("phone", clear_phone)):
        typed = getattr(cleaned, f"{name}_index")
        if (typed and typed != getattr(subject, f"{name}_index")) or (
            clear and getattr(subject, f"{name}_sealed")
        ):
            changed.append(name)
    if not changed:
        raise ServiceError("没有修改任何内容")
    changes = {
        name: {"before": _subject_shown(subject, name), "after": _subject_shown(cleaned, name)}
        for name in changed
    }
    columns: list[str] = []
    for name in changed:
        copied = _SEALED_SUBJECT_FIELDS.get(name, (name,))
        for column in copied:
            setattr(subject, column, getattr(cleaned, column))
        columns.extend(copied)
    subject.version += 1
    subject.save(update_fields=[*columns, "version"])
    if subject.role == SubjectRole.OFFICIAL and not lead.involves_official:
        # A lead about an official stays with the leaders, however the official came in.
        lead.involves_official = True
        lead.save(update_fields=["involves_official", "updated_at"])
    people_changed("lead", [lead.pk])
    _event(
        lead,
        actor,
        LeadEventKind.SUBJECT_EDITED,
        from_status=lead.status,
        note=f"{subject}："
        + "；".join(
            f"{SUBJECT_LABELS[name]}：{change['before']} → {change['after']}"
            for name, change in changes.items()
        ),
    )
    _audit(
        AuditAction.LEAD_SUBJECT_EDITED,
        actor,
        lead,
        subject_id=subject.pk,
        changes=changes,
        version=subject.version,
    )
    return subject


@transaction.atomic
def remove_subject(
    *, actor: User, subject: Subject, reason: str, version: int | None = None
) -> None:
    """移除被反映人: the office removes a subject from an open lead, with a reason; the lead's
    history and the audit log keep who it was (masked). The last subject may go too: a lead may
    be registered with none."""
    _require_office(actor, subject.lead)
    lead = _lock_subject(subject, version)
    if not lead.is_open:
        raise ServiceError(f"线索当前状态为“{lead.get_status_display()}”，不能移除被反映人")
    if not reason.strip():
        raise ServiceError("请写明移除的理由", field="reason")
    described, subject_id = _subject_described(subject), subject.pk
    plates = subject.plates.count()
    subject.delete()
    people_changed("lead", [lead.pk])
    _event(
        lead,
        actor,
        LeadEventKind.SUBJECT_REMOVED,
        from_status=lead.status,
        note=f"{described}。理由：{reason.strip()}",
    )
    # Masked identifiers and a count of plates only, as everywhere in the audit log.
    _audit(
        AuditAction.LEAD_SUBJECT_REMOVED,
        actor,
        lead,
        subject_id=subject_id,
        subject=described,
        plates=plates,
        reason=reason.strip()[:200],
    )


@transaction.atomic
def set_subject_plates(*, actor: User, subject: Subject, plates: Sequence[str]) -> list[str]:
    """The office replaces a subject's plates while the lead is open; audited with counts."""
    lead = subject.lead
    _require_office(actor, lead)
    if not lead.is_open:
        raise ServiceError("线索已办结，不能修改车牌号", field="plates")
    numbers = clean_plates(plates)
    before = set(subject.plates.values_list("number", flat=True))
    subject.plates.exclude(number__in=numbers).delete()
    store_plates(SubjectPlate, [(subject, [number for number in numbers if number not in before])])
    people_changed("lead", [lead.pk])
    _audit(
        AuditAction.SUBJECT_PLATES_CHANGED,
        actor,
        lead,
        subject_id=subject.pk,
        added=len(set(numbers) - before),
        removed=len(before - set(numbers)),
    )
    return numbers


@transaction.atomic
def triage_lead(*, actor: User, lead: Lead, opinion: str) -> Lead:
    """研判分流: the office's opinion on how to handle the lead."""
    _require_office(actor, lead)
    _lock(lead)
    _require_status(lead, {Status.REGISTERED, Status.TRIAGED}, "研判")
    if not opinion.strip():
        raise ServiceError("请填写研判意见", field="opinion")
    previous = lead.status
    lead.status = Status.TRIAGED
    lead.triage_opinion = opinion.strip()
    lead.save(update_fields=["status", "triage_opinion", "updated_at"])
    _event(lead, actor, LeadEventKind.TRIAGED, from_status=previous, note=opinion.strip())
    _audit(AuditAction.LEAD_TRIAGED, actor, lead)
    return lead


@transaction.atomic
def assign_lead(
    *,
    actor: User,
    lead: Lead,
    handling_unit: Unit,
    handler: User | None = None,
    police_unit: Unit | None = None,
    due_on: date | None = None,
    note: str = "",
) -> Lead:
    """交办: to a unit of the town and a person, optionally jointly with the 派出所."""
    _require_office(actor, lead)
    _lock(lead)
    _require_status(
        lead, {Status.REGISTERED, Status.TRIAGED, Status.ASSIGNED, Status.INVESTIGATING}, "交办"
    )
    if not handling_unit.path.startswith(lead.unit.path):
        raise ServiceError("承办单位须为本镇或本镇下属单位", field="handling_unit")
    if handler is not None and (handler.unit_id is None or not handler.is_active):
        raise ServiceError("承办人账号不可用", field="handler")
    if (
        handler is not None
        and handler.unit is not None
        and not handler.unit.path.startswith(lead.unit.path)
    ):
        raise ServiceError("承办人须为本镇人员", field="handler")
    if handler is not None and not handler.is_case_worker:
        raise ServiceError(NOT_A_CASE_WORKER, field="handler")
    if (
        handler is not None
        and handler.unit is not None
        and not handler.unit.path.startswith(handling_unit.path)
    ):
        raise ServiceError(OUTSIDE_UNIT, field="handler")
    if police_unit is not None and (
        police_unit.kind != UnitKind.POLICE_STATION
        or not police_unit.path.startswith(lead.unit.path)
    ):
        raise ServiceError("协查单位须为本镇派出所", field="police_unit")
    if handling_unit.is_village and _conflicts_with_village(lead, handling_unit):
        raise ServiceError(
            "该线索涉及公职人员或该村干部，不能交由该村办理（利益冲突）", field="handling_unit"
        )
    check_date(due_on, kind=DateKind.DEADLINE, label="办理时限", field="due_on")
    if due_on is not None and due_on < timezone.localdate():
        raise ServiceError("办理时限不能早于今天", field="due_on")
    previous = lead.status
    newly_shared = police_unit is not None and police_unit.pk != lead.police_unit_id
    lead.handling_unit = handling_unit
    lead.handler = handler
    lead.police_unit = police_unit
    lead.assigned_at = timezone.now()
    if due_on is not None:
        lead.due_on = due_on
    if lead.status in (Status.REGISTERED, Status.TRIAGED):
        lead.status = Status.ASSIGNED
    lead.save(
        update_fields=[
            "handling_unit",
            "handler",
            "police_unit",
            "assigned_at",
            "due_on",
            "status",
            "updated_at",
        ]
    )
    note_text = f"交办 {handling_unit.name}" + (f"，{handler.real_name}" if handler else "")
    if police_unit is not None:
        note_text += f"，会同 {police_unit.name}"
    _event(lead, actor, LeadEventKind.ASSIGNED, from_status=previous, note=(note or note_text))
    if newly_shared:
        assert police_unit is not None
        _event(
            lead,
            actor,
            LeadEventKind.SHARED,
            from_status=lead.status,
            note=f"推送 {police_unit.name} 协查",
        )
    _audit(
        AuditAction.LEAD_ASSIGNED,
        actor,
        lead,
        handling_unit_id=handling_unit.pk,
        handler_id=handler.pk if handler else None,
        police_unit_id=police_unit.pk if police_unit else None,
    )
    recipients = handling_side_for(lead)
    if police_unit is not None:
        recipients += list(users_holding(Role.POLICE_OFFICER).filter(unit=police_unit))
    notify(
        recipients=unique(recipients),
        title=f"新交办线索：{lead_label(lead)}",
        body=f"办理时限 {lead.due_on:%Y-%m-%d}" if lead.due_on else "",
        url=lead_url(lead),
        kind=NotificationKind.ASSIGNMENT,
    )
    return lead


def _conflicts_with_village(lead: Lead, village: Unit) -> bool:
    if lead.involves_official:
        return True
    return (
        lead.subjects.filter(
            role__in=[SubjectRole.VILLAGE_CADRE, SubjectRole.OFFICIAL], village=village
        ).exists()
        or lead.subjects.filter(role=SubjectRole.OFFICIAL).exists()
    )


@transaction.atomic
def record_investigation(
    *,
    actor: User,
    lead: Lead,
    occurred_on: date,
    content: str,
    evidence: list[CheckedUpload] | None = None,
) -> InvestigationEntry:
    """核查: a dated entry with evidence files (SHA-256 kept); the first one starts the 核查 stage."""
    if not access.can_investigate(actor, lead):
        raise ActionNotAllowed("您不是该线索的承办或协查人员")
    _lock(lead, transition=False)
    _require_status(lead, {Status.ASSIGNED, Status.INVESTIGATING}, "录入核查情况")
    if not content.strip():
        raise ServiceError("请填写核查情况", field="content")
    check_date(occurred_on, kind=DateKind.EVENT, label="核查日期", field="occurred_on")
    entry = InvestigationEntry.objects.create(
        lead=lead,
        occurred_on=occurred_on,
        content=content.strip(),
        author=actor,
        author_unit=actor.unit,
    )
    _store_attachments(lead, actor, evidence or [], entry)
    previous = lead.status
    if lead.status == Status.ASSIGNED:
        lead.status = Status.INVESTIGATING
        lead.save(update_fields=["status", "updated_at"])
    _event(
        lead, actor, LeadEventKind.INVESTIGATION, from_status=previous, note=content.strip()[:200]
    )
    _audit(
        AuditAction.LEAD_INVESTIGATED, actor, lead, entry_id=entry.pk, evidence=len(evidence or [])
    )
    return entry


@transaction.atomic
def record_police_feedback(*, actor: User, lead: Lead, content: str) -> None:
    """The 派出所's feedback on a shared lead, visible to both sides in the exchange log."""
    if not access.is_police_for(actor, lead):
        raise ActionNotAllowed("只有协查派出所的民警可以反馈")
    if not content.strip():
        raise ServiceError("请填写反馈内容", field="content")
    _event(
        lead, actor, LeadEventKind.POLICE_FEEDBACK, from_status=lead.status, note=content.strip()
    )
    _audit(AuditAction.LEAD_POLICE_FEEDBACK, actor, lead)


@transaction.atomic
def propose_conclusion(*, actor: User, lead: Lead, conclusion: str, basis: str) -> Lead:
    """拟办结: a proposed conclusion with its basis, waiting for a leader's sign-off."""
    if not (access.can_manage_lead(actor, lead) or lead.handler_id == actor.pk):
        raise ActionNotAllowed("只有承办人或扫黑办可以提出拟办结意见")
    _lock(lead)
    _require_status(lead, {Status.INVESTIGATING}, "拟办结（须先录入核查情况）")
    if conclusion not in Conclusion.values or conclusion == Conclusion.MERGED:
        raise ServiceError("请选择核查结论（并案请使用“并案”操作）", field="conclusion")
    if conclusion == Conclusion.TO_DISCIPLINE and not lead.involves_official:
        raise ServiceError("移送纪委监委仅适用于涉及公职人员的线索", field="conclusion")
    if len(basis.strip()) < 10:
        raise ServiceError("请写明结论依据（至少10个字）", field="basis")
    lead.status = Status.PROPOSED
    lead.conclusion = conclusion
    lead.conclusion_basis = basis.strip()
    lead.proposed_by = actor
    lead.proposed_at = timezone.now()
    lead.save(
        update_fields=[
            "status",
            "conclusion",
            "conclusion_basis",
            "proposed_by",
            "proposed_at",
            "updated_at",
        ]
    )
    _event(
        lead,
        actor,
        LeadEventKind.PROPOSED,
        from_status=Status.INVESTIGATING,
        note=lead.get_conclusion_display(),
    )
    _audit(AuditAction.LEAD_PROPOSED, actor, lead, conclusion=conclusion)
    # The sign-off waits for a leader; the proposer cannot sign his own (see sign_off).
    notify(
        recipients=[user for user in leaders_for(lead) if user.pk != actor.pk],
        title=f"拟办结，请审核：线索 {lead_label(lead)}",
        body=f"{actor.real_name}提出拟办结意见：{lead.get_conclusion_display()}",
        url=lead_url(lead),
        kind=NotificationKind.REMINDER,
    )
    return lead


@transaction.atomic
def sign_off(*, actor: User, lead: Lead, approve: bool, note: str = "") -> Lead:
    """审核: a 组长/副组长 signs the conclusion (签字背书) or returns it with a reason."""
    if not access.can_sign_off(actor, lead):
        raise ActionNotAllowed("只有领导小组组长、副组长可以审核办结")
    _lock(lead)
    _require_status(lead, {Status.PROPOSED}, "审核")
    if lead.proposed_by_id == actor.pk:
        raise ActionNotAllowed("提出拟办结意见的人不能审核自己的意见")
    if approve:
        now = timezone.now()
        lead.status = Status.CONCLUDED
        lead.signed_off_by = actor
        lead.signed_off_at = now
        lead.concluded_at = now
        lead.escalation_level = 0
        lead.save(
            update_fields=[
                "status",
                "signed_off_by",
                "signed_off_at",
                "concluded_at",
                "escalation_level",
                "updated_at",
            ]
        )
        _event(
            lead, actor, LeadEventKind.SIGNED_OFF, from_status=Status.PROPOSED, note=note.strip()
        )
        _audit(AuditAction.LEAD_SIGNED_OFF, actor, lead, conclusion=lead.conclusion)
        # Subjects of a lead concluded 查实 count as perpetrators in the 研判提示.
        people_changed("lead", [lead.pk])
    else:
        if not note.strip():
            raise ServiceError("退回须写明理由", field="note")
        lead.status = Status.INVESTIGATING
        lead.save(update_fields=["status", "updated_at"])
        _event(lead, actor, LeadEventKind.RETURNED, from_status=Status.PROPOSED, note=note.strip())
        _audit(AuditAction.LEAD_RETURNED, actor, lead)
    proposer = [lead.proposed_by] if lead.proposed_by else []
    notify(
        recipients=unique(proposer + handling_side_for(lead)),
        title=f"{'拟办结已审核通过' if approve else '拟办结被退回'}：线索 {lead_label(lead)}",
        body=note.strip()[:200],
        url=lead_url(lead),
        kind=NotificationKind.INFO if approve else NotificationKind.REMINDER,
    )
    return lead


@transaction.atomic
def record_feedback(
    *, actor: User, lead: Lead, fed_back_on: date, recipient: str, content: str
) -> Feedback:
    """反馈上级: for leads from above, the 办结报告 to the assigning office."""
    _require_office(actor, lead)
    _lock(lead, transition=False)
    _require_status(lead, {Status.CONCLUDED}, "反馈上级（须先办结）")
    if not content.strip() or not recipient.strip():
        raise ServiceError("请填写反馈对象和反馈内容", field="content")
    check_date(fed_back_on, kind=DateKind.EVENT, label="反馈日期", field="fed_back_on")
    feedback = Feedback.objects.create(
        lead=lead,
        fed_back_on=fed_back_on,
        recipient=recipient.strip(),
        content=content.strip(),
        author=actor,
    )
    lead.fed_back_at = timezone.now()
    lead.save(update_fields=["fed_back_at", "updated_at"])
    _event(
        lead,
        actor,
        LeadEventKind.FED_BACK,
        from_status=lead.status,
        note=f"反馈 {recipient.strip()}",
    )
    _audit(AuditAction.LEAD_FED_BACK, actor, lead, feedback_id=feedback.pk)
    return feedback


def check_return_deadline(new_deadline: date) -> None:
    """A return's 反馈期限: a real date, today or later (the town cannot meet a past one)."""
    check_date(new_deadline, kind=DateKind.DEADLINE, label="新的反馈期限", field="deadline")
    if new_deadline < timezone.localdate():
        raise ServiceError(
            f"新的反馈期限不能早于今天（{timezone.localdate():%Y-%m-%d}），请重新选择",
            field="deadline",
        )


def _require_judgeable_feedback(actor: User, lead: Lead) -> None:
    if not access.is_supervisor_for(actor, lead):
        raise ActionNotAllowed("只有交办的上级扫黑办督导人员可以审核反馈")
    if lead.fed_back_at is None:
        raise ServiceError("该线索尚未反馈上级，或反馈已被退回")


@transaction.atomic
def accept_feedback(*, actor: User, lead: Lead) -> Lead:
    """采纳: the assigning office accepts the town's 反馈; the lead's history says so."""
    _require_judgeable_feedback(actor, lead)
    _lock(lead, transition=False)
    _event(lead, actor, LeadEventKind.FEEDBACK_ACCEPTED, from_status=lead.status)
    _audit(AuditAction.LEAD_FEEDBACK_ACCEPTED, actor, lead)
    notify(
        recipients=unique(office_staff_for(lead) + leaders_for(lead)),
        title=f"上级已采纳反馈：线索 {lead_label(lead)}",
        url=lead_url(lead),
        kind=NotificationKind.INFO,
    )
    return lead


@transaction.atomic
def return_feedback(*, actor: User, lead: Lead, reason: str, new_deadline: date) -> Lead:
    """退回重查: the assigning office returns the 反馈 with a new 反馈期限; the lead goes back to
    核查, its earlier conclusion and 反馈 stay in the history, and it must be concluded and fed
    back again by the new deadline, which becomes its 上级要求办结日期 and 办理时限 (the reminder
    ladder starts again from it)."""
    _require_judgeable_feedback(actor, lead)
    _lock(lead)
    _require_status(lead, {Status.CONCLUDED, Status.ARCHIVED}, "退回重查")
    reason = reason.strip()
    if len(reason) < 5:
        raise ServiceError("请写明退回重查的理由（至少5个字）", field="reason")
    check_return_deadline(new_deadline)
    previous = lead.status
    before, before_due = lead.upstream_deadline, lead.due_on
    lead.status = Status.INVESTIGATING
    lead.conclusion = ""
    lead.signed_off_by = None
    lead.signed_off_at = None
    lead.concluded_at = None
    lead.archived_at = None
    lead.fed_back_at = None
    lead.upstream_deadline = new_deadline
    lead.due_on = new_deadline
    # A new deadline: the 催办/督办 of the old one no longer stand.
    lead.escalation_level = 0
    lead.version += 1
    lead.save(
        update_fields=[
            "status",
            "conclusion",
            "signed_off_by",
            "signed_off_at",
            "concluded_at",
            "archived_at",
            "fed_back_at",
            "upstream_deadline",
            "due_on",
            "escalation_level",
            "version",
            "updated_at",
        ]
    )
    _event(
        lead,
        actor,
        LeadEventKind.FEEDBACK_RETURNED,
        from_status=previous,
        # The date first: the timeline shortens long notes, and the town must not miss it.
        note=f"新的反馈期限 {new_deadline:%Y-%m-%d}（原办理时限 {_shown(before_due)}）。{reason}",
    )
    _audit(
        AuditAction.LEAD_FEEDBACK_RETURNED,
        actor,
        lead,
        changes={
            "upstream_deadline": {"before": _shown(before), "after": new_deadline.isoformat()},
            "due_on": {"before": _shown(before_due), "after": new_deadline.isoformat()},
        },
        version=lead.version,
    )
    people_changed("lead", [lead.pk])  # a 查实 lead's subjects counted in the 研判提示
    # The reason may quote the lead's content: it stays on the lead, the notice only points.
    notify(
        recipients=unique(office_staff_for(lead) + leaders_for(lead) + handling_side_for(lead)),
        title=f"反馈被上级退回重查：线索 {lead_label(lead)}",
        body=f"请查看退回理由，重新核查后再次办结，于 {new_deadline:%Y-%m-%d} 前反馈。",
        url=lead_url(lead),
        kind=NotificationKind.RETURNED,
    )
    return lead


@transaction.atomic
def record_follow_up(*, actor: User, lead: Lead, data: FollowUpInput) -> FollowUp:
    """回访: only for real-name reporters; the contact itself stays in the vault.

    The office records it, or the 举报信息保管员, who alone can see how to reach the reporter.
    """
    contacted_on, method, satisfaction = data.contacted_on, data.method, data.satisfaction
    notes = data.notes
    if not (is_office_member(actor, lead.unit) or access.is_identity_custodian(actor, lead.unit)):
        raise ActionNotAllowed("只有本镇扫黑办、领导小组组长、副组长或举报信息保管员可以记录回访")
    _lock(lead, transition=False)
    _require_status(lead, set(FOLLOW_UP_STATUSES), "回访（须先办结）")
    if not lead.is_real_name_report:
        raise ServiceError("匿名举报无法回访")
    if satisfaction not in Satisfaction.values:
        raise ServiceError("请选择满意度", field="satisfaction")
    if not method.strip():
        raise ServiceError("请填写回访方式", field="method")
    if access.is_identity_custodian(actor, lead.unit):
        # Handlers read these. Only the custodian knows the identity: for anyone else a refusal
        # would confirm a guess at it (decision 0011).
        for text, field in ((method, "method"), (notes, "notes")):
            refuse_sealed_identity_in(text, reference=lead.reporter_reference, field=field)
    check_date(contacted_on, kind=DateKind.EVENT, label="回访日期", field="contacted_on")
    follow_up = FollowUp.objects.create(
        lead=lead,
        contacted_on=contacted_on,
        method=method.strip()[:50],
        satisfaction=satisfaction,
        notes=notes.strip(),
        author=actor,
    )
    lead.followed_up_at = timezone.now()
    lead.save(update_fields=["followed_up_at", "updated_at"])
    _event(
        lead,
        actor,
        LeadEventKind.FOLLOWED_UP,
        from_status=lead.status,
        note=follow_up.get_satisfaction_display(),
    )
    _audit(AuditAction.LEAD_FOLLOWED_UP, actor, lead)
    return follow_up


@transaction.atomic
def archive_lead(*, actor: User, lead: Lead) -> Lead:
    """归档: after feedback upward (when from above) and follow-up (when real-name)."""
    _require_office(actor, lead)
    _lock(lead)
    _require_status(lead, {Status.CONCLUDED}, "归档")
    if lead.source in SOURCES_NEEDING_FEEDBACK and lead.fed_back_at is None:
        raise ServiceError("上级交办的线索须先反馈上级才能归档")
    if lead.is_real_name_report and lead.followed_up_at is None:
        raise ServiceError("实名举报的线索须先回访举报人才能归档")
    lead.status = Status.ARCHIVED
    lead.archived_at = timezone.now()
    lead.save(update_fields=["status", "archived_at", "updated_at"])
    _event(lead, actor, LeadEventKind.ARCHIVED, from_status=Status.CONCLUDED)
    _audit(AuditAction.LEAD_ARCHIVED, actor, lead)
    return lead


@transaction.atomic
def reopen_lead(*, actor: User, lead: Lead, reason: str) -> Lead:
    """Reopen a concluded or archived lead (new facts); the earlier conclusion stays in the timeline."""
    if not access.can_sign_off(actor, lead):
        raise ActionNotAllowed("只有领导小组组长、副组长可以重新打开线索")
    _lock(lead)
    _require_status(lead, {Status.CONCLUDED, Status.ARCHIVED}, "重新打开")
    if len(reason.strip()) < 5:
        raise ServiceError("请写明重新打开的理由", field="reason")
    previous = lead.status
    lead.status = Status.INVESTIGATING
    lead.conclusion = ""
    lead.signed_off_by = None
    lead.signed_off_at = None
    lead.concluded_at = None
    lead.archived_at = None
    lead.save(
        update_fields=[
            "status",
            "conclusion",
            "signed_off_by",
            "signed_off_at",
            "concluded_at",
            "archived_at",
            "updated_at",
        ]
    )
    _event(lead, actor, LeadEventKind.REOPENED, from_status=previous, note=reason.strip())
    _audit(AuditAction.LEAD_REOPENED, actor, lead)
    people_changed("lead", [lead.pk])  # a 查实 lead's subjects counted in the 研判提示
    return lead


@transaction.atomic
def merge_lead(*, actor: User, lead: Lead, into: Lead, note: str = "") -> Lead:
    """并案: `lead` is closed as a duplicate of `into`; both originals are kept and linked."""
    _require_office(actor, lead)
    if into.pk == lead.pk or into.unit_id != lead.unit_id:
        raise ServiceError("只能并入本镇的另一条线索", field="into")
    # Both rows in id order, so two merges of the same pair cannot deadlock.
    for row in sorted((lead, into), key=lambda row: row.pk):
        _lock(row, transition=row is lead)
    if into.status == Status.MERGED:
        raise ServiceError("不能并入已被并案的线索", field="into")
    _require_status(lead, set(Status.values) - {Status.MERGED, Status.ARCHIVED}, "并案")
    previous = lead.status
    lead.status = Status.MERGED
    lead.conclusion = Conclusion.MERGED
    lead.merged_into = into
    lead.concluded_at = timezone.now()
    lead.save(update_fields=["status", "conclusion", "merged_into", "concluded_at", "updated_at"])
    people_changed("lead", [lead.pk])  # a merged lead's subjects are its target's to count
    LeadLink.objects.get_or_create(
        lead=lead, other=into, defaults={"note": "并案", "created_by": actor}
    )
    LeadLink.objects.get_or_create(
        lead=into, other=lead, defaults={"note": "并案", "created_by": actor}
    )
    _event(
        lead,
        actor,
        LeadEventKind.MERGED,
        from_status=previous,
        note=f"并入 {into.number}。{note}".strip(),
    )
    _event(
        into, actor, LeadEventKind.MERGED, from_status=into.status, note=f"{lead.number} 并入本线索"
    )
    _audit(AuditAction.LEAD_MERGED, actor, lead, into=into.number)
    return lead


@transaction.atomic
def link_leads(*, actor: User, lead: Lead, other: Lead, note: str = "") -> None:
    _require_office(actor, lead)
    if other.pk == lead.pk or other.unit_id != lead.unit_id:
        raise ServiceError("只能关联本镇的另一条线索", field="other")
    if LeadLink.objects.filter(lead=lead, other=other).exists():
        raise ServiceError("两条线索已关联", field="other")
    LeadLink.objects.create(lead=lead, other=other, note=note.strip()[:200], created_by=actor)
    LeadLink.objects.get_or_create(
        lead=other, other=lead, defaults={"note": note.strip()[:200], "created_by": actor}
    )
    _event(lead, actor, LeadEventKind.LINKED, from_status=lead.status, note=f"关联 {other.number}")
    _audit(AuditAction.LEAD_LINKED, actor, lead, other=other.number)


@transaction.atomic
def extend_deadline(*, actor: User, lead: Lead, new_due_on: date, reason: str) -> DeadlineExtension:
    """延期: approved by a 组长/副组长, with a reason."""
    if not access.can_sign_off(actor, lead):
        raise ActionNotAllowed("延期须由领导小组组长、副组长批准")
    _lock(lead, transition=False)
    if not lead.is_open:
        raise ServiceError("已办结的线索无需延期")
    check_date(new_due_on, kind=DateKind.DEADLINE, label="新的时限", field="new_due_on")
    if lead.due_on is None or new_due_on <= lead.due_on:
        raise ServiceError("新的时限应晚于原时限", field="new_due_on")
    if not reason.strip():
        raise ServiceError("请写明延期理由", field="reason")
    extension = DeadlineExtension.objects.create(
        lead=lead,
        previous_due_on=lead.due_on,
        new_due_on=new_due_on,
        reason=reason.strip(),
        approved_by=actor,
    )
    lead.due_on = new_due_on
    lead.escalation_level = 0
    lead.save(update_fields=["due_on", "escalation_level", "updated_at"])
    _event(
        lead,
        actor,
        LeadEventKind.EXTENDED,
        from_status=lead.status,
        note=f"延期至 {new_due_on:%Y-%m-%d}：{reason.strip()}",
    )
    _audit(AuditAction.LEAD_EXTENDED, actor, lead, new_due_on=new_due_on.isoformat())
    return extension


@transaction.atomic
def revise_upstream_deadline(*, actor: User, lead: Lead, upstream_deadline: date) -> Lead:
    """A corrected 交办 list's 反馈期限 replaces the lead's: the upstream deadline wins over the
    town's own limits (as at 登记) and the reminder ladder starts again from it."""
    _require_office(actor, lead)
    _lock(lead, transition=False)
    if not lead.is_open:
        raise ServiceError(f"线索当前状态为“{lead.get_status_display()}”，不能修改反馈期限")
    change = _apply_upstream_deadline(lead, upstream_deadline)
    if change is None:
        return lead
    changes, note = change
    lead.version += 1
    lead.save(update_fields=[*_DEADLINE_FIELDS, "version", "updated_at"])
    _event(lead, actor, LeadEventKind.CORRECTED, from_status=lead.status, note=note)
    _audit(AuditAction.LEAD_CORRECTED, actor, lead, changes=changes, version=lead.version)
    return lead


_DEADLINE_FIELDS = ["upstream_deadline", "due_on", "escalation_level"]


def _apply_upstream_deadline(
    lead: Lead, upstream_deadline: date
) -> tuple[dict[str, Any], str] | None:
    """Set the new 反馈期限 on the (locked) lead and restart its ladder: the change for the audit
    log and the history note, or None when the lead already has it."""
    check_date(
        upstream_deadline,
        kind=DateKind.DEADLINE,
        label="上级要求办结日期",
        field="upstream_deadline",
    )
    if lead.upstream_deadline == upstream_deadline and lead.due_on == upstream_deadline:
        return None
    before = _shown(lead.upstream_deadline)
    lead.upstream_deadline = upstream_deadline
    lead.due_on = upstream_deadline
    lead.escalation_level = 0
    changes = {"upstream_deadline": {"before": before, "after": upstream_deadline.isoformat()}}
    return changes, f"上级要求办结日期：{before} → {upstream_deadline:%Y-%m-%d}"


@transaction.atomic
def give_instruction(*, actor: User, lead: Lead, content: str) -> Instruction:
    """领导批示, at any stage; the handler (or the office) is notified."""
    if not access.can_sign_off(actor, lead):
        raise ActionNotAllowed("只有领导小组组长、副组长可以批示")
    if not content.strip():
        raise ServiceError("请填写批示内容", field="content")
    instruction = Instruction.objects.create(lead=lead, author=actor, content=content.strip())
    _event(lead, actor, LeadEventKind.INSTRUCTION, from_status=lead.status, note=content.strip())
    _audit(AuditAction.LEAD_INSTRUCTED, actor, lead, instruction_id=instruction.pk)
    notify(
        recipients=instruction_recipients(lead, author=actor),
        title=f"{actor.real_name}批示：线索 {lead_label(lead)}",
        body=content.strip()[:200],
        url=lead_url(lead),
        kind=NotificationKind.INSTRUCTION,
    )
    return instruction


@transaction.atomic
def answer_instruction(*, actor: User, instruction: Instruction, answer: str) -> Instruction:
    """The handler acknowledges a 批示 and says how it was carried out."""
    lead = instruction.lead
    if not (lead.handler_id == actor.pk or access.can_manage_lead(actor, lead)):
        raise ActionNotAllowed("只有承办人或扫黑办可以回复批示")
    lock_current(instruction, noun="批示", field="answered_at")
    if instruction.answered_at is not None:
        raise ServiceError("该批示已回复")
    if not answer.strip():
        raise ServiceError("请填写落实情况", field="answer")
    now = timezone.now()
    instruction.acknowledged_by = actor
    instruction.acknowledged_at = instruction.acknowledged_at or now
    instruction.answer = answer.strip()
    instruction.answered_at = now
    instruction.save(update_fields=["acknowledged_by", "acknowledged_at", "answer", "answered_at"])
    _event(
        lead,
        actor,
        LeadEventKind.INSTRUCTION_ANSWERED,
        from_status=lead.status,
        note=answer.strip(),
    )
    _audit(AuditAction.LEAD_INSTRUCTION_ANSWERED, actor, lead, instruction_id=instruction.pk)
    notify(
        recipients=[instruction.author],
        title=f"批示已回复：线索 {lead_label(lead)}",
        body=answer.strip()[:200],
        url=lead_url(lead),
        kind=NotificationKind.INSTRUCTION,
    )
    return instruction


@transaction.atomic
def record_lead_viewed(
    *, actor: User, lead: Lead, ip_address: str | None, via: str = "page"
) -> None:
    """等保: every view of a lead's content is audited (who, when, from where)."""
    details = {"via": via} if via != "page" else {}
    record_event(
        action=AuditAction.LEAD_VIEWED,
        actor=actor,
        unit=lead.unit,
        target=lead,
        ip_address=ip_address,
        details=details,
    )


@transaction.atomic
def record_subject_revealed(
    *, actor: User, lead: Lead, subject_id: int, ip_address: str | None
) -> None:
    """Every reveal of a subject's full ID number and phone is audited (never the values)."""
    record_event(
        action=AuditAction.SUBJECT_REVEALED,
        actor=actor,
        unit=lead.unit,
        target=lead,
        ip_address=ip_address,
        details={"subject_id": subject_id},
    )


@transaction.atomic
def record_attachment_downloaded(
    *, actor: User, lead: Lead, attachment_id: int, sha256: str, ip_address: str | None
) -> None:
    record_event(
        action=AuditAction.ATTACHMENT_DOWNLOADED,
        actor=actor,
        unit=lead.unit,
        target=lead,
        ip_address=ip_address,
        details={"attachment_id": attachment_id, "sha256": sha256},
    )


@transaction.atomic
def record_lead_export(
    *, actor: User, details: dict[str, Any], lead: Lead | None = None, ip_address: str | None
) -> None:
    """A document taken out of the system: the ledger (no lead) or one lead's feedback report."""
    record_event(
        action=AuditAction.LEAD_EXPORTED,
        actor=actor,
        unit=lead.unit if lead is not None else None,
        target=lead,
        ip_address=ip_address,
        details=details,
    )
