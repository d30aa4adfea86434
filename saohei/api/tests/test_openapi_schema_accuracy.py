"""The published schema tells the truth: every field whose values come from a model's choices
lists them as an enum, and real answers match the declared types and formats. Both checks walk
/api/v1/openapi.json, so a new schema or endpoint is covered without editing this file."""

import re
from collections.abc import Callable, Iterator
from datetime import date, datetime, time
from typing import Any

import pytest
from django.apps import apps
from django.db import models
from django.test import Client

from saohei.api.services import create_api_token
from saohei.common.access_matrix import API_READS
from saohei.common.roles import Role
from saohei.organisations.models import User

pytestmark = pytest.mark.django_db

# Named like a choice field, but their values are something else, on purpose.
NOT_CHOICES = {
    # A calendar day's kind is `workdays.calendar.DayKind` (enum listed), not a model field's.
    ("WorkdayOut", "kind"),
    # A publicity kind is a dictionary entry's code, editable by the office (not TextChoices).
    ("ActivityOut", "kind"),
    ("ActivityIn", "kind"),
    ("ActivityListQuery", "kind"),
    ("get /api/v1/publicity/activities", "kind"),
    ("KindTotalOut", "kind"),
    ("ActivityDetailOut", "kind"),
    ("ActivityEditIn", "kind"),
    ("ActivityFilterQuery", "kind"),
    ("TotalsQuery", "kind"),
    ("get /api/v1/publicity/export", "kind"),
    ("get /api/v1/publicity/totals", "kind"),
    ("PublicityScheduleOut", "kind"),
    ("PublicityScheduleIn", "kind"),
    # The city clerk's filter of an assignment by its towns' state (`ListStatus`, listed as an
    # enum), computed from the towns' progress: no model field holds it.
    ("AssignmentListQuery", "status"),
    ("get /api/v1/city/assignments", "status"),
    # A task list's scope is mine/all (the view checks it), not an API token's scope.
    ("TaskListQuery", "scope"),
    ("get /api/v1/meetings/tasks", "scope"),
    # A task's result is the text its assignee wrote.
    ("TaskOut", "result"),
    ("CompleteTaskIn", "result"),
    # A prompt shows its level and members' roles as the words the pages use (labels).
    ("FlagOut", "level"),
    ("FlagDetailOut", "level"),
    ("FlagMemberOut", "role"),
    # A case's outcome (处理结果) is the police's own words; a 交办清单 row's outcome is not it.
    ("CaseOut", "outcome"),
    ("CaseDetailOut", "outcome"),
    # What extraction found (人名, 身份证号, …) and the record's text it was found in.
    ("SuggestionOut", "kind"),
    ("SuggestionOut", "source"),
    # A link of the chart goes from one node (its source) to another.
    ("ChartLinkOut", "source"),
    # A 联审 reason's kind (`FindingKind`) is kept in the sheet's JSON, not a model field.
    ("VettingFindingOut", "kind"),
}

# Named for the client, not as the model field whose values they are.
RENAMED = {
    ("FlagIncidentOut", "kind"): "incident_kind",
    ("EventOut", "from_status"): "status",
    ("EventOut", "to_status"): "status",
}


def _choice_fields() -> dict[str, list[set[str]]]:
    """Every field with choices in our models, by name: the value sets a property may list."""
    found: dict[str, list[set[str]]] = {}
    for model in apps.get_models():
        if not model.__module__.startswith("saohei."):
            continue
        for field in model._meta.get_fields():
            if isinstance(field, models.Field) and field.choices:
                values = {str(value) for value, _ in field.flatchoices}
                found.setdefault(field.name, []).append(values)
    return found


@pytest.fixture
def banshi_client(user: Callable[[str], User]) -> Client:
    token = create_api_token(user=user("banshi"), name="对接")[1]
    return Client(headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def schema(banshi_client: Client) -> dict[str, Any]:
    return banshi_client.get("/api/v1/openapi.json").json()


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _not_null(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """`X | None` is `anyOf: [X, null]`: the X."""
    node = _resolve(schema, node)
    options = [o for o in node.get("anyOf", []) if o.get("type") != "null"]
    return _resolve(schema, options[0]) if len(options) == 1 else node


def _named_properties(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(where, name, property) for every property of every component and every parameter."""
    for title, component in schema["components"]["schemas"].items():
        for name, prop in component.get("properties", {}).items():
            yield title, name, prop
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                yield f"{method} {path}", parameter["name"], parameter["schema"]


def test_every_property_named_like_a_choice_field_lists_that_fields_values(
    schema: dict[str, Any],
) -> None:
    choice_fields = _choice_fields()
    checked, missing = 0, []
    for where, name, prop in _named_properties(schema):
        name = RENAMED.get((where, name), name)
        if name not in choice_fields or (where, name) in NOT_CHOICES:
            continue
        listed = _not_null(schema, prop)
        if listed.get("type") != "string" and "enum" not in listed:
            continue
        enum = set(listed.get("enum", []))
        # All of one model field's values, plus at most "" (none / no filter) and "open".
        if not any(values <= enum <= values | {"", "open"} for values in choice_fields[name]):
            missing.append(f"{where}.{name}: {sorted(enum) or '无 enum'}")
        checked += 1
    assert not missing, "\n".join(missing)
    assert checked > 50


def test_the_roles_of_the_account_list_every_role(schema: dict[str, Any]) -> None:
    roles = schema["components"]["schemas"]["MeOut"]["properties"]["roles"]
    assert set(roles["items"]["enum"]) == set(Role.values)


def test_a_value_outside_the_choices_is_a_422_naming_the_allowed_ones(
    banshi_client: Client,
) -> None:
    response = banshi_client.get("/api/v1/leads", {"status": "pigeon"})
    assert response.status_code == 422
    message = response.json()["error"]["fields"]["status"][0]
    assert message.startswith("应为以下之一：") and "open" in message


# A validator for the subset of JSON Schema that ninja emits.

_FORMATS: dict[str, Callable[[str], object]] = {
    "date": date.fromisoformat,
    # RFC 3339: a date-time carries its offset (or Z).
    "date-time": lambda text: datetime.fromisoformat(text).utcoffset() is not None or 1 / 0,
    "time": lambda text: time.fromisoformat(text).utcoffset() is not None or 1 / 0,
}
_TYPES: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
    "null": lambda v: v is None,
}


def schema_problems(schema: dict[str, Any], node: dict[str, Any], value: Any, at: str) -> list[str]:
    node = _resolve(schema, node)
    if "anyOf" in node:
        options = [schema_problems(schema, option, value, at) for option in node["anyOf"]]
        return [] if any(not found for found in options) else min(options, key=len)
    if "const" in node and value != node["const"]:
        return [f"{at}: {value!r} ≠ {node['const']!r}"]
    if "enum" in node and value not in node["enum"]:
        return [f"{at}: {value!r} 不在 {node['enum']}"]
    kind = node.get("type")
    if kind and not _TYPES[kind](value):
        return [f"{at}: {value!r} 不是 {kind}"]
    problems = []
    if kind == "string" and "format" in node and node["format"] in _FORMATS:
        try:
            _FORMATS[node["format"]](value)
        except (ValueError, ZeroDivisionError):
            problems.append(f"{at}: {value!r} 不符合 format {node['format']}")
    if kind == "string" and "pattern" in node and not re.search(node["pattern"], value):
        problems.append(f"{at}: {value!r} 不符合 pattern {node['pattern']}")
    if kind == "array":
        for index, item in enumerate(value):
            problems += schema_problems(schema, node.get("items", {}), item, f"{at}.{index}")
    if kind == "object":
        for name in node.get("required", []):
            if name not in value:
                problems.append(f"{at}: 缺少 {name}")
        for name, item in value.items():
            if name in node.get("properties", {}):
                problems += schema_problems(schema, node["properties"][name], item, f"{at}.{name}")
    return problems


def test_the_validator_catches_what_the_issue_found(schema: dict[str, Any]) -> None:
    lead = {"$ref": "#/components/schemas/LeadSummaryOut"}
    assert schema_problems(schema, lead, {"status": "pigeon"}, "lead")
    moment = {"type": "string", "format": "date-time"}
    assert schema_problems(schema, moment, "2026-12-05T10:00:00", "received_at")
    assert not schema_problems(schema, moment, "2026-12-05T10:00:00+08:00", "received_at")
    assert schema_problems(schema, {"type": "string", "format": "time"}, "21:30:00", "at")


def _ok_answer(schema: dict[str, Any], path: str) -> dict[str, Any]:
    return schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]


def _first_id(body: Any) -> int | None:
    items = body.get("items") if isinstance(body, dict) else body
    return items[0]["id"] if items and isinstance(items[0], dict) and "id" in items[0] else None


def test_real_lists_and_details_match_their_declared_schema(
    schema: dict[str, Any], banshi_client: Client, demo_history: object
) -> None:
    """Each GET without parameters in its path is called as the town's office; each GET with one
    is called with the first id of the list at the path above it."""
    problems: list[str] = []
    first_ids: dict[str, int | None] = {}
    validated = 0
    for path in sorted(schema["paths"], key=lambda p: p.count("{")):
        if "get" not in schema["paths"][path] or path.endswith("openapi.json"):
            continue
        # A file (a ledger, a document) is no JSON to hold to a schema.
        if "application/json" not in schema["paths"][path]["get"]["responses"]["200"]["content"]:
            continue
        parameters = re.findall(r"\{[^}]+\}", path)
        if len(parameters) > 1:
            continue
        if parameters:
            parent = path[: path.index(parameters[0])].rstrip("/")
            if first_ids.get(parent) is None:
                continue
            url = path.replace(parameters[0], str(first_ids[parent]))
        else:
            url = path
        # An operation the access table refuses the office (定期梳理 is its leaders') is skipped.
        readers = API_READS.get(f"GET {path}")
        if isinstance(readers, frozenset) and Role.OFFICE_STAFF not in readers:
            continue
        response = banshi_client.get(url)
        assert response.status_code == 200, (url, response.content[:300])
        # A file (a ledger, a template) is declared as a binary body, not a JSON schema.
        if "application/json" not in schema["paths"][path]["get"]["responses"]["200"]["content"]:
            continue
        body = response.json()
        first_ids[path] = _first_id(body)
        problems += schema_problems(schema, _ok_answer(schema, path), body, url)
        validated += 1
    assert not problems, "\n".join(problems[:30])
    assert validated >= 15, validated
