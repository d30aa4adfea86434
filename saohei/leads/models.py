from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models

from saohei.common.models import SealedIdentity, VehiclePlate
from saohei.deadlines.models import ReminderLog
from saohei.organisations.models import Unit


class Channel(models.TextChoices):
    LETTER = "letter", "来信"
    VISIT = "visit", "来访"
    PHONE = "phone", "电话"
    ONLINE = "online", "网络"
    PLATFORM = "platform", "平台"
    IN_PERSON = "in_person", "当面"


class Source(models.TextChoices):
    UPPER_ASSIGNED = "upper_assigned", "上级交办"
    PLATFORM_12337 = "platform_12337", "12337平台下发"
    PUBLIC_REPORT = "public_report", "群众举报"
    SELF_FOUND = "self_found", "自行摸排"
    CASE_REVIEW = "case_review", "治安案件倒查"
    TALK = "talk", "谈心谈话"
    TRANSFER = "transfer", "部门移送"
    ANALYSIS = "analysis", "研判发现"


# Sources where someone reported: without a sealed identity such a lead is an anonymous report.
REPORT_SOURCES = frozenset({Source.PUBLIC_REPORT, Source.PLATFORM_12337})

# Leads from these sources must be reported back upward (反馈上级) before archiving.
SOURCES_NEEDING_FEEDBACK = frozenset({Source.UPPER_ASSIGNED, Source.PLATFORM_12337})


class Status(models.TextChoices):
    REGISTERED = "registered", "已登记"
    TRIAGED = "triaged", "已研判"
    ASSIGNED = "assigned", "已交办"
    INVESTIGATING = "investigating", "核查中"
    PROPOSED = "proposed", "待审核"
    CONCLUDED = "concluded", "已办结"
    ARCHIVED = "archived", "已归档"
    MERGED = "merged", "已并案"


OPEN_STATUSES = frozenset(
    {Status.REGISTERED, Status.TRIAGED, Status.ASSIGNED, Status.INVESTIGATING, Status.PROPOSED}
)
CLOSED_STATUSES = frozenset({Status.CONCLUDED, Status.ARCHIVED, Status.MERGED})
# 回访 follows the conclusion, so it stays possible after 归档 (a real-name lead is archived only
# once followed up, but the reporter may be called again).
FOLLOW_UP_STATUSES = frozenset({Status.CONCLUDED, Status.ARCHIVED})


class Conclusion(models.TextChoices):
    CONFIRMED_FILED = "confirmed_filed", "查实-已立案侦查"
    CONFIRMED_PUNISHED = "confirmed_punished", "查实-治安处罚/行政处理"
    PARTLY_CONFIRMED = "partly_confirmed", "部分查实"
    EXCLUDED = "excluded", "查否-排除涉黑涉恶"
    UNFOUNDED = "unfounded", "查否-线索不实"
    TO_DISCIPLINE = "to_discipline", "移送纪委监委"
    TO_OTHER_DEPARTMENT = "to_other_department", "移送其他主管部门"
    UNVERIFIABLE = "unverifiable", "无法核查-暂存待查"
    MERGED = "merged", "并案"


SUBSTANTIATED_CONCLUSIONS = frozenset(
    {Conclusion.CONFIRMED_FILED, Conclusion.CONFIRMED_PUNISHED, Conclusion.PARTLY_CONFIRMED}
)


class DictionaryKind(models.TextChoices):
    TARGET_CATEGORY = "target_category", "线索类别"
    OFFENCE_TYPE = "offence_type", "涉嫌违法犯罪类型"


class DictionaryEntry(models.Model):
    """Editable lists (DOMAIN.md §3.2, §3.3), seeded by a data migration."""

    kind = models.CharField("类别", max_length=32, choices=DictionaryKind.choices)
    name = models.CharField("名称", max_length=100)
    sort_order = models.PositiveIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "字典项"
        ordering = ["kind", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "name"], name="dictionary_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class SourceTimeLimit(models.Model):
    """Default time limit in working days per source (configurable; DOMAIN.md §2)."""

    source = models.CharField("来源", max_length=32, choices=Source.choices, unique=True)
    working_days = models.PositiveSmallIntegerField("办理时限（工作日）")

    class Meta:
        verbose_name = "办理时限"

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.working_days} 个工作日"


class LeadNumberCounter(models.Model):
    """The last number issued per town and year, so numbers are never reused."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="one_counter_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.year}: {self.last_value}"


class LeadQuerySet(models.QuerySet["Lead"]):
    def open(self) -> "LeadQuerySet":
        return self.filter(status__in=OPEN_STATUSES)

    def closed(self) -> "LeadQuerySet":
        return self.filter(status__in=CLOSED_STATUSES)


class Lead(models.Model):
    unit = models.ForeignKey(
        Unit, verbose_name="所属镇", on_delete=models.PROTECT, related_name="leads"
    )
    number = models.CharField("线索编号", max_length=32, unique=True)
    received_at = models.DateTimeField("受理时间")
    channel = models.CharField("受理渠道", max_length=16, choices=Channel.choices)
    source = models.CharField("线索来源", max_length=32, choices=Source.choices)
    upstream_office = models.CharField("交办单位", max_length=100, blank=True)
    upstream_reference = models.CharField("交办文号", max_length=100, blank=True)
    upstream_deadline = models.DateField("上级要求办结日期", null=True, blank=True)
    village = models.ForeignKey(
        Unit,
        verbose_name="所属村",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    place = models.CharField("地点", max_length=200, blank=True)
    target_category = models.ForeignKey(
        DictionaryEntry,
        verbose_name="线索类别",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    offence_types = models.ManyToManyField(
        DictionaryEntry, verbose_name="涉嫌类型", blank=True, related_name="+"
    )
    summary = models.CharField("简要内容", max_length=500)
    narrative = models.TextField("详细情况", blank=True)
    involves_official = models.BooleanField("涉及公职人员（保护伞）", default=False)
    reporter_reference = models.CharField("举报人化名编号", max_length=32, blank=True)
    is_real_name_report = models.BooleanField("实名举报", default=False)

    status = models.CharField(
        "状态", max_length=16, choices=Status.choices, default=Status.REGISTERED
    )
    triage_opinion = models.TextField("研判意见", blank=True)
    handling_unit = models.ForeignKey(
        Unit,
        verbose_name="承办单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="承办人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    police_unit = models.ForeignKey(
        Unit,
        verbose_name="协查派出所",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    assigned_at = models.DateTimeField("交办时间", null=True, blank=True)
    due_on = models.DateField("办理时限", null=True, blank=True)

    conclusion = models.CharField("核查结论", max_length=32, choices=Conclusion.choices, blank=True)
    conclusion_basis = models.TextField("结论依据", blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField("拟办结时间", null=True, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    signed_off_at = models.DateTimeField("审核时间", null=True, blank=True)
    concluded_at = models.DateTimeField("办结时间", null=True, blank=True)
    fed_back_at = models.DateTimeField("反馈上级时间", null=True, blank=True)
    followed_up_at = models.DateTimeField("回访时间", null=True, blank=True)
    archived_at = models.DateTimeField("归档时间", null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name="并入线索",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_leads",
    )
    escalation_level = models.PositiveSmallIntegerField(
        "催督办级别", default=0, help_text="0 无，1 催办，2 督办"
    )

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Raised by every correction of the registered facts; a stale one is refused (0044).
    version = models.PositiveIntegerField("版本", default=1)

    # The steps of the deadline ladder already sent (`deadlines`); deleted with the record.
    reminders = GenericRelation(ReminderLog)

    objects = LeadQuerySet.as_manager()

    class Meta:
        verbose_name = "线索"
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["unit", "received_at", "id"]),
            # The list's ORDER BY: with scope as a subquery, the first page walks this index.
            models.Index(fields=["received_at", "id"], name="lead_received_keyset"),
            models.Index(fields=["status", "due_on"]),
            models.Index(fields=["handling_unit", "status"]),
            models.Index(fields=["police_unit", "status"]),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def reporter_label(self) -> str:
        """举报人 as the detail page says it; an anonymous report has no sealed identity at all."""
        if self.reporter_reference and self.is_real_name_report:
            return "实名举报（身份已加密）"
        if self.reporter_reference or self.source in REPORT_SOURCES:
            return "匿名举报"
        return f"无（线索来源：{self.get_source_display()}）"

    @property
    def accepts_follow_up(self) -> bool:
        """回访 can be recorded now: a real-name report, concluded or archived."""
        return self.is_real_name_report and self.status in FOLLOW_UP_STATUSES


def person_label(name: str, alias: str) -> str:
    """张三（刀疤）; a person known only by a nickname is 刀疤（绰号）, not 刀疤（刀疤）: a tip's
    nickname-only person becomes a subject whose required name is that nickname."""
    if alias and (not name or name == alias):
        return f"{alias}（绰号）"
    label = name or "姓名不详"
    return f"{label}（{alias}）" if alias else label


class SubjectRole(models.TextChoices):
    REPORTED = "reported", "被反映人"
    INVOLVED = "involved", "涉案人员"
    VILLAGE_CADRE = "village_cadre", "村干部"
    OFFICIAL = "official", "公职人员"


class Subject(SealedIdentity):
    """A person a lead is about. ID number and mobile are sealed, with blind indexes."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="subjects")
    name = models.CharField("姓名", max_length=50)
    alias = models.CharField("绰号", max_length=50, blank=True)
    village = models.ForeignKey(
        Unit,
        verbose_name="所属村",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    role = models.CharField(
        "身份", max_length=16, choices=SubjectRole.choices, default=SubjectRole.REPORTED
    )
    position = models.CharField("职务", max_length=100, blank=True)
    # Edits are refused over a newer save (decision 0044, 0056).
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = "被反映人"
        ordering = ["id"]
        indexes = [models.Index(fields=["name", "village"])]

    def __str__(self) -> str:
        return person_label(self.name, self.alias)

    @property
    def is_cadre_or_official(self) -> bool:
        return self.role in (SubjectRole.VILLAGE_CADRE, SubjectRole.OFFICIAL)


class SubjectPlate(VehiclePlate):
    """A vehicle plate of a lead's subject."""

    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="plates")
    owner_field = "subject"

    class Meta(VehiclePlate.Meta):
        verbose_name = "被反映人车牌号"
        constraints = [
            models.UniqueConstraint(fields=["subject", "number"], name="subject_plate_once")
        ]


class LeadEventKind(models.TextChoices):
    REGISTERED = "registered", "登记"
    TRIAGED = "triaged", "研判分流"
    ASSIGNED = "assigned", "交办"
    SHARED = "shared", "推送派出所"
    INVESTIGATION = "investigation", "核查记录"
    PROPOSED = "proposed", "拟办结"
    RETURNED = "returned", "审核退回"
    SIGNED_OFF = "signed_off", "审核通过"
    FED_BACK = "fed_back", "反馈上级"
    FOLLOWED_UP = "followed_up", "回访"
    ARCHIVED = "archived", "归档"
    REOPENED = "reopened", "重新打开"
    MERGED = "merged", "并案"
    LINKED = "linked", "关联"
    EXTENDED = "extended", "延期"
    INSTRUCTION = "instruction", "领导批示"
    INSTRUCTION_ANSWERED = "instruction_answered", "批示回复"
    ESCALATED = "escalated", "催办/督办"
    POLICE_FEEDBACK = "police_feedback", "派出所反馈"
    CORRECTED = "corrected", "更正登记信息"
    SUBJECT_EDITED = "subject_edited", "修改被反映人"
    SUBJECT_REMOVED = "subject_removed", "移除被反映人"
    FEEDBACK_ACCEPTED = "feedback_accepted", "反馈被上级采纳"
    FEEDBACK_RETURNED = "feedback_returned", "反馈被上级退回重查"


class LeadEvent(models.Model):
    """The lead's own timeline (what the people working it read); the audit log is separate."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=32, choices=LeadEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    occurred_at = models.DateTimeField(auto_now_add=True)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.lead} {self.get_kind_display()}"


class InvestigationEntry(models.Model):
    """核查: a dated step of the investigation, by the office, the village or the police."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="investigation_entries")
    occurred_on = models.DateField("日期")
    content = models.TextField("核查情况")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    author_unit = models.ForeignKey(Unit, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_on", "id"]

    def __str__(self) -> str:
        return f"{self.lead} {self.occurred_on}"


def attachment_path(instance: "Attachment", filename: str) -> str:
    # The stored name is the digest: no reporter-chosen text ends up in paths or URLs.
    return f"leads/{instance.lead_id}/{instance.sha256}"


class Attachment(models.Model):
    """A file on a lead or an investigation entry (evidence), with its SHA-256."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="attachments")
    entry = models.ForeignKey(
        InvestigationEntry,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField("文件名", max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField("大小")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class Instruction(models.Model):
    """领导批示 on a lead; the handler acknowledges it and answers."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="instructions")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="批示人", on_delete=models.PROTECT, related_name="+"
    )
    content = models.TextField("批示内容")
    created_at = models.DateTimeField(auto_now_add=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    answer = models.TextField("落实情况", blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.lead} 批示"

    @property
    def is_open(self) -> bool:
        return self.answered_at is None


class Feedback(models.Model):
    """反馈上级: the report back to the assigning office."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="feedbacks")
    fed_back_on = models.DateField("反馈日期")
    recipient = models.CharField("反馈对象", max_length=100)
    content = models.TextField("反馈内容")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.lead} 反馈"


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    MOSTLY = "mostly", "基本满意"
    UNSATISFIED = "unsatisfied", "不满意"
    UNREACHABLE = "unreachable", "无法联系"


class FollowUp(models.Model):
    """回访 of a real-name reporter (contact details stay in the vault)."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="follow_ups")
    contacted_on = models.DateField("回访日期")
    method = models.CharField("方式", max_length=50)
    satisfaction = models.CharField("满意度", max_length=16, choices=Satisfaction.choices)
    notes = models.TextField("情况", blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.lead} 回访"


class DeadlineExtension(models.Model):
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="extensions")
    previous_due_on = models.DateField("原时限")
    new_due_on = models.DateField("新时限")
    reason = models.TextField("延期理由")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.lead} 延期至 {self.new_due_on}"


class LeadLink(models.Model):
    """关联: two leads about the same matter (a merge also records one)."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="links")
    other = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="+")
    note = models.CharField("说明", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["lead", "other"], name="link_once")]

    def __str__(self) -> str:
        return f"{self.lead} ↔ {self.other}"
