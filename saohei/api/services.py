import secrets
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from saohei.api.models import ApiToken, TokenScope
from saohei.audit.models import AuditAction, AuditResult
from saohei.audit.services import record_event, record_failure
from saohei.common.crypto import sm3_hex
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.common.roles import Role
from saohei.common.validation import safe_text
from saohei.organisations.access import can_manage_unit
from saohei.organisations.models import User

TOKEN_PREFIX = "shb_"  # noqa: S105 (a public marker, not a secret)


def token_digest(token: str) -> str:
    return sm3_hex(token.encode("utf-8"))


@transaction.atomic
def create_api_token(
    *,
    user: User,
    name: str,
    actor: User | None = None,
    scope: TokenScope = TokenScope.READ_WRITE,
    expires_at: datetime | None = None,
    ip_address: str | None = None,
) -> tuple[ApiToken, str]:
    """Returns the stored record and the plaintext token, which is never kept. An expiry must lie
    in the future; without one the token lasts until it is revoked."""
    if not user.is_active:
        raise ServiceError("账号已停用，不能创建令牌")
    name = safe_text(name, limit=1000).strip() or "接口令牌"
    if len(name) > 100:
        raise ServiceError("名称不能超过100字", field="name")
    if scope not in TokenScope.values:
        raise ServiceError("请选择只读或读写", field="scope")
    if expires_at is not None and expires_at <= timezone.now():
        raise ServiceError("到期时间须晚于现在", field="expires_at")
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=plaintext[:12],
        digest=token_digest(plaintext),
        scope=TokenScope(scope),
        expires_at=expires_at,
    )
    record_event(
        action=AuditAction.API_TOKEN_CREATED,
        actor=actor or user,
        target=token,
        ip_address=ip_address,
        details={
            "owner_id": user.pk,
            "scope": token.scope,
            "expires_at": expires_at.isoformat() if expires_at else None,
        },
    )
    return token, plaintext


@transaction.atomic
def revoke_api_token(*, actor: User, token: ApiToken, ip_address: str | None = None) -> None:
    """The owner, or a 安全管理员 over the owner's unit, may revoke a token."""
    owner = token.user
    is_security_admin = (
        actor.has_role(Role.SECURITY_ADMIN)
        and owner.unit is not None
        and can_manage_unit(actor, owner.unit, Role.SECURITY_ADMIN)
    )
    if actor.pk != owner.pk and not is_security_admin:
        raise ActionNotAllowed("只有令牌所属账号或安全管理员可以吊销令牌")
    if token.is_revoked:
        raise ServiceError("该令牌已被吊销")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record_event(
        action=AuditAction.API_TOKEN_REVOKED, actor=actor, target=token, ip_address=ip_address
    )


@dataclass(frozen=True)
class TokenCheck:
    """A token's verdict: the account it acts for, or why it was refused."""

    user: User | None
    token: ApiToken | None
    refusal: str = ""  # "unknown", "revoked", "expired" or "account_disabled"


@transaction.atomic
def authenticate_token(*, plaintext: str, ip_address: str | None, path: str) -> TokenCheck:
    """Every use of a token is audited; rejected tokens are audited once per address and minute
    and counted beyond that (`audit.services.record_failure`). The account is read on every
    request, so disabling it or removing its grants takes effect on the next one."""
    token = (
        ApiToken.objects.select_related("user", "user__unit")
        .filter(digest=token_digest(plaintext))
        .first()
    )
    now = timezone.now()
    path = safe_text(path, limit=200)  # audited in JSON, where PostgreSQL refuses a NUL
    user = token.user if token is not None else None
    refusal = ""
    if token is None or user is None:
        refusal = "unknown"
    elif token.is_revoked:
        refusal = "revoked"
    elif token.is_expired:
        refusal = "expired"
    elif not user.is_active or (user.locked_until and user.locked_until > now):
        refusal = "account_disabled"
    if refusal:
        # A flood of made-up tokens writes one event per address and minute, plus a count.
        record_failure(
            action=AuditAction.API_TOKEN_REJECTED,
            address=ip_address,
            store_address=True,
            actor=user,
            result=AuditResult.DENIED,
            details={"path": path[:200], "reason": refusal},
        )
        return TokenCheck(user=None, token=token, refusal=refusal)
    assert token is not None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    record_event(
        action=AuditAction.API_TOKEN_USED,
        actor=user,
        target=token,
        ip_address=ip_address,
        details={"path": path[:200]},
    )
    return TokenCheck(user=user, token=token)
