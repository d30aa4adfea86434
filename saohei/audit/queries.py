from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone

from saohei.audit.chain import ChainReport, verify_events
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
