"""Per-client rate limits for the public pages, kept only in the cache.

The client address is never stored or logged: the cache key is an HMAC-SM3 of the address, the
limit's name and the current time window, under a key derived from SECRET_KEY. Keys change with
every window and expire with it, so nothing links a client across windows. IPv6 clients are
counted per /64, since one phone can pick any address in its /64.

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
from django.http import HttpRequest

from saohei.common.crypto import hmac_sm3_hex
from saohei.common.http import client_ip


@dataclass(frozen=True)
class Limit:
    name: str
    max_hits: int
    window_seconds: int


# Generous enough for a village family sharing one phone, or a carrier NAT sharing one address.
SUBMIT = Limit("submit", 20, 3600)
# 20 wrong receipts an hour per client against 10^16 possible receipts: guessing is hopeless.
WRONG_RECEIPT = Limit("wrong_receipt", 20, 3600)
FOLLOW_UP = Limit("follow_up", 30, 3600)


def _client_key(request: HttpRequest) -> str:
    address = client_ip(request) or "unknown"
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def _cache_key(request: HttpRequest, limit: Limit) -> str:
    window = int(time.time()) // limit.window_seconds
    key = hmac_sm3_hex(settings.SECRET_KEY.encode(), b"saohei.portal.rate-limit")
    digest = hmac_sm3_hex(
        bytes.fromhex(key), f"{limit.name}|{window}|{_client_key(request)}".encode()
    )
    return f"portal-rate:{digest}"


def is_limited(request: HttpRequest, limit: Limit) -> bool:
    return int(cache.get(_cache_key(request, limit), 0)) >= limit.max_hits


def count_hit(request: HttpRequest, limit: Limit) -> None:
    key = _cache_key(request, limit)
    cache.add(key, 0, timeout=limit.window_seconds)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=limit.window_seconds)
