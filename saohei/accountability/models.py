from django.conf import settings
from django.db import models

from saohei.leads.models import Lead
from saohei.organisations.models import Unit
from saohei.rectifications.models import RectificationItem


class TalkKind(models.TextChoices):
    ROUTINE = "routine", "例行谈话"
    REMINDER = "reminder", "提醒谈话"
    SPECIAL = "special", "专题谈话"


class Topic(models.TextChoices):
    """The seed's three standing topics; anything else goes in `other_topics`."""

    FOUNDATION = "foundation", "夯实基础"
    PUBLICITY = "publicity", "宣传发动"
    LEAD_SCREENING = "lead_screening", "线索摸查"


class TalkReview(models.Model):
    """定期梳理: a leader signs off every unreviewed talk of the town up to a date."""

    unit = models.ForeignKey(
        Unit, verbose_name="所属镇", on_delete=models.PROTECT, related_name="talk_reviews"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="梳理人", on_delete=models.PROTECT, related_name="+"
    )
    covers_until = models.DateField("梳理截至")
    opinion = models.TextField("梳理意见")
    reviewed_at = models.DateTimeField("梳理时间", auto_now_add=True)

    class Meta:
        verbose_name = "谈心谈话梳理"
        ordering = ["-reviewed_at", "-id"]

    def __str__(self) -> str:
        return f"梳理（截至 {self.covers_until:%Y-%m-%d}）"


class TalkQuerySet(models.QuerySet["Talk"]):
    def unreviewed(self) -> "TalkQuerySet":
        """Awaiting 定期梳理: never reviewed, or corrected since the review (审阅后修改)."""
        return self.filter(
            models.Q(review__isnull=True) | models.Q(edited_after_review_at__isnull=False)
        )


class Talk(models.Model):
    """One 谈心谈话 record."""

    unit = models.ForeignKey(
        Unit, verbose_name="所属镇", on_delete=models.PROTECT, related_name="talks"
    )
    talked_on = models.DateField("谈话日期")
    place = models.CharField("谈话地点", max_length=100)
    interviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="谈话人", on_delete=models.PROTECT, related_name="+"
    )
    interviewees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="谈话对象", related_name="talks_received"
    )
    recorder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="记录人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField("谈话类型", max_length=16, choices=TalkKind.choices)
    topics = models.JSONField("谈话主题", default=list, blank=True)
    other_topics = models.CharField("其他主题", max_length=200, blank=True)
    content = models.TextField("谈话内容")
    follow_up = models.TextField("后续跟进", blank=True)
    rectification_items = models.ManyToManyField(
        RectificationItem, verbose_name="发现问题（整改事项）", blank=True, related_name="+"
    )
    leads = models.ManyToManyField(Lead, verbose_name="发现线索", blank=True, related_name="+")
    review = models.ForeignKey(
        TalkReview,
        verbose_name="定期梳理",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="talks",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="最后修改人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    edited_at = models.DateTimeField("最后修改时间", null=True, blank=True)
    # Raised by every edit; a save based on an older one is refused (decision 0044).
    version = models.PositiveIntegerField("版本", default=1)
    # Set when a reviewed record is corrected; the review stays, the record goes back in the
    # review queue, and the next 定期梳理 clears it.
    edited_after_review_at = models.DateTimeField("审阅后修改时间", null=True, blank=True)

    objects = TalkQuerySet.as_manager()

    class Meta:
        verbose_name = "谈心谈话"
        ordering = ["-talked_on", "-id"]
        indexes = [models.Index(fields=["unit", "talked_on"])]

    def __str__(self) -> str:
        return f"谈心谈话 {self.talked_on:%Y-%m-%d}"

    @property
    def is_awaiting_review(self) -> bool:
        return self.review_id is None or self.edited_after_review_at is not None

    @property
    def topic_labels(self) -> list[str]:
        labels = [Topic(code).label for code in self.topics if code in Topic.values]
        if self.other_topics:
            labels.append(self.other_topics)
        return labels
