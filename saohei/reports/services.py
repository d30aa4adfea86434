"""The only writes of this context: the audit events of its exports."""

from enum import Enum
from typing import Any

from django.db import transaction

from saohei.audit.models import AuditAction
from saohei.audit.services import record_event
from saohei.common.errors import ActionNotAllowed
from saohei.organisations.models import Unit, User
from saohei.reports import access
from saohei.reports.statistics import Period


class Ledger(Enum):
    """The ledgers exported here, with the audit action and the roles each needs."""

    TALKS = (AuditAction.TALKS_EXPORTED, access.TALK_ROLES)
    MEETINGS = (AuditAction.MEETINGS_EXPORTED, access.MEETING_ROLES)
    INSPECTIONS = (AuditAction.INSPECTIONS_EXPORTED, access.INSPECTION_ROLES)

    @property
    def action(self) -> AuditAction:
        return self.value[0]

    @property
    def roles(self) -> frozenset:
        return self.value[1]


@transaction.atomic
def record_ledger_export(
    *,
    actor: User,
    ledger: Ledger,
    rows: int,
    filters: dict[str, Any],
    ip_address: str | None = None,
) -> None:
    """Every export of a ledger is audited with its row count and filters."""
    if not actor.is_authenticated or not actor.has_any_role(ledger.roles):
        raise ActionNotAllowed("您没有导出该台账的权限")
    record_event(
        action=ledger.action,
        actor=actor,
        ip_address=ip_address,
        details={"rows": rows, "filters": filters},
    )


@transaction.atomic
def record_statistics_export(
    *, actor: User, period: Period, towns: list[Unit], ip_address: str | None = None
) -> None:
    """Every export of a 月报/季报 is audited with its period and towns."""
    if not actor.is_authenticated or not actor.has_any_role(access.STATISTICS_ROLES):
        raise ActionNotAllowed("您没有导出统计报表的权限")
    record_event(
        action=AuditAction.STATISTICS_EXPORTED,
        actor=actor,
        ip_address=ip_address,
        details={
            "period": period.slug,
            "kind": period.kind,
            "towns": [town.pk for town in towns],
        },
    )
