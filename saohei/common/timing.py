"""Timing for the benchmarks (`make bench`): they print numbers, tests never time anything."""

import statistics
import time
from collections.abc import Callable


def median_ms(action: Callable[[], object], runs: int = 5) -> float:
    """The median wall time of `runs` calls of `action`, in milliseconds."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000
