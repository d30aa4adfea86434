"""The outbox between the contexts that hold people and the registry (decision 0028).

`note_people_changed` runs inside the writing service's transaction (it is the listener that
`saohei.common.changes.people_changed` calls): it writes `PendingChange` rows and, once that
transaction commits, enqueues `refresh_pending_task`. A lost task loses nothing: the rows wait
for the next one, and `analyse` rebuilds everything anyway.
"""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from saohei.analysis.models import IncidentKind, PendingChange
from saohei.analysis.registry import RefreshResult, refresh
from saohei.common.bulk import insert_rows

# One refresh takes at most this many incidents; a big import is drained in several.
DRAIN_BATCH = 5_000


def note_people_changed(incident_kind: str, incident_ids: Iterable[int]) -> None:
    """Inside the writer's transaction: one prepared INSERT for every id (a case import notes
    100,000 at once, and `bulk_create` spent seconds there building model instances)."""
    kind = IncidentKind(incident_kind).value
    noted_at = timezone.now()
    insert_rows(
        PendingChange,
        ["incident_kind", "incident_id", "noted_at"],
        [(kind, pk, noted_at) for pk in incident_ids],
    )
    transaction.on_commit(_enqueue_refresh)


def _enqueue_refresh() -> None:
    from saohei.analysis.tasks import refresh_pending_task  # the task module imports this one

    refresh_pending_task.enqueue()


def refresh_pending() -> RefreshResult:
    """Refresh every incident waiting in the outbox; the rows go in the same transaction."""
    total = RefreshResult()
    while True:
        with transaction.atomic():
            batch = list(
                PendingChange.objects.order_by("id").values_list(
                    "id", "incident_kind", "incident_id"
                )[:DRAIN_BATCH]
            )
            if not batch:
                return total
            done = refresh({(kind, incident_id) for _, kind, incident_id in batch})
            PendingChange.objects.filter(id__lte=batch[-1][0]).delete()
        total.appearances += done.appearances
        total.persons = done.persons
        total.affected_persons += done.affected_persons
        total.seconds += done.seconds
