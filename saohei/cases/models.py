from django.conf import settings
from django.db import models

from saohei.common.models import SealedIdentity, VehiclePlate
from saohei.common.pii import SealedValue, unseal
from saohei.common.sealing import SealedField
from saohei.health.jobs import FINISHED_JOB_STATUSES, BackgroundJob, JobStatus
from saohei.leads.models import Lead
from saohei.organisations.models import Unit


class Nature(models.TextChoices):
    CRIMINAL = "criminal", "刑事"
    PUBLIC_SECURITY = "public_security", "治安"


class Means(models.TextChoices):
    VIOLENCE = "violence", "暴力"
    THREAT = "threat", "威胁"
    SOFT_VIOLENCE = "soft_violence", "软暴力"
    OTHER = "other", "其他"


class Motive(models.TextChoices):
    MARRIAGE = "marriage", "婚恋"
    FAMILY = "family", "家庭"
    NEIGHBOUR = "neighbour", "邻里"
    LABOUR = "labour", "劳动"
    LAWFUL_DEBT = "lawful_debt", "合法债务"
    PROFIT = "profit", "单纯牟利"
    OTHER = "other", "其他"


# 2019 意见 art. 5: offences arising from these disputes are generally not 黑恶 (a prompt only).
DISPUTE_MOTIVES = frozenset(
    {Motive.MARRIAGE, Motive.FAMILY, Motive.NEIGHBOUR, Motive.LABOUR, Motive.LAWFUL_DEBT}
)


class PersonRole(models.TextChoices):
    GATHERER = "gatherer", "纠集者"
    ORGANISER = "organiser", "组织者"
    PARTICIPANT = "participant", "参与者"
    VICTIM = "victim", "被害人"
    WITNESS = "witness", "证人"


PERPETRATOR_ROLES = frozenset({PersonRole.GATHERER, PersonRole.ORGANISER, PersonRole.PARTICIPANT})


# The shared job states (`health.jobs`), under the name this context has always used.
ImportStatus = JobStatus
FINISHED_IMPORT_STATUSES = FINISHED_JOB_STATUSES
# Bound into the sealed rejected rows of a job, so the ciphertext cannot pass for another field.
REJECTED_ROWS_DATA = b"case_import_rejected_rows"


def import_file_path(instance: "ImportJob", filename: str) -> str:
    # The stored name is random: nothing the uploader chose ends up in paths.
    return f"cases/imports/{filename}"


class ImportJob(BackgroundJob):
    """One upload of police cases (a workbook, or one or two CSV files), imported in the
    background all-or-nothing. The stored files are deleted once the import has finished:
    they hold ID numbers in clear."""

    unit = models.ForeignKey(
        Unit, verbose_name="所属镇", on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="导入人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="为空表示在服务器命令行导入",
    )
    file = models.FileField(upload_to=import_file_path, max_length=200, blank=True)
    file_name = models.CharField("文件名", max_length=200)
    file_sha256 = models.CharField("SHA-256", max_length=64)
    persons_file = models.FileField(upload_to=import_file_path, max_length=200, blank=True)
    persons_file_name = models.CharField("涉案人员文件名", max_length=200, blank=True)
    persons_file_sha256 = models.CharField(max_length=64, blank=True)
    errors = models.JSONField("错误", default=list, blank=True)
    error_count = models.PositiveIntegerField("错误数", default=0)
    cases_created = models.PositiveIntegerField("新增案件", default=0)
    cases_updated = models.PositiveIntegerField("更新案件", default=0)
    persons_written = models.PositiveIntegerField("写入涉案人员", default=0)
    # A refused import's bad rows with their cells and messages (JSON, `exports.rejected_rows`),
    # sealed: they hold ID numbers in clear. Kept for the download for a day (decision 0064).
    # Asked at upload: cases with a bad row are left out and the rest written (decision 0064);
    # otherwise one bad row stops the whole import, as before.
    skip_rejected = models.BooleanField("跳过有错误的案件", default=False)
    # Who sent the file (a station, say): the clerk's value mapping is remembered per town and
    # sender (`sheets.SenderMapping`) and applied to the sender's next import (decision 0065).
    sender = models.CharField("来文单位", max_length=100, blank=True)
    # The sender's words no value was found for ({field, word, rows}), offered once each in the
    # 取值对照 form; and those read through the saved mapping ({field, word, value, rows}).
    unknown_values = models.JSONField("无法识别的取值", default=list, blank=True)
    remembered_values = models.JSONField("按已保存对照读取的取值", default=list, blank=True)
    rejected_rows_key = models.CharField(max_length=16, blank=True)
    rejected_rows_sealed = models.TextField(blank=True)

    class Meta:
        verbose_name = "案件导入"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["unit", "created_at"])]

    def __str__(self) -> str:
        return f"导入 {self.file_name}"

    @property
    def can_retry(self) -> bool:
        return (
            self.status == ImportStatus.FAILED
            and self.interrupted_at is not None
            and bool(self.file)
        )

    @property
    def awaits_values(self) -> bool:
        """A refused import with words the clerk can map: its files are kept (a day) so the rows
        are checked again once mapped, without a new upload."""
        return (
            self.status == ImportStatus.FAILED
            and self.interrupted_at is None
            and bool(self.unknown_values)
            and bool(self.file)
        )


class CaseQuerySet(models.QuerySet["Case"]):
    def reviewed(self) -> "CaseQuerySet":
        return self.filter(review__isnull=False)

    def unreviewed(self) -> "CaseQuerySet":
        return self.filter(review__isnull=True)


class Case(models.Model):
    """A 刑事/治安 case supplied by the police station, kept for the 倒查 (historical review)."""

    unit = models.ForeignKey(
        Unit, verbose_name="所属镇", on_delete=models.PROTECT, related_name="cases"
    )
    number = models.CharField("案件编号", max_length=64)
    cause = models.CharField("案由", max_length=100)
    nature = models.CharField("案件性质", max_length=16, choices=Nature.choices)
    occurred_on = models.DateField("发案日期")
    occurred_time = models.TimeField("发案时刻", null=True, blank=True)
    place = models.CharField("发案地点", max_length=200, blank=True)
    village = models.ForeignKey(
        Unit,
        verbose_name="所属村",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    summary = models.TextField("简要案情", blank=True)
    outcome = models.TextField("处理结果", blank=True)
    means = models.CharField("手段", max_length=16, choices=Means.choices, blank=True)
    motive = models.CharField("起因", max_length=16, choices=Motive.choices, blank=True)
    import_job = models.ForeignKey(
        ImportJob,
        verbose_name="最近一次导入",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = "治安案件"
        ordering = ["-occurred_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "number"], name="case_number_unique_per_unit")
        ]
        indexes = [models.Index(fields=["unit", "occurred_on", "id"])]

    def __str__(self) -> str:
        return f"{self.number} {self.cause}"

    @property
    def arose_from_dispute(self) -> bool:
        return self.motive in DISPUTE_MOTIVES


class CasePerson(SealedIdentity):
    """涉案人员. ID number and phone are sealed exactly as a lead's subjects are; a police
    export may give a second number (a fixed line, say), sealed and indexed as a phone too."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="persons")
    name = models.CharField("姓名", max_length=50)
    role = models.CharField("角色", max_length=16, choices=PersonRole.choices)
    # The second number of the 手机号 cell (decision 0064); its blind index is the same kind as
    # the first's, so the same number matches in either place. Database defaults, so rows
    # written by SQL that does not name these columns stay valid.
    phone2_key = models.CharField(max_length=16, blank=True, default="", db_default="")
    phone2_sealed = models.TextField(blank=True, default="", db_default="")
    phone2_index = models.CharField(
        max_length=64, blank=True, default="", db_default="", db_index=True
    )
    phone2_suffix_index = models.CharField(
        max_length=64, blank=True, default="", db_default="", db_index=True
    )
    phone2_masked = models.CharField(
        "第二个电话", max_length=11, blank=True, default="", db_default=""
    )

    class Meta:
        verbose_name = "涉案人员"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_perpetrator(self) -> bool:
        return self.role in PERPETRATOR_ROLES

    @classmethod
    def sealed_fields(cls) -> list[SealedField]:
        return [
            *super().sealed_fields(),
            SealedField(
                model=cls,
                key_field="phone2_key",
                ciphertext_field="phone2_sealed",
                associated_data=b"phone",
            ),
        ]

    def set_second_phone(self, sealed: SealedValue, *, masked: str) -> None:
        self.phone2_key = sealed.key_id
        self.phone2_sealed = sealed.ciphertext
        self.phone2_index = sealed.index
        self.phone2_suffix_index = sealed.suffix_index
        self.phone2_masked = masked

    def unsealed_second_phone(self) -> str:
        if not self.phone2_sealed:
            return ""
        return unseal("phone", self.phone2_key, self.phone2_sealed)


class CasePersonPlate(VehiclePlate):
    """A vehicle plate of a case's 涉案人员 (the import's 车牌号 column)."""

    person = models.ForeignKey(CasePerson, on_delete=models.CASCADE, related_name="plates")
    owner_field = "person"

    class Meta(VehiclePlate.Meta):
        verbose_name = "涉案人员车牌号"
        constraints = [
            models.UniqueConstraint(fields=["person", "number"], name="case_person_plate_once")
        ]


class ReviewConclusion(models.TextChoices):
    EXCLUDED = "excluded", "排除涉黑涉恶可能"
    TO_LEAD = "to_lead", "转为线索"


class CaseReview(models.Model):
    """倒查: the office's judgement on one case; 转为线索 registers a lead and links it."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="review")
    conclusion = models.CharField("倒查结论", max_length=16, choices=ReviewConclusion.choices)
    is_gang = models.BooleanField("是否团伙", default=False)
    organiser = models.CharField("纠集者", max_length=50, blank=True)
    notes = models.TextField("倒查意见")
    reviewed_on = models.DateField("倒查日期")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="倒查人", on_delete=models.PROTECT, related_name="+"
    )
    lead = models.ForeignKey(
        Lead,
        verbose_name="转为线索",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "案件倒查"

    def __str__(self) -> str:
        return f"{self.case} {self.get_conclusion_display()}"
