"""Writes of the briefings context: drafts (save, edit, regenerate) and the audited export."""

from datetime import date

from django.db import transaction
from django.utils import timezone

from saohei.audit.models import AuditAction
from saohei.audit.services import record_event
from saohei.briefings import access
from saohei.briefings.compose import Briefing, compose
from saohei.briefings.models import BriefingDraft
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.organisations.models import Unit, User

TITLE_MAX = 200
SECTION_TEXT_MAX = 20000


def _sections_of(briefing: Briefing) -> list[dict[str, str]]:
    return [
        {"key": section.key, "heading": section.heading, "text": section.text}
        for section in briefing.sections
    ]


def _require_editor(actor: User, town: Unit) -> None:
    if not access.can_edit(actor, town):
        raise ActionNotAllowed("只有本镇扫黑办工作人员和领导小组组长、副组长可以保存和修改简报草稿")


@transaction.atomic
def create_draft(
    *, actor: User, unit: Unit, date_from: date | None, date_to: date | None
) -> BriefingDraft:
    """Save the briefing as generated now, to be edited before export."""
    _require_editor(actor, unit)
    briefing = compose(unit, date_from, date_to)
    draft = BriefingDraft.objects.create(
        unit=unit,
        date_from=date_from,
        date_to=date_to,
        title=briefing.title,
        sections=_sections_of(briefing),
        generated_at=timezone.now(),
        created_by=actor,
    )
    record_event(
        action=AuditAction.BRIEFING_DRAFT_SAVED,
        actor=actor,
        unit=unit,
        target=draft,
        details={"created": True},
    )
    return draft


@transaction.atomic
def edit_draft(
    *, actor: User, draft: BriefingDraft, title: str, texts: dict[str, str]
) -> BriefingDraft:
    """Replace the title and the text of the sections named in `texts` (others unchanged)."""
    _require_editor(actor, draft.unit)
    title = title.strip()
    if not title:
        raise ServiceError("请填写简报标题", field="title")
    if len(title) > TITLE_MAX:
        raise ServiceError(f"标题不能超过 {TITLE_MAX} 个字", field="title")
    known = {section["key"] for section in draft.sections}
    unknown = set(texts) - known
    if unknown:
        raise ServiceError("简报没有这些部分：" + "、".join(sorted(unknown)))
    for key, text in texts.items():
        if len(text) > SECTION_TEXT_MAX:
            raise ServiceError(f"每部分正文不能超过 {SECTION_TEXT_MAX} 个字", field=key)
    draft.title = title
    draft.sections = [
        {**section, "text": texts[section["key"]].strip()} if section["key"] in texts else section
        for section in draft.sections
    ]
    draft.edited_by = actor
    draft.edited_at = timezone.now()
    draft.save(update_fields=["title", "sections", "edited_by", "edited_at"])
    record_event(
        action=AuditAction.BRIEFING_DRAFT_SAVED,
        actor=actor,
        unit=draft.unit,
        target=draft,
        details={"sections": sorted(texts)},
    )
    return draft


@transaction.atomic
def regenerate_draft(*, actor: User, draft: BriefingDraft) -> BriefingDraft:
    """Write the draft again from today's records; the edits made so far are replaced."""
    _require_editor(actor, draft.unit)
    briefing = compose(draft.unit, draft.date_from, draft.date_to)
    draft.title = briefing.title
    draft.sections = _sections_of(briefing)
    draft.generated_at = timezone.now()
    draft.edited_by = actor
    draft.edited_at = draft.generated_at
    draft.save(update_fields=["title", "sections", "generated_at", "edited_by", "edited_at"])
    record_event(
        action=AuditAction.BRIEFING_DRAFT_REGENERATED, actor=actor, unit=draft.unit, target=draft
    )
    return draft


@transaction.atomic
def record_export(
    *,
    actor: User | None,
    unit: Unit,
    file_format: str,
    date_from: date | None,
    date_to: date | None,
    draft: BriefingDraft | None = None,
    via: str = "web",
) -> None:
    """Every export of a briefing is audited (who, which town and period, which format);
    `actor` None is the shell (`manage.py briefing`), run by whoever operates the server."""
    if actor is not None and unit not in access.briefing_towns(actor):
        raise ActionNotAllowed("您无权导出该镇的工作简报")
    record_event(
        action=AuditAction.BRIEFING_EXPORTED,
        actor=actor,
        unit=unit,
        target=draft,
        target_label="" if draft else f"{unit.name}工作简报",
        details={
            "format": file_format,
            "from": date_from.isoformat() if date_from else "",
            "to": date_to.isoformat() if date_to else "",
            "via": via,
        },
    )
