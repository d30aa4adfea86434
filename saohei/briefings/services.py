"""Writes of the briefings context: drafts (save, edit, regenerate) and the audited export."""

from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from saohei.audit.models import AuditAction
from saohei.audit.services import record_event
from saohei.briefings import access
from saohei.briefings.compose import Briefing, compose
from saohei.briefings.imprint import current_imprint
from saohei.briefings.models import BriefingDraft, BriefingSettings
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.common.rows import lock_current
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


def _next_issue_number(unit: Unit, year: int) -> int:
    # The town's row is locked first, so two saves in one town wait for each other on
    # PostgreSQL (SQLite takes its write lock at BEGIN); the unique constraint is the backstop.
    # NO KEY, as the case import's lock (decision 0057): rows that merely refer to the town
    # are not held up meanwhile.
    Unit.objects.select_for_update(no_key=True).filter(pk=unit.pk).first()
    last = BriefingDraft.objects.filter(unit=unit, issue_year=year).aggregate(
        last=Max("issue_number")
    )["last"]
    return (last or 0) + 1


@transaction.atomic
def create_draft(
    *, actor: User, unit: Unit, date_from: date | None, date_to: date | None
) -> BriefingDraft:
    """Save the briefing as generated now, to be edited before export: it becomes the town's
    next issue of the year (第N期), dated today, with the town's imprint as it stands."""
    _require_editor(actor, unit)
    today = timezone.localdate()
    briefing = compose(unit, date_from, date_to, today=today)
    number = _next_issue_number(unit, today.year)
    try:
        with transaction.atomic():
            draft = BriefingDraft.objects.create(
                unit=unit,
                date_from=date_from,
                date_to=date_to,
                title=briefing.title,
                sections=_sections_of(briefing),
                generated_at=timezone.now(),
                created_by=actor,
                issue_year=today.year,
                issue_number=number,
                issued_on=today,
                imprint=current_imprint(unit).as_json(),
            )
    except IntegrityError:
        raise ServiceError("期号被同时保存的另一期简报占用，请重新保存") from None
    record_event(
        action=AuditAction.BRIEFING_DRAFT_SAVED,
        actor=actor,
        unit=unit,
        target=draft,
        details={"created": True, "issue": f"{today.year}-{number}"},
    )
    return draft


@transaction.atomic
def edit_draft(
    *,
    actor: User,
    draft: BriefingDraft,
    title: str,
    texts: dict[str, str],
    version: int | None = None,
) -> BriefingDraft:
    """Replace the title and the text of the sections named in `texts` (others unchanged);
    refused when the draft was saved by someone else since `version` was opened."""
    _require_editor(actor, draft.unit)
    lock_current(draft, noun="简报草稿", field=None, version=version)
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
    draft.version += 1
    draft.save(update_fields=["title", "sections", "edited_by", "edited_at", "version"])
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
    """Write the draft again from today's records; the edits made so far are replaced, and the
    imprint is the town's current one. The issue keeps its number and date."""
    _require_editor(actor, draft.unit)
    lock_current(draft, noun="简报草稿", field=None)
    briefing = compose(draft.unit, draft.date_from, draft.date_to)
    draft.title = briefing.title
    draft.sections = _sections_of(briefing)
    draft.imprint = current_imprint(draft.unit).as_json()
    draft.generated_at = timezone.now()
    draft.edited_by = actor
    draft.edited_at = draft.generated_at
    # An editor who opened the draft before it was rewritten must not save over the new text.
    draft.version += 1
    draft.save(
        update_fields=[
            "title",
            "sections",
            "imprint",
            "generated_at",
            "edited_by",
            "edited_at",
            "version",
        ]
    )
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


SETTINGS_FIELDS = ("issuing_unit", "report_to", "copy_to", "distribute_to", "copies")
SETTINGS_TEXT_MAX = {"issuing_unit": 100, "report_to": 300, "copy_to": 300, "distribute_to": 300}
COPIES_MAX = 9999


@dataclass(frozen=True)
class BriefingSettingsInput:
    """版头版记: who issues the briefing, whom it is reported, copied and sent to, how many copies."""

    issuing_unit: str
    report_to: str
    copy_to: str
    distribute_to: str
    copies: int | None


@transaction.atomic
def update_briefing_settings(
    *, actor: User, unit: Unit, data: BriefingSettingsInput
) -> BriefingSettings:
    """The town's masthead and closing lines; only its 扫黑办工作人员 and 组长 change them."""
    if not access.can_edit_settings(actor, unit):
        raise ActionNotAllowed("只有本镇扫黑办工作人员和领导小组组长可以修改简报版头版记")
    copies = data.copies
    values: dict[str, str | int | None] = {
        "issuing_unit": data.issuing_unit.strip(),
        "report_to": data.report_to.strip(),
        "copy_to": data.copy_to.strip(),
        "distribute_to": data.distribute_to.strip(),
        "copies": copies,
    }
    if not values["issuing_unit"]:
        raise ServiceError("请填写编发单位", field="issuing_unit")
    for name, limit in SETTINGS_TEXT_MAX.items():
        if len(str(values[name])) > limit:
            raise ServiceError(f"不能超过 {limit} 个字", field=name)
    if copies is not None and not 1 <= copies <= COPIES_MAX:
        raise ServiceError(f"共印份数应为 1 至 {COPIES_MAX} 的整数", field="copies")
    found = BriefingSettings.objects.select_for_update().filter(unit=unit).first()
    before = {name: getattr(found, name) for name in SETTINGS_FIELDS} if found else {}
    if found is None:
        found = BriefingSettings(unit=unit)
    for name, new in values.items():
        setattr(found, name, new)
    found.updated_by = actor
    found.save()
    record_event(
        action=AuditAction.BRIEFING_SETTINGS_CHANGED,
        actor=actor,
        unit=unit,
        target=found,
        details={"changed": sorted(n for n in SETTINGS_FIELDS if before.get(n) != values[n])},
    )
    return found
