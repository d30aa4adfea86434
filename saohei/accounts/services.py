"""Sign-in, sessions, passwords, second factor and the security policy."""

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from saohei.accounts.models import (
    PasswordReset,
    PasswordResetStatus,
    SecurityPolicy,
    UserSession,
)
from saohei.accounts.policy import get_policy
from saohei.accounts.queries import confirmed_totp_device
from saohei.audit.models import AuditAction, AuditResult
from saohei.audit.services import record_event, record_failure
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.common.roles import RESET_NEEDS_APPROVAL_ROLES, Role
from saohei.notifications.models import NotificationKind
from saohei.notifications.services import notify
from saohei.organisations.access import can_manage_unit
from saohei.organisations.credentials import set_one_time_password
from saohei.organisations.models import User
from saohei.organisations.queries import users_holding
from saohei.organisations.services import IssuedCredential

GENERIC_LOGIN_ERROR = "用户名或密码错误。"
SPENT_ONE_TIME_CREDENTIAL = (
    "一次性密码已失效：它只能登录一次，且须在有效期内使用。请联系系统管理员重新办理密码重置。"
)


@dataclass(frozen=True)
class LoginAttempt:
    user: User | None
    error: str = ""

    @property
    def succeeded(self) -> bool:
        return self.user is not None and not self.error


def signed_in_name(typed: str) -> str:
    """The username as typed on a phone or a Chinese keyboard, folded to what is stored:
    full-width letters and spaces to ASCII (NFKC), surrounding spaces dropped."""
    return unicodedata.normalize("NFKC", typed).strip()


def lockout_message(user: User) -> str:
    assert user.locked_until is not None
    until = timezone.localtime(user.locked_until)
    return f"账号因连续登录失败已被锁定，请于 {until:%H:%M} 后再试，或联系安全管理员解锁。"


@transaction.atomic
def check_password_attempt(*, username: str, password: str, ip_address: str | None) -> LoginAttempt:
    """First step of sign-in. Failures count toward the lockout and are audited; they commit."""
    policy = get_policy()
    now = timezone.now()
    username = signed_in_name(username)
    # Usernames are unique whatever their case (organisations.services.create_account), so a
    # name typed in another case or width is the same account: it signs in, and its failures
    # count toward that account's lockout instead of slipping past it as "unknown".
    user = User.objects.select_for_update().filter(username__iexact=username).order_by("pk").first()
    if user is not None:
        username = user.username
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
    expires_at = authenticated.one_time_password_expires_at
    if expires_at is not None and expires_at <= now:
        record_event(
            action=AuditAction.LOGIN_FAILED,
            actor=authenticated,
            result=AuditResult.DENIED,
            ip_address=ip_address,
            details={"reason": "one_time_password_spent"},
        )
        return LoginAttempt(None, SPENT_ONE_TIME_CREDENTIAL)
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
    if reason == "bad_password":
        # The same words as for an unknown username, so the answer never confirms an account.
        return GENERIC_LOGIN_ERROR
    # A wrong token comes after the right password: the person already knows the account exists.
    left = policy.lockout_threshold - user.failed_login_count
    return f"动态口令错误。再失败 {left} 次账号将被锁定 {policy.lockout_minutes} 分钟。"


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
) -> list[str]:
    """Sign the user in: new session key, the session recorded, counters reset, audited.

    Returns the notices the owner must read now (a password reset since the last sign-in).
    """
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
    now = timezone.now()
    changed = []
    if user.failed_login_count or user.locked_until:
        user.failed_login_count = 0
        user.locked_until = None
        changed += ["failed_login_count", "locked_until"]
    used_one_time_password = user.one_time_password_expires_at is not None
    if used_one_time_password:
        # Single use: from now on this password only serves the forced change in this session.
        user.one_time_password_expires_at = now
        changed.append("one_time_password_expires_at")
    if changed:
        user.save(update_fields=changed)
    record_event(
        action=AuditAction.LOGIN_SUCCEEDED,
        actor=user,
        ip_address=ip_address,
        details={
            "second_factor": totp_device is not None,
            "one_time_password": used_one_time_password,
        },
    )
    return _show_reset_notices(user, now=now, ip_address=ip_address)


def _show_reset_notices(user: User, *, now: datetime, ip_address: str | None) -> list[str]:
    """Tell the owner, at the first sign-in after it, who reset their password and when."""
    resets = list(
        PasswordReset.objects.filter(
            user=user, status=PasswordResetStatus.ISSUED, owner_notified_at__isnull=True
        ).select_related("requested_by", "decided_by")
    )
    if not resets:
        return []
    PasswordReset.objects.filter(pk__in=[reset.pk for reset in resets]).update(
        owner_notified_at=now
    )
    for reset in resets:
        record_event(
            action=AuditAction.PASSWORD_RESET_NOTICE_SHOWN,
            actor=user,
            target=user,
            ip_address=ip_address,
            details={"password_reset_id": reset.pk},
        )
    return [reset_notice_text(reset) for reset in resets]


def reset_notice_text(reset: PasswordReset) -> str:
    assert reset.issued_at is not None
    approved = f"，经安全管理员 {reset.decided_by} 批准" if reset.decided_by else ""
    return (
        f"您的密码已于 {timezone.localtime(reset.issued_at):%Y-%m-%d %H:%M} "
        f"由系统管理员 {reset.requested_by} 重置{approved}。如非您本人申请，请立即联系安全管理员。"
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
    _end_browser_sessions(UserSession.objects.filter(pk=browser_session.pk))
    record_event(
        action=AuditAction.SESSION_TERMINATED, actor=actor, target=target, ip_address=ip_address
    )


def _end_browser_sessions(browser_sessions: QuerySet[UserSession]) -> int:
    """Delete the stored sessions too, so those browsers are anonymous at their next request."""
    keys = list(browser_sessions.values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    browser_sessions.delete()
    return len(keys)


def _require_security_admin(actor: User, target: User) -> None:
    _require_admin(actor, target, Role.SECURITY_ADMIN)


def _require_admin(actor: User, target: User, role: Role) -> None:
    if not actor.has_role(role):
        raise ActionNotAllowed(f"只有{role.label}可以执行此操作")
    if target.unit is None or not can_manage_unit(actor, target.unit, role):
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
    user.one_time_password_expires_at = None
    user.save(
        update_fields=[
            "password",
            "must_change_password",
            "password_changed_at",
            "one_time_password_expires_at",
        ]
    )
    # Keep this session valid; other sessions of the user end with the old password hash.
    update_session_auth_hash(request, user)
    record_event(
        action=AuditAction.PASSWORD_CHANGED, actor=user, target=user, ip_address=ip_address
    )


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


RESET_REASON_MAX_LENGTH = 200


@dataclass(frozen=True)
class ResetOutcome:
    reset: PasswordReset
    # Present only when the one-time password was issued by this very call.
    credential: IssuedCredential | None = None


@transaction.atomic
def request_password_reset(
    *, actor: User, user: User, reason: str, ip_address: str | None = None
) -> ResetOutcome:
    """The 系统管理员 asks for a reset; nobody types the new password, the system generates it.

    An account holding 组长/副组长, the custodian or a 三员 role waits for a 安全管理员's
    approval; any other account gets its one-time password at once.
    """
    _require_admin(actor, user, Role.SYSTEM_ADMIN)
    if user.pk == actor.pk:
        raise ActionNotAllowed("不能重置自己的密码，请在“修改密码”中修改")
    reason = reason.strip()
    if not reason:
        raise ServiceError("请填写重置密码的原因", field="reason")
    if len(reason) > RESET_REASON_MAX_LENGTH:
        raise ServiceError(f"原因不能超过{RESET_REASON_MAX_LENGTH}个字", field="reason")
    if PasswordReset.objects.open().filter(user=user).exists():
        raise ServiceError("该账号已有尚未办结的密码重置申请", field="reason")
    needs_approval = user.has_any_role(RESET_NEEDS_APPROVAL_ROLES)
    reset = PasswordReset.objects.create(
        user=user,
        reason=reason,
        requested_by=actor,
        needs_approval=needs_approval,
        status=PasswordResetStatus.PENDING if needs_approval else PasswordResetStatus.APPROVED,
    )
    record_event(
        action=AuditAction.PASSWORD_RESET_REQUESTED,
        actor=actor,
        target=user,
        ip_address=ip_address,
        details={"password_reset_id": reset.pk, "needs_approval": needs_approval},
    )
    if needs_approval:
        assert user.unit is not None
        notify(
            recipients=_security_admins_over(user),
            title=f"密码重置待批准：{user}",
            body=f"系统管理员 {actor} 申请重置该账号的密码，原因：{reason}",
            url=reverse("accounts:password_resets"),
            kind=NotificationKind.INFO,
        )
        return ResetOutcome(reset)
    return ResetOutcome(reset, _issue(reset, ip_address=ip_address))


def _security_admins_over(user: User) -> list[User]:
    candidates = users_holding(Role.SECURITY_ADMIN)
    assert user.unit is not None
    unit = user.unit
    return [
        admin
        for admin in candidates
        if admin.pk != user.pk and can_manage_unit(admin, unit, Role.SECURITY_ADMIN)
    ]


def _require_approver(actor: User, reset: PasswordReset) -> None:
    _require_security_admin(actor, reset.user)
    if actor.pk in (reset.requested_by_id, reset.user_id):
        raise ActionNotAllowed("申请人或账号本人不能审批这次密码重置")
    if reset.status != PasswordResetStatus.PENDING:
        raise ServiceError(f"该申请{reset.get_status_display()}，不能再审批")


@transaction.atomic
def approve_password_reset(
    *, actor: User, reset: PasswordReset, ip_address: str | None = None
) -> PasswordReset:
    """A 安全管理员 (not the requester) approves; the requester then collects the password once."""
    return _decide(
        actor,
        reset,
        PasswordResetStatus.APPROVED,
        ip_address=ip_address,
        title=f"密码重置已批准：{reset.user}",
        body="请到“密码重置”页面领取一次性密码，它只显示一次。",
    )


@transaction.atomic
def reject_password_reset(
    *, actor: User, reset: PasswordReset, ip_address: str | None = None
) -> PasswordReset:
    """A 安全管理员 (not the requester) refuses; the account keeps its password."""
    return _decide(
        actor,
        reset,
        PasswordResetStatus.REJECTED,
        ip_address=ip_address,
        title=f"密码重置被驳回：{reset.user}",
        body="",
    )


def _decide(
    actor: User,
    reset: PasswordReset,
    status: PasswordResetStatus,
    *,
    ip_address: str | None,
    title: str,
    body: str,
) -> PasswordReset:
    reset = PasswordReset.objects.select_for_update().get(pk=reset.pk)
    _require_approver(actor, reset)
    reset.status = status
    reset.decided_by = actor
    reset.decided_at = timezone.now()
    reset.save(update_fields=["status", "decided_by", "decided_at"])
    record_event(
        action=AuditAction.PASSWORD_RESET_APPROVED
        if status == PasswordResetStatus.APPROVED
        else AuditAction.PASSWORD_RESET_REJECTED,
        actor=actor,
        target=reset.user,
        ip_address=ip_address,
        details={"password_reset_id": reset.pk},
    )
    notify(
        recipients=[reset.requested_by],
        title=title,
        body=body,
        url=reverse("accounts:password_resets"),
        kind=NotificationKind.INFO,
    )
    return reset


@transaction.atomic
def collect_password_reset(
    *, actor: User, reset: PasswordReset, ip_address: str | None = None
) -> IssuedCredential:
    """Only the requester collects an approved reset's one-time password, and only once."""
    reset = PasswordReset.objects.select_for_update().get(pk=reset.pk)
    _require_admin(actor, reset.user, Role.SYSTEM_ADMIN)
    if actor.pk != reset.requested_by_id:
        raise ActionNotAllowed("只有申请人可以领取一次性密码")
    if reset.status != PasswordResetStatus.APPROVED:
        raise ServiceError(f"该申请{reset.get_status_display()}，不能领取一次性密码")
    return _issue(reset, ip_address=ip_address)


def _issue(reset: PasswordReset, *, ip_address: str | None) -> IssuedCredential:
    """Set the one-time password, end every session of the account, tell the owner."""
    now = timezone.now()
    user = User.objects.select_for_update().get(pk=reset.user_id)
    password = set_one_time_password(user, now=now)
    user.save(
        update_fields=[
            "password",
            "must_change_password",
            "password_changed_at",
            "one_time_password_expires_at",
        ]
    )
    ended = _end_browser_sessions(UserSession.objects.filter(user=user))
    reset.status = PasswordResetStatus.ISSUED
    reset.issued_at = now
    reset.expires_at = user.one_time_password_expires_at
    reset.save(update_fields=["status", "issued_at", "expires_at"])
    # The TOTP device stays: a reset password alone never opens an account that has one.
    record_event(
        action=AuditAction.PASSWORD_RESET,
        actor=reset.requested_by,
        target=user,
        ip_address=ip_address,
        details={
            "password_reset_id": reset.pk,
            "approved_by_id": reset.decided_by_id,
            "sessions_ended": ended,
        },
    )
    notify(
        recipients=[user],
        title="您的密码已被重置",
        body=reset_notice_text(reset),
        kind=NotificationKind.INFO,
    )
    assert reset.expires_at is not None
    return IssuedCredential(user, password, reset.expires_at)
