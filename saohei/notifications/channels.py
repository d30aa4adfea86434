"""The two ways out of the system besides the inbox: e-mail through Django's mail backend and
SMS through the provincial platform's HTTP API (decision 0060).

What leaves the system is one fixed sentence per kind of notice ("您有1条督办事项，请登录系统查看"):
never a title, a body, a lead's content, a name, a village or a link. An SMS or an e-mail
passes through carriers and mailboxes the office does not control; the notice itself stays
in the inbox, behind the sign-in.
"""

import hashlib
import hmac
import json
import logging
import secrets
import time
from http.client import HTTPConnection, HTTPException, HTTPSConnection
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.validators import validate_email

from saohei.common.errors import ServiceError
from saohei.common.pii import clean_mobile, mask_mobile
from saohei.notifications.models import Channel, NotificationKind
from saohei.organisations.models import User

logger = logging.getLogger("saohei.notifications")

NOTICE_TEXTS: dict[str, str] = {
    NotificationKind.REMINDER: "您有1条待办事项即将到期，请登录系统查看",
    NotificationKind.OVERDUE: "您有1条待办事项已逾期，请登录系统查看",
    NotificationKind.ESCALATION: "您有1条督办事项，请登录系统查看",
    NotificationKind.INSTRUCTION: "您有1条领导批示，请登录系统查看",
    NotificationKind.ASSIGNMENT: "您有1条新交办事项，请登录系统查看",
    NotificationKind.RETURNED: "您有1条被退回的反馈，请登录系统查看",
    NotificationKind.INFO: "您有1条新通知，请登录系统查看",
}
EMAIL_SUBJECT = "扫黑除恶工作平台提醒"
EMAIL_FOOTER = "此邮件由系统自动发送，请勿回复。"

# Which kinds go out by default, where the account has the address: work that is late or
# handed over reaches the phone; routine reminders and instructions go by e-mail only, and
# general notices stay in the inbox. Each user's preferences override this.
DEFAULT_CHANNELS: dict[str, frozenset[Channel]] = {
    NotificationKind.REMINDER: frozenset({Channel.EMAIL}),
    NotificationKind.OVERDUE: frozenset({Channel.SMS, Channel.EMAIL}),
    NotificationKind.ESCALATION: frozenset({Channel.SMS, Channel.EMAIL}),
    NotificationKind.INSTRUCTION: frozenset({Channel.EMAIL}),
    NotificationKind.ASSIGNMENT: frozenset({Channel.SMS, Channel.EMAIL}),
    NotificationKind.RETURNED: frozenset({Channel.SMS, Channel.EMAIL}),
    NotificationKind.INFO: frozenset(),
}

# Gateway answers that mean "accepted"; anything else in `code` is a refusal.
_SMS_SUCCESS_CODES = {"0", "00000", "200", "ok", "success"}


class SendFailed(Exception):
    """A send that did not go through; `code` is short and content-free ("http_500")."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code[:64]


def configured_channels() -> frozenset[Channel]:
    """Channels this installation has a server for; the others are off for everyone."""
    channels = set()
    if settings.SAOHEI_SMS_URL:
        channels.add(Channel.SMS)
    if settings.SAOHEI_EMAIL_NOTICES:
        channels.add(Channel.EMAIL)
    return frozenset(channels)


def address_for(user: User, channel: str) -> str:
    """The account's mobile or e-mail as a send needs it, or "" when it has no usable one."""
    if channel == Channel.SMS:
        try:
            return clean_mobile(user.phone) if user.phone else ""
        except ServiceError:
            # A landline or a typo in the account: no SMS rather than one to the wrong number.
            return ""
    address = (user.email or "").strip()
    try:
        validate_email(address)
    except ValidationError:
        return ""
    return address


def mask_address(channel: str, address: str) -> str:
    """What a log line or a page may show of an address: 139****5678, z***@example.gov.cn."""
    if channel == Channel.SMS:
        return mask_mobile(address)
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"


def send(*, channel: str, address: str, kind: str) -> None:
    """Send the fixed text for `kind` to `address`; raises SendFailed."""
    if channel not in configured_channels():
        raise SendFailed("not_configured")
    if channel == Channel.SMS:
        _send_sms(mobile=address, kind=kind)
    else:
        _send_email(address=address, kind=kind)


def sms_request_body(*, mobile: str, kind: str) -> dict[str, Any]:
    """The JSON the gateway receives. The secret never travels: an HMAC-SHA256 over the app id,
    the time and a nonce proves it (the common scheme of the provincial platforms)."""
    timestamp = str(int(time.time()))
    nonce = secrets.token_hex(8)
    signature = hmac.new(
        settings.SAOHEI_SMS_SECRET.encode(),
        f"{settings.SAOHEI_SMS_APP_ID}{timestamp}{nonce}".encode(),
        hashlib.sha256,
    ).hexdigest()
    return {
        "app_id": settings.SAOHEI_SMS_APP_ID,
        "timestamp": timestamp,
        "nonce": nonce,
        "signature": signature,
        "template_id": settings.SAOHEI_SMS_TEMPLATE_ID,
        "sign_name": settings.SAOHEI_SMS_SIGNATURE,
        "mobiles": [mobile],
        "content": NOTICE_TEXTS[kind],
    }


def _send_sms(*, mobile: str, kind: str) -> None:
    body = json.dumps(sms_request_body(mobile=mobile, kind=kind), ensure_ascii=False).encode()
    url = urlsplit(settings.SAOHEI_SMS_URL)
    connection_class = {"http": HTTPConnection, "https": HTTPSConnection}.get(url.scheme)
    if connection_class is None or not url.hostname:
        raise SendFailed("bad_url")
    path = url.path or "/"
    if url.query:
        path = f"{path}?{url.query}"
    connection = connection_class(
        url.hostname, url.port, timeout=settings.SAOHEI_SMS_TIMEOUT_SECONDS
    )
    try:
        connection.request(
            "POST", path, body=body, headers={"Content-Type": "application/json; charset=utf-8"}
        )
        response = connection.getresponse()
        answer = response.read(4096)
    except TimeoutError:
        raise SendFailed("timeout") from None
    except (OSError, HTTPException) as error:
        raise SendFailed(type(error).__name__) from None
    finally:
        connection.close()
    if not 200 <= response.status < 300:
        raise SendFailed(f"http_{response.status}")
    _check_gateway_answer(answer)


def _check_gateway_answer(answer: bytes) -> None:
    """A 2xx whose JSON `code` is not a success code is a refusal (a bad number, no credit)."""
    try:
        parsed = json.loads(answer.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        # Some platforms answer a bare "OK"; the HTTP status already said it was accepted.
        return
    if not isinstance(parsed, dict) or "code" not in parsed:
        return
    code = str(parsed["code"]).strip()
    if code.lower() not in _SMS_SUCCESS_CODES:
        # Only the code: the message beside it may quote the number back.
        safe = "".join(ch for ch in code if ch.isalnum() or ch in "-_")[:40]
        raise SendFailed(f"gateway_{safe or 'refused'}")


def _send_email(*, address: str, kind: str) -> None:
    message = EmailMessage(
        subject=EMAIL_SUBJECT,
        body=f"{NOTICE_TEXTS[kind]}\n\n{EMAIL_FOOTER}",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
        connection=get_connection(fail_silently=False),
    )
    try:
        message.send()
    except TimeoutError:
        raise SendFailed("timeout") from None
    except OSError as error:
        # smtplib's errors are OSErrors too: the class names the failure, never its text.
        raise SendFailed(type(error).__name__) from None
