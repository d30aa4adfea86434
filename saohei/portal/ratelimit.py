"""Per-client rate limits for the public pages (the counting is `common.ratelimit`: cache only,
the address never stored, keys unlinkable across windows, IPv6 per /64)."""

from django.http import HttpRequest

from saohei.common import ratelimit
from saohei.common.http import client_ip
from saohei.common.ratelimit import Limit

# Generous enough for a village family sharing one phone, or a carrier NAT sharing one address.
SUBMIT = Limit("submit", 20, 3600)
# 20 wrong receipts an hour per client against 10^16 possible receipts: guessing is hopeless.
WRONG_RECEIPT = Limit("wrong_receipt", 20, 3600)
FOLLOW_UP = Limit("follow_up", 30, 3600)


def is_limited(request: HttpRequest, limit: Limit) -> bool:
    return ratelimit.is_limited(limit, client_ip(request))


def count_hit(request: HttpRequest, limit: Limit) -> None:
    ratelimit.count_hit(limit, client_ip(request))
