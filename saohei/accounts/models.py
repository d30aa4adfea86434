from django.conf import settings
from django.db import models

from saohei.common.roles import DEFAULT_TOTP_ROLES


def default_totp_roles() -> list[str]:
    return [role.value for role in DEFAULT_TOTP_ROLES]


class SecurityPolicy(models.Model):
    """The account security parameters (等保 level 3 defaults); one row, kept by the 安全管理员."""

    password_min_length = models.PositiveSmallIntegerField("密码最小长度", default=8)
    password_min_classes = models.PositiveSmallIntegerField(
        "密码至少包含的字符类别数",
        default=3,
        help_text="大写字母、小写字母、数字、符号四类中的几类",
    )
    password_max_age_days = models.PositiveSmallIntegerField(
        "密码有效期（天）", default=90, help_text="0 表示不过期"
    )
    lockout_threshold = models.PositiveSmallIntegerField("连续失败锁定次数", default=5)
    lockout_minutes = models.PositiveSmallIntegerField("锁定时长（分钟）", default=15)
    idle_timeout_minutes = models.PositiveSmallIntegerField("空闲超时（分钟）", default=30)
    totp_required_roles = models.JSONField("须使用动态口令的角色", default=default_totp_roles)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "安全策略"

    def __str__(self) -> str:
        return "安全策略"


class UserSession(models.Model):
    """A signed-in browser session, so the 安全管理员 can list and end them."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="browser_sessions"
    )
    session_key = models.CharField(max_length=40, unique=True)
    ip_address = models.GenericIPAddressField("IP地址", null=True, blank=True)
    started_at = models.DateTimeField("登录时间", auto_now_add=True)
    last_seen_at = models.DateTimeField("最近活动")

    class Meta:
        verbose_name = "在线会话"
        ordering = ["-last_seen_at"]

    def __str__(self) -> str:
        return f"{self.user} @ {self.started_at:%Y-%m-%d %H:%M}"


class PasswordResetStatus(models.TextChoices):
    PENDING = "pending", "待安全管理员批准"
    APPROVED = "approved", "已批准，待领取"
    ISSUED = "issued", "已发放一次性密码"
    REJECTED = "rejected", "已驳回"


class PasswordResetQuerySet(models.QuerySet["PasswordReset"]):
    def open(self) -> "PasswordResetQuerySet":
        return self.filter(status__in=[PasswordResetStatus.PENDING, PasswordResetStatus.APPROVED])


class PasswordReset(models.Model):
    """A 系统管理员's reset of someone's password, with a 安全管理员's approval where required.

    The one-time password itself is never stored here: only its hash, as the account's password.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="账号",
        on_delete=models.CASCADE,
        related_name="password_resets",
    )
    reason = models.CharField("原因", max_length=200)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField("申请时间", auto_now_add=True)
    needs_approval = models.BooleanField("须经批准", default=False)
    status = models.CharField(
        "状态", max_length=16, choices=PasswordResetStatus.choices, db_index=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审批人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    issued_at = models.DateTimeField("发放时间", null=True, blank=True)
    expires_at = models.DateTimeField("一次性密码有效期至", null=True, blank=True)
    owner_notified_at = models.DateTimeField("本人知悉时间", null=True, blank=True)

    objects = PasswordResetQuerySet.as_manager()

    class Meta:
        verbose_name = "密码重置"
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_status_display()}"
