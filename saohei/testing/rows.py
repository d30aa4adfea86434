"""Every model's row count in one query: the hostile-value walks count before and after each
attempt, and one `count()` a model made that thousands of queries (issue 13)."""

from collections.abc import Iterable
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models


class RowCounter:
    """`{label: model._default_manager.count()}` for the given models, in one query."""

    def __init__(self, counted: Iterable[type[models.Model]], using: str = DEFAULT_DB_ALIAS):
        self.using = using
        self.labels: list[str] = []
        parts: list[str] = []
        params: list[Any] = []
        for number, model in enumerate(counted):
            query = model._default_manager.using(using).values("pk").query
            sql, part_params = query.sql_with_params()
            # Django's own compiled query, its values kept apart as parameters.
            parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS counted_{number})")  # noqa: S608
            params.extend(part_params)
            self.labels.append(model._meta.label)
        self.sql = "SELECT " + ", ".join(parts)
        self.params = tuple(params)

    def __call__(self) -> dict[str, int]:
        with connections[self.using].cursor() as cursor:
            cursor.execute(self.sql, self.params)
            counts = cursor.fetchone()
        return dict(zip(self.labels, counts, strict=True))
