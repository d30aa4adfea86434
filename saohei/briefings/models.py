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

    class Meta:
        verbose_name = "工作简报草稿"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["unit", "created_at"])]

    def __str__(self) -> str:
        return self.title
