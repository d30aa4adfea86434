"""The OpenAPI schema maps every endpoint and field: signed-in staff and valid tokens only."""

from collections.abc import Callable

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from saohei.api.services import create_api_token
from saohei.demo.town import DEMO_PASSWORD
from saohei.organisations.models import User

pytestmark = pytest.mark.django_db
SCHEMA = "/api/v1/openapi.json"


def _refused_without_schema(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert "paths" not in response.content.decode()


def test_an_anonymous_visitor_gets_no_schema(demo: None) -> None:
    _refused_without_schema(Client().get(SCHEMA))


@pytest.mark.parametrize("header", ["Bearer not-a-token", "Bearer ", "Basic YTpi", "garbage"])
def test_a_bad_token_gets_no_schema(demo: None, header: str) -> None:
    _refused_without_schema(Client().get(SCHEMA, headers={"Authorization": header}))


def test_an_unknown_token_of_the_right_shape_gets_no_schema(user: Callable[[str], User]) -> None:
    _, token = create_api_token(user=user("banshi"), name="对接")
    _refused_without_schema(Client().get(SCHEMA, headers={"Authorization": f"Bearer {token}x"}))


def test_a_valid_token_reads_the_schema(user: Callable[[str], User]) -> None:
    _, token = create_api_token(user=user("banshi"), name="对接")
    response = Client().get(SCHEMA, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert "/api/v1/me" in response.json()["paths"]


def test_a_signed_in_staff_member_reads_the_schema(client_as: Callable[[str], Client]) -> None:
    response = client_as("banshi").get(SCHEMA)
    assert response.status_code == 200
    assert "/api/v1/leads" in response.json()["paths"]


def test_a_session_held_at_the_second_factor_gate_gets_no_schema(demo: None) -> None:
    auditor = User.objects.get(username="shenji")
    TOTPDevice.objects.filter(user=auditor).delete()
    client = Client()
    client.post("/accounts/login/", {"username": "shenji", "password": DEMO_PASSWORD})
    response = client.get(SCHEMA)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/otp/setup/"
