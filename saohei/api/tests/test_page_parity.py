"""API parity with the pages (issue 15, decision 0066): every named page route is in
`api/parity.py`, each operation it names is in the live OpenAPI schema, and every route the API
does not offer yet is listed in `GAPS`, which is printed so the remainder stays visible."""

from collections.abc import Iterator

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from saohei.api.api import api
from saohei.api.parity import GAPS, PARITY, Excluded, Kind, Offered

API_NAMESPACE = "api-v1"


def _named_routes(patterns: list[URLPattern | URLResolver], namespace: str = "") -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            if inner.split(":")[0] == API_NAMESPACE:
                continue
            yield from _named_routes(pattern.url_patterns, inner)
        elif pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def _page_routes() -> set[str]:
    return set(_named_routes(get_resolver().url_patterns))


def _schema_operations() -> set[str]:
    paths = api.get_openapi_schema()["paths"]
    return {f"{method.upper()} {path}" for path, methods in paths.items() for method in methods}


def _named_operations(row: Offered | Excluded) -> tuple[str, ...]:
    return row.operations


def test_every_page_route_has_a_row_and_every_row_a_route() -> None:
    routes = _page_routes()

    missing = sorted(routes - set(PARITY))
    gone = sorted(set(PARITY) - routes)

    assert len(routes) > 200
    assert not missing, f"page routes without a row in saohei/api/parity.py: {missing}"
    assert not gone, f"rows of saohei/api/parity.py naming no page route: {gone}"


def test_every_operation_the_table_names_is_in_the_live_schema() -> None:
    operations = _schema_operations()

    unknown = sorted(
        f"{name}: {operation}"
        for name, row in PARITY.items()
        for operation in _named_operations(row)
        if operation not in operations
    )

    assert not unknown, "\n".join(unknown)


def test_offered_rows_name_operations_and_views_name_where_their_data_is() -> None:
    empty = [
        name
        for name, row in PARITY.items()
        if (isinstance(row, Offered) or row.kind == Kind.VIEW_OF) and not row.operations
    ]
    named_by_exclusion = [
        name
        for name, row in PARITY.items()
        if isinstance(row, Excluded) and row.kind != Kind.VIEW_OF and row.operations
    ]

    assert not empty, empty
    assert not named_by_exclusion, named_by_exclusion


def test_every_route_not_yet_offered_is_listed_in_gaps(capsys: pytest.CaptureFixture[str]) -> None:
    not_yet = {
        name
        for name, row in PARITY.items()
        if isinstance(row, Excluded) and row.kind == Kind.NOT_YET
    }
    listed = set(GAPS)

    with capsys.disabled():
        print(
            f"\nAPI parity: {len(PARITY)} page routes, "
            f"{sum(isinstance(row, Offered) for row in PARITY.values())} offered, "
            f"{len(GAPS)} not yet"
        )
        for name in GAPS:
            row = PARITY[name]
            note = row.note if isinstance(row, Excluded) else ""
            print(f"  gap: {name}" + (f" ({note})" if note else ""))

    assert not sorted(not_yet - listed), "mark them in GAPS (saohei/api/parity.py)"
    assert not sorted(listed - not_yet), "no longer gaps: take them out of GAPS"
    assert len(GAPS) == len(set(GAPS))
