from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from saohei.accounts.models import SecurityPolicy
from saohei.audit.models import AuditAction, AuditEvent
from saohei.conftest import sign_in
from saohei.demo.town import DEMO_PASSWORD
from saohei.organisations.models import User

pytestmark = pytest.mark.django_db


def _change(client: Client, old: str, new: str, again: str | None = None):  # type: ignore[no-untyped-def]
    return client.post(
        "/accounts/password/",
        {"old_password": old, "new_password": new, "new_password_again": again or new},
    )


def test_forced_change_blocks_every_page_until_done(demo: None) -> None:
    User.objects.filter(username="banshi").update(must_change_password=True)
    client = sign_in(Client(), "banshi")
    assert client.get("/")["Location"] == "/accounts/password/"
    assert client.get("/org/group/")["Location"] == "/accounts/password/"
    page = client.get("/accounts/password/").content.decode()
    assert "初始密码或被重置的密码" in page
    response = _change(client, DEMO_PASSWORD, "Gangxi#2027")
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200
    banshi = User.objects.get(username="banshi")
    assert not banshi.must_change_password
    assert banshi.check_password("Gangxi#2027")
    assert AuditEvent.objects.filter(action=AuditAction.PASSWORD_CHANGED, actor=banshi).exists()


def test_expired_password_must_be_changed(demo: None) -> None:
    User.objects.filter(username="banshi").update(
        password_changed_at=timezone.now() - timedelta(days=91)
    )
    client = sign_in(Client(), "banshi")
    assert client.get("/")["Location"] == "/accounts/password/"
    assert "90 天未修改" in client.get("/accounts/password/").content.decode()


def test_expiry_follows_the_policy(demo: None) -> None:
    SecurityPolicy.objects.create(pk=1, password_max_age_days=0)
    User.objects.filter(username="banshi").update(
        password_changed_at=timezone.now() - timedelta(days=400)
    )
    assert sign_in(Client(), "banshi").get("/").status_code == 200


@pytest.mark.parametrize(
    ("new", "again", "message"),
    [
        ("Ab#1x", None, "至少 8 位"),
        ("abcdefghij", None, "至少 3 类"),
        ("Banshi#2027", None, "不能包含用户名"),
        ("Gangxi#2027", "Gangxi#2028", "两次输入的新密码不一致"),
        (DEMO_PASSWORD, None, "不能与原密码相同"),
    ],
)
def test_bad_new_password_is_refused_beside_the_field(
    client_as: Callable[[str], Client], new: str, again: str | None, message: str
) -> None:
    client = client_as("banshi")
    response = _change(client, DEMO_PASSWORD, new, again)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert User.objects.get(username="banshi").check_password(DEMO_PASSWORD)


def test_wrong_old_password_is_refused(client_as: Callable[[str], Client]) -> None:
    response = _change(client_as("banshi"), "not-it", "Gangxi#2027")
    assert "原密码不正确" in response.content.decode()


def test_changing_password_ends_other_sessions(demo: None) -> None:
    first = sign_in(Client(), "banshi")
    second = sign_in(Client(), "banshi")
    _change(first, DEMO_PASSWORD, "Gangxi#2027")
    assert first.get("/").status_code == 200
    assert second.get("/").status_code == 302
