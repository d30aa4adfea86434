from django.conf import settings
from django.db import models

from saohei.organisations.models import Unit


class SenderMapping(models.Model):
    """What one sender's sheets mean, remembered per town and import kind: which column is
    which field (`columns`: column title → field key, "" for a column left out) and what the
    sender's words for choices and villages are (`values`: field key → folded word → value)."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name="镇")
    kind = models.CharField("导入类别", max_length=32)
    sender = models.CharField("来文单位", max_length=100)
    columns = models.JSONField("列对照", default=dict)
    values = models.JSONField("取值对照", default=dict)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "来文表格对照"
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "kind", "sender"], name="sheets_one_mapping_per_sender"
            )
        ]

    def __str__(self) -> str:
        return f"{self.sender}（{self.kind}）"


class StagedSheet(models.Model):
    """An uploaded sheet read into text and held until it is imported or abandoned: the
    mapping and the preview work on it, so the file is read (and checked) once."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name="镇")
    kind = models.CharField("导入类别", max_length=32)
    sender = models.CharField("来文单位", max_length=100)
    file_name = models.CharField("文件名", max_length=200)
    sha256 = models.CharField(max_length=64)
    # Grid.rows and Grid.merges (reading.Grid): every row as text, merged ranges as 4-tuples.
    rows = models.JSONField(default=list)
    merges = models.JSONField(default=list)
    # What the importing context asked at upload (e.g. the default 来源).
    options = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    imported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "待导入表格"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.file_name
