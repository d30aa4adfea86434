"""One way the API turns an id in a request body into a row: inside the caller's scope or refused.

An id that exists but lies outside the scope (another town's person, a village of another town)
gets the same Chinese refusal as one that does not exist, naming the body field, so the API never
tells a caller what exists elsewhere.
"""

from collections.abc import Callable
from typing import TypeVar

from django.db.models import Model, QuerySet

from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.organisations.models import Unit, UnitKind

Row = TypeVar("Row", bound=Model)


def one_of(rows: QuerySet[Row], pk: int, *, field: str, refusal: str) -> Row:
    """The row `pk` among `rows` (the caller's scope), or a 400 naming `field`."""
    row = rows.filter(pk=pk).first()
    if row is None:
        raise ServiceError(refusal, field=field)
    return row


def recording_town(unit_id: int, *, may_record: Callable[[Unit], bool], refusal: str) -> Unit:
    """The town a record is registered in, when the caller may record there; else a 403."""
    town = Unit.objects.filter(pk=unit_id, kind=UnitKind.TOWN).first()
    if town is None or not may_record(town):
        raise ActionNotAllowed(refusal, field="unit_id")
    return town


def all_of(rows: QuerySet[Row], pks: list[int], *, field: str, refusal: str) -> list[Row]:
    """Every row of `pks` among `rows` (duplicates counted once), or a 400 naming `field`."""
    found = list(rows.filter(pk__in=pks))
    if len(found) != len(set(pks)):
        raise ServiceError(refusal, field=field)
    return found
