"""Hostile values in every path, query and body field of every API operation.

The operations come from the OpenAPI description of the live router, so a new endpoint is
fuzzed without editing this file. Each answer must be in the error shape, below 500, and
write nothing."""

import functools
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.apps import apps
from django.test import Client

from saohei.api.api import api
from saohei.api.services import create_api_token
from saohei.audit.models import AuditEvent
from saohei.organisations.models import User
from saohei.testing.rows import RowCounter

pytestmark = pytest.mark.django_db

HOSTILE_VALUES: list[Any] = [
    "a\x00b",
    "a\ud800b",
    "\x1b[31m",
    2**63,
    2**64,
    -(2**64),
    -1,
    99999999999,
    "x" * 20_000,
    ["list"],
    {"an": "object"},
]
# In a URL only text travels; the surrogate cannot be encoded in one, the others can.
HOSTILE_URL_VALUES = ["a\x00b", "\x1b", str(2**63), str(2**64), "-1", "99999999999", "x" * 5_000]


def _operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in api.get_openapi_schema()["paths"].items():
        for method, operation in methods.items():
            yield method.upper(), path, operation


def _resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return _resolve(schema["allOf"][0], components)
    return schema


def _plausible(schema: dict[str, Any], components: dict[str, Any]) -> Any:
    """A well-formed value for `schema`, so the hostile one is the only thing wrong."""
    schema = _resolve(schema, components)
    if "anyOf" in schema:
        return _plausible(schema["anyOf"][0], components)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        return {
            name: _plausible(field, components)
            for name, field in schema.get("properties", {}).items()
        }
    if kind == "array":
        return []
    if kind == "integer":
        return 1
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return False
    if schema.get("format") == "date":
        return "2026-11-02"
    if schema.get("format") == "date-time":
        return "2026-11-02T09:00:00+08:00"
    return "核实"


@functools.cache
def _row_counter() -> RowCounter:
    # the audit log grows with every authenticated call (API_TOKEN_USED); everything else must not
    return RowCounter(model for model in apps.get_models() if model is not AuditEvent)


def _row_counts() -> dict[str, int]:
    return _row_counter()()


def _url(path: str, path_values: dict[str, str], query: dict[str, str] | None = None) -> str:
    from urllib.parse import quote, urlencode

    for name, value in path_values.items():
        path = path.replace("{" + name + "}", quote(value, safe=""))
    return f"{path}?{urlencode(query)}" if query else path


def _cases(
    method: str, path: str, operation: dict[str, Any], components: dict[str, Any]
) -> Iterator[tuple[str, str, Any]]:
    """(description, url, body) for each hostile value in each field of one operation."""
    parameters = operation.get("parameters", [])
    path_values = {p["name"]: "1" for p in parameters if p["in"] == "path"}
    body_schema = operation.get("requestBody", {}).get("content", {}).get("application/json")
    body = _plausible(body_schema["schema"], components) if body_schema else None
    for parameter in parameters:
        for value in HOSTILE_URL_VALUES:
            name = parameter["name"]
            if parameter["in"] == "path":
                url = _url(path, {**path_values, name: value})
            else:
                url = _url(path, path_values, {name: value})
            yield f"{method} {path} {parameter['in']} {name}={value[:20]!r}", url, body
    if isinstance(body, dict):
        for name in body:
            for value in HOSTILE_VALUES:
                hostile_body = {**body, name: value}
                yield (
                    f"{method} {path} body {name}={str(value)[:20]!r}",
                    _url(path, path_values),
                    hostile_body,
                )
        # a surrogate escaped in the JSON text itself, the way a client would send it
        yield f"{method} {path} body \\ud800 escape", _url(path, path_values), "RAW-SURROGATE"


def _send(client: Client, method: str, url: str, body: Any, token: str) -> Any:
    headers = {"Authorization": f"Bearer {token}"}
    if method == "GET":
        return client.get(url, headers=headers)
    if body == "RAW-SURROGATE":
        data = '{"note": "\\ud800", "content": "\\udfff", "title": "\\ud83d"}'
    else:
        data = json.dumps(body, ensure_ascii=True) if body is not None else ""
    return client.generic(method, url, data, content_type="application/json", headers=headers)


def test_every_operation_refuses_hostile_values_in_the_error_shape_and_writes_nothing(
    user: Callable[[str], User],
) -> None:
    _, token = create_api_token(user=user("banshi"), name="模糊测试")
    schema = api.get_openapi_schema()
    components = schema.get("components", {}).get("schemas", {})
    client = Client(raise_request_exception=False)
    failures: list[str] = []
    operations = list(_operations())
    assert len(operations) > 40, "the router walk found too few operations"
    for method, path, operation in operations:
        before = _row_counts()
        for description, url, body in _cases(method, path, operation, components):
            response = _send(client, method, url, body, token)
            if response.status_code >= 500:
                failures.append(f"{description}: {response.status_code}")
                continue
            if response.status_code >= 400:
                error = response.json().get("error", {})
                if not (error.get("code") and error.get("message")):
                    failures.append(
                        f"{description}: not the error shape {response.content[:200]!r}"
                    )
            elif method != "GET":
                failures.append(f"{description}: accepted with {response.status_code}")
        if _row_counts() != before:
            changed = {k for k, v in _row_counts().items() if before.get(k) != v}
            failures.append(f"{method} {path}: rows written in {sorted(changed)}")
    assert not failures, "\n".join(failures)
