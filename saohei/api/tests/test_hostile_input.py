"""Hostile text and numbers in an otherwise valid request: refused in the error shape, nothing
written. The fuzz test walks every operation; these pin the cases a valid body would have let in."""

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from saohei.api.services import create_api_token
from saohei.api.tests.test_leads_api import _new_lead
from saohei.leads.models import Lead
from saohei.leads.tests import conftest as lead_fixtures
from saohei.organisations.models import Unit, User

pytestmark = pytest.mark.django_db
town = lead_fixtures.town


@pytest.fixture
def post_lead(town: Unit) -> Callable[..., Any]:
    _, token = create_api_token(user=User.objects.get(username="banshi"), name="测试")

    def post(surrogate_in: str = "", **overrides: Any) -> Any:
        body = _new_lead(town, **overrides)
        data = json.dumps(body)
        if surrogate_in:
            # json.dumps cannot write a lone surrogate; a client can, as an escape
            data = data.replace(f'"{surrogate_in}": ""', f'"{surrogate_in}": "\\ud800"')
        return Client().post(
            "/api/v1/leads",
            data,
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )

    return post


def _refused(response: Any, field: str) -> str:
    assert response.status_code == 422, response.content.decode()
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["fields"], error
    assert Lead.objects.count() == 0
    return str(error["fields"][field][0])


def test_nul_in_a_text_field_is_refused_and_no_lead_is_written(post_lead: Any) -> None:
    assert "空字符" in _refused(post_lead(summary="码头\x00收费"), "summary")


def test_control_character_in_a_text_field_is_refused(post_lead: Any) -> None:
    assert "控制字符" in _refused(post_lead(summary="码头\x1b[31m收费"), "summary")


def test_lone_surrogate_escaped_in_the_json_is_refused(post_lead: Any) -> None:
    assert "代理项" in _refused(post_lead(surrogate_in="narrative", narrative=""), "narrative")


def test_nul_in_a_nested_subject_is_refused(post_lead: Any) -> None:
    response = post_lead(subjects=[{"name": "张\x00三"}])
    _refused(response, "subjects.0.name")


def test_id_wider_than_a_bigint_in_the_body_is_refused(post_lead: Any) -> None:
    assert "范围" in _refused(post_lead(village_id=2**63), "village_id")


def test_line_breaks_in_multi_line_text_are_kept(post_lead: Any) -> None:
    response = post_lead(narrative="第一行\r\n第二行\t缩进")
    assert response.status_code == 201, response.content.decode()
    assert Lead.objects.get().narrative == "第一行\r\n第二行\t缩进"


def test_huge_id_in_a_path_is_refused_in_the_error_shape(post_lead: Any) -> None:
    _, token = create_api_token(user=User.objects.get(username="banshi"), name="测试")
    response = Client().get(f"/api/v1/leads/{2**64}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 422
    assert "lead_id" in response.json()["error"]["fields"]


def test_nul_in_the_search_box_is_refused_in_the_error_shape(post_lead: Any) -> None:
    _, token = create_api_token(user=User.objects.get(username="banshi"), name="测试")
    response = Client().get(
        "/api/v1/leads", {"q": "码\x00头"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 422
    assert "q" in response.json()["error"]["fields"]


@pytest.mark.parametrize("body", [b"{", b'{"summary": "\xff\xfe"}', b"\x00"])
def test_a_body_that_is_not_json_gets_a_chinese_message_in_the_error_shape(
    post_lead: Any, body: bytes
) -> None:
    _, token = create_api_token(user=User.objects.get(username="banshi"), name="测试")
    response = Client().post(
        "/api/v1/leads",
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_json"
    assert "JSON" in response.json()["error"]["message"]
    assert Lead.objects.count() == 0


def test_nul_in_the_url_path_is_audited_without_it(post_lead: Any) -> None:
    # PostgreSQL's jsonb refuses \u0000: the token's audit event must not carry the raw path
    _, token = create_api_token(user=User.objects.get(username="banshi"), name="测试")
    response = Client().get("/api/v1/leads/a%00b", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code < 500
    assert "error" in response.json()
