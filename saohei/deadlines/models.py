"""The one reminder log of every deadline (decision 0038)."""

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone


class ReminderKind(models.TextChoices):
    THREE_DAYS = "t_minus_3", "到期前3个工作日提醒"
    DUE_TODAY = "due_today", "当日到期提醒"
    URGE = "urge", "催办"
    SUPERVISE = "supervise", "督办"


class ReminderLog(models.Model):
    """One row per reminder sent for a record's deadline, so the hourly job never sends the same
    one twice; the record is any context's (a lead, a rectification item, a meeting task)."""

    # Generic so that the log knows no context: each one points its records here through a
    # GenericRelation, which also deletes their rows with them.
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    kind = models.CharField(max_length=16, choices=ReminderKind.choices)
    # The deadline reminded of: a new deadline (an extension) climbs the ladder afresh.
    due_on = models.DateField()
    # A default, not auto_now_add: the rows copied from the three old logs keep when they were sent.
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "到期提醒记录"
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "kind", "due_on"],
                name="one_reminder_per_step_and_deadline",
            )
        ]

    def __str__(self) -> str:
        return f"{self.content_type_id}:{self.object_id} {self.get_kind_display()} {self.due_on}"
