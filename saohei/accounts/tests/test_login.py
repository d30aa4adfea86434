from binascii import unhexlify
from datetime import timedelta

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from saohei.accounts.models import SecurityPolicy, UserSession
from saohei.audit.models import AuditAction, AuditEvent
from saohei.conftest import sign_in
from saohei.demo.town import DEMO_PASSWORD
from saohei.organisations.models import User
from saohei.testing.clock import minutes_since, this_minute

pytestmark = pytest.mark.django_db


def _post_login(client: Client, username: str, password: str):  # type: ignore[no-untyped-def]
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_passwords_are_hashed_with_argon2(demo: None) -> None:
    assert identify_hasher(User.objects.get(username="banshi").password).algorithm == "argon2"


def test_successful_login_is_audited_and_recorded_as_a_session(demo: None) -> None:
    client = sign_in(Client(), "banshi")
    assert client.get("/").status_code == 200
    user = User.objects.get(username="banshi")
    event = AuditEvent.objects.filter(action=AuditAction.LOGIN_SUCCEEDED).get()
    assert event.actor == user
    assert event.ip_address == "127.0.0.1"
    assert UserSession.objects.filter(user=user, session_key=client.session.session_key).exists()


def test_wrong_password_is_refused_with_chinese_message_and_audited(demo: None) -> None:
    response = _post_login(Client(), "banshi", "wrong-password")
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()
    event = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    assert event.result == "failure"
    assert "wrong-password" not in str(event.details)


def test_unknown_username_gets_the_same_message(demo: None) -> None:
    response = _post_login(Client(), "nobody", "whatever1A!")
    assert "用户名或密码错误" in response.content.decode()
    assert "锁定" not in response.content.decode()


def test_five_failures_lock_the_account_for_fifteen_minutes(demo: None) -> None:
    client = Client()
    for _ in range(4):
        _post_login(client, "banshi", "bad")
    response = _post_login(client, "banshi", "bad")
    assert "锁定" in response.content.decode()
    user = User.objects.get(username="banshi")
    assert user.locked_until is not None
    minutes = (user.locked_until - timezone.now()).total_seconds() / 60
    assert 14 < minutes <= 15
    assert AuditEvent.objects.filter(action=AuditAction.ACCOUNT_LOCKED, actor=user).exists()
    # Even the right password is refused while locked.
    response = _post_login(client, "banshi", DEMO_PASSWORD)
    assert response.status_code == 200
    assert "锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session


# As a phone's keyboard capitalises it, a Chinese input method types it full-width, or a paste
# brings spaces along.
USERNAME_VARIANTS = ("Banshi", "BANSHI", " banshi ", "ｂａｎｓｈｉ", "\u3000ＢａｎＳｈｉ")


@pytest.mark.parametrize("typed", USERNAME_VARIANTS)
def test_a_username_typed_in_another_case_or_width_signs_in(demo: None, typed: str) -> None:
    client = Client()
    assert _post_login(client, typed, DEMO_PASSWORD).status_code == 302
    assert client.session["_auth_user_id"] == str(User.objects.get(username="banshi").pk)


def test_failures_under_every_variant_of_a_username_count_toward_one_lockout(demo: None) -> None:
    client = Client()
    for typed in USERNAME_VARIANTS:
        response = _post_login(client, typed, "bad")
    assert "锁定" in response.content.decode()
    user = User.objects.get(username="banshi")
    assert user.locked_until is not None
    assert not AuditEvent.objects.filter(details__reason="unknown_user").exists()
    failures = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED, actor=user)
    assert failures.count() == len(USERNAME_VARIANTS)
    # The right password under yet another spelling is refused while the lock lasts.
    assert "锁定" in _post_login(client, "BanShi", DEMO_PASSWORD).content.decode()
    assert "_auth_user_id" not in client.session


def test_lock_expires_after_the_configured_time(demo: None) -> None:
    User.objects.filter(username="banshi").update(
        locked_until=timezone.now() - timedelta(seconds=1)
    )
    assert _post_login(Client(), "banshi", DEMO_PASSWORD).status_code == 302


def test_lockout_threshold_comes_from_the_policy(demo: None) -> None:
    SecurityPolicy.objects.create(pk=1, lockout_threshold=2, lockout_minutes=5)
    client = Client()
    _post_login(client, "banshi", "bad")
    response = _post_login(client, "banshi", "bad")
    assert "锁定 5 分钟" in response.content.decode()


def test_successful_login_resets_the_failure_count(demo: None) -> None:
    client = Client()
    for _ in range(3):
        _post_login(client, "banshi", "bad")
    sign_in(Client(), "banshi")
    assert User.objects.get(username="banshi").failed_login_count == 0


def test_inactive_account_cannot_sign_in(demo: None) -> None:
    User.objects.filter(username="banshi").update(is_active=False)
    response = _post_login(Client(), "banshi", DEMO_PASSWORD)
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()


def test_empty_form_shows_field_errors_and_writes_nothing(demo: None) -> None:
    before = AuditEvent.objects.count()
    response = Client().post("/accounts/login/", {"username": "", "password": ""})
    assert response.status_code == 200
    assert "这个字段是必填项" in response.content.decode()
    assert AuditEvent.objects.count() == before


def test_next_parameter_cannot_redirect_off_site(demo: None) -> None:
    response = Client().post(
        "/accounts/login/?next=https://evil.example/",
        {"username": "banshi", "password": DEMO_PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == "/"


def test_logout_deletes_the_server_session(demo: None) -> None:
    client = sign_in(Client(), "banshi")
    key = client.session.session_key
    response = client.post("/accounts/logout/")
    assert response["Location"] == "/accounts/login/"
    assert not Session.objects.filter(session_key=key).exists()
    assert not UserSession.objects.filter(session_key=key).exists()
    assert client.get("/").status_code == 302
    assert AuditEvent.objects.filter(action=AuditAction.LOGOUT).exists()


def test_logout_requires_post(demo: None) -> None:
    client = sign_in(Client(), "banshi")
    assert client.get("/accounts/logout/").status_code == 405


def test_idle_session_is_ended_after_thirty_minutes(demo: None) -> None:
    client = sign_in(Client(), "banshi")
    session = client.session
    key = session.session_key
    session["last_activity"] = int((timezone.now() - timedelta(minutes=31)).timestamp())
    session.save()
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not Session.objects.filter(session_key=key).exists()
    assert AuditEvent.objects.filter(action=AuditAction.SESSION_EXPIRED).exists()
    follow = client.get(response["Location"])
    assert "30 分钟未操作" in follow.content.decode()


def test_session_active_within_the_timeout_continues(demo: None) -> None:
    client = sign_in(Client(), "banshi")
    session = client.session
    session["last_activity"] = int((timezone.now() - timedelta(minutes=29)).timestamp())
    session.save()
    assert client.get("/").status_code == 200


def test_idle_timeout_comes_from_the_policy(demo: None) -> None:
    SecurityPolicy.objects.create(pk=1, idle_timeout_minutes=5)
    client = sign_in(Client(), "banshi")
    session = client.session
    session["last_activity"] = int((timezone.now() - timedelta(minutes=6)).timestamp())
    session.save()
    assert client.get("/").status_code == 302


class TestSecondFactor:
    def test_three_admin_roles_need_a_totp_step(self, demo: None) -> None:
        client = Client()
        response = _post_login(client, "shenji", DEMO_PASSWORD)
        assert response["Location"] == "/accounts/login/otp/"
        assert "_auth_user_id" not in client.session
        # Without the token the home page stays out of reach.
        assert client.get("/").status_code == 302

    def test_wrong_token_is_refused_and_counts_toward_lockout(self, demo: None) -> None:
        client = Client()
        _post_login(client, "shenji", DEMO_PASSWORD)
        response = client.post("/accounts/login/otp/", {"token": "000000"})
        if "动态口令错误" not in response.content.decode():
            # 000000 can be the real token once in a million; try another.
            response = client.post("/accounts/login/otp/", {"token": "999999"})
        assert "动态口令错误" in response.content.decode()
        assert User.objects.get(username="shenji").failed_login_count >= 1
        assert AuditEvent.objects.filter(action=AuditAction.OTP_FAILED).exists()

    def test_malformed_token_gets_a_field_message(self, demo: None) -> None:
        client = Client()
        _post_login(client, "shenji", DEMO_PASSWORD)
        response = client.post("/accounts/login/otp/", {"token": "abc"})
        assert "6位数字" in response.content.decode()

    def test_right_token_signs_in_verified(self, demo: None) -> None:
        client = sign_in(Client(), "shenji")
        response = client.get("/audit/")
        assert response.status_code == 200

    def test_token_step_without_password_step_goes_back_to_login(self, demo: None) -> None:
        response = Client().get("/accounts/login/otp/")
        assert response["Location"] == "/accounts/login/"

    def test_role_without_device_must_enrol_before_anything_else(self, demo: None) -> None:
        auditor = User.objects.get(username="shenji")
        TOTPDevice.objects.filter(user=auditor).delete()
        client = Client()
        assert _post_login(client, "shenji", DEMO_PASSWORD)["Location"] == "/"
        assert client.get("/audit/")["Location"] == "/accounts/otp/setup/"
        page = client.get("/accounts/otp/setup/")
        assert page.status_code == 200
        assert "<svg" in page.content.decode()
        wrong = client.post("/accounts/otp/setup/", {"token": "12345"})
        assert "6位数字" in wrong.content.decode()
        # The token the phone would show for the secret on the page.
        device = TOTPDevice.objects.get(user=auditor, confirmed=False)
        token = f"{totp(unhexlify(device.key)):06d}"
        response = client.post("/accounts/otp/setup/", {"token": token})
        assert response["Location"] == "/"
        assert client.get("/audit/").status_code == 200
        assert AuditEvent.objects.filter(action=AuditAction.OTP_ENROLLED, actor=auditor).exists()

    def test_required_roles_are_configurable(self, demo: None) -> None:
        SecurityPolicy.objects.create(pk=1, totp_required_roles=["office_staff"])
        client = Client()
        assert _post_login(client, "banshi", DEMO_PASSWORD)["Location"] == "/"
        assert client.get("/")["Location"] == "/accounts/otp/setup/"


def test_a_flood_of_unknown_usernames_writes_one_event_per_address_and_minute(demo: None) -> None:
    client = Client()
    first = this_minute()
    for n in range(30):
        _post_login(client, f"nobody{n}", "whatever1A!")
    failures = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).order_by("sequence")
    assert 1 <= failures.count() <= minutes_since(first)
    assert failures[0].details["username"] == "nobody0"
    assert {event.ip_address for event in failures} == {"127.0.0.1"}


def test_attempts_on_a_locked_account_write_one_event_per_address_and_minute(demo: None) -> None:
    client = Client()
    for _ in range(5):
        _post_login(client, "banshi", "bad")
    before = AuditEvent.objects.count()
    first = this_minute()
    for _ in range(20):
        assert "锁定" in _post_login(client, "banshi", "bad").content.decode()
    assert 1 <= AuditEvent.objects.count() - before <= minutes_since(first)


def _idle_client(username: str) -> Client:
    client = sign_in(Client(), username)
    session = client.session
    session["last_activity"] = int((timezone.now() - timedelta(minutes=31)).timestamp())
    session.save()
    return client


def test_a_form_sent_after_the_timeout_returns_to_the_page_it_was_on(demo: None) -> None:
    lead_page = "http://testserver/leads/1/?tab=核查"
    response = _idle_client("banshi").post(
        "/leads/1/investigate/", {"content": "x"}, HTTP_REFERER=lead_page
    )
    assert response.status_code == 302
    # The form's page, not its POST-only action; the path encoded, its query left behind.
    assert response["Location"] == "/accounts/login/?next=%2Fleads%2F1%2F"


def test_a_form_sent_after_the_timeout_from_another_site_returns_home(demo: None) -> None:
    response = _idle_client("banshi").post(
        "/leads/1/investigate/", {}, HTTP_REFERER="https://evil.example/leads/1/"
    )
    assert response["Location"] == "/accounts/login/?next=%2F"


def test_a_page_asked_for_after_the_timeout_is_encoded_in_next(demo: None) -> None:
    response = _idle_client("banshi").get("/leads/")
    assert response["Location"] == "/accounts/login/?next=%2Fleads%2F"
