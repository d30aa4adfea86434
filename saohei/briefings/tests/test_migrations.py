"""Drafts saved before issue numbers existed get them in saving order, per town and year."""

from collections.abc import Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("briefings", "0001_initial")]
BEIJING = ZoneInfo("Asia/Shanghai")
AFTER = [("briefings", "0003_issue_numbers_required_and_settings")]


@pytest.fixture
def latest_schema_afterwards() -> Iterator[None]:
    """Back to every app's latest migration whatever happens: later migrations of briefings
    (0004 on) would otherwise stay unapplied for the rest of this worker's tests."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_existing_drafts_are_numbered_in_saving_order_per_town_and_year(
    latest_schema_afterwards: None,
):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Unit = old.get_model("organisations", "Unit")
    User = old.get_model("organisations", "User")
    Draft = old.get_model("briefings", "BriefingDraft")
    town = Unit.objects.create(name="甲镇", kind="town", code="JZ", path="JZ")
    other = Unit.objects.create(name="乙镇", kind="town", code="YZ", path="YZ")
    user = User.objects.create(username="writer", real_name="写作者")
    saved = [
        (town, datetime(2026, 4, 1, 9, tzinfo=BEIJING)),
        (town, datetime(2025, 6, 1, 9, tzinfo=BEIJING)),
        (other, datetime(2026, 5, 1, 9, tzinfo=BEIJING)),
        (town, datetime(2026, 3, 1, 9, tzinfo=BEIJING)),
    ]
    ids = []
    for unit, moment in saved:
        draft = Draft.objects.create(
            unit=unit, title="简报", sections=[], generated_at=moment, created_by=user
        )
        Draft.objects.filter(pk=draft.pk).update(created_at=moment)
        ids.append(draft.pk)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    drafts = new.get_model("briefings", "BriefingDraft").objects.filter(pk__in=ids).order_by("id")

    assert [(d.issue_year, d.issue_number, d.issued_on) for d in drafts] == [
        (2026, 2, date(2026, 4, 1)),
        (2025, 1, date(2025, 6, 1)),
        (2026, 1, date(2026, 5, 1)),
        (2026, 1, date(2026, 3, 1)),
    ]
