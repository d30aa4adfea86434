from django.conf import settings
from django.db import models
from django.utils import timezone

from saohei.leads.models import DictionaryEntry, Lead, SubjectRole, person_label
from saohei.leads.models import Status as LeadStatus
from saohei.organisations.models import Unit


class TipStatus(models.TextChoices):
    """The office's intake states; the reporter sees `ReporterStatus` instead."""

    PENDING = "pending", "待受理"
    ACCEPTED = "accepted", "已受理（已登记线索）"
    SPAM = "spam", "垃圾信息"


class ReporterStatus(models.TextChoices):
    """What the reporter is shown: never whether a tip was put in the spam queue."""

    RECEIVED = "received", "已提交，待受理"
    ACCEPTED = "accepted", "已受理"
    INVESTIGATING = "investigating", "核查中"
    CONCLUDED = "concluded", "已办结"


_REPORTER_STATUS_OF_LEAD = {
    LeadStatus.REGISTERED: ReporterStatus.ACCEPTED,
    LeadStatus.TRIAGED: ReporterStatus.ACCEPTED,
    LeadStatus.ASSIGNED: ReporterStatus.INVESTIGATING,
    LeadStatus.INVESTIGATING: ReporterStatus.INVESTIGATING,
    LeadStatus.PROPOSED: ReporterStatus.INVESTIGATING,
    LeadStatus.CONCLUDED: ReporterStatus.CONCLUDED,
    LeadStatus.ARCHIVED: ReporterStatus.CONCLUDED,
    LeadStatus.MERGED: ReporterStatus.CONCLUDED,
}


class TipQuerySet(models.QuerySet["Tip"]):
    def pending(self) -> "TipQuerySet":
        return self.filter(status=TipStatus.PENDING)

    def spam(self) -> "TipQuerySet":
        return self.filter(status=TipStatus.SPAM)

    def accepted(self) -> "TipQuerySet":
        return self.filter(status=TipStatus.ACCEPTED)


class Tip(models.Model):
    """A report from the public portal (群众举报), before and after it becomes a lead.

    The receipt is never stored: only its keyed digest, so a lookup is one exact match and a
    copy of the database does not let anyone follow a tip. The reporter's identity, if given,
    is sealed in the vault; the tip keeps the random reference only.
    """

    unit = models.ForeignKey(
        Unit, verbose_name="所属镇", on_delete=models.PROTECT, related_name="tips"
    )
    status = models.CharField(
        "受理状态", max_length=16, choices=TipStatus.choices, default=TipStatus.PENDING
    )
    receipt_digest = models.CharField(max_length=64, unique=True)
    submitted_at = models.DateTimeField("提交时间", default=timezone.now)

    category = models.ForeignKey(
        DictionaryEntry,
        verbose_name="问题类别",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    village = models.ForeignKey(
        Unit,
        verbose_name="所属村（社区）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    occurred_when = models.CharField("事发时间", max_length=100, blank=True)
    place = models.CharField("事发地点", max_length=200, blank=True)
    content = models.TextField("主要问题")
    victims = models.TextField("受害人及受害情况", blank=True)
    witnesses = models.TextField("知情人、证人", blank=True)
    involves_official = models.BooleanField("举报人认为涉及公职人员（保护伞）", default=False)
    # True when the reporter ticked the box or named a cadre or official: leaders only.
    concerns_officials = models.BooleanField("涉及干部或公职人员", default=False)

    reporter_reference = models.CharField("举报人化名编号", max_length=32, blank=True)
    is_real_name = models.BooleanField("实名举报", default=False)

    lead = models.OneToOneField(
        Lead,
        verbose_name="登记的线索",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tip",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="处理人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)
    spam_reason = models.CharField("列为垃圾信息的理由", max_length=200, blank=True)
    last_reporter_message_at = models.DateTimeField("举报人最近补充", null=True, blank=True)
    last_office_message_at = models.DateTimeField("最近回复举报人", null=True, blank=True)

    objects = TipQuerySet.as_manager()

    class Meta:
        verbose_name = "群众举报"
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["unit", "status", "submitted_at", "id"])]

    def __str__(self) -> str:
        # Only the internal number: this label goes into the audit log and notifications.
        return f"网络举报 #{self.pk}"

    @property
    def reporter_status(self) -> ReporterStatus:
        if self.status == TipStatus.ACCEPTED and self.lead is not None:
            return _REPORTER_STATUS_OF_LEAD.get(
                LeadStatus(self.lead.status), ReporterStatus.ACCEPTED
            )
        return ReporterStatus.RECEIVED

    @property
    def awaits_office_reply(self) -> bool:
        """The reporter wrote after the office's last message (or the office never wrote)."""
        if self.last_reporter_message_at is None:
            return False
        return (
            self.last_office_message_at is None
            or self.last_reporter_message_at > self.last_office_message_at
        )


class TipPerson(models.Model):
    """A person the reporter names (被举报人); every field optional."""

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="persons")
    name = models.CharField("姓名", max_length=50, blank=True)
    alias = models.CharField("绰号", max_length=50, blank=True)
    village = models.ForeignKey(
        Unit,
        verbose_name="所在村（社区）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    role = models.CharField(
        "身份", max_length=16, choices=SubjectRole.choices, default=SubjectRole.REPORTED
    )
    position = models.CharField("职务", max_length=100, blank=True)
    description = models.TextField("情况描述", blank=True)

    class Meta:
        verbose_name = "被举报人"
        ordering = ["id"]

    def __str__(self) -> str:
        return person_label(self.name, self.alias)

    @property
    def is_cadre_or_official(self) -> bool:
        return self.role in (SubjectRole.VILLAGE_CADRE, SubjectRole.OFFICIAL)


class MessageDirection(models.TextChoices):
    TO_REPORTER = "to_reporter", "扫黑办留言"
    FROM_REPORTER = "from_reporter", "举报人补充"


class TipMessage(models.Model):
    """One message of the receipt channel. The author is kept for the office, never shown out."""

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField("方向", max_length=16, choices=MessageDirection.choices)
    body = models.TextField("内容", blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="留言人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = "举报留言"
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.tip} {self.get_direction_display()}"

    @property
    def is_from_reporter(self) -> bool:
        return self.direction == MessageDirection.FROM_REPORTER


def tip_attachment_path(instance: "TipAttachment", filename: str) -> str:
    # The stored name is the digest: nothing the reporter chose ends up in paths or URLs.
    return f"tips/{instance.tip_id}/{instance.sha256}"


_EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/heic": "heic",
    "image/heif": "heif",
    "audio/mpeg": "mp3",
    "audio/wav": "wav",
    "audio/mp4": "m4a",
    "application/pdf": "pdf",
}


class TipAttachment(models.Model):
    """A photo, recording or PDF from the reporter. Its original file name is not kept: phone
    file names can carry dates, places or names."""

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(
        TipMessage,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    file = models.FileField(upload_to=tip_attachment_path, max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField("大小")
    sha256 = models.CharField("SHA-256", max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "举报附件"
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return f"附件{self.pk}.{_EXTENSIONS.get(self.content_type, 'bin')}"
