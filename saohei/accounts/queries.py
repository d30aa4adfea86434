from base64 import b32encode
from binascii import unhexlify
from datetime import timedelta
from urllib.parse import quote

import segno
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db.models import Q, QuerySet
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from saohei.accounts.models import PasswordReset, UserSession
from saohei.accounts.policy import get_policy
from saohei.audit.models import AuditEvent, AuditEventQuerySet
from saohei.common.roles import Role
from saohei.organisations.access import managed_units
from saohei.organisations.models import User


def list_active_sessions(*, viewer: User) -> QuerySet[UserSession]:
    """Live sessions of accounts in the security administrator's scope."""
    live_keys = Session.objects.filter(expire_date__gt=timezone.now()).values("session_key")
    return (
        UserSession.objects.filter(
            session_key__in=live_keys,
            user__unit__in=managed_units(viewer, Role.SECURITY_ADMIN),
        )
        .select_related("user", "user__unit")
        .order_by("-last_seen_at")
    )


def list_password_resets(*, viewer: User, role: Role) -> QuerySet[PasswordReset]:
    """Password resets of accounts the administrator (系统管理员 or 安全管理员) manages."""
    return (
        PasswordReset.objects.filter(user__unit__in=managed_units(viewer, role))
        .select_related("user", "user__unit", "requested_by", "decided_by")
        .order_by("-requested_at", "-id")
    )


def list_login_events(*, viewer: User) -> AuditEventQuerySet:
    """Sign-in events of accounts in scope, plus attempts on unknown usernames (no account)."""
    units = managed_units(viewer, Role.SECURITY_ADMIN)
    return (
        AuditEvent.objects.login_events()
        .filter(Q(unit__in=units) | Q(actor__isnull=True))
        .select_related("unit")
        .order_by("-sequence")
    )


def totp_secret(device: TOTPDevice) -> str:
    return b32encode(unhexlify(device.key)).decode("ascii").rstrip("=")


def totp_uri(device: TOTPDevice) -> str:
    issuer = settings.OTP_TOTP_ISSUER
    label = quote(f"{issuer}:{device.user.get_username()}")
    return f"otpauth://totp/{label}?secret={totp_secret(device)}&issuer={quote(issuer)}&digits=6&period=30"


def totp_qr_svg(device: TOTPDevice) -> str:
    """An inline SVG, so nothing leaves the intranet to draw the code."""
    return segno.make(totp_uri(device), error="m").svg_inline(scale=4)


def requires_totp(user: User) -> bool:
    return user.has_any_role(Role(role) for role in get_policy().totp_required_roles)


def confirmed_totp_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def password_expired(user: User) -> bool:
    max_age = get_policy().password_max_age_days
    if not max_age or user.password_changed_at is None:
        return False
    return user.password_changed_at + timedelta(days=max_age) < timezone.now()
