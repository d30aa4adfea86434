"""State changes of the analysis context that people make: the 村"两委"候选人资格联审 and its
export, the 研判会's decision on a prompt, and the office's thresholds. Each is one transaction
with its audit event."""

from dataclasses import dataclass
from pathlib import Path
from typing import IO

from django.db import transaction
from django.utils import timezone

from saohei.analysis import access, vetting
from saohei.analysis.changes import refresh_pending
from saohei.analysis.models import (
    AnalysisSettings,
    Appearance,
    FailedElement,
    Prompt,
    PromptStatus,
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
from saohei.common.pii import mask_id_number, seal
from saohei.leads.access import OFFICE_ROLES, SIGN_OFF_ROLES
from saohei.leads.models import Channel, Lead, Source
from saohei.leads.services import LeadInput, SubjectInput, register_lead
from saohei.meetings.models import Meeting, MeetingKind
from saohei.meetings.services import record_lead_opinion
from saohei.organisations.access import grant_paths, unit_in_paths
from saohei.organisations.models import Unit, UnitKind, User


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


def _check_decision(actor: User, prompt: Prompt, meeting: Meeting) -> None:
    if not access.can_decide_prompt(actor, prompt):
        raise ActionNotAllowed("只有本镇领导小组组长、副组长可以在研判会上确认或排除研判提示")
    if not access.visible_prompts(actor).filter(pk=prompt.pk).exists():
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


def can_change_settings(user: User) -> bool:
    return bool(grant_paths(user, OFFICE_ROLES))


@transaction.atomic
def update_settings(*, actor: User, data: SettingsInput) -> AnalysisSettings:
    """研判设置: the office's thresholds; the old and new values are audited and everything is
    recomputed with them (prompts included)."""
    if not can_change_settings(actor):
        raise ActionNotAllowed("只有扫黑办工作人员或领导小组组长、副组长可以修改研判设置")
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
