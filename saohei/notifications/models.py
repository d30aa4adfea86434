from django.conf import settings
from django.db import models


class NotificationKind(models.TextChoices):
    REMINDER = "reminder", "提醒"
    OVERDUE = "overdue", "逾期"
    ESCALATION = "escalation", "督办"
    INSTRUCTION = "instruction", "批示"
    INFO = "info", "通知"


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
