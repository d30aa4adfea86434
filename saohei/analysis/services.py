"""The writes of the analysis context."""

from enum import Enum
from typing import Any

from django.db import transaction

from saohei.analysis.access import REGISTRY_ROLES
from saohei.audit.models import AuditAction
from saohei.audit.services import record_event
from saohei.common.errors import ActionNotAllowed
from saohei.organisations.models import User


class PersonList(Enum):
    """The registry's lists that export a ledger, each with its audit action."""

    KEY_PERSONS = AuditAction.KEY_PERSONS_EXPORTED
    CO_OFFENDERS = AuditAction.CO_OFFENDERS_EXPORTED


@transaction.atomic
def record_list_export(
    *,
    actor: User,
    person_list: PersonList,
    rows: int,
    filters: dict[str, Any],
    ip_address: str | None = None,
) -> None:
    """Every export of 重点人员 or 同案人员 is audited with its row count and filters (never a
    name: the filters are dates, units, a nature, a 案由 and a threshold)."""
    if not actor.is_authenticated or not actor.has_any_role(REGISTRY_ROLES):
        raise ActionNotAllowed("您没有导出研判名单的权限")
    record_event(
        action=person_list.value,
        actor=actor,
        ip_address=ip_address,
        details={"rows": rows, "filters": filters},
    )
