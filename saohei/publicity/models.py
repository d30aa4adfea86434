from django.conf import settings
from django.db import models

from saohei.organisations.models import Unit


class PlaceType(models.TextChoices):
    TOWN_CENTRE = "town_centre", "镇区"
    RURAL = "rural", "农村"
    COMMUNITY = "community", "社区"
    ENTERPRISE = "enterprise", "企业"
    PARK = "park", "园区"


class PublicityKind(models.Model):
    """A form of publicity and the unit it is counted in (标语 条, 宣传车 次 and 小时 …); editable."""

    code = models.SlugField("代码", max_length=32, unique=True)
    name = models.CharField("形式", max_length=50, unique=True)
    unit_label = models.CharField("计量单位", max_length=10)
    # Some kinds also count hours (宣传车 次 and 小时, IP 广播 次 and 小时); blank when not.
    hours_label = models.CharField("时长单位", max_length=10, blank=True)
    # What "people reached" means for the kind: 覆盖人数, 阅读量 (公众号), 参与人数 (活动); blank: none.
    reach_label = models.CharField("覆盖口径", max_length=10, blank=True)
    order = models.PositiveIntegerField("排序", default=100)
    active = models.BooleanField("启用", default=True)
    # The quantity itself is hours (LED 屏滚动播放): a schedule accrues hours/day × screens.
    counted_in_hours = models.BooleanField("数量按小时计", default=False)

    class Meta:
        verbose_name = "宣传形式"
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class PublicitySchedule(models.Model):
    """A standing daily publicity (e.g. LED screens 10 hours a day on 3 screens from a date).

    The daily job turns each elapsed day into one activity row, so totals and the ledger never
    need a second formula for scheduled hours.
    """

    town = models.ForeignKey(
        Unit, verbose_name="所属镇", on_delete=models.PROTECT, related_name="publicity_schedules"
    )
    village = models.ForeignKey(
        Unit,
        verbose_name="村/社区",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.ForeignKey(PublicityKind, verbose_name="形式", on_delete=models.PROTECT)
    place_type = models.CharField("地点类型", max_length=16, choices=PlaceType.choices)
    place = models.CharField("地点", max_length=200)
    description = models.CharField("内容", max_length=200, blank=True)
    hours_per_day = models.DecimalField("每屏每天小时数", max_digits=4, decimal_places=1)
    screens = models.PositiveIntegerField("屏幕/终端数", default=1)
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期", null=True, blank=True)
    # The last day already turned into an activity; the job continues from the day after.
    accrued_through = models.DateField("已累计至", null=True, blank=True)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="经办人", on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "常态化宣传安排"
        ordering = ["-starts_on", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.place}"


class PublicityActivityQuerySet(models.QuerySet["PublicityActivity"]):
    def current(self) -> "PublicityActivityQuerySet":
        """Rows that count: a voided (作废) row stays on record but never in a total."""
        return self.filter(voided_at__isnull=True)


class PublicityActivity(models.Model):
    """One line of the 宣传台账: what was done, where, how much, for how many people."""

    town = models.ForeignKey(
        Unit, verbose_name="所属镇", on_delete=models.PROTECT, related_name="publicity_activities"
    )
    village = models.ForeignKey(
        Unit,
        verbose_name="村/社区",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    occurred_on = models.DateField("日期")
    kind = models.ForeignKey(PublicityKind, verbose_name="形式", on_delete=models.PROTECT)
    place_type = models.CharField("地点类型", max_length=16, choices=PlaceType.choices)
    place = models.CharField("地点", max_length=200, blank=True)
    quantity = models.DecimalField("数量", max_digits=12, decimal_places=1)
    hours = models.DecimalField(
        "时长（小时）", max_digits=12, decimal_places=1, null=True, blank=True
    )
    reach = models.PositiveIntegerField("覆盖人数", null=True, blank=True)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="经办人", on_delete=models.PROTECT, related_name="+"
    )
    notes = models.TextField("备注", blank=True)
    schedule = models.ForeignKey(
        PublicitySchedule,
        verbose_name="来自常态化安排",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Raised by every edit; a save based on an older one is refused (decision 0044).
    version = models.PositiveIntegerField("版本", default=1)
    # A wrong record is voided with a reason rather than deleted: the ledger keeps its history.
    voided_at = models.DateTimeField("作废时间", null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="作废人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    void_reason = models.CharField("作废原因", max_length=200, blank=True)

    objects = PublicityActivityQuerySet.as_manager()

    class Meta:
        verbose_name = "宣传活动"
        ordering = ["-occurred_on", "-id"]
        indexes = [
            models.Index(fields=["town", "occurred_on"]),
            models.Index(fields=["village", "occurred_on"]),
            # Keyset paging of the list, newest first (NOTES.md: (field, id) index).
            models.Index(fields=["occurred_on", "id"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "occurred_on"], name="publicity_one_accrual_per_day"
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=0), name="publicity_quantity_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_on} {self.kind} {self.quantity}"

    @property
    def is_voided(self) -> bool:
        return self.voided_at is not None


def photo_path(instance: "PublicityPhoto", filename: str) -> str:
    # The stored name is the digest: no user-chosen text ends up in paths or URLs.
    return f"publicity/{instance.activity_id}/{instance.sha256}"


class PublicityPhoto(models.Model):
    activity = models.ForeignKey(PublicityActivity, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to=photo_path, max_length=200)
    original_name = models.CharField("文件名", max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField("大小")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "宣传照片"
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name
