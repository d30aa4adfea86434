from django_tasks import task

from saohei.analysis.changes import refresh_pending


@task()
def refresh_pending_task() -> dict[str, float]:
    """The person links of every incident saved since the last run (the outbox drained)."""
    result = refresh_pending()
    return {"appearances": result.appearances, "seconds": round(result.seconds, 3)}
