"""`flush` (delete all data) must also empty the append-only audit table.

Django's own flush would be refused by the audit triggers, so this one lifts them for the
duration and puts them back. It exists for test teardown and for wiping a demo installation;
the hash chain, not the triggers, is what proves tampering.
"""

import importlib
from typing import Any

from django.core.management.commands.flush import Command as DjangoFlushCommand
from django.db import connections

triggers = importlib.import_module("saohei.audit.migrations.0003_append_only_triggers")


class Command(DjangoFlushCommand):
    def handle(self, **options: Any) -> None:
        connection = connections[options["database"]]
        triggers.run_statements(
            connection, {"sqlite": triggers.SQLITE_DROP, "postgresql": triggers.POSTGRES_DROP}
        )
        try:
            super().handle(**options)
        finally:
            triggers.run_statements(
                connection,
                {"sqlite": triggers.SQLITE_CREATE, "postgresql": triggers.POSTGRES_CREATE},
            )
