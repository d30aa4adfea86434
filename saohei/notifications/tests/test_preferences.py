"""Each user's own 通知方式 page: what it shows, what saving does, and who may change what."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from saohei.audit.models import AuditAction, AuditEvent
from saohei.common.errors import ServiceError
from saohei.notifications import queries, services
from saohei.notifications.models import Channel, NotificationKind, NotificationPreference
from saohei.organisations.models import User

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]
UserGetter = Callable[[str], User]
PAGE = "/notifications/preferences/"


def _events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=AuditAction.NOTIFICATION_PREFERENCES_CHANGED))


class TestService:
    def test_a_change_is_stored_and_audited_once(self, user: UserGetter) -> None:
        account = user("cun01")
        changed = services.set_preferences(
            user=account, enabled={NotificationKind.ESCALATION: [Channel.EMAIL]}
        )
        assert changed is True
        chosen = queries.effective_preferences(user=account)
        assert chosen[NotificationKind.ESCALATION] == {Channel.EMAIL}
        assert chosen[NotificationKind.OVERDUE] == frozenset()
        [event] = _events()
        assert event.actor_id == account.pk
        assert event.details == {
            "sms": [],
            "email": [NotificationKind.ESCALATION],
        }
        # Saving the same again changes nothing and records nothing.
        again = services.set_preferences(
            user=account, enabled={NotificationKind.ESCALATION: [Channel.EMAIL]}
        )
        assert again is False
        assert len(_events()) == 1

    @pytest.mark.parametrize(
        "enabled",
        [{"secret": ["sms"]}, {NotificationKind.ESCALATION: ["wechat"]}],
    )
    def test_an_unknown_kind_or_channel_is_refused_and_nothing_written(
        self, user: UserGetter, enabled: dict[str, list[str]]
    ) -> None:
        with pytest.raises(ServiceError):
            services.set_preferences(user=user("cun01"), enabled=enabled)
        assert not NotificationPreference.objects.exists()
        assert _events() == []

    def test_one_users_choice_does_not_touch_anothers(self, user: UserGetter) -> None:
        services.set_preferences(user=user("cun01"), enabled={})
        chosen = queries.effective_preferences(user=user("cun02"))
        assert chosen[NotificationKind.ESCALATION] == {Channel.SMS, Channel.EMAIL}


class TestPage:
    def test_anonymous_visitors_are_sent_to_the_login_page(self, demo: None) -> None:
        client = Client()
        for response in (client.get(PAGE), client.post(PAGE, {"sms": ["info"]})):
            assert response.status_code == 302
            assert response["Location"].startswith("/accounts/login/?next=")
        assert not NotificationPreference.objects.exists()

    @pytest.mark.parametrize("username", ["shuji", "cun01", "anquan", "shiban"])
    def test_every_role_opens_its_own_page_from_the_inbox(
        self, client_as: ClientFor, username: str
    ) -> None:
        client = client_as(username)
        inbox = client.get("/notifications/").content.decode()
        assert PAGE in inbox
        page = client.get(PAGE)
        assert page.status_code == 200
        text = page.content.decode()
        assert "通知方式" in text
        assert "站内" in text and "短信" in text and "邮件" in text

    def test_the_page_shows_the_defaults_and_a_masked_mobile_only(
        self, client_as: ClientFor, user: UserGetter, settings: Any
    ) -> None:
        settings.SAOHEI_SMS_URL = "http://127.0.0.1:9/sms"
        User.objects.filter(username="cun01").update(phone="13912345678")
        text = client_as("cun01").get(PAGE).content.decode()
        assert "139****5678" in text
        assert "13912345678" not in text
        assert 'name="sms" value="escalation" id="sms-escalation" checked' in text
        assert 'name="sms" value="info" id="sms-info" aria' in text
        assert "本系统尚未开通邮件发送" in text

    def test_saving_stores_the_choice_and_is_audited(
        self, client_as: ClientFor, user: UserGetter
    ) -> None:
        client = client_as("cun01")
        response = client.post(PAGE, {"sms": ["info", "escalation"], "email": ["reminder"]})
        assert response.status_code == 302
        assert response["Location"] == PAGE
        chosen = queries.effective_preferences(user=user("cun01"))
        assert chosen[NotificationKind.INFO] == {Channel.SMS}
        assert chosen[NotificationKind.ESCALATION] == {Channel.SMS}
        assert chosen[NotificationKind.REMINDER] == {Channel.EMAIL}
        assert chosen[NotificationKind.OVERDUE] == frozenset()
        [event] = _events()
        assert event.actor_id == user("cun01").pk
        page = client.get(PAGE).content.decode()
        assert "通知方式已保存" in page
        assert 'name="sms" value="info" id="sms-info" checked' in page

    def test_a_forged_kind_is_refused_in_chinese_and_nothing_written(
        self, client_as: ClientFor
    ) -> None:
        response = client_as("cun01").post(PAGE, {"sms": ["info", "<script>x</script>"]})
        assert response.status_code == 200
        assert "通知类型不正确" in response.content.decode()
        assert not NotificationPreference.objects.exists()
        assert _events() == []

    def test_a_user_cannot_change_someone_elses_choice(
        self, client_as: ClientFor, user: UserGetter
    ) -> None:
        # The page has no account parameter: a forged one is ignored and only one's own changes.
        client_as("cun01").post(PAGE, {"sms": ["info"], "user": str(user("cun02").pk)})
        assert not NotificationPreference.objects.filter(user=user("cun02")).exists()
        assert NotificationPreference.objects.filter(user=user("cun01")).exists()
