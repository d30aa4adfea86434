"""Every answer under /api/v1/ is JSON in the error shape, checked against the published schema:
the paths, methods and operations come from /api/v1/openapi.json, so a new endpoint is covered
without editing this file."""

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.views.defaults import server_error

from saohei.api.middleware import ApiErrorShapeMiddleware
from saohei.api.services import create_api_token
from saohei.organisations.models import User

pytestmark = pytest.mark.django_db
SCHEMA = "/api/v1/openapi.json"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")


@pytest.fixture
def token(user: Callable[[str], User]) -> str:
    return create_api_token(user=user("banshi"), name="对接")[1]


@pytest.fixture
def schema(token: str) -> dict[str, Any]:
    response = Client().get(SCHEMA, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    return response.json()


def _concrete(path: str) -> str:
    """A declared path with each `{param}` filled with an id that may or may not exist."""
    return re.sub(r"\{[^}]+\}", "1", path)


def _operations(schema: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for path, operations in schema["paths"].items():
        for method in operations:
            yield path, method.upper()


def assert_error_shape(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, (response.status_code, response.content[:200])
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]


def test_every_undeclared_method_of_every_path_is_a_json_405_naming_the_allowed_ones(
    schema: dict[str, Any], token: str
) -> None:
    client = Client(headers={"Authorization": f"Bearer {token}"})
    checked = 0
    for path, operations in schema["paths"].items():
        declared = {method.upper() for method in operations}
        for method in set(METHODS) - declared:
            response = client.generic(method, _concrete(path))
            assert_error_shape(response, 405, "method_not_allowed")
            assert set(response["Allow"].split(", ")) == declared, (method, path)
            checked += 1
    assert checked > 200


def test_every_declared_operation_answers_an_anonymous_caller_with_a_json_401(
    schema: dict[str, Any],
) -> None:
    client = Client(raise_request_exception=False)
    for path, method in _operations(schema):
        response = client.generic(method, _concrete(path), "{}", "application/json")
        assert_error_shape(response, 401, "unauthorized")


def test_a_trailing_slash_on_any_declared_path_is_a_json_404_not_a_redirect(
    schema: dict[str, Any], token: str
) -> None:
    client = Client(headers={"Authorization": f"Bearer {token}"})
    for path, method in _operations(schema):
        response = client.generic(method, _concrete(path) + "/", "{}", "application/json")
        assert_error_shape(response, 404, "not_found")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/no/such/thing",
        "/api/v1",
        "/api/v1/",
        "/api/",
        "/api/v2/leads",
        "/api/v1/leads/not-a-number",
        "/api/v1/leads/1/no-such-action",
    ],
)
@pytest.mark.parametrize("method", ["GET", "POST", "DELETE", "OPTIONS"])
def test_an_unknown_path_under_the_api_is_a_json_404(token: str, path: str, method: str) -> None:
    client = Client(headers={"Authorization": f"Bearer {token}"})
    assert_error_shape(client.generic(method, path), 404, "not_found")


def test_a_head_request_is_refused_with_the_allowed_methods_and_a_json_type(token: str) -> None:
    response = Client().head("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert response["Content-Type"].startswith("application/json")


def test_a_malformed_json_body_is_a_json_400(token: str) -> None:
    response = Client().post(
        "/api/v1/analysis/extract",
        "{not json",
        "application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert_error_shape(response, 400, "invalid_json")


def test_a_form_body_where_json_is_expected_is_a_json_415(token: str) -> None:
    response = Client().post(
        "/api/v1/analysis/extract", {"text": "张三"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert_error_shape(response, 415, "unsupported_media_type")


def test_a_body_over_the_upload_limit_is_a_json_413(token: str, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = Client(raise_request_exception=False).post(
        "/api/v1/analysis/extract",
        json.dumps({"text": "张" * 2000}),
        "application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert_error_shape(response, 413, "too_large")


def test_a_session_without_a_csrf_token_is_refused_in_json(
    client_as: Callable[[str], Client],
) -> None:
    signed_in = client_as("banshi")
    client = Client(enforce_csrf_checks=True)
    client.cookies = signed_in.cookies
    response = client.post("/api/v1/analysis/extract", {"text": "张三"}, "application/json")
    assert_error_shape(response, 401, "unauthorized")


def test_the_staff_500_page_under_the_api_becomes_the_json_shape(demo: None) -> None:
    # What a failing middleware below this one answers: Django's handler500 page.
    shaped = ApiErrorShapeMiddleware(server_error)(RequestFactory().get("/api/v1/me"))
    assert_error_shape(shaped, 500, "server_error")


def test_pages_outside_the_api_keep_their_html_refusals(demo: None) -> None:
    response = Client().get("/leads/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
