from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from saohei.audit.chain import GENESIS_HASH, link_hash
from saohei.audit.models import AuditAction, AuditEvent, AuditResult

# Any constant works: it names the one lock that serialises appends to the chain on PostgreSQL.
_CHAIN_LOCK_ID = 0x5A0E1
# Details must never carry secrets or reporter identity; these keys are refused outright.
_FORBIDDEN_DETAIL_KEYS = frozenset({"password", "token", "secret", "otp", "reporter", "id_number"})


def record_event(
    *,
    action: AuditAction,
    actor: Any = None,
    unit: Any = None,
    target: Any = None,
    target_label: str = "",
    result: AuditResult = AuditResult.SUCCESS,
    ip_address: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction (or a new one)."""
    details = details or {}
    forbidden = _FORBIDDEN_DETAIL_KEYS.intersection(details)
    if forbidden:
        raise ValueError(f"审计详情不得包含敏感字段：{sorted(forbidden)}")
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_ID])
        # SQLite transactions are IMMEDIATE (settings), so the write lock is already held here.
        last = AuditEvent.objects.order_by("-sequence").values("sequence", "chain_hash").first()
        previous_hash = last["chain_hash"] if last else GENESIS_HASH
        actor_user = actor if actor is not None and getattr(actor, "pk", None) else None
        event = AuditEvent(
            sequence=(last["sequence"] + 1) if last else 1,
            occurred_at=timezone.now(),
            actor=actor_user,
            actor_username=actor_user.get_username() if actor_user else "",
            actor_display=getattr(actor_user, "real_name", "") if actor_user else "",
            unit_id=unit.pk if unit is not None else getattr(actor_user, "unit_id", None),
            action=action,
            target_type=target._meta.label_lower if target is not None else "",
            target_id=str(target.pk) if target is not None else "",
            target_label=(target_label or (str(target) if target is not None else ""))[:200],
            result=result,
            ip_address=ip_address,
            details=details,
            previous_hash=previous_hash,
        )
        event.chain_hash = link_hash(previous_hash, event)
        event.save(force_insert=True)
    return event
