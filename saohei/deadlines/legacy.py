"""Folding the three per-context reminder logs into the one log, and back (decision 0038).

Used only by the migrations that retired the old logs (leads, rectifications, meetings): the
copies read the historical app registry they are given, never a current model.
"""

from typing import Any

from django.db import migrations
from django.db.migrations.operations.base import Operation

BATCH_SIZE = 1000


def fold_into_log(*, old_model: str, subject_field: str) -> list[Operation]:
    """A migration's operations: copy every row of `old_model` into the one log, then drop it;
    backwards, re-create it and copy the rows back."""

    def forward(apps: Any, schema_editor: Any) -> None:
        copy_into_log(apps, old_model=old_model, subject_field=subject_field)

    def backward(apps: Any, schema_editor: Any) -> None:
        copy_back(apps, old_model=old_model, subject_field=subject_field)

    return [
        migrations.RunPython(forward, backward),
        migrations.DeleteModel(name=old_model.split(".")[1]),
    ]


def copy_into_log(apps: Any, *, old_model: str, subject_field: str) -> None:
    """Forward: every row of `old_model` becomes a row of the one log, with its sent time."""
    old = apps.get_model(old_model)
    log = apps.get_model("deadlines", "ReminderLog")
    content_type = _content_type(apps, old._meta.get_field(subject_field).related_model)
    rows = old.objects.order_by("pk").values_list(
        f"{subject_field}_id", "kind", "due_on", "sent_at"
    )
    log.objects.bulk_create(
        [
            log(
                content_type_id=content_type.pk,
                object_id=object_id,
                kind=kind,
                due_on=due_on,
                sent_at=sent_at,
            )
            for object_id, kind, due_on, sent_at in rows.iterator(chunk_size=BATCH_SIZE)
        ],
        batch_size=BATCH_SIZE,
    )


def copy_back(apps: Any, *, old_model: str, subject_field: str) -> None:
    """Backward: the one log's rows of that subject go back to `old_model`, leaving the log."""
    old = apps.get_model(old_model)
    log = apps.get_model("deadlines", "ReminderLog")
    content_type = _content_type(apps, old._meta.get_field(subject_field).related_model)
    copied = log.objects.filter(content_type_id=content_type.pk)
    sent_at = old._meta.get_field("sent_at")
    # The old field stamped "now" on insert; the copies must keep when each reminder was sent.
    sent_at.auto_now_add = False
    try:
        old.objects.bulk_create(
            [
                old(
                    **{f"{subject_field}_id": row.object_id},
                    kind=row.kind,
                    due_on=row.due_on,
                    sent_at=row.sent_at,
                )
                for row in copied.order_by("pk").iterator(chunk_size=BATCH_SIZE)
            ],
            batch_size=BATCH_SIZE,
        )
    finally:
        sent_at.auto_now_add = True
    copied.delete()


def _content_type(apps: Any, model: Any) -> Any:
    # On a fresh database the content types are made only after migrate; make this one now.
    content_type, _ = apps.get_model("contenttypes", "ContentType").objects.get_or_create(
        app_label=model._meta.app_label, model=model._meta.model_name
    )
    return content_type
