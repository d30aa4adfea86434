"""What the 宣传发动 pages and /api/v1/publicity share: the list's filter form over the GET
contract, who may export, and the 宣传台账 with its audit event."""

from collections.abc import Mapping
from typing import IO, Any

from django.core.exceptions import PermissionDenied

from saohei.common.access import user_has_any_role
from saohei.common.forms import describe_filters
from saohei.organisations.models import User
from saohei.publicity import access, queries, services
from saohei.publicity.exports import ledger_rows, write_ledger
from saohei.publicity.forms import FilterForm
from saohei.publicity.models import PublicityKind

# The list's GET filter contract (the page's links and the API's query parameters).
FILTER_NAMES = ("kind", "village", "place_type", "date_from", "date_to", "origin", "q")


def activity_filter_form(
    user: User, data: Mapping[str, Any], kinds: list[PublicityKind]
) -> tuple[FilterForm, queries.ActivityFilters | None]:
    """The filter form over the contract's values in `data`; None when a value is bad (the
    form then carries the message)."""
    chosen = {name: data[name] for name in FILTER_NAMES if name in data}
    form = FilterForm(chosen or None, kinds=kinds, villages=access.visible_villages(user))
    if not form.is_bound:
        return form, queries.ActivityFilters()
    if not form.is_valid():
        return form, None
    return form, form.filters()


def require_ledger_reader(user: User) -> None:
    if not user_has_any_role(user, access.READ_ROLES):
        raise PermissionDenied("您没有导出宣传台账的权限")


def write_activity_ledger(
    output: IO[bytes],
    *,
    actor: User,
    form: FilterForm,
    filters: queries.ActivityFilters,
    ip_address: str | None,
) -> None:
    """The 宣传台账 of what the account's list shows with these filters; audited."""
    rows = write_ledger(
        ledger_rows(queries.filter_activities(actor, filters)),
        output,
        exported_by=str(actor),
        filters=describe_filters(form),
    )
    services.record_ledger_export(
        actor=actor, rows=rows, filters=filters.as_query(), ip_address=ip_address
    )
