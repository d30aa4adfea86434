from datetime import date

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models

from saohei.deadlines.models import ReminderLog
from saohei.leads.models import Lead
from saohei.organisations.models import Unit
from saohei.rectifications.models import RectificationItem


class MeetingKind(models.TextChoices):
    LEADING_GROUP = "leading_group", "领导小组会议"
    TOPIC = "topic", "专题会议"
    ANALYSIS = "analysis", "研判会"
    JOINT = "joint", "联席会议"
    STUDY = "study", "学习"


class MaterialKind(models.TextChoices):
    DOCUMENT = "document", "学习文件"
    CASE = "case", "典型案例"


class Frequency(models.TextChoices):
    MONTHLY = "monthly", "按月"
    WEEKLY = "weekly", "按周"


class Assessment(models.TextChoices):
    MET = "met", "达标"
    MOSTLY_MET = "mostly_met", "基本达标"
    NOT_MET = "not_met", "未达标"


class MeetingQuerySet(models.QuerySet["Meeting"]):
    def of_kind(self, kind: str) -> "MeetingQuerySet":
        return self.filter(kind=kind)


class Meeting(models.Model):
    """One meeting of the town's 扫黑除恶 work (研判会议记录 of DOMAIN.md §5)."""

    unit = models.ForeignKey(
        Unit, verbose_name="所属镇", on_delete=models.PROTECT, related_name="meetings"
    )
    kind = models.CharField("会议类型", max_length=16, choices=MeetingKind.choices)
    title = models.CharField("名称", max_length=200)
    held_on = models.DateField("时间")
    place = models.CharField("地点", max_length=200)
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="主持人", on_delete=models.PROTECT, related_name="+"
    )
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="参会人", related_name="meetings_attended"
    )
    recorder = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT, related_name="+"
    )
    topics = models.TextField("议题")
    reported = models.TextField("通报情况", blank=True)
    minutes = models.TextField("会议纪要", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Raised by every edit; a save based on an older one is refused (decision 0044).
    version = models.PositiveIntegerField("版本", default=1)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = "会议"
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["unit", "kind", "held_on"])]

    def __str__(self) -> str:
        return f"{self.held_on:%Y-%m-%d} {self.title}"


def material_path(instance: "MeetingMaterial", filename: str) -> str:
    # The stored name is the digest: no user-chosen text ends up in paths or URLs.
    return f"meetings/{instance.meeting_id}/{instance.sha256}"


class MeetingMaterial(models.Model):
    """A document or typical case studied at the meeting, with its attachment if any."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="materials")
    kind = models.CharField("类别", max_length=16, choices=MaterialKind.choices)
    title = models.CharField("标题", max_length=200)
    file = models.FileField(upload_to=material_path, max_length=200, blank=True)
    original_name = models.CharField("文件名", max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField("大小", default=0)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)

    class Meta:
        verbose_name = "学习材料"
        ordering = ["kind", "id"]

    def __str__(self) -> str:
        return self.title


class MeetingDecision(models.Model):
    """决定事项 with its owner (责任分工) and deadline (时限)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    text = models.TextField("决定事项")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="责任人", on_delete=models.PROTECT, related_name="+"
    )
    due_on = models.DateField("时限")
    # Raised by every edit; a save based on an older one is refused (decision 0044).
    version = models.PositiveIntegerField("版本", default=1)
    rectification_item = models.OneToOneField(
        RectificationItem,
        verbose_name="整改事项",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "决定事项"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.text[:30]


class TaskStatus(models.TextChoices):
    OPEN = "open", "进行中"
    DONE = "done", "已完成"


class TaskQuerySet(models.QuerySet["Task"]):
    def open(self) -> "TaskQuerySet":
        return self.filter(status=TaskStatus.OPEN)

    def done(self) -> "TaskQuerySet":
        return self.filter(status=TaskStatus.DONE)

    def overdue(self, today: date) -> "TaskQuerySet":
        return self.filter(status=TaskStatus.OPEN, due_on__lt=today)


class Task(models.Model):
    """任务: a decision handed to one person of the town to carry out by a date."""

    # The town, kept on the task so that scoping never joins through the meeting.
    unit = models.ForeignKey(
        Unit, verbose_name="所属镇", on_delete=models.PROTECT, related_name="meeting_tasks"
    )
    # One task per decision, held by the database as well as by the service.
    decision = models.OneToOneField(
        MeetingDecision, verbose_name="决定事项", on_delete=models.PROTECT, related_name="task"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="承办人", on_delete=models.PROTECT, related_name="+"
    )
    due_on = models.DateField("完成时限")
    status = models.CharField(
        "状态", max_length=16, choices=TaskStatus.choices, default=TaskStatus.OPEN
    )
    result = models.TextField("办理结果", blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="办结人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    done_at = models.DateTimeField("办结时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("交办时间", auto_now_add=True)

    # The steps of the deadline ladder already sent (`deadlines`); deleted with the record.
    reminders = GenericRelation(ReminderLog)

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = "任务"
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["unit", "status", "due_on"]),
            models.Index(fields=["assignee", "status"]),
        ]

    def __str__(self) -> str:
        return f"任务 {self.pk}"

    @property
    def is_done(self) -> bool:
        return self.status == TaskStatus.DONE


class MeetingLeadOpinion(models.Model):
    """研判意见 on one lead discussed at a 研判会."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="lead_opinions")
    lead = models.ForeignKey(Lead, verbose_name="线索", on_delete=models.PROTECT, related_name="+")
    opinion = models.TextField("研判意见")

    class Meta:
        verbose_name = "研判意见"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "lead"], name="one_opinion_per_lead")
        ]

    def __str__(self) -> str:
        return f"{self.meeting} {self.lead}"


class MeetingSchedule(models.Model):
    """A recurring meeting (定期研判机制): every N months on a day, or weekly on a weekday."""

    unit = models.ForeignKey(
        Unit, verbose_name="所属镇", on_delete=models.PROTECT, related_name="meeting_schedules"
    )
    kind = models.CharField("会议类型", max_length=16, choices=MeetingKind.choices)
    frequency = models.CharField("周期", max_length=16, choices=Frequency.choices)
    interval = models.PositiveSmallIntegerField("间隔", default=1, help_text="每几个月（按月时）")
    day = models.PositiveSmallIntegerField(
        "日", default=1, help_text="按月：每月第几日（1–28）；按周：星期几（1–7）"
    )
    starts_on = models.DateField("起始日期")
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "例会安排"
        ordering = ["kind", "id"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "kind"], name="one_schedule_per_meeting_kind")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.get_frequency_display()}"


class SelfInspection(models.Model):
    """自查自纠 against an upper-level document."""

    unit = models.ForeignKey(
        Unit, verbose_name="所属镇", on_delete=models.PROTECT, related_name="self_inspections"
    )
    document_title = models.CharField("上级文件", max_length=200)
    document_number = models.CharField("文号", max_length=100, blank=True)
    document_on = models.DateField("发文日期")
    inspected_on = models.DateField("自查日期")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "自查自纠"
        ordering = ["-inspected_on", "-id"]

    def __str__(self) -> str:
        return self.document_title


class Requirement(models.Model):
    """One requirement of the document and the office's self-assessment of it."""

    inspection = models.ForeignKey(
        SelfInspection, on_delete=models.CASCADE, related_name="requirements"
    )
    position = models.PositiveSmallIntegerField("序号")
    text = models.TextField("要求")
    assessment = models.CharField("自评", max_length=16, choices=Assessment.choices, blank=True)
    note = models.TextField("说明", blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assessed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "自查要求"
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text[:30]


class SelfInspectionProblem(models.Model):
    """A problem found, always on the ledger as a rectification item."""

    inspection = models.ForeignKey(
        SelfInspection, on_delete=models.CASCADE, related_name="problems"
    )
    requirement = models.ForeignKey(
        Requirement, null=True, blank=True, on_delete=models.SET_NULL, related_name="problems"
    )
    description = models.TextField("问题描述")
    rectification_item = models.OneToOneField(
        RectificationItem, verbose_name="整改事项", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "自查问题"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.description[:30]
