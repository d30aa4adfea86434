"""村月报: each village's monthly report of the leads it found, or its 零报告."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from saohei.organisations.models import Unit

# What a 零报告 says, word for word; the head confirms exactly this sentence.
ZERO_REPORT_TEXT = "本月未发现涉黑涉恶线索"
DEFAULT_DUE_DAY = 5
# The 28th at the latest: every month has it.
LAST_DUE_DAY = 28


class ReportKind(models.TextChoices):
    LEADS = "leads", "报送线索"
    ZERO = "zero", "零报告"


class VillageReportSettings(models.Model):
    """A town's rule for its villages' reports: due by this day of the following month."""

    town = models.OneToOneField(Unit, verbose_name="镇", on_delete=models.PROTECT, related_name="+")
    due_day = models.PositiveSmallIntegerField(
        "次月报送截止日",
        default=DEFAULT_DUE_DAY,
        validators=[MinValueValidator(1), MaxValueValidator(LAST_DUE_DAY)],
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "村月报设置"

    def __str__(self) -> str:
        return f"{self.town_id} 每月{self.due_day}日"


class VillageReport(models.Model):
    """One village's report for one month: the leads it found, or a 零报告. One per month:
    a second is refused (decision 0069)."""

    town = models.ForeignKey(Unit, verbose_name="镇", on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey(
        Unit, verbose_name="村（社区）", on_delete=models.PROTECT, related_name="+"
    )
    # The first day of the month reported on.
    month = models.DateField("报告月份")
    kind = models.CharField("报告类型", max_length=8, choices=ReportKind.choices)
    note = models.TextField("情况说明", blank=True)
    leads = models.ManyToManyField(
        "leads.Lead", verbose_name="报送的线索", blank=True, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="报送人", on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField("报送时间", default=timezone.now)

    class Meta:
        verbose_name = "村月报"
        ordering = ["-month", "village__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "month"], name="one_report_per_village_month"
            )
        ]
        indexes = [models.Index(fields=["town", "month"])]

    def __str__(self) -> str:
        return f"{self.village_id} {self.month:%Y-%m} {self.get_kind_display()}"
