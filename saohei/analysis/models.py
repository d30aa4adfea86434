"""The person registry: appearances of people in incidents, resolved into persons.

Nothing here is typed in by hand except the office's decisions (merges, splits, exclusions,
settings, 疑似同一人 answers): appearances, persons and identifier links are derived from the
leads, cases and tips by `registry.refresh` and can be rebuilt from scratch (`analyse`).
There is no incident–incident table: incidents are linked only through persons (decision 0028).
"""

from django.conf import settings
from django.db import models

from saohei.common.models import SealedIdentity
from saohei.organisations.models import Unit


class IncidentKind(models.TextChoices):
    CASE = "case", "治安案件"
    LEAD = "lead", "线索"
    TIP = "tip", "群众举报"


class AppearanceRole(models.TextChoices):
    GATHERER = "gatherer", "纠集者"
    ORGANISER = "organiser", "组织者"
    PARTICIPANT = "participant", "参与者"
    VICTIM = "victim", "被害人"
    WITNESS = "witness", "证人"
    REPORTED = "reported", "被举报人"


RINGLEADER_ROLES = frozenset({AppearanceRole.GATHERER, AppearanceRole.ORGANISER})


class Appearance(models.Model):
    """One person named in one incident: a case's 涉案人员, a lead's 被反映人 or a tip's 被举报人.

    A copy of what resolution and the prompts need, refreshed from the source row; `source_id`
    is that row (CasePerson, Subject or TipPerson), `incident_id` its case, lead or tip.
    """

    incident_kind = models.CharField(max_length=8, choices=IncidentKind.choices)
    incident_id = models.PositiveBigIntegerField()
    source_id = models.PositiveBigIntegerField()
    # No index of their own: (unit, occurred_on) and (person, occurred_on) below serve every
    # read, and each index costs the bulk rebuild of millions of rows (decision 0028).
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", db_index=False)
    village = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    occurred_on = models.DateField()
    role = models.CharField(max_length=16, choices=AppearanceRole.choices)
    is_perpetrator = models.BooleanField(default=False)
    # The incident's 刑事/治安, 手段 and 起因 as the cases context stores them ("" on leads/tips).
    nature = models.CharField(max_length=16, blank=True)
    means = models.CharField(max_length=16, blank=True)
    motive = models.CharField(max_length=16, blank=True)
    name = models.CharField(max_length=50, blank=True)
    name_key = models.CharField(max_length=50, blank=True)
    alias = models.CharField(max_length=50, blank=True)
    id_number_index = models.CharField(max_length=64, blank=True)
    id_number_masked = models.CharField(max_length=18, blank=True)
    phone_index = models.CharField(max_length=64, blank=True)
    phone_masked = models.CharField(max_length=11, blank=True)
    # Who the record's own identifiers say it is (`registry`), and the person after the
    # office's merges: both are kept so that undoing a merge needs no source rows.
    identity_key = models.CharField(max_length=140, blank=True)
    person_key = models.CharField(max_length=140, blank=True)
    person = models.ForeignKey(
        "Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appearances",
        db_index=False,
    )

    class Meta:
        ordering = ["-occurred_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident_kind", "source_id"], name="appearance_once_per_source"
            )
        ]
        indexes = [
            models.Index(fields=["incident_kind", "incident_id"]),
            models.Index(fields=["id_number_index"]),
            models.Index(fields=["phone_index"]),
            models.Index(fields=["person_key"]),
            models.Index(fields=["person", "occurred_on"]),
            models.Index(fields=["unit", "occurred_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_incident_kind_display()} {self.incident_id})"


class Person(models.Model):
    """A person as resolved from appearances: one ID number, or one mobile that is not
    over-shared, or one appearance alone; the office's merges and splits apply on top."""

    person_key = models.CharField(max_length=140, unique=True)
    name = models.CharField("姓名", max_length=50, blank=True)
    # No index of its own: the (name_key, village) index below serves every read by name, and
    # a second one cost the rebuild of 6 million links 8 s (decision 0036).
    name_key = models.CharField(max_length=50, blank=True)
    aliases = models.CharField("绰号", max_length=200, blank=True)
    # The town of the latest appearance: where the person page's figures are first looked for.
    # Neither is read by itself (the village with the name, by the index below), so neither
    # has an index of its own: at 6 million links the two cost the rebuild 17 s (decision 0036).
    unit = models.ForeignKey(
        Unit, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    village = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    appearance_count = models.PositiveIntegerField(default=0)
    perpetrator_count = models.PositiveIntegerField(default=0)
    first_seen = models.DateField(null=True)
    last_seen = models.DateField(null=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "人员"
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["name_key", "village"])]

    def __str__(self) -> str:
        return self.name or "（无名）"


class IdentifierKind(models.TextChoices):
    ID_NUMBER = "id_number", "身份证号"
    PHONE = "phone", "手机号"
    PLATE = "plate", "车牌号"


class PersonIdentifier(models.Model):
    """An identifier a person was given with: ID number and mobile by blind index (masked copy
    for display), a plate as it is (plates are not sealed, decision 0027)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="identifiers")
    kind = models.CharField(max_length=16, choices=IdentifierKind.choices)
    value = models.CharField(max_length=64)
    masked = models.CharField(max_length=18, blank=True)
    appearance_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["kind", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "kind", "value"], name="person_identifier_once"
            )
        ]
        indexes = [models.Index(fields=["kind", "value"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.masked}"


class SharedIdentifier(models.Model):
    """An identifier given for more distinct people than the cap (a village committee's phone,
    a hotline): it stops linking and waits here for the office's review."""

    kind = models.CharField(max_length=16, choices=IdentifierKind.choices)
    value = models.CharField(max_length=64)
    masked = models.CharField(max_length=18, blank=True)
    distinct_names = models.PositiveIntegerField(default=0)
    appearance_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-distinct_names", "id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="shared_identifier_once")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.masked}（{self.distinct_names} 个姓名）"


class IdentifierExclusion(models.Model):
    """An identifier the office says never links people (排除清单)."""

    kind = models.CharField("类别", max_length=16, choices=IdentifierKind.choices)
    value = models.CharField(max_length=64)
    masked = models.CharField("号码", max_length=18, blank=True)
    reason = models.CharField("理由", max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "排除清单"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="identifier_exclusion_once")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.masked}"


class MergeRule(models.Model):
    """The office's decision that two persons are one (合并); undone by setting `undone_at`."""

    first_key = models.CharField(max_length=140)
    second_key = models.CharField(max_length=140)
    reason = models.CharField("理由", max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    undone_at = models.DateTimeField(null=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["first_key"]), models.Index(fields=["second_key"])]

    def __str__(self) -> str:
        return f"合并 {self.first_key} + {self.second_key}"


class SplitRule(models.Model):
    """The office's decision that one appearance is not the person it resolved to (拆分)."""

    incident_kind = models.CharField(max_length=8, choices=IncidentKind.choices)
    source_id = models.PositiveBigIntegerField()
    reason = models.CharField("理由", max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    undone_at = models.DateTimeField(null=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["incident_kind", "source_id"])]

    def __str__(self) -> str:
        return f"拆分 {self.incident_kind}:{self.source_id}"


class SuggestionStatus(models.TextChoices):
    OPEN = "open", "待确认"
    CONFIRMED = "confirmed", "已确认为同一人"
    REJECTED = "rejected", "已否定"


class SamePersonSuggestion(models.Model):
    """疑似同一人: the same name in the same village without a shared ID number or mobile."""

    first_key = models.CharField(max_length=140)
    second_key = models.CharField(max_length=140)
    name = models.CharField(max_length=50)
    village = models.ForeignKey(Unit, null=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(
        max_length=16, choices=SuggestionStatus.choices, default=SuggestionStatus.OPEN
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True)
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["first_key", "second_key"], name="same_person_suggestion_once"
            )
        ]
        # The unique constraint serves reads by the first key; an incremental refresh finds
        # a touched person's suggestions by either key (decision 0036).
        indexes = [models.Index(fields=["second_key"])]

    def __str__(self) -> str:
        return f"疑似同一人 {self.name}"


class AnalysisSettings(models.Model):
    """The office's thresholds (DOMAIN.md §3.1 defaults); one row for the deployment."""

    identifier_share_cap = models.PositiveSmallIntegerField(
        "同一号码关联人数上限",
        default=5,
        help_text="一个手机号或车牌号对应的不同姓名超过此数即停止关联，列入待审清单",
    )
    common_names = models.TextField(
        "常见姓名（不按姓名提示疑似同一人）", blank=True, help_text="每行一个或以顿号分隔"
    )
    window_days = models.PositiveSmallIntegerField("研判时间窗（天）", default=730)
    min_members = models.PositiveSmallIntegerField("恶势力：最少成员数", default=3)
    min_incidents = models.PositiveSmallIntegerField("恶势力：最少违法犯罪次数", default=3)
    min_criminal = models.PositiveSmallIntegerField("恶势力：最少刑事案件数", default=1)
    min_recurring_members = models.PositiveSmallIntegerField(
        "恶势力：无固定纠集者时最少重复参与成员数", default=2
    )
    group_min_criminal = models.PositiveSmallIntegerField(
        "恶势力犯罪集团：纠集者参与的最少刑事案件数", default=3
    )
    heijie_min_members = models.PositiveSmallIntegerField("需研判涉黑：最少成员数", default=10)
    heijie_note_members = models.PositiveSmallIntegerField(
        "需研判涉黑：说明中提示的成员数", default=7
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "研判设置"

    def __str__(self) -> str:
        return "研判设置"


class PendingChange(models.Model):
    """An incident whose people changed and whose links are not yet refreshed (the outbox the
    background task drains; see `registry.refresh_pending`)."""

    incident_kind = models.CharField(max_length=8, choices=IncidentKind.choices)
    incident_id = models.PositiveBigIntegerField()
    noted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.incident_kind}:{self.incident_id}"


class VettingResult(models.TextChoices):
    CLEAR = "clear", "无记录"
    REVIEW = "review", "需复核"


class FindingKind(models.TextChoices):
    CASE = "case", "治安案件"
    LEAD = "lead", "线索"
    PROMPT = "prompt", "研判提示"
    NAMESAKE = "namesake", "同名"


class VettingRun(models.Model):
    """One 村"两委"候选人资格联审: a town's candidate list checked against the registry. The
    sheet keeps what the records said at that moment; the uploaded file itself is not kept."""

    unit = models.ForeignKey(Unit, verbose_name="镇", on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="联审人", on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("联审时间")
    file_name = models.CharField("文件", max_length=200)
    file_sha256 = models.CharField(max_length=64)
    candidate_count = models.PositiveIntegerField("候选人数", default=0)
    review_count = models.PositiveIntegerField("需复核人数", default=0)
    # The check sees what its runner may see: office staff do not see leads about officials.
    covers_officials_leads = models.BooleanField("含涉及公职人员的线索", default=False)

    class Meta:
        verbose_name = "候选人资格联审"
        ordering = ["-uploaded_at", "-id"]
        indexes = [models.Index(fields=["unit", "uploaded_at"])]

    def __str__(self) -> str:
        return f"候选人资格联审 {self.file_name}"


class VettingCandidate(SealedIdentity):
    """A candidate of a run: the ID number sealed as every other, and what was found.

    `findings` is a list of {"kind": FindingKind, "incident_id", "number", "text"}: the record a
    reason rests on, so the sheet shows each viewer only the records they may see.
    """

    run = models.ForeignKey(VettingRun, on_delete=models.CASCADE, related_name="candidates")
    row_number = models.PositiveIntegerField("行号")
    village = models.ForeignKey(Unit, verbose_name="村", on_delete=models.PROTECT, related_name="+")
    name = models.CharField("姓名", max_length=50)
    position = models.CharField("拟任职务", max_length=50)
    result = models.CharField("联审结果", max_length=8, choices=VettingResult.choices)
    findings = models.JSONField(default=list)

    class Meta:
        verbose_name = "联审候选人"
        ordering = ["run", "row_number", "id"]

    def __str__(self) -> str:
        return self.name


# ---------------------------------------------------------------------------------------------
# 研判提示 (恶势力-pattern prompts, `prompts.py`; decision 0029)


class PromptLevel(models.TextChoices):
    GANG = "gang", "疑似恶势力"
    CRIMINAL_GROUP = "criminal_group", "疑似恶势力犯罪集团"
    HEIJIE = "heijie", "需研判涉黑"


LEVEL_RANK = {PromptLevel.GANG: 1, PromptLevel.CRIMINAL_GROUP: 2, PromptLevel.HEIJIE: 3}


class PromptStatus(models.TextChoices):
    OPEN = "open", "待研判"
    CONFIRMED = "confirmed", "研判会确认"
    DISMISSED = "dismissed", "研判会排除"


class FailedElement(models.TextChoices):
    """The element of DOMAIN.md §3.1 a 研判会 found missing when it dismissed a prompt."""

    MEMBERS = "members", "人数不足或成员不固定"
    ORGANISER = "organiser", "无相对固定的纠集者"
    REPEATED = "repeated", "不属于多次实施违法犯罪"
    CRIMINAL = "criminal", "无刑事犯罪"
    BULLYING = "bullying", "不具有为非作恶、欺压百姓特征"
    DISPUTE = "dispute", "系婚恋家庭邻里劳动债务纠纷引发"
    PROFIT = "profit", "单纯牟利，无暴力、威胁或软暴力"
    IDENTITY = "identity", "人员身份关联有误"


class Prompt(models.Model):
    """A cluster of persons who offended together often enough to meet DOMAIN.md §3.1: a prompt
    for the 研判会, never a determination. Recomputed by every refresh; the 研判会's decision
    (status, reason, lead) is the office's and survives recomputation."""

    level = models.CharField("提示级别", max_length=16, choices=PromptLevel.choices)
    status = models.CharField(
        "状态", max_length=16, choices=PromptStatus.choices, default=PromptStatus.OPEN
    )
    # False once the cluster no longer meets the criteria (a case corrected, a person split):
    # kept as the record of what was shown and decided, out of the current lists.
    is_current = models.BooleanField("当前仍满足条件", default=True)
    # The town with most of the incidents: whose 研判会 decides it.
    unit = models.ForeignKey(
        Unit, verbose_name="所属镇", on_delete=models.PROTECT, related_name="+"
    )
    window_start = models.DateField("时间窗起")
    window_end = models.DateField("时间窗止")
    criteria = models.JSONField("认定要素", default=dict)
    explanation = models.TextField("提示说明")
    reopened_reason = models.CharField("重新提示原因", max_length=500, blank=True)
    meeting = models.ForeignKey(
        "meetings.Meeting",
        verbose_name="研判会",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    lead = models.ForeignKey(
        "leads.Lead",
        verbose_name="登记线索",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    failed_element = models.CharField(
        "不符合的要素", max_length=16, choices=FailedElement.choices, blank=True
    )
    decision_note = models.TextField("研判意见", blank=True)
    # "case:12"-style keys of the incidents the decision saw: a dismissed prompt reopens only
    # when an incident outside this set joins it.
    decided_incidents = models.JSONField(default=list)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True)
    created_at = models.DateTimeField("首次提示时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "研判提示"
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["is_current", "status", "unit"]),
            models.Index(fields=["updated_at", "id"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()}（{self.window_start}—{self.window_end}）"


class PromptMember(models.Model):
    prompt = models.ForeignKey(Prompt, on_delete=models.CASCADE, related_name="members")
    # Persons are deleted by the registry's SQL; `prompts.refresh_prompts` removes the rows
    # pointing at them in the same transaction (the key stays for the record).
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="prompt_members")
    person_key = models.CharField(max_length=140)
    role = models.CharField("角色", max_length=16, choices=AppearanceRole.choices)
    incident_count = models.PositiveIntegerField("参与次数", default=0)

    class Meta:
        ordering = ["-incident_count", "id"]
        constraints = [
            models.UniqueConstraint(fields=["prompt", "person"], name="prompt_member_once")
        ]
        indexes = [models.Index(fields=["person_key"])]

    def __str__(self) -> str:
        return f"{self.person_key}（{self.get_role_display()}）"


class PromptIncident(models.Model):
    prompt = models.ForeignKey(Prompt, on_delete=models.CASCADE, related_name="incidents")
    incident_kind = models.CharField(max_length=8, choices=IncidentKind.choices)
    incident_id = models.PositiveBigIntegerField()
    number = models.CharField("编号", max_length=64)
    occurred_on = models.DateField("日期")
    is_criminal = models.BooleanField("刑事", default=False)

    class Meta:
        ordering = ["occurred_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["prompt", "incident_kind", "incident_id"], name="prompt_incident_once"
            )
        ]
        indexes = [models.Index(fields=["incident_kind", "incident_id"])]

    def __str__(self) -> str:
        return f"{self.get_incident_kind_display()} {self.number}"
