"""The token pages: created by the account itself, shown once, listed with their state, and seen
and revoked by the 安全管理员 over the accounts they manage (decision 0059)."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from saohei.api.models import ApiToken, TokenScope
from saohei.api.services import create_api_token
from saohei.audit.models import AuditAction, AuditEvent
from saohei.organisations.models import User

pytestmark = pytest.mark.django_db
UserGetter = Callable[[str], User]


def _create(client: Client, **fields: str) -> Any:
    data = {"name": "巡检脚本", "scope": "read_only", "expiry": "90", "expires_on": ""}
    data.update(fields)
    return client.post("/api-tokens/new/", data)


def test_the_new_token_is_shown_once_and_works(client_as: Callable[[str], Client]) -> None:
    client = client_as("cun01")

    response = _create(client)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    plaintext = response.context["plaintext"]
    assert plaintext in response.content.decode()
    me = Client().get("/api/v1/me", headers={"Authorization": f"Bearer {plaintext}"})
    assert me.json()["username"] == "cun01"
    stored = ApiToken.objects.get()
    assert stored.user.username == "cun01" and stored.scope == TokenScope.READ_ONLY
    assert plaintext not in client.get("/api-tokens/").content.decode()
    event = AuditEvent.objects.get(action=AuditAction.API_TOKEN_CREATED)
    assert event.actor.username == "cun01"  # type: ignore[union-attr]
    assert event.details["scope"] == "read_only"
    assert plaintext not in str(event.details)


@pytest.mark.parametrize(
    ("expiry", "expires_on", "days"),
    [("none", "", None), ("30", "", 30), ("365", "", 365), ("date", "2027-03-01", None)],
)
def test_each_expiry_choice_sets_the_expiry(
    client_as: Callable[[str], Client], expiry: str, expires_on: str, days: int | None
) -> None:
    _create(client_as("banshi"), expiry=expiry, expires_on=expires_on, scope="read_write")
    stored = ApiToken.objects.get()
    assert stored.scope == TokenScope.READ_WRITE
    if expiry == "none":
        assert stored.expires_at is None
    elif days:
        expected = timezone.now() + timedelta(days=days)
        assert stored.expires_at is not None
        assert abs((stored.expires_at - expected).total_seconds()) < 60
    else:
        # Valid through the chosen day: it ends at the next local midnight.
        assert stored.expires_at is not None
        assert timezone.localtime(stored.expires_at).isoformat().startswith("2027-03-02T00:00")


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"expiry": "date", "expires_on": ""}, "expires_on", "请填写到期日期"),
        ({"expiry": "date", "expires_on": "2020-01-01"}, "expires_on", "不能早于"),
        ({"expiry": "date", "expires_on": "明天"}, "expires_on", ""),
        ({"expiry": "7"}, "expiry", ""),
        ({"scope": "admin"}, "scope", ""),
        ({"name": ""}, "name", ""),
        ({"name": "脚" * 101}, "name", ""),
        ({"name": "a\x00b"}, "name", ""),
    ],
)
def test_bad_input_is_shown_beside_the_field_and_writes_nothing(
    client_as: Callable[[str], Client], fields: dict[str, str], field: str, message: str
) -> None:
    response = _create(client_as("banshi"), **fields)

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert message in " ".join(errors[field])
    assert all(any("\u4e00" <= c <= "\u9fff" for c in error) for error in errors[field])
    assert not ApiToken.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.API_TOKEN_CREATED).exists()


def test_the_list_shows_scope_expiry_and_state(
    user: UserGetter, client_as: Callable[[str], Client]
) -> None:
    create_api_token(user=user("banshi"), name="长期读写")
    expired, _ = create_api_token(
        user=user("banshi"),
        name="旧脚本",
        scope=TokenScope.READ_ONLY,
        expires_at=timezone.now() + timedelta(days=1),
    )
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(days=1))

    page = client_as("banshi").get("/api-tokens/")

    rows = {token.name: token for token in page.context["tokens"]}
    assert rows["旧脚本"].status.label == "已过期"
    assert rows["长期读写"].status.label == "有效"
    html = page.content.decode()
    for text in (
        "权限",
        "创建时间",
        "最近使用",
        "到期时间",
        "状态",
        "已过期",
        "只读",
        "读写",
        "长期",
    ):
        assert text in html, text


def test_the_security_admin_sees_and_revokes_the_tokens_of_accounts_they_manage(
    user: UserGetter, client_as: Callable[[str], Client]
) -> None:
    village, _ = create_api_token(user=user("cun01"), name="村里的脚本")
    city, _ = create_api_token(user=user("shiban"), name="市里的脚本")
    admin = client_as("anquan")

    listed = {token.pk for token in admin.get("/api-tokens/").context["tokens"]}
    assert village.pk in listed and city.pk not in listed
    assert admin.post(f"/api-tokens/{city.pk}/revoke/").status_code == 404
    admin.post(f"/api-tokens/{village.pk}/revoke/")

    assert ApiToken.objects.get(pk=village.pk).is_revoked
    assert not ApiToken.objects.get(pk=city.pk).is_revoked
    event = AuditEvent.objects.get(action=AuditAction.API_TOKEN_REVOKED)
    assert event.actor.username == "anquan"  # type: ignore[union-attr]


def test_an_account_sees_only_its_own_tokens(
    user: UserGetter, client_as: Callable[[str], Client]
) -> None:
    mine, _ = create_api_token(user=user("cun01"), name="我的")
    create_api_token(user=user("cun02"), name="别人的")
    listed = [token.pk for token in client_as("cun01").get("/api-tokens/").context["tokens"]]
    assert listed == [mine.pk]


def test_the_security_admin_cannot_create_a_token_for_someone_else(
    user: UserGetter, client_as: Callable[[str], Client]
) -> None:
    # The form has no owner field: whatever is posted, the token is the signed-in account's.
    _create(client_as("anquan"), user=str(user("cun01").pk), user_id=str(user("cun01").pk))
    assert ApiToken.objects.get().user.username == "anquan"
