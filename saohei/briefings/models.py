from django.conf import settings
from django.db import models

from saohei.organisations.models import Unit


class BriefingDraft(models.Model):
    """A generated briefing saved for editing: the text of each section as the office edited it.

    The numbers' links belong to the generated view only; a draft is plain text, exported as is
    until someone regenerates it.
    """

    unit = models.ForeignKey(
        Unit, verbose_name="所属镇", on_delete=models.PROTECT, related_name="briefing_drafts"
    )
    date_from = models.DateField("起始日期", null=True, blank=True)
    date_to = models.DateField("截止日期", null=True, blank=True)
    title = models.CharField("标题", max_length=200)
    # [{"key": "organisation", "heading": "一、组织领导", "text": "…"}], in the briefing's order.
    sections = models.JSONField("正文", default=list)
    generated_at = models.DateTimeField("生成时间")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
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
    # 期号: a saved briefing is an issue of the town's series, numbered from 1 each year.
    issue_year = models.PositiveSmallIntegerField("年度")
    issue_number = models.PositiveIntegerField("期号")
    issued_on = models.DateField("印发日期")
    # The town's imprint when the issue was saved (编发单位, 报/送/发, 共印份数): a later change of
    # the settings does not rewrite what an issued briefing says. Empty: the current settings.
    imprint = models.JSONField("版头版记", default=dict, blank=True)

    class Meta:
        verbose_name = "工作简报草稿"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["unit", "created_at"])]
        constraints = [
            # The backstop of issue numbering: two saves can never take the same number.
            models.UniqueConstraint(
                fields=["unit", "issue_year", "issue_number"], name="briefing_issue_unique"
            )
        ]

    def __str__(self) -> str:
        return self.title


class BriefingSettings(models.Model):
    """A town's masthead and closing lines (GB/T 9704 版头、版记), edited by its office."""

    unit = models.OneToOneField(
        Unit, verbose_name="所属镇", on_delete=models.PROTECT, related_name="briefing_settings"
    )
    issuing_unit = models.CharField("编发单位", max_length=100)
    report_to = models.CharField("报", max_length=300, blank=True)
    copy_to = models.CharField("送", max_length=300, blank=True)
    distribute_to = models.CharField("发", max_length=300, blank=True)
    copies = models.PositiveSmallIntegerField("共印份数", null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "工作简报版头版记"

    def __str__(self) -> str:
        return f"{self.unit.name}工作简报版头版记"
