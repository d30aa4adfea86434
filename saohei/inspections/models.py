from django.conf import settings
from django.db import models

from saohei.organisations.models import Unit
from saohei.rectifications.models import RectificationItem


class ArchiveFolder(models.Model):
    """One folder of the checklist (DOMAIN.md §5, seeded by migration 0002); order and active are editable."""

    name = models.CharField("档案类别", max_length=100, unique=True)
    sort_order = models.PositiveIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "档案检查项目"
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class Result(models.TextChoices):
    PASSED = "passed", "合格"
    IRREGULAR = "irregular", "不规范"
    MISSING = "missing", "缺失"


class InspectionRound(models.Model):
    """One round of archive inspections (e.g. deployed by the 市扫黑办) over chosen villages."""

    unit = models.ForeignKey(
        Unit, verbose_name="所属镇", on_delete=models.PROTECT, related_name="inspection_rounds"
    )
    title = models.CharField("检查名称", max_length=200)
    deployed_by = models.CharField("部署单位", max_length=100, blank=True)
    inspected_on = models.DateField("检查日期")
    inspectors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="检查人员", related_name="+"
    )
    villages = models.ManyToManyField(Unit, verbose_name="检查村居", related_name="+")
    working_days = models.PositiveSmallIntegerField("整改时限（工作日）", default=10)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "档案检查"
        ordering = ["-inspected_on", "-id"]

    def __str__(self) -> str:
        return self.title


class Finding(models.Model):
    """Per village and folder: 合格 / 不规范 / 缺失; not 合格 → an on-site rectification item."""

    round = models.ForeignKey(InspectionRound, on_delete=models.CASCADE, related_name="findings")
    village = models.ForeignKey(
        Unit, verbose_name="村居", on_delete=models.PROTECT, related_name="+"
    )
    folder = models.ForeignKey(
        ArchiveFolder, verbose_name="档案类别", on_delete=models.PROTECT, related_name="+"
    )
    result = models.CharField("检查结果", max_length=16, choices=Result.choices)
    note = models.TextField("说明", blank=True)
    rectification_item = models.ForeignKey(
        RectificationItem,
        verbose_name="整改事项",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)
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
        verbose_name = "检查结果"
        ordering = ["village__sort_order", "folder__sort_order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "village", "folder"], name="one_finding_per_round_village_folder"
            )
        ]

    def __str__(self) -> str:
        return f"{self.folder}：{self.get_result_display()}"


def photo_path(instance: "FindingPhoto", filename: str) -> str:
    # The stored name is the digest: no user-chosen text ends up in paths or URLs.
    return f"inspections/{instance.finding_id}/{instance.sha256}"


class FindingPhoto(models.Model):
    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to=photo_path, max_length=200)
    original_name = models.CharField("文件名", max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField("大小")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "检查照片"
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name
