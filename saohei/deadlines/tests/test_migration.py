"""No reminder is lost when the three old logs become the one log of `deadlines` (decision 0038):
rows written through the historical models before, found with every field after, and back."""

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.apps.registry import Apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from saohei.demo.loader import load_demo_town
from saohei.leads.models import Lead
from saohei.meetings.models import Task
from saohei.rectifications.models import RectificationItem

BEFORE = [
    ("leads", "0008_source_analysis"),
    ("rectifications", "0001_initial"),
    ("meetings", "0003_task_reminders"),
    ("deadlines", "0001_initial"),
]
AFTER = [
    ("leads", "0009_reminders_into_deadlines"),
    ("rectifications", "0002_reminders_into_deadlines"),
    ("meetings", "0004_reminders_into_deadlines"),
    ("deadlines", "0001_initial"),
]
OLD_LOGS = {
    "leads.lead": ("leads", "ReminderLog", "lead"),
    "rectifications.rectificationitem": ("rectifications", "ReminderLog", "item"),
    "meetings.task": ("meetings", "TaskReminder", "task"),
}

Row = tuple[str, int, str, date, datetime]


def _migrate(targets: list[tuple[str, str]]) -> Apps:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _latest() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def _old_rows(apps: Apps) -> set[Row]:
    rows: set[Row] = set()
    for subject, (app_label, model_name, field) in OLD_LOGS.items():
        model: Any = apps.get_model(app_label, model_name)
        for object_id, kind, due_on, sent_at in model.objects.values_list(
            f"{field}_id", "kind", "due_on", "sent_at"
        ):
            rows.add((subject, object_id, kind, due_on, sent_at))
    return rows


def _log_rows(apps: Apps) -> set[Row]:
    log: Any = apps.get_model("deadlines", "ReminderLog")
    return {
        (f"{app_label}.{model}", object_id, kind, due_on, sent_at)
        for app_label, model, object_id, kind, due_on, sent_at in log.objects.values_list(
            "content_type__app_label",
            "content_type__model",
            "object_id",
            "kind",
            "due_on",
            "sent_at",
        )
    }


@pytest.mark.django_db(transaction=True)
def test_every_row_of_the_three_old_logs_is_in_the_one_log_and_goes_back() -> None:
    load_demo_town()
    lead, item, task = Lead.objects.first(), RectificationItem.objects.first(), Task.objects.first()
    assert lead and item and task, "the demo history has a lead, a rectification item and a task"
    sent = timezone.now().replace(microsecond=123000) - timedelta(days=9)
    first, second = date(2026, 3, 2), date(2026, 4, 1)
    try:
        old = _migrate(BEFORE)
        # Old rows of each log, with the same step on two deadlines (an extension) for a lead.
        writes = [
            ("leads.lead", lead.pk, "t_minus_3", first, sent),
            ("leads.lead", lead.pk, "urge", first, sent + timedelta(hours=1)),
            ("leads.lead", lead.pk, "urge", second, sent + timedelta(days=3)),
            ("rectifications.rectificationitem", item.pk, "due_today", first, sent),
            ("rectifications.rectificationitem", item.pk, "supervise", first, sent),
            ("meetings.task", task.pk, "t_minus_3", second, sent),
            ("meetings.task", task.pk, "supervise", second, sent + timedelta(minutes=5)),
        ]
        for subject, object_id, kind, due_on, sent_at in writes:
            app_label, model_name, field = OLD_LOGS[subject]
            model: Any = old.get_model(app_label, model_name)
            row = model.objects.create(**{f"{field}_id": object_id}, kind=kind, due_on=due_on)
            # auto_now_add stamped "now": give each row its own sent time, as in production.
            model.objects.filter(pk=row.pk).update(sent_at=sent_at)
        assert _old_rows(old) == set(writes)

        new = _migrate(AFTER)
        assert _log_rows(new) == set(writes)

        back = _migrate(BEFORE)
        assert _old_rows(back) == set(writes)
        assert _log_rows(back) == set()
    finally:
        _latest()
