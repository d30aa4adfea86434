"""Fixed-window rate limits per client, kept only in the cache.

The client address is never stored or logged: the cache key is an HMAC-SM3 of the address, the
limit's name and the current time window, under a key derived from SECRET_KEY. Keys change with
every window and expire with it, so nothing links a client across windows. IPv6 clients are
counted per /64, since one device can pick any address in its /64.

Counters are fixed windows, in the cache every gunicorn worker and app server shares (the
database cache, or Redis with SAOHEI_REDIS_URL): a per-process cache would give a client
workers × the limit. The database cache's increment is a read then a write, so two workers
racing may lose a count now and then; Redis increments atomically.
"""

import ipaddress
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from saohei.common.crypto import hmac_sm3_hex


@dataclass(frozen=True)
class Limit:
    name: str
    max_hits: int
    window_seconds: int


def address_group(address: str | None) -> str:
    """The address as one client: an IPv6 address stands for its /64."""
    address = address or "unknown"
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def _cache_key(limit: Limit, address: str | None) -> str:
    window = int(time.time()) // limit.window_seconds
    key = hmac_sm3_hex(settings.SECRET_KEY.encode(), b"saohei.rate-limit")
    digest = hmac_sm3_hex(
        bytes.fromhex(key), f"{limit.name}|{window}|{address_group(address)}".encode()
    )
    return f"rate:{digest}"


def seconds_left(limit: Limit) -> int:
    """Until the current window ends, when a limited client may try again."""
    return limit.window_seconds - int(time.time()) % limit.window_seconds


def is_limited(limit: Limit, address: str | None) -> bool:
    return int(cache.get(_cache_key(limit, address), 0)) >= limit.max_hits


def count_hit(limit: Limit, address: str | None) -> None:
    key = _cache_key(limit, address)
    cache.add(key, 0, timeout=limit.window_seconds)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=limit.window_seconds)
