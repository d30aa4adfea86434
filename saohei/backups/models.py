"""One row per backup attempt: what the 系统管理员 and the health check read."""

from django.db import models
from django.utils import timezone


class BackupStatus(models.TextChoices):
    RUNNING = "running", "进行中"
    SUCCEEDED = "succeeded", "成功"
    FAILED = "failed", "失败"


class BackupRunQuerySet(models.QuerySet["BackupRun"]):
    def succeeded(self) -> "BackupRunQuerySet":
        return self.filter(status=BackupStatus.SUCCEEDED)


class BackupRun(models.Model):
    started_at = models.DateTimeField("开始时间", default=timezone.now)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    status = models.CharField(
        "结果", max_length=16, choices=BackupStatus.choices, default=BackupStatus.RUNNING
    )
    file_name = models.CharField("备份文件", max_length=200, blank=True)
    size_bytes = models.PositiveBigIntegerField("大小（字节）", default=0)
    # Our own messages and exception class names only: never a row's content.
    error = models.TextField("错误", blank=True)

    objects = BackupRunQuerySet.as_manager()

    class Meta:
        verbose_name = "备份记录"
        verbose_name_plural = "备份记录"
        indexes = [models.Index(fields=["status", "finished_at"])]

    def __str__(self) -> str:
        return f"{self.file_name or '备份'}（{self.get_status_display()}）"
