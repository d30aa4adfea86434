"""The outbox between the contexts that hold people and the registry (decision 0028).

`note_people_changed` runs inside the writing service's transaction (it is the listener that
`saohei.common.changes.people_changed` calls): it writes `PendingChange` rows and, once that
transaction commits, enqueues `refresh_pending_task`. A lost task loses nothing: the rows wait
for the next one, and `analyse` rebuilds everything anyway.
"""

from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import timezone

from saohei.analysis.models import IncidentKind, PendingChange
from saohei.analysis.registry import RefreshResult, refresh

# One refresh takes at most this many incidents; a big import is drained in several.
DRAIN_BATCH = 5_000


def note_people_changed(incident_kind: str, incident_ids: Iterable[int]) -> None:
    """One prepared INSERT run for every id (executemany): a case import notes 100,000 at once,
    inside its transaction, and `bulk_create` spent seconds there building model instances."""
    kind = IncidentKind(incident_kind)
    meta = PendingChange._meta
    quote = connection.ops.quote_name
    named = {field.name: str(field.column) for field in meta.concrete_fields}
    columns = ", ".join(quote(named[name]) for name in ("incident_kind", "incident_id", "noted_at"))
    noted_at = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.executemany(
            # Names come from the model; every value is a parameter.
            f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES (%s, %s, %s)",  # noqa: S608
            [(kind.value, pk, noted_at) for pk in incident_ids],
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
