"""How a briefing writes a number: exact for records and materials, 余/多 for large counts of times
and hours, the way officials write ("共计200余次", "已达1800多个小时").

Rule (README): a number below 100, or one that is already a round two-significant-digit number
(200, 1800), is written exactly. Otherwise it is floored to its two leading significant digits
and followed by 余 (times, trips, sessions) or 多 (hours): 206 → 200余, 1836 → 1800多,
12345 → 12000余. Fractions of an hour are dropped before rounding; below 100 they are kept
("12.5").
"""

from decimal import Decimal
from enum import StrEnum

# Below this a number is always written exactly.
ROUNDING_THRESHOLD = 100


class Style(StrEnum):
    EXACT = "exact"  # ledger records and material items: 15起, 6800份
    TIMES = "times"  # counts of times or trips: 200余次
    HOURS = "hours"  # durations: 1800多个小时


def plain(value: int | Decimal) -> str:
    """The number without rounding: integers as such, decimals without trailing zeros."""
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return str(int(value))
        return format(value.normalize(), "f")
    return str(value)


def floor_to_two_digits(value: int) -> int:
    """206 → 200, 1836 → 1800, 12345 → 12000 (the leading two significant digits, floored)."""
    digits = len(str(value))
    step = 10 ** max(digits - 2, 0)
    return value // step * step


def written(value: int | Decimal, style: Style) -> str:
    """The number as the briefing writes it (without the measure word)."""
    if style == Style.EXACT:
        return plain(value)
    whole = int(value)
    if whole < ROUNDING_THRESHOLD:
        return plain(value)
    floored = floor_to_two_digits(whole)
    if floored == value:
        return str(floored)
    return f"{floored}{'多' if style == Style.HOURS else '余'}"
