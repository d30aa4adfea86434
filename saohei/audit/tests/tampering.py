"""Tamper as the database owner can: lift the append-only triggers, run SQL, put them back."""

from importlib import import_module
from typing import Any

from django.db import connection

triggers = import_module("saohei.audit.migrations.0003_append_only_triggers")


def without_triggers(sql: str, params: list[Any]) -> None:
    triggers.run_statements(
        connection, {"sqlite": triggers.SQLITE_DROP, "postgresql": triggers.POSTGRES_DROP}
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    triggers.run_statements(
        connection, {"sqlite": triggers.SQLITE_CREATE, "postgresql": triggers.POSTGRES_CREATE}
    )
