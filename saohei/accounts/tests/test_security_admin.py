from collections.abc import Callable
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from saohei.accounts.models import SecurityPolicy, UserSession
from saohei.audit.models import AuditAction, AuditEvent, FailureTally
from saohei.audit.services import summarize_failures
from saohei.conftest import sign_in
from saohei.organisations.models import User

pytestmark = pytest.mark.django_db
POLICY = {
    "password_min_length": 10,
    "password_min_classes": 3,
    "password_max_age_days": 60,
    "lockout_threshold": 5,
    "lockout_minutes": 15,
    "idle_timeout_minutes": 20,
    "totp_required_roles": ["system_admin", "security_admin", "audit_admin", "identity_custodian"],
}


def test_security_admin_sees_and_ends_another_session(client_as: Callable[[str], Client]) -> None:
    victim = client_as("banshi")
    key = victim.session.session_key
    admin = client_as("anquan")
    page = admin.get("/accounts/security/sessions/").content.decode()
    assert "李晓静" in page
    browser_session = UserSession.objects.get(session_key=key)
    response = admin.post(f"/accounts/security/sessions/{browser_session.pk}/end/")
    assert response.status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    assert victim.get("/").status_code == 302
    event = AuditEvent.objects.get(action=AuditAction.SESSION_TERMINATED)
    assert event.target_id == str(User.objects.get(username="banshi").pk)


def test_ending_an_unknown_session_is_404(client_as: Callable[[str], Client]) -> None:
    assert client_as("anquan").post("/accounts/security/sessions/999999/end/").status_code == 404


def test_policy_is_saved_and_audited(client_as: Callable[[str], Client]) -> None:
    admin = client_as("anquan")
    response = admin.post("/accounts/security/policy/", POLICY)
    assert response.status_code == 302
    policy = SecurityPolicy.objects.get(pk=1)
    assert policy.password_min_length == 10
    assert policy.idle_timeout_minutes == 20
    event = AuditEvent.objects.get(action=AuditAction.SECURITY_POLICY_CHANGED)
    assert event.details["changes"]["password_min_length"] == [8, 10]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("password_min_length", 6, "8"),
        ("idle_timeout_minutes", 45, "30"),
        ("lockout_threshold", "abc", "整数"),
        ("totp_required_roles", ["nonsense"], "有效的选项"),
    ],
)
def test_bad_policy_values_are_refused_and_nothing_saved(
    client_as: Callable[[str], Client], field: str, value: object, message: str
) -> None:
    response = client_as("anquan").post("/accounts/security/policy/", {**POLICY, field: value})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not SecurityPolicy.objects.exists()


def test_unlock_clears_the_lock(client_as: Callable[[str], Client]) -> None:
    banshi = User.objects.get(username="banshi")
    User.objects.filter(pk=banshi.pk).update(locked_until=timezone.now() + timedelta(minutes=10))
    client_as("anquan").post(f"/accounts/security/accounts/{banshi.pk}/unlock/")
    banshi.refresh_from_db()
    assert banshi.locked_until is None
    assert AuditEvent.objects.filter(action=AuditAction.ACCOUNT_UNLOCKED).exists()


def test_reset_totp_removes_the_device(client_as: Callable[[str], Client]) -> None:
    auditor = User.objects.get(username="shenji")
    client_as("anquan").post(f"/accounts/security/accounts/{auditor.pk}/reset-otp/")
    assert not TOTPDevice.objects.filter(user=auditor).exists()


def test_system_admin_cannot_unlock(client_as: Callable[[str], Client]) -> None:
    banshi = User.objects.get(username="banshi")
    assert (
        client_as("xitong").post(f"/accounts/security/accounts/{banshi.pk}/unlock/").status_code
        == 403
    )


def test_login_log_lists_failures_including_unknown_usernames(demo: None) -> None:
    Client().post("/accounts/login/", {"username": "ghost", "password": "x"})
    Client().post("/accounts/login/", {"username": "banshi", "password": "x"})
    page = sign_in(Client(), "anquan").get("/accounts/security/logins/").content.decode()
    assert "ghost" in page
    assert "登录失败" in page


def test_login_log_shows_how_many_unknown_username_attempts_one_address_made(demo: None) -> None:
    for n in range(7):
        Client().post("/accounts/login/", {"username": f"ghost{n}", "password": "x"})
    FailureTally.objects.update(minute=timezone.now() - timedelta(minutes=2))
    summarize_failures()
    page = sign_in(Client(), "anquan").get("/accounts/security/logins/").content.decode()
    assert "ghost0" in page and "ghost3" not in page
    assert "同一来源失败汇总" in page and "共 7 次" in page
