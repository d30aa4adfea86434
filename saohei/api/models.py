from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class TokenScope(models.TextChoices):
    READ_ONLY = "read_only", "只读"
    READ_WRITE = "read_write", "读写"


class TokenStatus(models.TextChoices):
    ACTIVE = "active", "有效"
    EXPIRED = "expired", "已过期"
    REVOKED = "revoked", "已吊销"
    ACCOUNT_DISABLED = "account_disabled", "账号已停用"


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def usable(self) -> "ApiTokenQuerySet":
        return self.filter(revoked_at__isnull=True, user__is_active=True).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now())
        )


class ApiToken(models.Model):
    """A bearer token for automation. Only its SM3 digest is stored; the token is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="所属账号",
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField("名称", max_length=100)
    prefix = models.CharField("前缀", max_length=12, help_text="令牌开头几位，便于辨认")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)
    expires_at = models.DateTimeField("到期时间", null=True, blank=True, help_text="空表示长期有效")
    scope = models.CharField(
        "权限范围", max_length=16, choices=TokenScope.choices, default=TokenScope.READ_WRITE
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = "接口令牌"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name}（{self.prefix}…）"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_read_only(self) -> bool:
        return self.scope == TokenScope.READ_ONLY

    @property
    def status(self) -> TokenStatus:
        """Revocation is final and says most; then expiry; then the owner's account."""
        if self.is_revoked:
            return TokenStatus.REVOKED
        if self.is_expired:
            return TokenStatus.EXPIRED
        if not self.user.is_active:
            return TokenStatus.ACCOUNT_DISABLED
        return TokenStatus.ACTIVE
