"""The benchmarks' timer, here so that `saohei.bench` and the contexts' own benchmark modules
share it (a context may not import the dispatcher above it)."""

import statistics
import time
from collections.abc import Callable


def median_ms(action: Callable[[], object], *, runs: int) -> float:
    """The median wall time of `runs` calls of `action`, in milliseconds."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000
