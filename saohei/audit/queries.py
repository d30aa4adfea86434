from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from saohei.audit.chain import ChainReport, verify_events
from saohei.audit.checkpoints import (
    Checkpoint,
    CheckpointError,
    checkpoint_from_export,
    compare_with_checkpoint,
    read_latest_checkpoint,
)
from saohei.audit.models import AuditEvent, AuditEventQuerySet


def search_events(
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    actor: str = "",
    action: str = "",
    result: str = "",
    text: str = "",
) -> AuditEventQuerySet:
    events = AuditEvent.objects.select_related("unit")
    if date_from:
        events = events.filter(occurred_at__gte=_start_of(date_from))
    if date_to:
        events = events.filter(occurred_at__lt=_start_of(date_to) + timedelta(days=1))
    if actor:
        events = events.filter(Q(actor_username__contains=actor) | Q(actor_display__contains=actor))
    if action:
        events = events.filter(action=action)
    if result:
        events = events.filter(result=result)
    if text:
        events = events.filter(Q(target_label__contains=text) | Q(target_id=text))
    return events.order_by("-sequence")


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def verify_chain() -> ChainReport:
    events: Any = AuditEvent.objects.order_by("sequence").iterator(chunk_size=2000)
    return verify_events(events)


@dataclass(frozen=True)
class IntegrityReport:
    """The chain walked, then compared with the latest trusted checkpoint of its head."""

    chain: ChainReport
    checkpoint: Checkpoint | None = None
    checkpoint_problems: list[str] = field(default_factory=list)

    @property
    def is_intact(self) -> bool:
        return self.chain.is_intact and not self.checkpoint_problems


def check_integrity(*, checkpoint_source: Path | None = None) -> IntegrityReport:
    """The chain, and its head against a checkpoint: by default the latest in the checkpoint
    file; an audit export (.xlsx) or another checkpoint file when given."""
    chain = verify_chain()
    source = checkpoint_source or Path(settings.SAOHEI_AUDIT_CHECKPOINT_FILE)
    try:
        if source.suffix.lower() == ".xlsx":
            checkpoint: Checkpoint | None = checkpoint_from_export(source)
        else:
            checkpoint = read_latest_checkpoint(source)
    except CheckpointError as error:
        return IntegrityReport(chain, None, [str(error)])
    if checkpoint_source is not None and checkpoint is None:
        return IntegrityReport(chain, None, [f"{source} 中没有检查点"])
    problems = compare_with_checkpoint(checkpoint) if checkpoint is not None else []
    return IntegrityReport(chain, checkpoint, problems)
