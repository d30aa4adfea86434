"""The clock minutes a test's requests fall in: failures are aggregated per address and minute
(the audit log's `record_failure`, the rate limits), so a flood that runs across a minute's end
rightly writes one event in each minute it touched."""

import time
from datetime import datetime, timedelta

from django.utils import timezone


def this_minute() -> datetime:
    return timezone.now().replace(second=0, microsecond=0)


def minutes_since(first: datetime) -> int:
    """How many clock minutes from `first` (a `this_minute()`) up to now, both counted."""
    return (this_minute() - first) // timedelta(minutes=1) + 1


def wait_for_a_fresh_minute(*, needed_seconds: int = 15) -> None:
    """Sleep into the next clock minute when fewer than `needed_seconds` of this one are left:
    the rate limits count in fixed windows of a clock minute, so a test that fills one must not
    see it reset halfway."""
    left = 60 - time.time() % 60
    if left < needed_seconds:
        time.sleep(left + 0.05)
