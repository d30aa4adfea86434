"""`flush` (delete all data) must also empty the append-only audit table.

Django's own flush would be refused by the audit triggers, so this one lifts them for the
duration and puts them back. It exists for test teardown and for wiping a demo installation;
the hash chain, not the triggers, is what proves tampering. The checkpoint file is set aside
(renamed, kept) with the table: its checkpoints name events that no longer exist by intent.
"""

import importlib
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.commands.flush import Command as DjangoFlushCommand
from django.db import connections
from django.utils import timezone

from saohei.audit.models import AuditEvent

triggers = importlib.import_module("saohei.audit.migrations.0003_append_only_triggers")


class Command(DjangoFlushCommand):
    def handle(self, **options: Any) -> None:
        connection = connections[options["database"]]
        triggers.run_statements(
            connection, {"sqlite": triggers.SQLITE_DROP, "postgresql": triggers.POSTGRES_DROP}
        )
        try:
            super().handle(**options)
            # Only when the flush happened (an interactive one can be cancelled).
            if not AuditEvent.objects.using(options["database"]).exists():
                _set_checkpoints_aside()
        finally:
            triggers.run_statements(
                connection,
                {"sqlite": triggers.SQLITE_CREATE, "postgresql": triggers.POSTGRES_CREATE},
            )


def _set_checkpoints_aside() -> None:
    path = Path(settings.SAOHEI_AUDIT_CHECKPOINT_FILE)
    if path.exists():
        path.rename(path.with_name(f"{path.name}.before-flush-{timezone.now():%Y%m%d%H%M%S%f}"))
