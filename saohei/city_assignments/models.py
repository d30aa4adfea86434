"""市级交办: what the city office assigned to which towns, and its judgement of each 反馈.

The town's side is an ordinary lead (source 上级交办 or 12337平台下发) registered through the
leads services; a row here ties the city's assignment to each town's lead (decision 0062).
"""

from django.conf import settings
from django.db import models

from saohei.leads.models import Feedback, Lead, Source
from saohei.organisations.models import Unit

# What the city passes on: its own assignments, and leads the 12337 platform sent it.
ASSIGNABLE_SOURCES = (Source.UPPER_ASSIGNED, Source.PLATFORM_12337)


class Verdict(models.TextChoices):
    ACCEPTED = "accepted", "采纳"
    RETURNED = "returned", "退回重查"


class Progress(models.TextChoices):
    """Where a town stands with the city, read off its lead and the city's last judgement."""

    WAITING = "waiting", "待反馈"
    SUBMITTED = "submitted", "已反馈待审核"
    RETURNED = "returned", "已退回重查"
    ACCEPTED = "accepted", "已采纳"


class ListStatus(models.TextChoices):
    """The city clerk's filter: of an assignment (any town, or the chosen town) or a town row."""

    OPEN = "open", "进行中"
    OVERDUE = "overdue", "已逾期"
    SUBMITTED = "submitted", "待审核反馈"
    DONE = "done", "已办结"


class CityAssignment(models.Model):
    city = models.ForeignKey(
        Unit, verbose_name="交办单位", on_delete=models.PROTECT, related_name="+"
    )
    number = models.CharField("交办编号", max_length=100)
    source = models.CharField(
        "来源",
        max_length=32,
        choices=[(source.value, source.label) for source in ASSIGNABLE_SOURCES],
    )
    summary = models.CharField("问题内容", max_length=500)
    subject_name = models.CharField("被反映人", max_length=50, blank=True)
    instruction = models.TextField("交办意见")
    deadline = models.DateField("反馈期限")
    involves_official = models.BooleanField("涉及公职人员（保护伞）", default=False)
    assigned_at = models.DateTimeField("交办日期")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="交办人", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "市级交办"
        ordering = ["-assigned_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["city", "number"], name="city_assignment_number_once")
        ]
        # The list's keyset order within a city: a page reads its page, not the city's history.
        indexes = [
            models.Index(fields=["city", "-assigned_at", "-id"], name="city_assignment_keyset")
        ]

    def __str__(self) -> str:
        return self.number


class AssignedTown(models.Model):
    """One town of an assignment: its lead, and the city's judgement of the latest 反馈."""

    assignment = models.ForeignKey(CityAssignment, on_delete=models.CASCADE, related_name="towns")
    town = models.ForeignKey(Unit, verbose_name="镇", on_delete=models.PROTECT, related_name="+")
    lead = models.OneToOneField(
        Lead, verbose_name="线索", on_delete=models.PROTECT, related_name="city_assignment"
    )
    verdict = models.CharField("审核结果", max_length=16, choices=Verdict.choices, blank=True)
    # The 反馈 the verdict was given on: a later one is waiting for a new judgement.
    judged_feedback = models.ForeignKey(
        Feedback, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    return_reason = models.TextField("退回理由", blank=True)
    # The 反馈期限 the city set with its last return; the assignment's own `deadline` until then.
    return_deadline = models.DateField("重查反馈期限", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)

    class Meta:
        verbose_name = "交办到镇"
        ordering = ["town__sort_order", "town__path", "id"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "town"], name="city_assignment_town_once")
        ]

    def __str__(self) -> str:
        return f"{self.assignment} → {self.town}"
