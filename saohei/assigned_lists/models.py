from django.conf import settings
from django.db import models

from saohei.health.jobs import BackgroundJob, JobStatus
from saohei.leads.models import Lead, Source
from saohei.organisations.models import Unit
from saohei.sheets.models import StagedSheet


class RowOutcome(models.TextChoices):
    CREATED = "created", "新登记"
    UPDATED = "updated", "已更新"
    UNCHANGED = "unchanged", "无变化"
    # A concluded lead keeps its findings: the row is recorded, nothing on the lead changes.
    CLOSED = "closed", "已办结，未更新"


class AssignedList(models.Model):
    """One imported 交办清单 as the sender laid it out, so its 反馈 goes back in that layout."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name="镇")
    sender = models.CharField("交办单位", max_length=100)
    source = models.CharField("线索来源", max_length=32, choices=Source.choices)
    file_name = models.CharField("文件名", max_length=200)
    sha256 = models.CharField(max_length=64)
    # The rows above the data as they were (title rows and the header), their merged ranges
    # (1-based 4-tuples), the header's first row and depth, and the number of columns.
    top_rows = models.JSONField(default=list)
    merges = models.JSONField(default=list)
    header_row = models.PositiveSmallIntegerField(default=1)
    header_depth = models.PositiveSmallIntegerField(default=1)
    column_count = models.PositiveSmallIntegerField(default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField("导入时间", auto_now_add=True)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    # The upload it was imported from, so the preview page of an imported list leads to it.
    staged = models.OneToOneField(
        StagedSheet, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "交办清单"
        ordering = ["-imported_at", "-id"]

    def __str__(self) -> str:
        return f"{self.sender}：{self.file_name}"


class AssignedListRow(models.Model):
    assigned_list = models.ForeignKey(AssignedList, on_delete=models.CASCADE, related_name="rows")
    position = models.PositiveIntegerField()
    row_number = models.PositiveIntegerField("行号")
    values = models.JSONField(default=list)
    upstream_reference = models.CharField("交办编号", max_length=100)
    lead = models.ForeignKey(Lead, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=16, choices=RowOutcome.choices)

    class Meta:
        ordering = ["assigned_list", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["assigned_list", "position"], name="assigned_list_row_position"
            )
        ]

    def __str__(self) -> str:
        return self.upstream_reference


class ListImportJob(BackgroundJob):
    """确认导入 of a list too long for the request, run by a task worker (decision 0061,
    addendum): one job a staged list, so a second submit finds the first. Its input is the
    staged list (`StagedSheet.rows`), emptied when the list is written and kept for a retry
    when the job fails, until `RETRY_WINDOW` has passed."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name="镇")
    staged = models.OneToOneField(StagedSheet, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="导入人"
    )
    file_name = models.CharField("文件名", max_length=200)
    assigned_list = models.ForeignKey(
        AssignedList, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "交办清单导入"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"导入 {self.file_name}"

    @property
    def can_retry(self) -> bool:
        # The staged rows are emptied once written or once the retry window has passed.
        return self.status == JobStatus.FAILED and bool(self.staged.rows)

    @property
    def progress_percent(self) -> int:
        # While writing, `processed_rows` counts the rows written (reported where the engine
        # lets a second connection write meanwhile, see `health.jobs.report_progress`).
        if self.status == JobStatus.WRITING and self.total_rows and self.processed_rows:
            return min(99, self.processed_rows * 100 // self.total_rows)
        return super().progress_percent
