"""What the case pages and /api/v1/cases share: the list's filters (one form decides what is
filtered), the 案件倒查台账 with its audit event, the import template, and the 取值对照 of a
refused import (what each unknown word may be mapped to, checked by the page's form)."""

from collections.abc import Mapping
from typing import IO, Any

from django.core.exceptions import PermissionDenied

from saohei.cases import access, queries, services
from saohei.cases.exports import import_template, write_ledger
from saohei.cases.forms import CaseFilterForm, ValueMappingForm
from saohei.cases.kinds import CASE_SHEET
from saohei.cases.models import ImportJob
from saohei.common.forms import describe_filters
from saohei.organisations.models import Unit, UnitQuerySet, User
from saohei.sheets.services import allowed_values


def case_towns_or_refuse(user: User) -> UnitQuerySet:
    """A role alone is not enough: the account must serve a town (e.g. not a city-level clerk)."""
    towns = access.case_towns(user).order_by("path")
    if not towns.exists():
        raise PermissionDenied("您没有可查看的镇（街道）案件")
    return towns


def case_filter_form(
    user: User, data: Mapping[str, Any] | None
) -> tuple[CaseFilterForm, queries.CaseFilters | None]:
    """The filter form over `data`, and the filters (None when they are not valid)."""
    form = CaseFilterForm(data or None, villages=queries.villages_for(user))
    if not form.is_bound:
        return form, queries.CaseFilters()
    if not form.is_valid():
        return form, None
    cleaned = form.cleaned_data
    return form, queries.CaseFilters(
        village_id=cleaned["village"].pk if cleaned["village"] else None,
        nature=cleaned["nature"],
        reviewed=cleaned["reviewed"],
        year=cleaned["year"],
        text=cleaned["q"],
    )


def write_case_ledger(
    target: IO[bytes],
    *,
    actor: User,
    form: CaseFilterForm,
    filters: queries.CaseFilters,
    ip_address: str | None,
) -> None:
    """The 案件倒查台账 of the account's cases with these filters; every export audited."""
    cases = queries.with_listing_relations(queries.filter_cases(actor, filters)).order_by(
        "-occurred_on", "-id"
    )
    count = write_ledger(
        cases.iterator(chunk_size=2000),
        exported_by=str(actor),
        filters=describe_filters(form),
        target=target,
    )
    services.record_ledger_export(actor=actor, count=count, filters=filters, ip_address=ip_address)


def import_template_for(user: User) -> bytes:
    """The import template, its 所属村 list the first town's villages the account serves."""
    town: Unit | None = case_towns_or_refuse(user).first()
    villages = list(
        Unit.objects.filter(parent=town)
        .villages()
        .active()
        .order_by("sort_order", "name")
        .values_list("name", flat=True)
    )
    return import_template(villages=villages)


def value_options(job: ImportJob) -> dict[str, dict[str, str]]:
    """Per mapped column, what a word may be mapped to (value → label), for the job's town."""
    return {
        target.key: allowed_values(job.unit, CASE_SHEET, target.key) for target in CASE_SHEET.fields
    }


def value_mapping_form(
    user: User, job: ImportJob, data: Mapping[str, Any] | None, options: dict[str, dict[str, str]]
) -> ValueMappingForm | None:
    """The 取值对照 form, for whoever may import the town, while the job lists unknown words."""
    if not job.is_finished or not job.unknown_values:
        return None
    if not access.can_import(user, job.unit):
        return None
    return ValueMappingForm(
        data,
        words=job.unknown_values,
        options=options,
        labels={target.key: target.label for target in CASE_SHEET.fields},
    )
