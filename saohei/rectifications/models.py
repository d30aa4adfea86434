from datetime import date

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models

from saohei.deadlines.models import ReminderLog
from saohei.organisations.models import Unit


class SourceKind(models.TextChoices):
    SELF_INSPECTION = "self_inspection", "自查"
    TALK = "talk", "谈心谈话"
    ARCHIVE_INSPECTION = "archive_inspection", "档案检查"
    SUPERVISION = "supervision", "上级督导反馈"
    MEETING = "meeting", "会议决定"


class Status(models.TextChoices):
    OPEN = "open", "整改中"
    REQUESTED = "requested", "已申请销号"
    CLOSED = "closed", "已销号"


class RecheckResult(models.TextChoices):
    PASSED = "passed", "复查通过"
    REOPENED = "reopened", "复查发现问题，重新整改"


class RectificationItemQuerySet(models.QuerySet["RectificationItem"]):
    def not_closed(self) -> "RectificationItemQuerySet":
        return self.exclude(status=Status.CLOSED)

    def closed(self) -> "RectificationItemQuerySet":
        return self.filter(status=Status.CLOSED)

    def overdue(self, today: date) -> "RectificationItemQuerySet":
        """Still being worked on (整改中) past the deadline; a pending 销号 request is not late."""
        return self.filter(status=Status.OPEN, due_on__lt=today)

    def due_soon(self, today: date, threshold: date) -> "RectificationItemQuerySet":
        return self.filter(status=Status.OPEN, due_on__gte=today, due_on__lte=threshold)


class RectificationItem(models.Model):
    """One problem on the ledger (问题整改台账), from whichever record it came."""

    unit = models.ForeignKey(
        Unit, verbose_name="所属镇", on_delete=models.PROTECT, related_name="rectification_items"
    )
    village = models.ForeignKey(
        Unit,
        verbose_name="所属村",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    source_kind = models.CharField("问题来源", max_length=32, choices=SourceKind.choices)
    # The record it came from (a talk, an inspection, a meeting…), kept as text and an internal
    # path so that any context can feed the ledger without this one importing it.
    source_label = models.CharField("来源记录", max_length=200, blank=True)
    source_url = models.CharField("来源链接", max_length=300, blank=True)
    description = models.TextField("问题描述")
    measures = models.TextField("整改措施")
    responsible_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="责任领导",
        on_delete=models.PROTECT,
        related_name="+",
    )
    responsible_unit = models.ForeignKey(
        Unit, verbose_name="责任单位", on_delete=models.PROTECT, related_name="+"
    )
    responsible_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="责任人",
        on_delete=models.PROTECT,
        related_name="+",
    )
    due_on = models.DateField("整改时限")
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.OPEN)

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="销号申请人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField("销号申请时间", null=True, blank=True)
    closure_note = models.TextField("销号申请说明", blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    verified_at = models.DateTimeField("审核时间", null=True, blank=True)
    is_verification_accepted = models.BooleanField("审核通过", null=True, blank=True)
    verification_reason = models.TextField("审核意见", blank=True)
    closed_at = models.DateTimeField("销号时间", null=True, blank=True)
    recheck_result = models.CharField(
        "复查结论", max_length=16, choices=RecheckResult.choices, blank=True
    )
    recheck_reason = models.TextField("复查意见", blank=True)
    rechecked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="复查人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    rechecked_at = models.DateTimeField("复查时间", null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(
        "催督办级别", default=0, help_text="0 无，1 催办，2 督办"
    )

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Raised by every edit of the measures; a save based on an older one is refused (0044).
    version = models.PositiveIntegerField("版本", default=1)

    # The steps of the deadline ladder already sent (`deadlines`); deleted with the record.
    reminders = GenericRelation(ReminderLog)

    objects = RectificationItemQuerySet.as_manager()

    class Meta:
        verbose_name = "整改事项"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["unit", "created_at", "id"]),
            models.Index(fields=["village", "status"]),
            models.Index(fields=["status", "due_on"]),
            models.Index(fields=["responsible_person", "status"]),
        ]

    def __str__(self) -> str:
        return f"整改事项 {self.pk}"

    @property
    def is_closed(self) -> bool:
        return self.status == Status.CLOSED


class EventKind(models.TextChoices):
    OPENED = "opened", "列入台账"
    PROGRESS = "progress", "整改进展"
    MEASURES_EDITED = "measures_edited", "修改整改措施"
    REQUESTED = "requested", "申请销号"
    ACCEPTED = "accepted", "审核通过，销号"
    RETURNED = "returned", "审核退回"
    RECHECK_PASSED = "recheck_passed", "复查通过"
    RECHECK_REOPENED = "recheck_reopened", "复查重新整改"
    ESCALATED = "escalated", "催办/督办"


class RectificationEvent(models.Model):
    """The item's own timeline (who did what, with the reason); the audit log is separate."""

    item = models.ForeignKey(RectificationItem, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=32, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    occurred_at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.item} {self.get_kind_display()}"


class RectificationProgress(models.Model):
    """整改进展: a dated step with its evidence (佐证材料)."""

    item = models.ForeignKey(
        RectificationItem, on_delete=models.CASCADE, related_name="progress_updates"
    )
    occurred_on = models.DateField("日期")
    content = models.TextField("整改进展")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="填报人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "整改进展"
        ordering = ["occurred_on", "id"]

    def __str__(self) -> str:
        return f"{self.item} {self.occurred_on}"


def evidence_path(instance: "Evidence", filename: str) -> str:
    # The stored name is the digest: no user-chosen text ends up in paths or URLs.
    return f"rectifications/{instance.item_id}/{instance.sha256}"


class Evidence(models.Model):
    """佐证材料: a file or photo on a progress update, with its SHA-256."""

    item = models.ForeignKey(RectificationItem, on_delete=models.CASCADE, related_name="evidence")
    progress = models.ForeignKey(
        RectificationProgress, on_delete=models.CASCADE, related_name="evidence"
    )
    file = models.FileField(upload_to=evidence_path, max_length=200)
    original_name = models.CharField("文件名", max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField("大小")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "佐证材料"
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name
