"""SMS and e-mail of notices against a real HTTP gateway and a real SMTP server on 127.0.0.1:
what they receive is the fixed text and nothing of the notice (decision 0060)."""

import email
import email.policy
import hashlib
import hmac
import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from saohei.notifications import services
from saohei.notifications.channels import EMAIL_SUBJECT, NOTICE_TEXTS
from saohei.notifications.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    Notification,
    NotificationKind,
    NotificationPreference,
)
from saohei.notifications.tests.servers import Gateway, Mailbox, sms_gateway, smtp_server
from saohei.organisations.models import User

pytestmark = pytest.mark.django_db
Capture = Callable[..., AbstractContextManager[Any]]

MOBILE = "13912345678"
ADDRESS = "wangcun@example.gov.cn"
SECRET = "s3cr3t-never-on-the-wire"
# Planted in the notice: a lead number, a subject's name, a village, the lead's content, a
# reporter's name and phone, the link. None of it may reach a gateway, a mailbox or a log.
TITLE = "【督办】线索 XS-2026-4711 张三丰在东岛村强揽工程"
BODY = "举报人李四光（13800138000）反映：张三丰纠集多人强揽东岛村工程"
URL = "/leads/4711/"
PLANTED = ["XS-2026-4711", "张三丰", "东岛村", "强揽工程", "李四光", "13800138000", "举报", URL]


@pytest.fixture(autouse=True)
def _tasks_run_now(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.SAOHEI_NOTICE_RETRY_SECONDS = 60
    settings.SAOHEI_NOTICE_MAX_ATTEMPTS = 3


@pytest.fixture
def gateway(settings: Any) -> Iterator[Gateway]:
    with sms_gateway() as server:
        settings.SAOHEI_SMS_URL = server.url
        settings.SAOHEI_SMS_APP_ID = "saohei-rongcheng"
        settings.SAOHEI_SMS_SECRET = SECRET
        settings.SAOHEI_SMS_TEMPLATE_ID = "TPL-0060"
        settings.SAOHEI_SMS_SIGNATURE = "荣成市扫黑办"
        settings.SAOHEI_SMS_TIMEOUT_SECONDS = 2
        yield server


@pytest.fixture
def mailbox(settings: Any) -> Iterator[Mailbox]:
    with smtp_server() as server:
        settings.SAOHEI_EMAIL_NOTICES = True
        # pytest-django puts the in-memory backend in place; these tests talk real SMTP.
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = server.port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_USE_SSL = False
        settings.EMAIL_TIMEOUT = 5
        settings.DEFAULT_FROM_EMAIL = "saohei@example.gov.cn"
        yield server


@pytest.fixture
def recipient(user: Callable[[str], User]) -> User:
    account = user("cun01")
    User.objects.filter(pk=account.pk).update(phone=MOBILE, email=ADDRESS)
    account.refresh_from_db()
    return account


def _notify(
    capture: Capture,
    recipient: User,
    kind: NotificationKind = NotificationKind.ESCALATION,
) -> Notification:
    with capture(execute=True):
        [notification] = services.notify(
            recipients=[recipient], title=TITLE, body=BODY, url=URL, kind=kind
        )
    return notification


def _mail_text(envelope: Any) -> tuple[str, str, str]:
    raw = envelope.content.decode("utf-8", errors="replace")
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    body = message.get_body().get_content()  # type: ignore[union-attr]
    return raw, str(message["Subject"]), body


class TestWhatLeaves:
    def test_an_escalation_reaches_the_gateway_and_the_mailbox_with_only_the_fixed_text(
        self,
        gateway: Gateway,
        mailbox: Mailbox,
        recipient: User,
        django_capture_on_commit_callbacks: Capture,
    ) -> None:
        notification = _notify(django_capture_on_commit_callbacks, recipient)

        [request] = gateway.received
        sent = request.json
        assert request.path == "/sms/send"
        assert sent["mobiles"] == [MOBILE]
        assert sent["content"] == "您有1条督办事项，请登录系统查看"
        assert sent["template_id"] == "TPL-0060"
        assert sent["sign_name"] == "荣成市扫黑办"
        assert sent["app_id"] == "saohei-rongcheng"
        expected = hmac.new(
            SECRET.encode(),
            f"saohei-rongcheng{sent['timestamp']}{sent['nonce']}".encode(),
            hashlib.sha256,
        ).hexdigest()
        assert sent["signature"] == expected
        assert set(sent) == {
            "app_id",
            "timestamp",
            "nonce",
            "signature",
            "template_id",
            "sign_name",
            "mobiles",
            "content",
        }
        raw_request = request.body.decode("utf-8")
        assert SECRET not in raw_request
        for planted in PLANTED:
            assert planted not in raw_request

        [envelope] = mailbox.messages
        assert envelope.rcpt_tos == [ADDRESS]
        assert envelope.mail_from == "saohei@example.gov.cn"
        raw, subject, body = _mail_text(envelope)
        assert subject == EMAIL_SUBJECT
        assert body.strip().startswith("您有1条督办事项，请登录系统查看")
        for planted in PLANTED:
            assert planted not in raw
            assert planted not in subject
            assert planted not in body

        deliveries = Delivery.objects.order_by("channel")
        assert [(d.channel, d.status, d.attempts) for d in deliveries] == [
            (Channel.EMAIL, DeliveryStatus.SENT, 1),
            (Channel.SMS, DeliveryStatus.SENT, 1),
        ]
        assert all(d.notification_id == notification.pk for d in deliveries)
        assert Notification.objects.get().title == TITLE

    @pytest.mark.parametrize("kind", list(NotificationKind))
    def test_every_kind_has_a_content_free_text(self, kind: NotificationKind) -> None:
        text = NOTICE_TEXTS[kind]
        assert text.startswith("您有1条") and text.endswith("请登录系统查看")

    def test_the_log_names_the_send_with_a_masked_address_and_no_content(
        self,
        gateway: Gateway,
        mailbox: Mailbox,
        recipient: User,
        django_capture_on_commit_callbacks: Capture,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        with caplog.at_level(logging.INFO, logger="saohei.notifications"):
            _notify(django_capture_on_commit_callbacks, recipient)
        lines = [r.getMessage() for r in caplog.records if r.name == "saohei.notifications"]
        assert len(lines) == 2
        text = "\n".join(lines)
        assert "139****5678" in text
        assert "w***@example.gov.cn" in text
        for secret in [MOBILE, ADDRESS, *PLANTED]:
            assert secret not in text

    def test_the_delivery_log_holds_no_address_and_no_text(
        self,
        gateway: Gateway,
        mailbox: Mailbox,
        recipient: User,
        django_capture_on_commit_callbacks: Capture,
    ) -> None:
        _notify(django_capture_on_commit_callbacks, recipient)
        for delivery in Delivery.objects.all():
            stored = " ".join(str(getattr(delivery, f.attname)) for f in Delivery._meta.fields)
            for secret in [MOBILE, ADDRESS, *PLANTED, NOTICE_TEXTS[delivery.kind]]:
                assert secret not in stored


class TestWhoGetsWhat:
    def test_a_reminder_goes_by_email_only_and_a_general_notice_stays_in_the_inbox(
        self,
        gateway: Gateway,
        mailbox: Mailbox,
        recipient: User,
        django_capture_on_commit_callbacks: Capture,
    ) -> None:
        _notify(django_capture_on_commit_callbacks, recipient, NotificationKind.REMINDER)
        _notify(django_capture_on_commit_callbacks, recipient, NotificationKind.INFO)
        assert gateway.received == []
        [envelope] = mailbox.messages
        assert _mail_text(envelope)[2].startswith(NOTICE_TEXTS[NotificationKind.REMINDER])
        assert Notification.objects.count() == 2

    def test_the_users_preferences_override_the_kinds_defaults(
        self,
        gateway: Gateway,
        mailbox: Mailbox,
        recipient: User,
        django_capture_on_commit_callbacks: Capture,
    ) -> None:
        services.set_preferences(
            user=recipient,
            enabled={NotificationKind.ESCALATION: [Channel.EMAIL], NotificationKind.INFO: ["sms"]},
        )
        _notify(django_capture_on_commit_callbacks, recipient, NotificationKind.ESCALATION)
        assert gateway.received == []
        assert len(mailbox.messages) == 1
        _notify(django_capture_on_commit_callbacks, recipient, NotificationKind.INFO)
        [request] = gateway.received
        assert request.json["content"] == "您有1条新通知，请登录系统查看"
        assert len(mailbox.messages) == 1

    @pytest.mark.parametrize("phone", ["", "0631-7561234", "1391234567"])
    def test_without_a_usable_mobile_there_is_no_sms(
        self,
        gateway: Gateway,
        recipient: User,
        django_capture_on_commit_callbacks: Capture,
        phone: str,
    ) -> None:
        User.objects.filter(pk=recipient.pk).update(phone=phone)
        recipient.refresh_from_db()
        _notify(django_capture_on_commit_callbacks, recipient)
        assert gateway.received == []
        assert not Delivery.objects.exists()
        assert Notification.objects.count() == 1

    def test_without_configured_servers_nothing_is_planned_or_queued(
        self, recipient: User, django_capture_on_commit_callbacks: Capture
    ) -> None:
        with django_capture_on_commit_callbacks() as callbacks:
            services.notify(recipients=[recipient], title=TITLE, kind=NotificationKind.ESCALATION)
        assert callbacks == []
        assert not Delivery.objects.exists()

    def test_a_notice_rolled_back_with_its_action_never_goes_out(
        self,
        gateway: Gateway,
        mailbox: Mailbox,
        recipient: User,
        django_capture_on_commit_callbacks: Capture,
    ) -> None:
        with (
            django_capture_on_commit_callbacks(execute=True),
            pytest.raises(RuntimeError),
            transaction.atomic(),
        ):
            services.notify(recipients=[recipient], title=TITLE, kind=NotificationKind.ESCALATION)
            raise RuntimeError("the action failed after notifying")
        assert gateway.received == []
        assert mailbox.messages == []
        assert not Notification.objects.exists()
        assert not Delivery.objects.exists()

    def test_a_disabled_account_is_not_sent_to(
        self,
        gateway: Gateway,
        recipient: User,
        django_capture_on_commit_callbacks: Capture,
    ) -> None:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.notify(recipients=[recipient], title=TITLE, kind=NotificationKind.ESCALATION)
        User.objects.filter(pk=recipient.pk).update(is_active=False)
        for callback in callbacks:
            callback()
        assert gateway.received == []
        delivery = Delivery.objects.get()
        assert (delivery.status, delivery.last_error) == (DeliveryStatus.CANCELLED, "no_address")


class TestFailures:
    def test_a_gateway_answering_500_is_retried_then_failed_and_the_notice_stays(
        self,
        gateway: Gateway,
        recipient: User,
        django_capture_on_commit_callbacks: Capture,
    ) -> None:
        gateway.answers = [500]
        notification = _notify(django_capture_on_commit_callbacks, recipient)
        assert len(gateway.received) == 3
        delivery = Delivery.objects.get()
        assert delivery.status == DeliveryStatus.FAILED
        assert delivery.attempts == 3
        assert delivery.last_error == "http_500"
        kept = Notification.objects.get()
        assert (kept.pk, kept.title, kept.read_at) == (notification.pk, TITLE, None)

    def test_a_gateway_that_times_out_is_retried_then_failed(
        self,
        gateway: Gateway,
        recipient: User,
        settings: Any,
        django_capture_on_commit_callbacks: Capture,
    ) -> None:
        settings.SAOHEI_SMS_TIMEOUT_SECONDS = 0.2
        settings.SAOHEI_NOTICE_MAX_ATTEMPTS = 2
        gateway.answers = ["slow"]
        gateway.slow_seconds = 1.0
        _notify(django_capture_on_commit_callbacks, recipient)
        assert len(gateway.received) == 2
        delivery = Delivery.objects.get()
        assert (delivery.status, delivery.attempts, delivery.last_error) == (
            DeliveryStatus.FAILED,
            2,
            "timeout",
        )
        assert Notification.objects.count() == 1

    def test_a_send_that_fails_once_goes_through_on_the_retry(
        self,
        gateway: Gateway,
        recipient: User,
        django_capture_on_commit_callbacks: Capture,
    ) -> None:
        gateway.answers = [503, 200]
        _notify(django_capture_on_commit_callbacks, recipient)
        assert len(gateway.received) == 2
        assert gateway.received[0].body != gateway.received[1].body  # a fresh nonce each time
        delivery = Delivery.objects.get()
        assert (delivery.status, delivery.attempts, delivery.last_error) == (
            DeliveryStatus.SENT,
            2,
            "http_503",
        )
        assert delivery.sent_at is not None

    def test_a_refusal_in_the_gateways_answer_keeps_only_its_code(
        self,
        gateway: Gateway,
        recipient: User,
        settings: Any,
        django_capture_on_commit_callbacks: Capture,
    ) -> None:
        settings.SAOHEI_NOTICE_MAX_ATTEMPTS = 1
        gateway.answers = [(200, {"code": "E1001", "msg": f"号码{MOBILE}不在白名单"})]
        _notify(django_capture_on_commit_callbacks, recipient)
        delivery = Delivery.objects.get()
        assert (delivery.status, delivery.last_error) == (DeliveryStatus.FAILED, "gateway_E1001")

    def test_an_unreachable_gateway_fails_without_losing_the_notice(
        self,
        recipient: User,
        settings: Any,
        django_capture_on_commit_callbacks: Capture,
    ) -> None:
        with sms_gateway() as closed:
            url = closed.url
        settings.SAOHEI_SMS_URL = url
        _notify(django_capture_on_commit_callbacks, recipient)
        delivery = Delivery.objects.get()
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 3)
        assert delivery.last_error == "ConnectionRefusedError"
        assert Notification.objects.count() == 1

    def test_a_mail_server_refusing_is_retried_then_failed_and_the_notice_stays(
        self,
        mailbox: Mailbox,
        recipient: User,
        django_capture_on_commit_callbacks: Capture,
    ) -> None:
        mailbox.refuse_with = "554 5.7.1 rejected"
        _notify(django_capture_on_commit_callbacks, recipient)
        delivery = Delivery.objects.get()
        assert (delivery.channel, delivery.status, delivery.attempts) == (
            Channel.EMAIL,
            DeliveryStatus.FAILED,
            3,
        )
        assert delivery.last_error == "SMTPDataError"
        assert Notification.objects.get().title == TITLE

    def test_with_the_database_backend_a_retry_waits_for_the_backoff(
        self,
        gateway: Gateway,
        recipient: User,
        settings: Any,
        django_capture_on_commit_callbacks: Capture,
    ) -> None:
        from django_tasks_db.models import DBTaskResult

        settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
        gateway.answers = [500]
        _notify(django_capture_on_commit_callbacks, recipient)
        # Queued for the worker, not sent yet.
        [queued] = DBTaskResult.objects.all()
        assert queued.args_kwargs["kwargs"] == {"delivery_id": Delivery.objects.get().pk}
        assert gateway.received == []
        delivery = Delivery.objects.get()

        before = timezone.now()
        with django_capture_on_commit_callbacks(execute=True):
            services.deliver(delivery_id=delivery.pk)
        assert len(gateway.received) == 1
        retry = DBTaskResult.objects.exclude(pk=queued.pk).get()
        assert retry.args_kwargs["kwargs"] == {"delivery_id": delivery.pk}
        assert retry.run_after is not None
        assert 59 <= (retry.run_after - before).total_seconds() <= 61
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.RETRYING, 1)

    def test_a_delivery_already_sent_is_not_sent_again(
        self,
        gateway: Gateway,
        recipient: User,
        django_capture_on_commit_callbacks: Capture,
    ) -> None:
        _notify(django_capture_on_commit_callbacks, recipient)
        delivery = Delivery.objects.get()
        services.deliver(delivery_id=delivery.pk)
        assert len(gateway.received) == 1

    def test_the_hourly_job_queues_again_a_send_whose_task_was_lost(
        self,
        gateway: Gateway,
        recipient: User,
        django_capture_on_commit_callbacks: Capture,
    ) -> None:
        from datetime import timedelta

        with django_capture_on_commit_callbacks(execute=False):
            services.notify(recipients=[recipient], title=TITLE, kind=NotificationKind.ESCALATION)
            services.notify(recipients=[recipient], title=TITLE, kind=NotificationKind.OVERDUE)
        # Both tasks were lost; one was due long ago, the other a moment ago.
        lost, recent = Delivery.objects.order_by("pk")
        Delivery.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(hours=1))
        with django_capture_on_commit_callbacks(execute=True):
            assert services.requeue_stalled_deliveries() == 1
        [request] = gateway.received
        assert request.json["content"] == NOTICE_TEXTS[NotificationKind.ESCALATION]
        lost.refresh_from_db()
        recent.refresh_from_db()
        assert (lost.status, recent.status) == (DeliveryStatus.SENT, DeliveryStatus.PENDING)

    def test_retry_delays_double(self, settings: Any) -> None:
        settings.SAOHEI_NOTICE_RETRY_SECONDS = 60
        assert [services.retry_delay(n).total_seconds() for n in (1, 2, 3)] == [60, 120, 240]


def test_preferences_left_at_their_defaults_store_nothing(recipient: User) -> None:
    assert (
        services.set_preferences(
            user=recipient,
            enabled={
                NotificationKind.REMINDER: [Channel.EMAIL],
                NotificationKind.OVERDUE: [Channel.SMS, Channel.EMAIL],
                NotificationKind.ESCALATION: [Channel.SMS, Channel.EMAIL],
                NotificationKind.INSTRUCTION: [Channel.EMAIL],
                NotificationKind.ASSIGNMENT: [Channel.SMS, Channel.EMAIL],
                NotificationKind.RETURNED: [Channel.SMS, Channel.EMAIL],
            },
        )
        is False
    )
    assert not NotificationPreference.objects.exists()
