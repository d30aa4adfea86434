"""The 市级交办反馈表 the list page and /api/v1/city/assignments/export hand out: who may take
it and the file with its audit event, written once for both."""

from typing import IO

from django.core.exceptions import PermissionDenied

from saohei.city_assignments import access, queries, services
from saohei.city_assignments.exports import write_feedback_sheet
from saohei.common.access import user_has_any_role
from saohei.common.roles import Role
from saohei.organisations.models import User


def require_exporter(user: User) -> None:
    """Only the city's 上级督导 export its 反馈表 (403 for anyone else)."""
    if not user_has_any_role(user, {Role.SUPERVISOR}):
        raise PermissionDenied("只有市扫黑办的上级督导人员可以导出市级交办反馈表")


def write_city_feedback(output: IO[bytes], *, actor: User, ip_address: str | None) -> None:
    """Every assignment the account reads, as its list shows them (a withheld one withheld);
    the export audited."""
    summaries = queries.list_assignments(actor, access.visible_assignments(actor))
    rows = write_feedback_sheet(summaries, output, exported_by=str(actor), filters="")
    services.record_export(
        actor=actor,
        city_ids=[city.pk for city in access.supervised_cities(actor)],
        rows=rows,
        ip_address=ip_address,
    )
