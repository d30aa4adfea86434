"""Password resets: generated one-time passwords, a second person for sensitive accounts."""

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from saohei.accounts import services
from saohei.accounts.models import PasswordReset, PasswordResetStatus, UserSession
from saohei.audit.models import AuditAction, AuditEvent
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.conftest import sign_in
from saohei.demo.town import DEMO_PASSWORD
from saohei.notifications.models import Notification
from saohei.organisations.models import User
from saohei.testing.forms import refused_field
from saohei.testing.totp import current_totp

pytestmark = pytest.mark.django_db
UserGetter = Callable[[str], User]
ClientMaker = Callable[[str], Client]


def _shown_password(response: object) -> str:
    found = re.search(r'id="one-time-password">([^<]+)<', response.content.decode())  # type: ignore[attr-defined]
    assert found is not None, "the page shows no one-time password"
    return found.group(1)


def _request_reset(client: Client, account: User, reason: str = "本人忘记密码"):  # type: ignore[no-untyped-def]
    return client.post(
        f"/accounts/security/accounts/{account.pk}/reset-password/", {"reason": reason}
    )


def _login(client: Client, username: str, password: str):  # type: ignore[no-untyped-def]
    return client.post("/accounts/login/", {"username": username, "password": password})


class TestTheAdministratorNeverChoosesThePassword:
    def test_the_old_reset_address_with_a_chosen_password_is_gone(
        self, client_as: ClientMaker, user: UserGetter
    ) -> None:
        shuji = user("shuji")
        response = client_as("xitong").post(
            f"/org/accounts/{shuji.pk}/reset-password/", {"new_password": "Tmp#Pass2026x"}
        )
        assert response.status_code == 404
        assert not user("shuji").check_password("Tmp#Pass2026x")
        assert user("shuji").check_password(DEMO_PASSWORD)

    def test_a_chosen_password_in_the_request_is_ignored(
        self, client_as: ClientMaker, user: UserGetter
    ) -> None:
        banshi = user("banshi")
        response = client_as("xitong").post(
            f"/accounts/security/accounts/{banshi.pk}/reset-password/",
            {"reason": "忘记密码", "new_password": "Tmp#Pass2026x"},
        )
        assert response.status_code == 200
        assert not user("banshi").check_password("Tmp#Pass2026x")
        assert user("banshi").check_password(_shown_password(response))

    def test_account_page_offers_no_password_field(
        self, client_as: ClientMaker, user: UserGetter
    ) -> None:
        page = client_as("xitong").get(f"/org/accounts/{user('banshi').pk}/").content.decode()
        assert 'type="password"' not in page


class TestOrdinaryAccountReset:
    def test_office_staff_reset_issues_a_one_time_password_shown_once(
        self, client_as: ClientMaker, user: UserGetter
    ) -> None:
        client = client_as("xitong")
        response = _request_reset(client, user("banshi"))
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
        password = _shown_password(response)
        banshi = user("banshi")
        assert banshi.check_password(password)
        assert banshi.must_change_password
        reset = PasswordReset.objects.get(user=banshi)
        assert reset.status == PasswordResetStatus.ISSUED and not reset.needs_approval
        # Nowhere else: not on the reset list, not in the audit log.
        assert password not in client.get("/accounts/security/password-resets/").content.decode()
        details = str(list(AuditEvent.objects.values_list("details", flat=True)))
        assert password not in details
        actions = set(AuditEvent.objects.values_list("action", flat=True))
        assert {AuditAction.PASSWORD_RESET_REQUESTED, AuditAction.PASSWORD_RESET} <= actions

    def test_reset_ends_every_session_of_the_account(
        self, client_as: ClientMaker, user: UserGetter
    ) -> None:
        owner = client_as("banshi")
        assert owner.get("/").status_code == 200
        key = owner.session.session_key
        _request_reset(client_as("xitong"), user("banshi"))
        assert not Session.objects.filter(session_key=key).exists()
        assert not UserSession.objects.filter(user=user("banshi")).exists()
        assert owner.get("/")["Location"].startswith("/accounts/login/")

    def test_one_time_password_works_once_and_forces_a_change(
        self, client_as: ClientMaker, user: UserGetter
    ) -> None:
        password = _shown_password(_request_reset(client_as("xitong"), user("banshi")))
        first = Client()
        assert _login(first, "banshi", password).status_code == 302
        assert first.get("/")["Location"] == "/accounts/password/"
        response = _login(Client(), "banshi", password)
        assert response.status_code == 200
        assert "一次性密码已失效" in response.content.decode()
        # The first session still completes the forced change with it.
        response = first.post(
            "/accounts/password/",
            {
                "old_password": password,
                "new_password": "Mine#Pass2026",
                "new_password_again": "Mine#Pass2026",
            },
        )
        assert response.status_code == 302
        assert user("banshi").one_time_password_expires_at is None
        assert _login(Client(), "banshi", "Mine#Pass2026").status_code == 302

    def test_one_time_password_expires_unused(
        self, client_as: ClientMaker, user: UserGetter, settings: object
    ) -> None:
        password = _shown_password(_request_reset(client_as("xitong"), user("banshi")))
        User.objects.filter(username="banshi").update(
            one_time_password_expires_at=timezone.now() - timedelta(seconds=1)
        )
        response = _login(Client(), "banshi", password)
        assert "一次性密码已失效" in response.content.decode()
        assert AuditEvent.objects.filter(
            action=AuditAction.LOGIN_FAILED, details__reason="one_time_password_spent"
        ).exists()

    def test_validity_comes_from_the_setting(self, user: UserGetter, settings: object) -> None:
        settings.SAOHEI_ONE_TIME_PASSWORD_MINUTES = 10  # type: ignore[attr-defined]
        outcome = services.request_password_reset(
            actor=user("xitong"), user=user("banshi"), reason="忘记密码"
        )
        assert outcome.credential is not None
        minutes = (outcome.credential.expires_at - timezone.now()).total_seconds() / 60
        assert 9 < minutes <= 10

    def test_owner_is_told_at_next_sign_in_and_in_the_inbox(
        self, client_as: ClientMaker, user: UserGetter
    ) -> None:
        password = _shown_password(_request_reset(client_as("xitong"), user("banshi")))
        client = Client()
        response = client.post(
            "/accounts/login/", {"username": "banshi", "password": password}, follow=True
        )
        page = response.content.decode()
        assert "您的密码已于" in page and "周宁" in page
        notification = Notification.objects.get(recipient=user("banshi"))
        assert "周宁" in notification.body
        assert PasswordReset.objects.get().owner_notified_at is not None
        assert AuditEvent.objects.filter(action=AuditAction.PASSWORD_RESET_NOTICE_SHOWN).exists()

    def test_reset_never_removes_the_totp_device(self, user: UserGetter) -> None:
        services.request_password_reset(
            actor=user("xitong"), user=user("baoguan"), reason="忘记密码"
        )
        assert TOTPDevice.objects.filter(user=user("baoguan"), confirmed=True).exists()

    def test_reason_is_required_and_nothing_is_written(self, user: UserGetter) -> None:
        with pytest.raises(ServiceError, match="原因"):
            services.request_password_reset(actor=user("xitong"), user=user("banshi"), reason=" ")
        assert not PasswordReset.objects.exists()
        assert user("banshi").check_password(DEMO_PASSWORD)

    def test_security_admin_cannot_request_a_reset(self, user: UserGetter) -> None:
        with pytest.raises(ActionNotAllowed):
            services.request_password_reset(
                actor=user("anquan"), user=user("banshi"), reason="忘记密码"
            )
        assert not PasswordReset.objects.exists()


class TestSensitiveAccountsNeedASecondPerson:
    @pytest.mark.parametrize("username", ["shuji", "jiaodaoyuan", "baoguan", "anquan", "shenji"])
    def test_reset_of_a_leader_custodian_or_administrator_waits_for_approval(
        self, user: UserGetter, username: str
    ) -> None:
        outcome = services.request_password_reset(
            actor=user("xitong"), user=user(username), reason="忘记密码"
        )
        assert outcome.credential is None
        assert outcome.reset.status == PasswordResetStatus.PENDING
        assert user(username).check_password(DEMO_PASSWORD)
        assert Notification.objects.filter(recipient=user("anquan")).exists() or (
            username == "anquan"
        )

    def test_the_probe_no_longer_opens_the_leaders_account(
        self, client_as: ClientMaker, user: UserGetter
    ) -> None:
        response = _request_reset(client_as("xitong"), user("shuji"))
        assert response.status_code == 302
        assert 'id="one-time-password"' not in response.content.decode()
        assert _login(Client(), "shuji", "Tmp#Pass2026x").status_code == 200
        assert user("shuji").check_password(DEMO_PASSWORD)

    def test_security_admin_approves_and_the_requester_collects_once(
        self, client_as: ClientMaker, user: UserGetter
    ) -> None:
        sysadmin = client_as("xitong")
        _request_reset(sysadmin, user("shuji"))
        reset = PasswordReset.objects.get(user=user("shuji"))
        assert sysadmin.post(f"/accounts/security/password-resets/{reset.pk}/approve/")
        assert PasswordReset.objects.get().status == PasswordResetStatus.PENDING
        secadmin = client_as("anquan")
        secadmin.post(f"/accounts/security/password-resets/{reset.pk}/approve/")
        assert PasswordReset.objects.get().status == PasswordResetStatus.APPROVED
        # The approver never sees the password; only the requester collects it.
        response = secadmin.post(f"/accounts/security/password-resets/{reset.pk}/collect/")
        assert 'id="one-time-password"' not in response.content.decode()
        response = sysadmin.post(f"/accounts/security/password-resets/{reset.pk}/collect/")
        password = _shown_password(response)
        assert user("shuji").check_password(password)
        again = sysadmin.post(f"/accounts/security/password-resets/{reset.pk}/collect/")
        assert 'id="one-time-password"' not in again.content.decode()
        assert user("shuji").check_password(password)
        reset.refresh_from_db()
        assert reset.decided_by == user("anquan")
        assert AuditEvent.objects.filter(action=AuditAction.PASSWORD_RESET_APPROVED).exists()

    def test_one_time_password_alone_does_not_pass_the_leaders_totp(self, user: UserGetter) -> None:
        outcome = services.request_password_reset(
            actor=user("xitong"), user=user("shuji"), reason="忘记密码"
        )
        services.approve_password_reset(actor=user("anquan"), reset=outcome.reset)
        credential = services.collect_password_reset(actor=user("xitong"), reset=outcome.reset)
        client = Client()
        response = _login(client, "shuji", credential.one_time_password)
        assert response["Location"] == "/accounts/login/otp/"
        assert client.get("/leads/")["Location"].startswith("/accounts/login/")
        # The owner, with their phone, gets in and must choose a new password.
        client.post("/accounts/login/otp/", {"token": current_totp(user("shuji"))})
        assert client.get("/")["Location"] == "/accounts/password/"

    def test_rejected_reset_changes_nothing(self, user: UserGetter) -> None:
        outcome = services.request_password_reset(
            actor=user("xitong"), user=user("shuji"), reason="忘记密码"
        )
        services.reject_password_reset(actor=user("anquan"), reset=outcome.reset)
        with pytest.raises(ServiceError, match="已驳回"):
            services.collect_password_reset(actor=user("xitong"), reset=outcome.reset)
        assert user("shuji").check_password(DEMO_PASSWORD)

    def test_only_one_open_request_per_account(self, user: UserGetter) -> None:
        services.request_password_reset(actor=user("xitong"), user=user("shuji"), reason="一")
        with pytest.raises(ServiceError, match="尚未办结"):
            services.request_password_reset(actor=user("xitong"), user=user("shuji"), reason="二")

    def test_administrator_cannot_reset_its_own_password(self, user: UserGetter) -> None:
        with pytest.raises(ActionNotAllowed):
            services.request_password_reset(
                actor=user("xitong"), user=user("xitong"), reason="忘记密码"
            )


class TestLeadersUseTotp:
    @pytest.mark.parametrize("username", ["shuji", "zhenzhang", "fushuji", "jiaodaoyuan"])
    def test_demo_leader_signs_in_with_a_second_factor(self, demo: None, username: str) -> None:
        response = _login(Client(), username, DEMO_PASSWORD)
        assert response["Location"] == "/accounts/login/otp/"

    def test_saved_policy_and_default_both_name_the_leaders(self) -> None:
        from saohei.accounts.models import default_totp_roles

        assert {"leader", "deputy_leader"} <= set(default_totp_roles())


def test_known_and_unknown_usernames_get_the_same_answer_until_locked(demo: None) -> None:
    def alert(response: object) -> str:
        found = re.search(
            r'data-testid="form-error">(.*?)</div>\s*</div>',
            response.content.decode(),  # type: ignore[attr-defined]
            re.S,
        )
        assert found is not None
        return found.group(1)

    for _ in range(4):
        known = alert(_login(Client(), "banshi", "wrong-password"))
        unknown = alert(_login(Client(), "nobody", "wrong-password"))
        assert known == unknown
        assert "再失败" not in known
    assert "锁定" in alert(_login(Client(), "banshi", "wrong-password"))


def test_demo_loader_gives_the_leaders_totp_secrets_to_print(db: None) -> None:
    from saohei.demo.loader import load_demo_town

    report = load_demo_town(with_history=False)
    assert {"shuji", "zhenzhang", "fushuji", "jiaodaoyuan", "baoguan", "xitong"} <= set(
        report.totp_secrets
    )
    assert "banshi" not in report.totp_secrets


def test_sign_in_helper_still_gets_a_leader_in(demo: None) -> None:
    client = sign_in(Client(), "shuji")
    assert client.get("/").status_code == 200
    client = sign_in(Client(), "shuji")
    assert client.get("/").status_code == 200


class TestResetPagesAccess:
    @pytest.mark.parametrize("username", ["banshi", "shuji", "shenji", "baoguan"])
    def test_only_the_system_and_security_administrators_open_the_reset_pages(
        self, client_as: ClientMaker, user: UserGetter, username: str
    ) -> None:
        outcome = services.request_password_reset(
            actor=user("xitong"), user=user("fushuji"), reason="忘记密码"
        )
        client = client_as(username)
        assert client.get("/accounts/security/password-resets/").status_code == 403
        for decision in ("approve", "reject", "collect"):
            response = client.post(
                f"/accounts/security/password-resets/{outcome.reset.pk}/{decision}/"
            )
            assert response.status_code == 403
        response = _request_reset(client, user("cun01"))
        assert response.status_code == 403
        assert PasswordReset.objects.get().status == PasswordResetStatus.PENDING

    def test_anonymous_visitor_is_sent_to_sign_in_and_changes_nothing(
        self, user: UserGetter
    ) -> None:
        outcome = services.request_password_reset(
            actor=user("xitong"), user=user("fushuji"), reason="忘记密码"
        )
        client = Client()
        pages = [
            client.get("/accounts/security/password-resets/"),
            *(
                client.post(f"/accounts/security/password-resets/{outcome.reset.pk}/{decision}/")
                for decision in ("approve", "reject", "collect")
            ),
            _request_reset(client, user("cun01")),
        ]
        for response in pages:
            assert response.status_code == 302
            assert "/accounts/login/" in response["Location"]
        assert PasswordReset.objects.get().status == PasswordResetStatus.PENDING

    def test_an_unknown_decision_is_not_found_and_changes_nothing(
        self, client_as: ClientMaker, user: UserGetter
    ) -> None:
        outcome = services.request_password_reset(
            actor=user("xitong"), user=user("fushuji"), reason="忘记密码"
        )
        response = client_as("anquan").post(
            f"/accounts/security/password-resets/{outcome.reset.pk}/grant/"
        )
        assert response.status_code == 404
        assert PasswordReset.objects.get().status == PasswordResetStatus.PENDING

    def test_reset_list_shows_requests_to_both_administrators(
        self, client_as: ClientMaker, user: UserGetter
    ) -> None:
        services.request_password_reset(
            actor=user("xitong"), user=user("fushuji"), reason="手机丢失后忘记密码"
        )
        for username in ("xitong", "anquan"):
            page = client_as(username).get("/accounts/security/password-resets/")
            assert "手机丢失后忘记密码" in page.content.decode()


def test_security_admins_home_counts_resets_waiting_for_approval(
    client_as: ClientMaker, user: UserGetter
) -> None:
    services.request_password_reset(actor=user("xitong"), user=user("fushuji"), reason="忘记密码")
    page = client_as("anquan").get("/").content.decode()
    assert "待批准的密码重置" in page
    assert "/accounts/security/password-resets/" in page


class TestARefusedRequestKeepsTheReason:
    def test_a_second_open_request_comes_back_with_the_reason_beside_its_error(
        self, user: UserGetter, client_as: ClientMaker
    ) -> None:
        services.request_password_reset(actor=user("xitong"), user=user("shuji"), reason="一")
        client = client_as("xitong")
        before = (PasswordReset.objects.count(), AuditEvent.objects.count())
        response = _request_reset(client, user("shuji"), reason="书记换了新手机，忘记密码")
        assert response.status_code == 400
        reason, error = refused_field(response, "id_reset_reason")
        assert reason.get("value") == "书记换了新手机，忘记密码"
        assert "尚未办结" in error
        assert (PasswordReset.objects.count(), AuditEvent.objects.count()) == before

    def test_a_reason_too_long_is_marked_and_nothing_written(
        self, user: UserGetter, client_as: ClientMaker
    ) -> None:
        client = client_as("xitong")
        response = _request_reset(client, user("banshi"), reason="长" * 201)
        assert response.status_code == 400
        reason, error = refused_field(response, "id_reset_reason")
        assert reason.get("value") == "长" * 201
        assert "200" in error
        assert not PasswordReset.objects.exists()
        assert user("banshi").check_password(DEMO_PASSWORD)
