"""Run service calls at the same moment, each on its own thread and database connection."""

import threading
import time
from collections.abc import Callable

from django.db import OperationalError, connection

from saohei.common.errors import ServiceError

# SQLite's in-memory test database is shared between the threads through a shared cache, which
# answers "locked" at BEGIN IMMEDIATE instead of waiting as a file database does (its busy
# timeout); retrying the whole call stands in for that wait. Nothing ran before the refusal.
_LOCKED_RETRIES = 200


def _call_waiting_for_lock(call: Callable[[], object]) -> object:
    for _ in range(_LOCKED_RETRIES):
        try:
            return call()
        except OperationalError as error:
            if connection.vendor != "sqlite" or "locked" not in str(error):
                raise
            time.sleep(0.01)
    return call()


def race(*calls: Callable[[], object]) -> list[object]:
    """Start every call at once; return, in order, what each returned or the ServiceError it
    raised (any other exception fails the test)."""
    outcomes: list[object] = [None] * len(calls)
    errors: list[BaseException] = []
    start = threading.Barrier(len(calls))

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            start.wait()
            outcomes[index] = _call_waiting_for_lock(call)
        except ServiceError as refusal:
            outcomes[index] = refusal
        except BaseException as error:  # reported to the test below, whatever it was
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return outcomes
