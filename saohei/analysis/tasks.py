from django_tasks import task

from saohei.analysis.changes import refresh_pending
from saohei.analysis.registry import rebuild


@task()
def refresh_pending_task() -> dict[str, float]:
    """The person links of every incident saved since the last run (the outbox drained)."""
    result = refresh_pending()
    return {"appearances": result.appearances, "seconds": round(result.seconds, 3)}


@task()
def rebuild_task() -> dict[str, float]:
    """Everything recomputed from scratch (the thresholds changed): persons, links, prompts."""
    result = rebuild()
    return {"persons": result.persons, "seconds": round(result.seconds, 3)}
