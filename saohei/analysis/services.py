"""State changes of the analysis context that people make, each one transaction with its audit
event: the 村"两委"候选人资格联审 and its export; the 研判会's decision on a prompt and the audit
of the flags API's full ID numbers; the office's thresholds; the office's corrections to the
person registry (decision 0030: merge two persons, split one appearance off, undo either, answer
a 疑似同一人 suggestion, keep the exclusion list — the registry re-resolved for the persons
concerned before the transaction commits, so no page shows a half-applied correction); and the
audit of the 重点人员/同案人员 exports."""

from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.utils import timezone

from saohei.analysis import access, registry, vetting
from saohei.analysis.access import REGISTRY_ROLES, among_visible
from saohei.analysis.changes import refresh_pending
from saohei.analysis.models import (
    AnalysisSettings,
    Appearance,
    FailedElement,
    IdentifierExclusion,
    IdentifierKind,
    MergeRule,
    Person,
    Prompt,
    PromptStatus,
    SamePersonSuggestion,
    SharedIdentifier,
    SplitRule,
    SuggestionStatus,
    VettingCandidate,
    VettingResult,
    VettingRun,
)
from saohei.analysis.queries import sealed_source
from saohei.analysis.registry import current_settings
from saohei.audit.models import AuditAction, AuditResult
from saohei.audit.services import record_event
from saohei.cases import importing
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.common.pii import blind_index, clean_mobile, mask_id_number, mask_mobile, seal
from saohei.leads.access import SIGN_OFF_ROLES
from saohei.leads.models import Channel, Lead, Source
from saohei.leads.services import LeadInput, SubjectInput, register_lead
from saohei.meetings.models import Meeting, MeetingKind
from saohei.meetings.services import record_lead_opinion
from saohei.organisations.access import grant_paths, unit_in_paths
from saohei.organisations.models import Unit, UnitKind, User
from saohei.organisations.queries import OFFICE_ROLES

# ---------------------------------------------------------------------------------------------
# 村"两委"候选人资格联审


class CandidateListRefused(ServiceError):
    """Some rows of the list are not usable: `errors` lists each; nothing was stored."""

    def __init__(self, errors: list[importing.RowError]) -> None:
        super().__init__(
            f"名单中有 {len(errors)} 处错误，未进行联审，请修改后重新上传", field="file"
        )
        self.errors = errors


def _require_vetting(actor: User, unit: Unit) -> None:
    if unit.kind != UnitKind.TOWN or not access.vetting_towns(actor).filter(pk=unit.pk).exists():
        raise ActionNotAllowed("只有本镇领导小组组长、副组长和扫黑办工作人员可以进行候选人资格联审")


def run_vetting(
    *, actor: User, unit: Unit, file: IO[bytes], ip_address: str | None = None
) -> VettingRun:
    """Check a town's candidate list against the registry and store the 联审 sheet; any bad row
    refuses the whole list (`CandidateListRefused`, audited) and stores nothing of it."""
    _require_vetting(actor, unit)
    name = Path(str(getattr(file, "name", "") or "候选人名单")).name[:200]
    kind = importing.detect_kind(file, name)
    sha256 = importing.sha256_of(file)
    villages = dict(Unit.objects.filter(parent=unit).villages().active().values_list("name", "pk"))
    try:
        candidates = vetting.read_candidates(file, kind, villages=villages, town_name=unit.name)
    except importing.UnreadableFile as error:
        raise ServiceError(error.message, field="file") from error
    if candidates.errors:
        record_event(
            action=AuditAction.VETTING_RUN,
            actor=actor,
            unit=unit,
            target_label=name,
            result=AuditResult.FAILURE,
            ip_address=ip_address,
            details={"errors": len(candidates.errors), "file_sha256": sha256},
        )
        raise CandidateListRefused(candidates.errors)
    # Records saved a moment ago are still in the registry's outbox: a 联审 must see them.
    refresh_pending()
    with transaction.atomic():
        findings = vetting.check_candidates(actor, candidates.candidates)
        review_count = sum(1 for found in findings if found)
        run = VettingRun.objects.create(
            unit=unit,
            uploaded_by=actor,
            uploaded_at=timezone.now(),
            file_name=name,
            file_sha256=sha256,
            candidate_count=len(candidates.candidates),
            review_count=review_count,
            covers_officials_leads=unit_in_paths(unit, grant_paths(actor, SIGN_OFF_ROLES)),
        )
        rows = []
        for candidate, found in zip(candidates.candidates, findings, strict=True):
            row = VettingCandidate(
                run=run,
                row_number=candidate.row,
                village_id=candidate.village_id,
                name=candidate.name,
                position=candidate.position,
                result=VettingResult.REVIEW if found else VettingResult.CLEAR,
                findings=[finding.as_dict() for finding in found],
            )
            row.set_id_number(
                seal("id_number", candidate.id_number),
                masked=mask_id_number(candidate.id_number),
            )
            rows.append(row)
        VettingCandidate.objects.bulk_create(rows, batch_size=500)
        record_event(
            action=AuditAction.VETTING_RUN,
            actor=actor,
            unit=unit,
            target=run,
            ip_address=ip_address,
            details={
                "candidates": run.candidate_count,
                "review": review_count,
                "file_sha256": sha256,
            },
        )
    return run


@transaction.atomic
def record_vetting_export(
    *, actor: User, run: VettingRun, count: int, ip_address: str | None = None
) -> None:
    """Every export of a 联审 sheet is audited, with the number of candidates written."""
    if not access.visible_vetting_runs(actor).filter(pk=run.pk).exists():
        raise ActionNotAllowed("您无权导出该联审表")
    record_event(
        action=AuditAction.VETTING_EXPORTED,
        actor=actor,
        unit=run.unit,
        target=run,
        ip_address=ip_address,
        details={"candidates": count},
    )


# ---------------------------------------------------------------------------------------------
# 研判提示: the 研判会's decision, and the flags API's full ID numbers


def _check_decision(actor: User, prompt: Prompt, meeting: Meeting) -> None:
    if not access.can_decide_prompt(actor, prompt):
        raise ActionNotAllowed("只有本镇领导小组组长、副组长可以在研判会上确认或排除研判提示")
    if not access.visible_prompts(actor, few=True).filter(pk=prompt.pk).exists():
        raise ActionNotAllowed("您无权查看该研判提示涉及的全部事件")
    if prompt.status != PromptStatus.OPEN or not prompt.is_current:
        raise ServiceError("该研判提示已研判或已不再满足条件，不能再次确认或排除")
    if meeting.kind != MeetingKind.ANALYSIS or meeting.unit_id != prompt.unit_id:
        raise ServiceError("请选择本镇的研判会", field="meeting")


def _decide(
    prompt: Prompt,
    actor: User,
    meeting: Meeting,
    status: str,
    note: str,
    *,
    action: AuditAction,
    details: dict[str, object],
) -> None:
    """The 研判会's decision on the prompt, saved and audited (never the members' identifiers)."""
    prompt.status = status
    prompt.meeting = meeting
    prompt.decision_note = note
    prompt.decided_by = actor
    prompt.decided_at = timezone.now()
    prompt.decided_incidents = [
        f"{kind}:{pk}" for kind, pk in prompt.incidents.values_list("incident_kind", "incident_id")
    ]
    prompt.save()
    record_event(
        action=action,
        actor=actor,
        unit=prompt.unit,
        target=prompt,
        details={"meeting": meeting.pk, "level": prompt.level, **details},
    )


def _subjects_of(prompt: Prompt) -> list[SubjectInput]:
    """The members as 被反映人, each with the ID number and mobile of their latest appearance
    that has one (unsealed here, sealed again by `register_lead`; never shown or logged)."""
    subjects = []
    for member in prompt.members.select_related("person", "person__village").order_by(
        "-incident_count", "id"
    ):
        person = member.person
        appearances = Appearance.objects.filter(person=person).order_by("-occurred_on", "-id")
        with_id = appearances.exclude(id_number_index="").first()
        with_phone = appearances.exclude(phone_index="").first()
        id_source = sealed_source(with_id) if with_id else None
        phone_source = sealed_source(with_phone) if with_phone else None
        subjects.append(
            SubjectInput(
                name=person.name or "（无名）",
                alias=person.aliases.split("、")[0] if person.aliases else "",
                id_number=id_source.unsealed_id_number() if id_source else "",
                phone=phone_source.unsealed_phone() if phone_source else "",
                village=person.village
                if person.village and person.village.parent_id == prompt.unit_id
                else None,
            )
        )
    return subjects


@transaction.atomic
def confirm_prompt(*, actor: User, prompt: Prompt, meeting: Meeting, note: str) -> Lead:
    """研判会确认: a lead (source 研判发现) with the members as 被反映人, linked to the prompt
    and carrying the meeting's 研判意见. A 组长/副组长 of the prompt's town signs it."""
    prompt = Prompt.objects.select_for_update().get(pk=prompt.pk)
    _check_decision(actor, prompt, meeting)
    note = note.strip()
    if len(note) < 5:
        raise ServiceError("请填写研判会的研判意见（至少5个字）", field="note")
    lead = register_lead(
        actor=actor,
        unit=prompt.unit,
        data=LeadInput(
            received_at=timezone.now(),
            channel=Channel.IN_PERSON,
            source=Source.ANALYSIS,
            summary=(
                f"研判发现：{prompt.get_level_display()}（{prompt.members.count()} 人，"
                f"{prompt.incidents.count()} 起，{prompt.window_start:%Y-%m-%d} 至 "
                f"{prompt.window_end:%Y-%m-%d}），经研判会确认登记核查"
            ),
            narrative=f"研判会意见：{note}\n\n{prompt.explanation}",
            subjects=_subjects_of(prompt),
        ),
    )
    record_lead_opinion(actor=actor, meeting=meeting, lead=lead, opinion=note)
    prompt.lead = lead
    _decide(
        prompt,
        actor,
        meeting,
        PromptStatus.CONFIRMED,
        note,
        action=AuditAction.PROMPT_CONFIRMED,
        details={"lead": lead.pk},
    )
    return lead


@transaction.atomic
def dismiss_prompt(
    *, actor: User, prompt: Prompt, meeting: Meeting, reason: str, failed_element: str
) -> Prompt:
    """研判会排除: with the element of the criteria found missing and the reason; the prompt
    stays dismissed until an incident it has not seen joins it."""
    prompt = Prompt.objects.select_for_update().get(pk=prompt.pk)
    _check_decision(actor, prompt, meeting)
    if failed_element not in FailedElement.values:
        raise ServiceError("请选择不符合的认定要素", field="failed_element")
    reason = reason.strip()
    if len(reason) < 5:
        raise ServiceError("请写明排除理由（至少5个字）", field="reason")
    prompt.failed_element = failed_element
    _decide(
        prompt,
        actor,
        meeting,
        PromptStatus.DISMISSED,
        reason,
        action=AuditAction.PROMPT_DISMISSED,
        details={"failed_element": failed_element},
    )
    return prompt


@transaction.atomic
def record_prompt_identifiers_revealed(
    *, actor: User, prompt: Prompt, persons: int, ip_address: str | None
) -> None:
    """Members' full ID numbers given out (the flags API): audited per prompt, never the values."""
    record_event(
        action=AuditAction.SUBJECT_REVEALED,
        actor=actor,
        unit=prompt.unit,
        target=prompt,
        ip_address=ip_address,
        details={"prompt": prompt.pk, "persons": persons, "via": "api"},
    )


# ---------------------------------------------------------------------------------------------
# 研判设置


@dataclass(frozen=True)
class SettingsInput:
    identifier_share_cap: int
    window_days: int
    min_members: int
    min_incidents: int
    min_criminal: int
    min_recurring_members: int
    group_min_criminal: int
    heijie_min_members: int
    heijie_note_members: int
    common_names: str = ""


# Bounds that keep a threshold meaningful (a 1-person 恶势力 or a 30-year window is a typo).
SETTING_BOUNDS = {
    "identifier_share_cap": (2, 100),
    "window_days": (30, 3650),
    "min_members": (2, 50),
    "min_incidents": (2, 50),
    "min_criminal": (0, 50),
    "min_recurring_members": (1, 50),
    "group_min_criminal": (1, 50),
    "heijie_min_members": (3, 200),
    "heijie_note_members": (2, 200),
}


SETTINGS_FOR_EVERY_TOWN = (
    "研判设置适用于所有镇（街道）：只有管辖全部镇（街道）的扫黑办工作人员或领导小组"
    "组长、副组长可以修改"
)


def can_change_settings(user: User) -> bool:
    """The thresholds are one set for every town of the deployment: only an office whose scope
    covers every active town may change them (a county's or city's office; a township's own
    office only while it is the only town), so no town moves the bar for its neighbours."""
    paths = grant_paths(user, OFFICE_ROLES)
    if not paths:
        return False
    towns = Unit.objects.filter(kind=UnitKind.TOWN, is_active=True)
    return all(unit_in_paths(town, paths) for town in towns)


@transaction.atomic
def update_settings(*, actor: User, data: SettingsInput) -> AnalysisSettings:
    """研判设置: the office's thresholds; the old and new values are audited and everything is
    recomputed with them (prompts included)."""
    if not can_change_settings(actor):
        raise ActionNotAllowed(SETTINGS_FOR_EVERY_TOWN)
    labels = {f.name: str(f.verbose_name) for f in AnalysisSettings._meta.fields}
    for name, (low, high) in SETTING_BOUNDS.items():
        value = getattr(data, name)
        if not low <= value <= high:
            raise ServiceError(f"“{labels[name]}”应在 {low} 至 {high} 之间", field=name)
    if data.heijie_note_members > data.heijie_min_members:
        raise ServiceError(
            "“说明中提示的成员数”不能大于“需研判涉黑：最少成员数”", field="heijie_note_members"
        )
    if data.heijie_min_members < data.min_members:
        raise ServiceError(
            "“需研判涉黑：最少成员数”不能小于“恶势力：最少成员数”", field="heijie_min_members"
        )
    row = AnalysisSettings.objects.select_for_update().order_by("id").first() or current_settings()
    old = {name: getattr(row, name) for name in [*SETTING_BOUNDS, "common_names"]}
    for name in old:
        setattr(row, name, getattr(data, name))
    new = {name: getattr(row, name) for name in old}
    changed = {name: [old[name], new[name]] for name in old if old[name] != new[name]}
    if not changed:
        return row
    row.updated_by = actor
    row.save()
    record_event(
        action=AuditAction.ANALYSIS_SETTINGS_CHANGED,
        actor=actor,
        target=row,
        details={"changed": changed},
    )
    # Thresholds change what links and what is prompted: everything is recomputed, in the
    # background (a province's rebuild takes minutes, longer than a request may).
    transaction.on_commit(_enqueue_rebuild)
    return row


def _enqueue_rebuild() -> None:
    from saohei.analysis.tasks import rebuild_task  # the task module imports the registry

    rebuild_task.enqueue()


# ---------------------------------------------------------------------------------------------
# Corrections to the person registry

REASON_MAX_LENGTH = 200

NOT_OFFICE = "只有该人员所在镇的扫黑办工作人员或领导小组组长、副组长可以修正人员归并"


def _reason(reason: str, *, required: bool = True) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise ServiceError("请填写理由", field="reason")
    if len(reason) > REASON_MAX_LENGTH:
        raise ServiceError(f"理由不能超过 {REASON_MAX_LENGTH} 个字", field="reason")
    return reason


def _office_unit(actor: User, person_keys: list[str]) -> Unit:
    """The town in which the actor, as its office, sees the persons of these keys (every key
    must be seen so); refused otherwise."""
    office = grant_paths(actor, OFFICE_ROLES)
    unit = None
    for key in dict.fromkeys(person_keys):
        rows = among_visible(
            actor, Appearance.objects.filter(person_key=key).select_related("unit")[:500]
        )
        mine = [row.unit for row in rows if unit_in_paths(row.unit, office)]
        if not mine:
            raise ActionNotAllowed(NOT_OFFICE)
        unit = unit or mine[0]
    if unit is None:
        raise ActionNotAllowed(NOT_OFFICE)
    return unit


def _merge(*, actor: User, person: Person, other: Person, reason: str) -> tuple[MergeRule, Unit]:
    if person.pk == other.pk or person.person_key == other.person_key:
        raise ServiceError("不能与同一人员合并", field="other")
    unit = _office_unit(actor, [person.person_key, other.person_key])
    rule = MergeRule.objects.create(
        first_key=person.person_key,
        second_key=other.person_key,
        reason=reason,
        created_by=actor,
    )
    registry.refresh_persons([person.person_key, other.person_key])
    return rule, unit


@transaction.atomic
def merge_persons(*, actor: User, person: Person, other: Person, reason: str) -> Person:
    """与…合并: the office says two persons are one; the merged person is returned."""
    reason = _reason(reason)
    rule, unit = _merge(actor=actor, person=person, other=other, reason=reason)
    record_event(
        action=AuditAction.PERSONS_MERGED,
        actor=actor,
        unit=unit,
        target_label=f"人员 {person.pk} + {other.pk}",
        details={"merge_rule": rule.pk, "persons": [person.pk, other.pk]},
    )
    return merged_person(rule)


def merged_person(rule: MergeRule) -> Person:
    """The person a merge rule's keys resolve to now (the first side's after an undo)."""
    found = (
        Person.objects.filter(person_key__in=access.merged_person_keys(rule))
        .order_by("person_key")
        .first()
    )
    if found is None:
        raise ServiceError("该人员已不在人员库中")
    return found


@transaction.atomic
def undo_merge(*, actor: User, rule: MergeRule) -> None:
    """撤销合并: the two persons are resolved apart again (other merges stay)."""
    if rule.undone_at is not None:
        raise ServiceError("该合并已撤销")
    keys = access.merged_person_keys(rule)
    unit = _office_unit(actor, sorted(keys))
    _mark_undone(rule, actor, unit, AuditAction.PERSONS_MERGE_UNDONE, "合并", "merge_rule")
    registry.refresh_persons(keys | {rule.first_key, rule.second_key})


def _mark_undone(
    rule: MergeRule | SplitRule,
    actor: User,
    unit: Unit,
    action: AuditAction,
    label: str,
    detail_key: str,
) -> None:
    """An undo keeps the rule as the office's record, marked undone, and audits it."""
    rule.undone_by = actor
    rule.undone_at = timezone.now()
    rule.save(update_fields=["undone_by", "undone_at"])
    record_event(
        action=action,
        actor=actor,
        unit=unit,
        target_label=f"{label} #{rule.pk}",
        details={detail_key: rule.pk},
    )


@transaction.atomic
def split_appearance(*, actor: User, appearance: Appearance, reason: str) -> Person:
    """拆分: this appearance is not the person it resolved to; it becomes a person of its own."""
    reason = _reason(reason)
    unit = _office_unit(actor, [appearance.person_key])
    if Appearance.objects.filter(person_key=appearance.person_key).count() < 2:
        raise ServiceError("该人员只有这一条记录，无需拆分")
    rule = SplitRule.objects.create(
        incident_kind=appearance.incident_kind,
        source_id=appearance.source_id,
        reason=reason,
        created_by=actor,
    )
    record_event(
        action=AuditAction.APPEARANCE_SPLIT,
        actor=actor,
        unit=unit,
        target_label=f"人员 {appearance.person_id}",
        details={
            "split_rule": rule.pk,
            "person": appearance.person_id,
            "incident": f"{appearance.incident_kind}:{appearance.incident_id}",
        },
    )
    registry.refresh_persons([appearance.person_key])
    person = _person_of_source(rule.incident_kind, rule.source_id)
    if person is None:
        raise ServiceError("拆分后未能建立人员，请稍后重试")
    return person


def _person_of_source(incident_kind: str, source_id: int) -> Person | None:
    """The person a source row resolves to now (a refresh re-creates appearance rows)."""
    return Person.objects.filter(
        appearances__incident_kind=incident_kind, appearances__source_id=source_id
    ).first()


@transaction.atomic
def undo_split(*, actor: User, rule: SplitRule) -> Person | None:
    """撤销拆分: the appearance is resolved by its identifiers again."""
    if rule.undone_at is not None:
        raise ServiceError("该拆分已撤销")
    appearance = Appearance.objects.filter(
        incident_kind=rule.incident_kind, source_id=rule.source_id
    ).first()
    if appearance is None:
        raise ServiceError("该记录已不在人员库中")
    unit = _office_unit(actor, [appearance.person_key])
    _mark_undone(rule, actor, unit, AuditAction.APPEARANCE_SPLIT_UNDONE, "拆分", "split_rule")
    registry.refresh_persons([appearance.person_key])
    return _person_of_source(rule.incident_kind, rule.source_id)


def _open_suggestion(suggestion: SamePersonSuggestion) -> tuple[Person, Person]:
    if suggestion.status != SuggestionStatus.OPEN:
        raise ServiceError("该疑似同一人提示已处理")
    persons = {
        person.person_key: person
        for person in Person.objects.filter(
            person_key__in=[suggestion.first_key, suggestion.second_key]
        )
    }
    if len(persons) != 2:
        raise ServiceError("提示中的人员已变化，请刷新后再处理")
    return persons[suggestion.first_key], persons[suggestion.second_key]


@transaction.atomic
def confirm_same_person(
    *, actor: User, suggestion: SamePersonSuggestion, reason: str = ""
) -> Person:
    """确认为同一人: the suggestion becomes a merge rule (undone like any merge)."""
    first, second = _open_suggestion(suggestion)
    reason = _reason(reason, required=False) or "确认疑似同一人"
    # Answered before the merge: the refresh drops open suggestions whose persons are gone.
    _decide_suggestion(suggestion, actor, SuggestionStatus.CONFIRMED, reason)
    rule, unit = _merge(actor=actor, person=first, other=second, reason=reason)
    record_event(
        action=AuditAction.SAME_PERSON_CONFIRMED,
        actor=actor,
        unit=unit,
        target_label=f"疑似同一人 #{suggestion.pk}",
        details={"suggestion": suggestion.pk, "merge_rule": rule.pk},
    )
    return merged_person(rule)


@transaction.atomic
def reject_same_person(*, actor: User, suggestion: SamePersonSuggestion, reason: str) -> None:
    """否定: not the same person; the suggestion stays answered and is not made again."""
    first, second = _open_suggestion(suggestion)
    reason = _reason(reason)
    unit = _office_unit(actor, [first.person_key, second.person_key])
    _decide_suggestion(suggestion, actor, SuggestionStatus.REJECTED, reason)
    record_event(
        action=AuditAction.SAME_PERSON_REJECTED,
        actor=actor,
        unit=unit,
        target_label=f"疑似同一人 #{suggestion.pk}",
        details={"suggestion": suggestion.pk},
    )


def _decide_suggestion(
    suggestion: SamePersonSuggestion, actor: User, status: SuggestionStatus, reason: str
) -> None:
    suggestion.status = status
    suggestion.decided_by = actor
    suggestion.decided_at = timezone.now()
    suggestion.reason = reason
    suggestion.save(update_fields=["status", "decided_by", "decided_at", "reason"])


def _require_office_anywhere(actor: User) -> None:
    if not grant_paths(actor, OFFICE_ROLES):
        raise ActionNotAllowed("只有扫黑办工作人员或领导小组组长、副组长可以维护排除清单")


@transaction.atomic
def exclude_mobile(
    *,
    actor: User,
    reason: str,
    mobile: str = "",
    shared: SharedIdentifier | None = None,
) -> IdentifierExclusion:
    """排除清单: a mobile (typed, or from the over-shared list) that never links people."""
    _require_office_anywhere(actor)
    reason = _reason(reason)
    if shared is not None:
        if shared.kind != IdentifierKind.PHONE:
            raise ServiceError("只能排除手机号")
        value, masked = shared.value, shared.masked
    else:
        phone = clean_mobile(mobile)
        value, masked = blind_index("phone", phone), mask_mobile(phone)
    if IdentifierExclusion.objects.filter(kind=IdentifierKind.PHONE, value=value).exists():
        raise ServiceError("该号码已在排除清单中", field="mobile")
    exclusion = IdentifierExclusion.objects.create(
        kind=IdentifierKind.PHONE, value=value, masked=masked, reason=reason, created_by=actor
    )
    record_event(
        action=AuditAction.IDENTIFIER_EXCLUDED,
        actor=actor,
        unit=actor.unit,
        target_label=f"手机号 {masked}",
        details={"exclusion": exclusion.pk},
    )
    registry.refresh_identifier(IdentifierKind.PHONE, value)
    return exclusion


@transaction.atomic
def remove_exclusion(*, actor: User, exclusion: IdentifierExclusion) -> None:
    """移出排除清单: the mobile links people again."""
    _require_office_anywhere(actor)
    kind, value, masked, pk = exclusion.kind, exclusion.value, exclusion.masked, exclusion.pk
    exclusion.delete()
    record_event(
        action=AuditAction.IDENTIFIER_EXCLUSION_REMOVED,
        actor=actor,
        unit=actor.unit,
        target_label=f"手机号 {masked}",
        details={"exclusion": pk},
    )
    registry.refresh_identifier(kind, value)


# ---------------------------------------------------------------------------------------------
# 重点人员 and 同案人员 exports


class PersonList(Enum):
    """The registry's lists that export a ledger, each with its audit action."""

    KEY_PERSONS = AuditAction.KEY_PERSONS_EXPORTED
    CO_OFFENDERS = AuditAction.CO_OFFENDERS_EXPORTED


@transaction.atomic
def record_person_viewed(
    *, actor: User, person: Person, ip_address: str | None, via: str = "page"
) -> None:
    """等保: every view of a person's gathered records is audited like a lead's (who, when, from
    where), by number: the person's name stays out of the log, as the merges' events do."""
    record_event(
        action=AuditAction.PERSON_VIEWED,
        actor=actor,
        unit=person.unit,
        target=person,
        target_label=f"人员 {person.pk}",
        ip_address=ip_address,
        details={"via": via} if via != "page" else {},
    )


@transaction.atomic
def record_list_export(
    *,
    actor: User,
    person_list: PersonList,
    rows: int,
    filters: dict[str, Any],
    ip_address: str | None = None,
) -> None:
    """Every export of 重点人员 or 同案人员 is audited with its row count and filters (never a
    name: the filters are dates, units, a nature, a 案由 and a threshold)."""
    if not actor.is_authenticated or not actor.has_any_role(REGISTRY_ROLES):
        raise ActionNotAllowed("您没有导出研判名单的权限")
    record_event(
        action=person_list.value,
        actor=actor,
        ip_address=ip_address,
        details={"rows": rows, "filters": filters},
    )
