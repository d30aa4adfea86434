from typing import Any

from django.conf import settings
from django.db import models


class AuditAction(models.TextChoices):
    LOGIN_SUCCEEDED = "login_succeeded", "登录成功"
    LOGIN_FAILED = "login_failed", "登录失败"
    ACCOUNT_LOCKED = "account_locked", "账号锁定"
    ACCOUNT_UNLOCKED = "account_unlocked", "账号解锁"
    OTP_FAILED = "otp_failed", "动态口令错误"
    OTP_ENROLLED = "otp_enrolled", "绑定动态口令"
    OTP_RESET = "otp_reset", "重置动态口令"
    LOGOUT = "logout", "退出登录"
    SESSION_EXPIRED = "session_expired", "会话超时"
    SESSION_TERMINATED = "session_terminated", "强制下线"
    PASSWORD_CHANGED = "password_changed", "修改密码"
    PASSWORD_RESET = "password_reset", "重置密码"
    PASSWORD_RESET_REQUESTED = "password_reset_requested", "申请重置密码"
    PASSWORD_RESET_APPROVED = "password_reset_approved", "批准重置密码"
    PASSWORD_RESET_REJECTED = "password_reset_rejected", "驳回重置密码"
    PASSWORD_RESET_NOTICE_SHOWN = "password_reset_notice_shown", "告知本人密码已被重置"
    ACCOUNT_CREATED = "account_created", "新建账号"
    ACCOUNT_UPDATED = "account_updated", "修改账号"
    ACCOUNT_DEACTIVATED = "account_deactivated", "停用账号"
    ACCOUNT_ACTIVATED = "account_activated", "启用账号"
    ROLE_GRANTED = "role_granted", "授予角色"
    ROLE_REVOKED = "role_revoked", "撤销角色"
    UNIT_CREATED = "unit_created", "新建单位"
    UNIT_UPDATED = "unit_updated", "修改单位"
    GROUP_MEMBER_ADDED = "group_member_added", "增加领导小组成员"
    GROUP_MEMBER_REMOVED = "group_member_removed", "移除领导小组成员"
    SECURITY_POLICY_CHANGED = "security_policy_changed", "修改安全策略"
    API_TOKEN_CREATED = "api_token_created", "创建接口令牌"
    API_TOKEN_REVOKED = "api_token_revoked", "吊销接口令牌"
    API_TOKEN_USED = "api_token_used", "使用接口令牌"
    API_TOKEN_REJECTED = "api_token_rejected", "接口令牌被拒绝"
    NOTIFICATION_PREFERENCES_CHANGED = "notification_preferences_changed", "修改通知方式"
    AUDIT_EXPORTED = "audit_exported", "导出审计日志"
    DEMO_LOADED = "demo_loaded", "载入演示数据"
    CALENDAR_CHANGED = "calendar_changed", "修改工作日历"
    LEAD_REGISTERED = "lead_registered", "登记线索"
    LEAD_VIEWED = "lead_viewed", "查看线索"
    LEAD_CORRECTED = "lead_corrected", "更正线索登记信息"
    LEAD_TRIAGED = "lead_triaged", "研判分流"
    LEAD_ASSIGNED = "lead_assigned", "交办线索"
    LEAD_INVESTIGATED = "lead_investigated", "录入核查情况"
    LEAD_PROPOSED = "lead_proposed", "拟办结"
    LEAD_SIGNED_OFF = "lead_signed_off", "审核办结"
    LEAD_RETURNED = "lead_returned", "审核退回"
    LEAD_FED_BACK = "lead_fed_back", "反馈上级"
    LEAD_FOLLOWED_UP = "lead_followed_up", "回访举报人"
    LEAD_ARCHIVED = "lead_archived", "线索归档"
    LEAD_REOPENED = "lead_reopened", "重新打开线索"
    LEAD_MERGED = "lead_merged", "并案"
    LEAD_LINKED = "lead_linked", "关联线索"
    LEAD_EXTENDED = "lead_extended", "线索延期"
    LEAD_INSTRUCTED = "lead_instructed", "领导批示"
    LEAD_INSTRUCTION_ANSWERED = "lead_instruction_answered", "批示回复"
    LEAD_POLICE_FEEDBACK = "lead_police_feedback", "派出所反馈"
    LEAD_ESCALATED = "lead_escalated", "催办督办"
    LEAD_EXPORTED = "lead_exported", "导出线索"
    LEAD_SUBJECT_ADDED = "lead_subject_added", "添加被反映人"
    LEAD_SUBJECT_EDITED = "lead_subject_edited", "修改被反映人"
    LEAD_SUBJECT_REMOVED = "lead_subject_removed", "移除被反映人"
    LEAD_FEEDBACK_ACCEPTED = "lead_feedback_accepted", "上级采纳反馈"
    LEAD_FEEDBACK_RETURNED = "lead_feedback_returned", "上级退回反馈重查"
    SUBJECT_REVEALED = "subject_revealed", "查看完整身份证号/手机号"
    SUBJECT_PLATES_CHANGED = "subject_plates_changed", "修改被反映人车牌号"
    ATTACHMENT_DOWNLOADED = "attachment_downloaded", "下载附件"
    DICTIONARY_CHANGED = "dictionary_changed", "修改字典"
    CASES_IMPORTED = "cases_imported", "导入治安案件"
    CASES_IMPORT_RETRIED = "cases_import_retried", "重新导入治安案件"
    CASE_REVIEWED = "case_reviewed", "案件倒查"
    CASES_EXPORTED = "cases_exported", "导出案件倒查台账"
    CASE_PERSON_ADDED = "case_person_added", "添加涉案人员"
    SHEET_STAGED = "sheet_staged", "上传待导入表格"
    SHEET_MAPPING_SAVED = "sheet_mapping_saved", "保存表格列与取值对照"
    SHEET_MAPPING_CORRECTED = "sheet_mapping_corrected", "更正表格列与取值对照"
    SHEET_MAPPING_DELETED = "sheet_mapping_deleted", "删除表格列与取值对照"
    ASSIGNED_LIST_IMPORTED = "assigned_list_imported", "导入交办清单"
    ASSIGNED_LIST_IMPORT_RETRIED = "assigned_list_import_retried", "重新导入交办清单"
    ASSIGNED_LIST_EXPORTED = "assigned_list_exported", "导出交办清单反馈"
    TIP_SUBMITTED = "tip_submitted", "收到群众举报"
    TIP_VIEWED = "tip_viewed", "查看群众举报"
    TIP_ACCEPTED = "tip_accepted", "受理群众举报"
    TIP_PERSON_ADDED = "tip_person_added", "添加被举报人"
    TIP_MARKED_SPAM = "tip_marked_spam", "举报列为垃圾信息"
    TIP_RESTORED = "tip_restored", "恢复举报"
    TIP_MESSAGE_SENT = "tip_message_sent", "回复举报人"
    TIP_FOLLOWED_UP = "tip_followed_up", "举报人补充材料"
    IDENTITY_REVEALED = "identity_revealed", "查看举报人身份"
    DATA_KEY_ROTATED = "data_key_rotated", "轮换数据密钥"
    BACKUP_CREATED = "backup_created", "数据备份"
    BACKUP_RESTORED = "backup_restored", "数据恢复"
    REWARD_PROPOSED = "reward_proposed", "提出举报奖励"
    REWARD_APPROVED = "reward_approved", "批准举报奖励"
    REWARD_RETURNED = "reward_returned", "退回举报奖励"
    REWARD_PAID = "reward_paid", "登记奖励发放"
    RECTIFICATION_OPENED = "rectification_opened", "列入整改台账"
    RECTIFICATION_PROGRESS = "rectification_progress", "填报整改进展"
    RECTIFICATION_MEASURES_EDITED = "rectification_measures_edited", "修改整改措施"
    RECTIFICATION_REQUESTED = "rectification_requested", "申请整改销号"
    RECTIFICATION_VERIFIED = "rectification_verified", "整改销号审核通过"
    RECTIFICATION_RETURNED = "rectification_returned", "整改销号退回"
    RECTIFICATION_RECHECKED = "rectification_rechecked", "整改复查"
    RECTIFICATION_ESCALATED = "rectification_escalated", "整改催办/督办"
    RECTIFICATIONS_EXPORTED = "rectifications_exported", "导出问题整改台账"
    TALK_RECORDED = "talk_recorded", "登记谈心谈话"
    TALKS_REVIEWED = "talks_reviewed", "谈心谈话定期梳理"
    INSPECTION_ROUND_CREATED = "inspection_round_created", "部署档案检查"
    INSPECTION_RECORDED = "inspection_recorded", "登记档案检查结果"
    ONSITE_LIST_PRINTED = "onsite_list_printed", "打印现场整改清单"
    ARCHIVE_FOLDER_SAVED = "archive_folder_saved", "修改档案检查项目"
    MEETING_RECORDED = "meeting_recorded", "登记会议"
    MEETING_UPDATED = "meeting_updated", "修改会议记录"
    MEETING_DECISION_TO_RECTIFICATION = "meeting_decision_to_rectification", "会议决定列入整改台账"
    MEETING_SCHEDULE_SET = "meeting_schedule_set", "设置例会安排"
    SELF_INSPECTION_RECORDED = "self_inspection_recorded", "登记自查自纠"
    SELF_INSPECTION_ASSESSED = "self_inspection_assessed", "自查自纠逐项评估"
    SELF_INSPECTION_PROBLEM_TO_RECTIFICATION = (
        "self_inspection_problem_to_rectification",
        "自查问题列入整改台账",
    )
    MEETING_DECISION_ADDED = "meeting_decision_added", "登记会议决定事项"
    MEETING_DECISION_UPDATED = "meeting_decision_updated", "修改会议决定事项"
    MEETING_DECISION_TO_TASK = "meeting_decision_to_task", "会议决定转为任务"
    MEETING_TASK_COMPLETED = "meeting_task_completed", "会议任务办结"
    MEETING_TASK_ESCALATED = "meeting_task_escalated", "会议任务逾期催办/督办"
    PUBLICITY_RECORDED = "publicity_recorded", "登记宣传活动"
    PUBLICITY_CORRECTED = "publicity_corrected", "更正宣传活动"
    PUBLICITY_VOIDED = "publicity_voided", "作废宣传活动"
    PUBLICITY_KIND_SAVED = "publicity_kind_saved", "修改宣传形式"
    PUBLICITY_SCHEDULE_CREATED = "publicity_schedule_created", "设置常态化宣传"
    PUBLICITY_SCHEDULE_STOPPED = "publicity_schedule_stopped", "停止常态化宣传"
    PUBLICITY_SCHEDULE_ACCRUED = "publicity_schedule_accrued", "常态化宣传自动累计"
    PUBLICITY_EXPORTED = "publicity_exported", "导出宣传台账"
    VILLAGE_REPORT_SUBMITTED = "village_report_submitted", "报送村月报"
    VILLAGE_REPORT_DUE_DAY_SET = "village_report_due_day_set", "设置村月报截止日"
    VILLAGE_REPORT_ESCALATED = "village_report_escalated", "村月报催办督办"
    CITY_ASSIGNED = "city_assigned", "市扫黑办交办线索"
    CITY_FEEDBACK_ACCEPTED = "city_feedback_accepted", "市扫黑办采纳反馈"
    CITY_FEEDBACK_RETURNED = "city_feedback_returned", "市扫黑办退回反馈重查"
    CITY_ASSIGNMENTS_EXPORTED = "city_assignments_exported", "导出市级交办反馈表"
    TALK_EDITED = "talk_edited", "修改谈心谈话记录"
    TALK_PROBLEM_ADDED = "talk_problem_added", "谈心谈话发现问题列入整改台账"
    TALK_LEAD_ADDED = "talk_lead_added", "谈心谈话发现线索登记"
    INSPECTION_FINDING_EDITED = "inspection_finding_edited", "修改档案检查结果"
    TALKS_EXPORTED = "talks_exported", "导出谈心谈话记录"
    MEETINGS_EXPORTED = "meetings_exported", "导出研判会议记录"
    INSPECTIONS_EXPORTED = "inspections_exported", "导出村级档案检查台账"
    STATISTICS_EXPORTED = "statistics_exported", "导出统计报表"
    BRIEFING_DRAFT_SAVED = "briefing_draft_saved", "保存工作简报草稿"
    BRIEFING_DRAFT_REGENERATED = "briefing_draft_regenerated", "重新生成工作简报草稿"
    BRIEFING_EXPORTED = "briefing_exported", "导出工作简报"
    BRIEFING_SETTINGS_CHANGED = "briefing_settings_changed", "修改工作简报版头版记"
    FAILURES_SUMMARIZED = "failures_summarized", "同一来源失败汇总"
    PERSONS_MERGED = "persons_merged", "合并人员"
    PERSONS_MERGE_UNDONE = "persons_merge_undone", "撤销合并人员"
    APPEARANCE_SPLIT = "appearance_split", "拆分人员"
    APPEARANCE_SPLIT_UNDONE = "appearance_split_undone", "撤销拆分人员"
    SAME_PERSON_CONFIRMED = "same_person_confirmed", "确认疑似同一人"
    SAME_PERSON_REJECTED = "same_person_rejected", "否定疑似同一人"
    IDENTIFIER_EXCLUDED = "identifier_excluded", "号码列入排除清单"
    IDENTIFIER_EXCLUSION_REMOVED = "identifier_exclusion_removed", "号码移出排除清单"
    VETTING_RUN = "vetting_run", "村“两委”候选人资格联审"
    VETTING_EXPORTED = "vetting_exported", "导出候选人资格联审表"
    PROMPT_CONFIRMED = "prompt_confirmed", "研判会确认研判提示"
    PROMPT_DISMISSED = "prompt_dismissed", "研判会排除研判提示"
    ANALYSIS_SETTINGS_CHANGED = "analysis_settings_changed", "修改研判设置"
    KEY_PERSONS_EXPORTED = "key_persons_exported", "导出重点人员名单"
    PERSON_VIEWED = "person_viewed", "查看人员档案"
    CO_OFFENDERS_EXPORTED = "co_offenders_exported", "导出同案人员名单"


class AuditResult(models.TextChoices):
    SUCCESS = "success", "成功"
    FAILURE = "failure", "失败"
    DENIED = "denied", "拒绝"


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def login_events(self) -> "AuditEventQuerySet":
        """Sign-in events, and the per-minute counts of failed sign-ins beyond the first."""
        return self.filter(
            models.Q(
                action__in=[
                    AuditAction.LOGIN_SUCCEEDED,
                    AuditAction.LOGIN_FAILED,
                    AuditAction.ACCOUNT_LOCKED,
                    AuditAction.OTP_FAILED,
                    AuditAction.LOGOUT,
                    AuditAction.SESSION_EXPIRED,
                    AuditAction.SESSION_TERMINATED,
                ]
            )
            | models.Q(
                action=AuditAction.FAILURES_SUMMARIZED, details__action=AuditAction.LOGIN_FAILED
            )
        )


# What the log shows for a reveal reason written as free text before decision 0011.
LEGACY_REVEAL_REASON_SHOWN = "（旧版自由填写的理由，可能含举报人身份信息，不予显示）"


class AuditEvent(models.Model):
    """One append-only, hash-chained record. Written only by `services.record_event`.

    UPDATE and DELETE are refused by database triggers (migration 0002).
    """

    sequence = models.PositiveBigIntegerField("序号", unique=True)
    occurred_at = models.DateTimeField("时间", db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Snapshots: the log must read the same after an account or unit is renamed.
    actor_username = models.CharField("操作人账号", max_length=150, blank=True)
    actor_display = models.CharField("操作人姓名", max_length=150, blank=True)
    unit = models.ForeignKey(
        "organisations.Unit",
        verbose_name="单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # No `choices=` here: every later context adds actions, and the enum must grow without a
    # migration of this append-only table each time.
    action = models.CharField("操作", max_length=64, db_index=True)
    target_type = models.CharField("对象类型", max_length=64, blank=True)
    target_id = models.CharField("对象编号", max_length=64, blank=True)
    target_label = models.CharField("对象", max_length=200, blank=True)
    result = models.CharField("结果", max_length=16, choices=AuditResult.choices)
    ip_address = models.GenericIPAddressField("IP地址", null=True, blank=True)
    details = models.JSONField("详情", default=dict, blank=True)
    previous_hash = models.CharField(max_length=64)
    chain_hash = models.CharField(max_length=64)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = "审计事件"
        ordering = ["-sequence"]
        indexes = [models.Index(fields=["actor", "occurred_at"])]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action_label}"

    @property
    def shown_details(self) -> dict[str, Any]:
        """The details as the log and its export show them (the chain hashes `details`).

        Before decision 0011 a reveal's reason was free text, and the probe found identities in
        it. Those rows stay in the chain untouched; they read as category 其他, text withheld.
        """
        if self.action == AuditAction.IDENTITY_REVEALED and "reason" in self.details:
            others = {key: value for key, value in self.details.items() if key != "reason"}
            return {**others, "category": "其他", "note": LEGACY_REVEAL_REASON_SHOWN}
        return self.details

    @property
    def action_label(self) -> str:
        try:
            return AuditAction(self.action).label
        except ValueError:
            return self.action


class FailureTally(models.Model):
    """How often one address failed one way in one minute, beyond the first failure.

    The first failure is a chain event; the rest only count here, outside the chain, until
    `services.summarize_failures` writes the count as one summary event and deletes the row.
    """

    action = models.CharField("操作", max_length=64)
    # A keyed hash of the address and the minute: links nothing across minutes, and a portal
    # visitor's address is never stored.
    address_key = models.CharField(max_length=64)
    minute = models.DateTimeField("分钟")
    # Staff-facing failures keep the address, as their single events do; the portal's do not.
    ip_address = models.GenericIPAddressField("IP地址", null=True, blank=True)
    count = models.PositiveIntegerField("次数", default=1)

    class Meta:
        verbose_name = "失败计数"
        constraints = [
            models.UniqueConstraint(
                fields=["action", "address_key", "minute"], name="failure_tally_once_per_minute"
            )
        ]
        indexes = [models.Index(fields=["minute"])]

    def __str__(self) -> str:
        return f"{self.action} {self.minute:%H:%M} ×{self.count}"
