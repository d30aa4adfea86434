"""The HMAC-SM3 chain over audit events: each link covers the event and the previous link."""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.conf import settings

from saohei.common.crypto import constant_time_equal, hmac_sm3_hex

GENESIS_HASH = "0" * 64


def canonical_payload(event: Any) -> bytes:
    """A stable byte form of the event's content (the same before save and after reload)."""
    payload = {
        "sequence": event.sequence,
        "occurred_at": event.occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_id": event.actor_id,
        "actor_username": event.actor_username,
        "actor_display": event.actor_display,
        "unit_id": event.unit_id,
        "action": str(event.action),
        "target_type": event.target_type,
        "target_id": event.target_id,
        "target_label": event.target_label,
        "result": str(event.result),
        "ip_address": event.ip_address,
        "details": event.details,
    }
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def link_hash(previous_hash: str, event: Any) -> str:
    return hmac_sm3_hex(
        settings.SAOHEI_AUDIT_KEY, previous_hash.encode() + canonical_payload(event)
    )


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_at_sequence: int | None = None
    problem: str = ""

    @property
    def is_intact(self) -> bool:
        return self.broken_at_sequence is None


def verify_events(events: Iterable[Any]) -> ChainReport:
    """Walk events in sequence order; report the first one whose link does not hold.

    1. Sequences must run 1, 2, 3… without a gap (a deleted row leaves one).
    2. Each event must point at the previous event's hash (an inserted or reordered row breaks it).
    3. Each event's hash must match its content (an edited row breaks it).
    """
    expected_sequence = 1
    previous_hash = GENESIS_HASH
    checked = 0
    for event in events:
        if event.sequence != expected_sequence:
            return ChainReport(
                checked,
                event.sequence,
                f"序号不连续：应为 {expected_sequence}，实为 {event.sequence}（记录被删除或插入）",
            )
        if not constant_time_equal(event.previous_hash, previous_hash):
            return ChainReport(checked, event.sequence, "前序哈希不匹配（记录被插入、删除或调换）")
        if not constant_time_equal(event.chain_hash, link_hash(previous_hash, event)):
            return ChainReport(checked, event.sequence, "内容哈希不匹配（记录被篡改）")
        previous_hash = event.chain_hash
        expected_sequence += 1
        checked += 1
    return ChainReport(checked)
