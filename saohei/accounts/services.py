"""Sign-in, sessions, passwords, second factor and the security policy."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from saohei.accounts.models import SecurityPolicy, UserSession
from saohei.accounts.policy import get_policy
from saohei.audit.models import AuditAction, AuditResult
from saohei.audit.services import record_event, record_failure
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.common.roles import Role
from saohei.organisations.access import can_manage_unit
from saohei.organisations.models import User

GENERIC_LOGIN_ERROR = "用户名或密码错误。"


@dataclass(frozen=True)
class LoginAttempt:
    user: User | None
    error: str = ""

    @property
    def succeeded(self) -> bool:
        return self.user is not None and not self.error


def requires_totp(user: User) -> bool:
    return user.has_any_role(Role(role) for role in get_policy().totp_required_roles)


def confirmed_totp_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def lockout_message(user: User) -> str:
    assert user.locked_until is not None
    until = timezone.localtime(user.locked_until)
    return f"账号因连续登录失败已被锁定，请于 {until:%H:%M} 后再试，或联系安全管理员解锁。"


@transaction.atomic
def check_password_attempt(*, username: str, password: str, ip_address: str | None) -> LoginAttempt:
    """First step of sign-in. Failures count toward the lockout and are audited; they commit."""
    policy = get_policy()
    now = timezone.now()
    user = User.objects.select_for_update().filter(username=username).order_by("pk").first()
    if user is not None and user.locked_until and user.locked_until > now:
        # Unbounded while the lock lasts (no password is checked): aggregated per address.
        record_failure(
            action=AuditAction.LOGIN_FAILED,
            address=ip_address,
            store_address=True,
            actor=user,
            result=AuditResult.DENIED,
            details={"reason": "locked"},
        )
        return LoginAttempt(None, lockout_message(user))
    authenticated = authenticate(username=username, password=password)
    if authenticated is None:
        if user is None:
            # Anyone can try any name: one event per address and minute, the rest counted.
            record_failure(
                action=AuditAction.LOGIN_FAILED,
                address=ip_address,
                store_address=True,
                details={"reason": "unknown_user", "username": username[:150]},
            )
            return LoginAttempt(None, GENERIC_LOGIN_ERROR)
        return LoginAttempt(None, _count_failure(user, policy, ip_address, reason="bad_password"))
    return LoginAttempt(authenticated)


def _count_failure(
    user: User, policy: SecurityPolicy, ip_address: str | None, *, reason: str
) -> str:
    user.failed_login_count += 1
    record_event(
        action=AuditAction.LOGIN_FAILED if reason == "bad_password" else AuditAction.OTP_FAILED,
        actor=user,
        result=AuditResult.FAILURE,
        ip_address=ip_address,
        details={"reason": reason, "consecutive_failures": user.failed_login_count},
    )
    if user.failed_login_count >= policy.lockout_threshold:
        user.locked_until = timezone.now() + timedelta(minutes=policy.lockout_minutes)
        user.failed_login_count = 0
        user.save(update_fields=["failed_login_count", "locked_until"])
        record_event(
            action=AuditAction.ACCOUNT_LOCKED,
            actor=user,
            result=AuditResult.DENIED,
            ip_address=ip_address,
            details={"minutes": policy.lockout_minutes},
        )
        return (
            f"连续 {policy.lockout_threshold} 次验证失败，账号已被锁定 {policy.lockout_minutes} 分钟。"
            + lockout_message(user)
        )
    user.save(update_fields=["failed_login_count"])
    left = policy.lockout_threshold - user.failed_login_count
    base = GENERIC_LOGIN_ERROR if reason == "bad_password" else "动态口令错误。"
    return f"{base}再失败 {left} 次账号将被锁定 {policy.lockout_minutes} 分钟。"


@transaction.atomic
def check_totp_attempt(*, user: User, token: str, ip_address: str | None) -> LoginAttempt:
    """Second step: a wrong token counts toward the same lockout as a wrong password."""
    user = User.objects.select_for_update().order_by("pk").get(pk=user.pk)
    if user.locked_until and user.locked_until > timezone.now():
        return LoginAttempt(None, lockout_message(user))
    device = confirmed_totp_device(user)
    if device is not None and device.verify_token(token.strip()):
        return LoginAttempt(user)
    return LoginAttempt(None, _count_failure(user, get_policy(), ip_address, reason="bad_totp"))


@transaction.atomic
def start_session(
    *, request: HttpRequest, user: User, ip_address: str | None, totp_device: Any = None
) -> None:
    """Sign the user in: new session key, the session recorded, counters reset, audited."""
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    if totp_device is not None:
        otp_login(request, totp_device)
    request.session["last_activity"] = int(timezone.now().timestamp())
    request.session.save()
    UserSession.objects.create(
        user=user,
        session_key=request.session.session_key or "",
        ip_address=ip_address,
        last_seen_at=timezone.now(),
    )
    if user.failed_login_count or user.locked_until:
        user.failed_login_count = 0
        user.locked_until = None
        user.save(update_fields=["failed_login_count", "locked_until"])
    record_event(
        action=AuditAction.LOGIN_SUCCEEDED,
        actor=user,
        ip_address=ip_address,
        details={"second_factor": totp_device is not None},
    )


@transaction.atomic
def end_session(
    *, request: HttpRequest, ip_address: str | None, reason: AuditAction = AuditAction.LOGOUT
) -> None:
    """Logout or idle timeout: the server-side session is deleted, not just the cookie."""
    user = request.user
    if user.is_authenticated:
        UserSession.objects.filter(session_key=request.session.session_key).delete()
        record_event(action=reason, actor=user, ip_address=ip_address)
    logout(request)


@transaction.atomic
def terminate_session(
    *, actor: User, browser_session: UserSession, ip_address: str | None = None
) -> None:
    """强制下线: delete the stored session, so the next request of that browser is anonymous."""
    target = browser_session.user
    _require_security_admin(actor, target)
    Session.objects.filter(session_key=browser_session.session_key).delete()
    browser_session.delete()
    record_event(
        action=AuditAction.SESSION_TERMINATED, actor=actor, target=target, ip_address=ip_address
    )


def _require_security_admin(actor: User, target: User) -> None:
    if not actor.has_role(Role.SECURITY_ADMIN):
        raise ActionNotAllowed("只有安全管理员可以执行此操作")
    if target.unit is None or not can_manage_unit(actor, target.unit, Role.SECURITY_ADMIN):
        raise ActionNotAllowed("该账号不在您的管理范围内")


@transaction.atomic
def change_password(
    *,
    request: HttpRequest,
    user: User,
    old_password: str,
    new_password: str,
    ip_address: str | None,
) -> None:
    """The owner changes their password; it must satisfy the policy and differ from the old one."""
    if not user.check_password(old_password):
        raise ServiceError("原密码不正确", field="old_password")
    if old_password == new_password:
        raise ServiceError("新密码不能与原密码相同", field="new_password")
    try:
        validate_password(new_password, user)
    except ValidationError as error:
        raise ServiceError("；".join(error.messages), field="new_password") from error
    user.set_password(new_password)
    user.must_change_password = False
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])
    # Keep this session valid; other sessions of the user end with the old password hash.
    update_session_auth_hash(request, user)
    record_event(
        action=AuditAction.PASSWORD_CHANGED, actor=user, target=user, ip_address=ip_address
    )


def password_expired(user: User) -> bool:
    max_age = get_policy().password_max_age_days
    if not max_age or user.password_changed_at is None:
        return False
    return user.password_changed_at + timedelta(days=max_age) < timezone.now()


@transaction.atomic
def unlock_account(*, actor: User, user: User, ip_address: str | None = None) -> None:
    _require_security_admin(actor, user)
    user.locked_until = None
    user.failed_login_count = 0
    user.save(update_fields=["locked_until", "failed_login_count"])
    record_event(
        action=AuditAction.ACCOUNT_UNLOCKED, actor=actor, target=user, ip_address=ip_address
    )


def start_totp_enrolment(*, user: User) -> TOTPDevice:
    """An unconfirmed device for the user to scan; it counts only once a token verifies."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="动态口令", confirmed=False)
    return device


@transaction.atomic
def confirm_totp_enrolment(
    *, request: HttpRequest, user: User, token: str, ip_address: str | None
) -> None:
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None or not device.verify_token(token.strip()):
        raise ServiceError("动态口令不正确，请核对手机上显示的6位数字后重试", field="token")
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    otp_login(request, device)
    record_event(action=AuditAction.OTP_ENROLLED, actor=user, target=user, ip_address=ip_address)


@transaction.atomic
def reset_totp(*, actor: User, user: User, ip_address: str | None = None) -> None:
    """The user enrols a new device at next sign-in (a lost phone)."""
    _require_security_admin(actor, user)
    TOTPDevice.objects.filter(user=user).delete()
    record_event(action=AuditAction.OTP_RESET, actor=actor, target=user, ip_address=ip_address)


POLICY_FIELDS = (
    "password_min_length",
    "password_min_classes",
    "password_max_age_days",
    "lockout_threshold",
    "lockout_minutes",
    "idle_timeout_minutes",
    "totp_required_roles",
)


@transaction.atomic
def update_security_policy(
    *, actor: User, values: dict[str, Any], ip_address: str | None = None
) -> SecurityPolicy:
    if not actor.has_role(Role.SECURITY_ADMIN):
        raise ActionNotAllowed("只有安全管理员可以修改安全策略")
    if not 8 <= values["password_min_length"] <= 64:
        raise ServiceError(
            "密码最小长度应在 8 到 64 之间（等保要求不少于8位）", field="password_min_length"
        )
    if not 1 <= values["password_min_classes"] <= 4:
        raise ServiceError("字符类别数应在 1 到 4 之间", field="password_min_classes")
    if not 1 <= values["idle_timeout_minutes"] <= 30:
        raise ServiceError(
            "空闲超时应在 1 到 30 分钟之间（等保要求不超过30分钟）", field="idle_timeout_minutes"
        )
    if not 1 <= values["lockout_threshold"] <= 10:
        raise ServiceError("锁定次数应在 1 到 10 之间", field="lockout_threshold")
    if not 1 <= values["lockout_minutes"] <= 1440:
        raise ServiceError("锁定时长应在 1 到 1440 分钟之间", field="lockout_minutes")
    policy = get_policy()
    before = {field: getattr(policy, field) for field in POLICY_FIELDS}
    for field in POLICY_FIELDS:
        setattr(policy, field, values[field])
    policy.updated_by = actor
    policy.save()
    changes = {f: [before[f], values[f]] for f in POLICY_FIELDS if before[f] != values[f]}
    record_event(
        action=AuditAction.SECURITY_POLICY_CHANGED,
        actor=actor,
        target=policy,
        ip_address=ip_address,
        details={"changes": changes},
    )
    return policy
