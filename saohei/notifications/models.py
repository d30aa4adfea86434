from django.conf import settings
from django.db import models


class NotificationKind(models.TextChoices):
    REMINDER = "reminder", "提醒"
    OVERDUE = "overdue", "逾期"
    ESCALATION = "escalation", "督办"
    INSTRUCTION = "instruction", "批示"
    ASSIGNMENT = "assignment", "交办"
    RETURNED = "returned", "退回"
    INFO = "info", "通知"


class Channel(models.TextChoices):
    """Ways out of the system besides the inbox (站内, which is always on)."""

    SMS = "sms", "短信"
    EMAIL = "email", "邮件"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "待发送"
    SENDING = "sending", "发送中"
    RETRYING = "retrying", "等待重试"
    SENT = "sent", "已发送"
    FAILED = "failed", "发送失败"
    CANCELLED = "cancelled", "已取消"


# Statuses a send task may still act on; SENDING is claimed by a running task.
OPEN_DELIVERY_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)


class NotificationQuerySet(models.QuerySet["Notification"]):
    def for_recipient(self, user: object) -> "NotificationQuerySet":
        return self.filter(recipient=user)

    def unread(self) -> "NotificationQuerySet":
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One message in a user's in-app inbox. Never carries reporter identity."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="接收人",
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    title = models.CharField("标题", max_length=100)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=300, blank=True)
    kind = models.CharField("类型", max_length=16, choices=NotificationKind.choices)
    # The piece of work the notice is about ("meeting-decision:12"); a later notice on the same
    # piece replaces an unread earlier one, so one decision never waits twice in an inbox.
    topic = models.CharField("事项", max_length=100, blank=True, default="")
    created_at = models.DateTimeField("时间", auto_now_add=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at", "created_at"], name="notification_inbox"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(models.Model):
    """One user's choice for one kind on one channel; no row means the kind's default
    (`channels.DEFAULT_CHANNELS`)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="用户",
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    kind = models.CharField("通知类型", max_length=16, choices=NotificationKind.choices)
    channel = models.CharField("渠道", max_length=8, choices=Channel.choices)
    enabled = models.BooleanField("发送", default=False)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "通知方式"
        verbose_name_plural = "通知方式"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "channel"], name="notification_preference_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.channel} {self.enabled}"


class Delivery(models.Model):
    """One send of one notice by SMS or e-mail: who, which way, what kind, how it went.

    Holds no text, no phone number and no address: the text is fixed per kind and the address
    is read from the account when sending, so this log can be shown and kept without PII."""

    notification = models.ForeignKey(
        Notification,
        verbose_name="通知",
        null=True,
        blank=True,
        # A notice replaced by a later one on the same topic keeps its send log.
        on_delete=models.SET_NULL,
        related_name="deliveries",
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="接收人",
        on_delete=models.CASCADE,
        related_name="notification_deliveries",
    )
    channel = models.CharField("渠道", max_length=8, choices=Channel.choices)
    kind = models.CharField("通知类型", max_length=16, choices=NotificationKind.choices)
    status = models.CharField(
        "状态", max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    # An error class or code ("http_500", "timeout", "SMTPRecipientsRefused"), never a message
    # from the far side (it may echo the number or the text back).
    last_error = models.CharField("最近错误", max_length=64, blank=True)
    next_attempt_at = models.DateTimeField("下次尝试", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)

    class Meta:
        verbose_name = "外发通知记录"
        verbose_name_plural = "外发通知记录"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="delivery_status")]

    def __str__(self) -> str:
        return f"{self.channel} {self.kind} {self.status}"
