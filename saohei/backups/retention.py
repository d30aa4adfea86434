"""Which backups to keep: the newest of each of the last 7 days, 4 ISO weeks and 6 months."""

from collections.abc import Callable, Hashable, Iterable
from datetime import datetime

DAILY = 7
WEEKLY = 4
MONTHLY = 6


def _newest_per_period(
    stamps: list[datetime], period: Callable[[datetime], Hashable], count: int
) -> set[datetime]:
    kept: set[datetime] = set()
    seen: set[Hashable] = set()
    for stamp in stamps:  # newest first
        key = period(stamp)
        if key in seen:
            continue
        if len(seen) == count:
            break
        seen.add(key)
        kept.add(stamp)
    return kept


def backups_to_keep(
    stamps: Iterable[datetime], *, daily: int = DAILY, weekly: int = WEEKLY, monthly: int = MONTHLY
) -> set[datetime]:
    """Each rule keeps the newest backup of each of its most recent periods that have one; a
    backup kept by several rules is kept once. The newest backup is always kept."""
    newest_first = sorted(set(stamps), reverse=True)
    return (
        _newest_per_period(newest_first, lambda stamp: stamp.date(), daily)
        | _newest_per_period(newest_first, lambda stamp: stamp.isocalendar()[:2], weekly)
        | _newest_per_period(newest_first, lambda stamp: (stamp.year, stamp.month), monthly)
    )
