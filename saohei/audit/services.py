import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from saohei.audit.chain import GENESIS_HASH, link_hash
from saohei.audit.checkpoints import Checkpoint, sign_current_head, write_checkpoint
from saohei.audit.models import AuditAction, AuditEvent, AuditResult, FailureTally
from saohei.common.crypto import hmac_sm3_hex
from saohei.common.ratelimit import address_group

logger = logging.getLogger(__name__)

# Any constant works: it names the one lock that serialises appends to the chain on PostgreSQL.
_CHAIN_LOCK_ID = 0x5A0E1
# Details must never carry secrets or reporter identity; these keys are refused outright.
_FORBIDDEN_DETAIL_KEYS = frozenset({"password", "token", "secret", "otp", "reporter", "id_number"})


@dataclass(frozen=True)
class EventInput:
    """One event for `record_events`: the arguments `record_event` takes."""

    action: AuditAction
    actor: Any = None
    unit: Any = None
    target: Any = None
    target_label: str = ""
    result: AuditResult = AuditResult.SUCCESS
    ip_address: str | None = None
    details: dict[str, Any] | None = None


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
    return record_events(
        [
            EventInput(
                action=action,
                actor=actor,
                unit=unit,
                target=target,
                target_label=target_label,
                result=result,
                ip_address=ip_address,
                details=details,
            )
        ]
    )[0]


def record_events(events: Sequence[EventInput]) -> list[AuditEvent]:
    """Append `events` to the chain in their order, in one insert: a batch (a 交办清单 of a
    thousand leads) takes the chain's head once instead of once per event."""
    for given in events:
        forbidden = _FORBIDDEN_DETAIL_KEYS.intersection(given.details or {})
        if forbidden:
            raise ValueError(f"审计详情不得包含敏感字段：{sorted(forbidden)}")
    if not events:
        return []
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_ID])
        # SQLite transactions are IMMEDIATE (settings), so the write lock is already held here.
        last = AuditEvent.objects.order_by("-sequence").values("sequence", "chain_hash").first()
        previous_hash = last["chain_hash"] if last else GENESIS_HASH
        sequence = last["sequence"] if last else 0
        appended = []
        for given in events:
            sequence += 1
            built = _new_event(given, sequence=sequence, previous_hash=previous_hash)
            previous_hash = built.chain_hash
            appended.append(built)
        AuditEvent.objects.bulk_create(appended)
    return appended


def _new_event(given: EventInput, *, sequence: int, previous_hash: str) -> AuditEvent:
    actor = given.actor
    actor_user = actor if actor is not None and getattr(actor, "pk", None) else None
    target = given.target
    event = AuditEvent(
        sequence=sequence,
        occurred_at=timezone.now(),
        actor=actor_user,
        actor_username=actor_user.get_username() if actor_user else "",
        actor_display=getattr(actor_user, "real_name", "") if actor_user else "",
        unit_id=given.unit.pk if given.unit is not None else getattr(actor_user, "unit_id", None),
        action=given.action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=(given.target_label or (str(target) if target is not None else ""))[:200],
        result=given.result,
        ip_address=given.ip_address,
        details=given.details or {},
        previous_hash=previous_hash,
    )
    event.chain_hash = link_hash(previous_hash, event)
    return event


def record_failure(
    *,
    action: AuditAction,
    address: str | None,
    store_address: bool,
    actor: Any = None,
    result: AuditResult = AuditResult.FAILURE,
    details: dict[str, Any] | None = None,
) -> AuditEvent | None:
    """An unauthenticated failure: at most one chain event per action, address and minute.

    The first failure of an address in a minute is written as an event; the rest of that minute
    are only counted (FailureTally) until `summarize_failures` writes the count as one event, so
    a flood can neither bloat the log nor bury the events around it. `store_address` keeps the
    address in the event as staff failures always have; the portal passes False.
    """
    minute = timezone.now().replace(second=0, microsecond=0)
    with transaction.atomic():
        tally, created = FailureTally.objects.get_or_create(
            action=action,
            address_key=_address_key(address, minute=minute),
            minute=minute,
            defaults={"ip_address": address if store_address else None},
        )
        if not created:
            FailureTally.objects.filter(pk=tally.pk).update(count=F("count") + 1)
            return None
        return record_event(
            action=action,
            actor=actor,
            result=result,
            ip_address=address if store_address else None,
            details={**(details or {}), "first_of_minute": True},
        )


def _address_key(address: str | None, *, minute: Any) -> str:
    # Keyed and bound to the minute: equal within it, unlinkable across minutes.
    key = hmac_sm3_hex(settings.SAOHEI_AUDIT_KEY, b"saohei.audit.failure-address")
    return hmac_sm3_hex(
        bytes.fromhex(key), f"{minute.isoformat()}|{address_group(address)}".encode()
    )


@transaction.atomic
def summarize_failures() -> int:
    """Turn the counts of every ended minute into one summary event each; returns how many.

    A minute with a single failure already has its event; its tally is only dropped.
    """
    this_minute = timezone.now().replace(second=0, microsecond=0)
    ended = FailureTally.objects.select_for_update().filter(minute__lt=this_minute)
    written = 0
    for tally in ended.order_by("minute", "pk"):
        if tally.count > 1:
            record_event(
                action=AuditAction.FAILURES_SUMMARIZED,
                result=AuditResult.FAILURE,
                ip_address=tally.ip_address,
                target_label=f"{AuditAction(tally.action).label}（同一来源，同一分钟）",
                details={
                    "action": tally.action,
                    "minute": timezone.localtime(tally.minute).isoformat(timespec="minutes"),
                    "failures": tally.count,
                    "recorded_individually": 1,
                },
            )
            written += 1
    ended.delete()
    return written


@dataclass(frozen=True)
class CheckpointTaken:
    summaries: int
    checkpoint: Checkpoint


def take_checkpoint() -> CheckpointTaken:
    """Hourly: the ended minutes' failure counts into the chain, then a checkpoint of its head.

    Two steps on purpose: the checkpoint must only name a head that is already committed.
    """
    summaries = summarize_failures()
    return CheckpointTaken(summaries, write_checkpoint())


def record_audit_export(
    *, actor: Any, ip_address: str | None, filters: dict[str, str]
) -> Checkpoint:
    """The export is audited, then the head (that event included) is checkpointed; the
    checkpoint goes into the file and, by the caller, into the exported workbook."""
    record_event(
        action=AuditAction.AUDIT_EXPORTED,
        actor=actor,
        ip_address=ip_address,
        details={"filters": filters},
    )
    try:
        return write_checkpoint()
    except OSError:
        # The export still carries a signed checkpoint; the file's failure must reach the logs.
        logger.exception("审计检查点文件无法写入：%s", settings.SAOHEI_AUDIT_CHECKPOINT_FILE)
        return sign_current_head()
