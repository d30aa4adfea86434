import datetime

from django.conf import settings
from django.db import models


class CalendarOverrideQuerySet(models.QuerySet["CalendarOverride"]):
    def between(self, start: datetime.date, end: datetime.date) -> "CalendarOverrideQuerySet":
        return self.filter(day__range=(start, end))

    def in_year(self, year: int) -> "CalendarOverrideQuerySet":
        return self.filter(day__year=year)


class CalendarOverride(models.Model):
    """One day whose status the office sets by hand: a year the package does not know yet,
    or a correction of what it says. It wins over `chinese_calendar` and the weekday rule."""

    day = models.DateField("日期", unique=True)
    is_working_day = models.BooleanField("是否上班")
    reason = models.CharField("原因", max_length=100, help_text="如：2027年春节")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    objects = CalendarOverrideQuerySet.as_manager()

    class Meta:
        verbose_name = "工作日历调整"
        verbose_name_plural = "工作日历调整"
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {'上班' if self.is_working_day else '放假'}（{self.reason}）"
