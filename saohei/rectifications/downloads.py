"""The 问题整改台账 the list page and /api/v1/rectifications/export hand out: the list's filters
(one form decides what is filtered), who may export, and the file with its audit event."""

from collections.abc import Mapping
from typing import IO, Any

from django.core.exceptions import PermissionDenied

from saohei.common.access import user_has_any_role
from saohei.common.forms import describe_filters
from saohei.common.roles import Role
from saohei.organisations.access import content_units
from saohei.organisations.models import UnitKind, User
from saohei.organisations.pickers import village_filter
from saohei.rectifications import queries, services
from saohei.rectifications.exports import ledger_rows, write_ledger
from saohei.rectifications.forms import FilterForm

# Who opens the ledger's list and exports it: the office, its 督导 and village heads.
READ_ROLES = (
    Role.LEADER,
    Role.DEPUTY_LEADER,
    Role.OFFICE_STAFF,
    Role.VILLAGE_HEAD,
    Role.SUPERVISOR,
)


def item_filter_form(
    user: User, data: Mapping[str, Any] | None
) -> tuple[FilterForm, queries.ItemFilters | None]:
    """The list's filter form over `data`; `None` filters when the input was invalid."""
    scope = content_units(user)
    form = FilterForm(
        data or None,
        towns=scope.filter(kind=UnitKind.TOWN).order_by("path"),
        villages=scope.villages().order_by("path"),
        people=User.objects.filter(is_active=True, unit__in=scope).order_by(
            "unit__path", "username"
        ),
    )
    if not form.is_bound:
        return form, queries.ItemFilters()
    if not form.is_valid():
        return form, None
    cleaned = form.cleaned_data
    village_id, without_village = village_filter(cleaned["village"])
    town = cleaned.get("town")
    return form, queries.ItemFilters(
        town_id=town.pk if town else None,
        village_id=village_id,
        without_village=without_village,
        source_kind=cleaned["source"],
        status=cleaned["status"],
        responsible_person_id=cleaned["person"].pk if cleaned["person"] else None,
        due_state=cleaned["due"],
        text=cleaned["q"],
    )


def require_ledger_reader(user: User) -> None:
    if not user_has_any_role(user, READ_ROLES):
        raise PermissionDenied("您没有导出问题整改台账的权限")


def write_item_ledger(
    output: IO[bytes],
    *,
    actor: User,
    form: FilterForm,
    filters: queries.ItemFilters,
    ip_address: str | None,
) -> None:
    """The 问题整改台账 of what the account's list shows with these filters; audited."""
    rows = write_ledger(
        ledger_rows(queries.filter_items(actor, filters)),
        output,
        exported_by=str(actor),
        filters=describe_filters(form),
    )
    services.record_ledger_export(
        actor=actor,
        rows=rows,
        # A search term may name a person: the audit log records only that one was used.
        filters={
            key: True if key == "text" else value for key, value in vars(filters).items() if value
        },
        ip_address=ip_address,
    )
