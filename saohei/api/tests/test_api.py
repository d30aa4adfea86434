import io
import json
from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from saohei.api.models import ApiToken
from saohei.api.services import create_api_token, revoke_api_token
from saohei.audit.models import AuditAction, AuditEvent
from saohei.common.errors import ActionNotAllowed
from saohei.organisations.models import User

pytestmark = pytest.mark.django_db
UserGetter = Callable[[str], User]


def _get(path: str, token: str | None = None):  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return Client().get(path, headers=headers)


def test_me_with_a_valid_token(user: UserGetter) -> None:
    _, token = create_api_token(user=user("banshi"), name="对接")
    response = _get("/api/v1/me", token)
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "banshi"
    assert body["unit"]["name"] == "港西镇"
    assert body["roles"] == ["office_staff"]
    assert body["role_labels"] == ["扫黑办工作人员"]


def test_each_use_is_audited_without_the_token(user: UserGetter) -> None:
    _, token = create_api_token(user=user("banshi"), name="对接")
    _get("/api/v1/me", token)
    _get("/api/v1/me", token)
    uses = AuditEvent.objects.filter(action=AuditAction.API_TOKEN_USED)
    assert uses.count() == 2
    assert all(token not in str(e.details) and token not in e.target_label for e in uses)
    assert ApiToken.objects.get().last_used_at is not None


def test_token_is_stored_only_as_a_digest(user: UserGetter) -> None:
    stored, token = create_api_token(user=user("banshi"), name="对接")
    assert token not in stored.digest
    assert not ApiToken.objects.filter(digest=token).exists()
    assert stored.prefix == token[:12]


def test_missing_token_gets_401_in_the_error_shape(demo: None) -> None:
    response = _get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert "令牌" in response.json()["error"]["message"]


def test_wrong_token_is_rejected_and_audited(demo: None) -> None:
    response = _get("/api/v1/me", "shb_not-a-real-token")
    assert response.status_code == 401
    assert AuditEvent.objects.filter(action=AuditAction.API_TOKEN_REJECTED).exists()


def test_revoked_token_is_rejected(user: UserGetter) -> None:
    stored, token = create_api_token(user=user("banshi"), name="对接")
    revoke_api_token(actor=user("banshi"), token=stored)
    assert _get("/api/v1/me", token).status_code == 401


def test_token_of_a_deactivated_account_is_rejected(user: UserGetter) -> None:
    _, token = create_api_token(user=user("banshi"), name="对接")
    User.objects.filter(username="banshi").update(is_active=False)
    assert _get("/api/v1/me", token).status_code == 401


def test_only_owner_or_security_admin_may_revoke(user: UserGetter) -> None:
    stored, _ = create_api_token(user=user("banshi"), name="对接")
    with pytest.raises(ActionNotAllowed):
        revoke_api_token(actor=user("cun01"), token=stored)
    revoke_api_token(actor=user("anquan"), token=stored)
    assert ApiToken.objects.get().is_revoked


def test_units_endpoint_returns_only_the_accounts_scope(user: UserGetter) -> None:
    _, token = create_api_token(user=user("cun01"), name="村")
    names = [unit["name"] for unit in _get("/api/v1/units", token).json()]
    assert names == [user("cun01").unit.name]  # type: ignore[union-attr]


def test_openapi_document_is_served(user: UserGetter) -> None:
    _, token = create_api_token(user=user("banshi"), name="对接")
    response = _get("/api/v1/openapi.json", token)
    assert response.status_code == 200
    assert "/api/v1/me" in response.json()["paths"]


def test_unknown_api_path_is_404(user: UserGetter) -> None:
    _, token = create_api_token(user=user("banshi"), name="对接")
    assert _get("/api/v1/nothing-here", token).status_code == 404


def test_create_api_token_command_prints_the_token_once(user: UserGetter) -> None:
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_token", "banshi", "--name", "巡检脚本", stdout=out, stderr=err)
    token = out.getvalue().strip()
    assert token.startswith("shb_")
    assert _get("/api/v1/me", token).status_code == 200
    assert ApiToken.objects.get().name == "巡检脚本"


def test_create_api_token_command_refuses_an_unknown_user(demo: None) -> None:
    with pytest.raises(CommandError, match="不存在"):
        call_command("create_api_token", "ghost")
    assert not ApiToken.objects.exists()


def test_token_page_revokes_through_the_browser_form(
    client_as: Callable[[str], Client], user: UserGetter
) -> None:
    stored, token = create_api_token(user=user("banshi"), name="对接")
    other_client = client_as("cun01")
    assert other_client.post(f"/api-tokens/{stored.pk}/revoke/").status_code == 404
    client = client_as("anquan")
    assert "对接" in client.get("/api-tokens/").content.decode()
    client.post(f"/api-tokens/{stored.pk}/revoke/")
    assert _get("/api/v1/me", token).status_code == 401


def test_unknown_endpoint_answers_in_the_error_shape(demo: None) -> None:
    response = Client().post("/api/v1/no/such/thing")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_validation_errors_use_the_error_shape(demo: None) -> None:
    from django.test import RequestFactory
    from ninja.errors import ValidationError

    from saohei.api.api import on_validation_error

    response = on_validation_error(
        RequestFactory().get("/api/v1/me"),
        ValidationError([{"loc": ["body", "name"], "msg": "必填"}]),
    )
    assert response.status_code == 422
    error = json.loads(response.content)["error"]
    assert error == {
        "code": "validation_error",
        "message": "请求数据格式不正确",
        "fields": {"name": ["必填"]},
    }
