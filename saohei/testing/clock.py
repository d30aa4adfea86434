"""The clock minutes a test's requests fall in: failures are aggregated per address and minute
(the audit log's `record_failure`, the rate limits), so a flood that runs across a minute's end
rightly writes one event in each minute it touched."""

from datetime import datetime, timedelta

from django.utils import timezone


def this_minute() -> datetime:
    return timezone.now().replace(second=0, microsecond=0)


def minutes_since(first: datetime) -> int:
    """How many clock minutes from `first` (a `this_minute()`) up to now, both counted."""
    return (this_minute() - first) // timedelta(minutes=1) + 1
