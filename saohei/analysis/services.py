"""State changes of the analysis context that people make: the 研判会's decision on a prompt and
the office's thresholds. Each is one transaction with its audit event."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from saohei.analysis import access
from saohei.analysis.models import (
    AnalysisSettings,
    Appearance,
    FailedElement,
    Prompt,
    PromptStatus,
)
from saohei.analysis.queries import sealed_source
from saohei.analysis.registry import current_settings
from saohei.audit.models import AuditAction
from saohei.audit.services import record_event
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.leads.access import OFFICE_ROLES
from saohei.leads.models import Channel, Lead, Source
from saohei.leads.services import LeadInput, SubjectInput, register_lead
from saohei.meetings.models import Meeting, MeetingKind
from saohei.meetings.services import record_lead_opinion
from saohei.organisations.access import grant_paths
from saohei.organisations.models import User


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
