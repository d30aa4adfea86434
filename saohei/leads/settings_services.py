"""Editable dictionaries and time limits for leads (DOMAIN.md: every list is configuration)."""

from django.db import transaction

from saohei.audit.models import AuditAction
from saohei.audit.services import record_event
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.leads.models import DictionaryEntry, DictionaryKind, Source, SourceTimeLimit
from saohei.organisations.models import User
from saohei.organisations.queries import OFFICE_ROLES


def _require_editor(actor: User) -> None:
    if not actor.has_any_role(OFFICE_ROLES):
        raise ActionNotAllowed("只有扫黑办工作人员或领导小组组长、副组长可以维护字典")


@transaction.atomic
def add_dictionary_entry(*, actor: User, kind: str, name: str) -> DictionaryEntry:
    _require_editor(actor)
    name = name.strip()
    if kind not in DictionaryKind.values:
        raise ServiceError("字典类别不正确", field="kind")
    if not name or len(name) > 100:
        raise ServiceError("名称须为1～100个字", field="name")
    if DictionaryEntry.objects.filter(kind=kind, name=name).exists():
        raise ServiceError("已有同名字典项", field="name")
    last = (
        DictionaryEntry.objects.filter(kind=kind)
        .order_by("-sort_order")
        .values_list("sort_order", flat=True)
        .first()
    )
    entry = DictionaryEntry.objects.create(kind=kind, name=name, sort_order=(last or 0) + 10)
    record_event(
        action=AuditAction.DICTIONARY_CHANGED,
        actor=actor,
        target=entry,
        details={"change": "added"},
    )
    return entry


@transaction.atomic
def set_dictionary_entry_active(
    *, actor: User, entry: DictionaryEntry, is_active: bool
) -> DictionaryEntry:
    """Entries are retired, never deleted: old leads keep pointing at them."""
    _require_editor(actor)
    if entry.is_active != is_active:
        entry.is_active = is_active
        entry.save(update_fields=["is_active"])
        record_event(
            action=AuditAction.DICTIONARY_CHANGED,
            actor=actor,
            target=entry,
            details={"change": "activated" if is_active else "retired"},
        )
    return entry


@transaction.atomic
def set_time_limit(*, actor: User, source: str, working_days: int) -> SourceTimeLimit:
    _require_editor(actor)
    if source not in Source.values:
        raise ServiceError("线索来源不正确", field="source")
    if not 1 <= working_days <= 365:
        raise ServiceError("办理时限应为1～365个工作日", field="working_days")
    limit, _ = SourceTimeLimit.objects.get_or_create(
        source=source, defaults={"working_days": working_days}
    )
    before = limit.working_days
    limit.working_days = working_days
    limit.save(update_fields=["working_days"])
    record_event(
        action=AuditAction.DICTIONARY_CHANGED,
        actor=actor,
        target=limit,
        details={"change": "time_limit", "source": source, "from": before, "to": working_days},
    )
    return limit
