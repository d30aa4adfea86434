"""The benchmarks' timer, here so that `saohei.bench` and the contexts' own benchmark modules
share it (a context may not import the dispatcher above it)."""

import statistics
import time
from collections.abc import Callable
from typing import Any


def median_ms(action: Callable[[], object], *, runs: int) -> float:
    """The median wall time of `runs` calls of `action`, in milliseconds."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def median_fetch_ms(client: Any, url: str, *, runs: int) -> float:
    """The median time of `runs` GETs of `url` by a signed-in test client, the body read whole
    (a streamed download too); any answer but 200 stops the benchmark."""

    def fetch() -> None:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        b"".join(response.streaming_content) if response.streaming else response.content

    return median_ms(fetch, runs=runs)
