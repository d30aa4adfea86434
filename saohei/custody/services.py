"""Every state change of the custody context: one transaction each, checked, audited.

A reporter's identity leaves the vault only through `reveal_reporter_identity`; nothing here
writes an identity into a record, an audit event or a notification.
"""

from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from saohei.audit.models import AuditAction
from saohei.audit.services import record_event
from saohei.common import sealing
from saohei.common.crypto import current_data_key_id
from saohei.common.dates import DateKind, check_date
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.common.keyfiles import KeyFileDataKeys, add_current_data_key, key_file_lock
from saohei.common.rows import lock_current
from saohei.custody.models import (
    PaymentMethod,
    RevealReason,
    RewardCase,
    RewardStatus,
)
from saohei.custody.queries import reward_cap
from saohei.leads import access as lead_access
from saohei.leads.models import SUBSTANTIATED_CONCLUSIONS, Lead, Status
from saohei.notifications.models import NotificationKind
from saohei.notifications.services import notify
from saohei.organisations.models import Unit, User
from saohei.organisations.queries import LEADER_ROLES, units_above, users_holding
from saohei.vault.queries import ReporterDetails, open_reporter_identity
from saohei.vault.screening import refuse_identity_in

MIN_REASON_LENGTH = 5
# The note sits beside the category in the audit log: a hint, not a narrative.
MAX_REVEAL_NOTE_LENGTH = 100
CONCLUDED = frozenset({Status.CONCLUDED, Status.ARCHIVED})


def _require_custodian(actor: User, lead: Lead) -> None:
    if not lead_access.is_identity_custodian(actor, lead.unit):
        raise ActionNotAllowed("只有本镇举报信息保管员可以执行此操作")


def _identity_of(lead: Lead) -> ReporterDetails:
    if not lead.reporter_reference or not lead.is_real_name_report:
        raise ServiceError("该线索为匿名举报，没有举报人身份信息")
    details = open_reporter_identity(lead.reporter_reference)
    if details is None:
        raise ServiceError("保管库中没有该线索的举报人信息")
    return details


@transaction.atomic
def reveal_reporter_identity(
    *, actor: User, lead: Lead, category: str, note: str = "", ip_address: str | None = None
) -> ReporterDetails:
    """Only the town's 举报信息保管员, with a reason category and a short note free of the
    identity; audited (who, when, lead, category, note)."""
    _require_custodian(actor, lead)
    if category not in RevealReason.values:
        raise ServiceError("请选择查看理由", field="category")
    note = note.strip()
    if len(note) > MAX_REVEAL_NOTE_LENGTH:
        raise ServiceError(f"说明不能超过{MAX_REVEAL_NOTE_LENGTH}个字", field="note")
    if category == RevealReason.OTHER and len(note) < MIN_REASON_LENGTH:
        raise ServiceError(f"选择“其他”时请写明理由（至少{MIN_REASON_LENGTH}个字）", field="note")
    details = _identity_of(lead)
    refuse_identity_in(note, details, field="note")
    record_event(
        action=AuditAction.IDENTITY_REVEALED,
        actor=actor,
        unit=lead.unit,
        target=lead,
        ip_address=ip_address,
        details={"category": RevealReason(category).label, "note": note},
    )
    return details


def _matter_root(lead: Lead) -> Lead:
    """The lead that carries the matter, following 并案 (the pages select_related the first hop)."""
    root = lead
    while root.status == Status.MERGED and root.merged_into is not None:
        root = root.merged_into
    return root


def _matter_leads(lead: Lead) -> list[Lead]:
    """The lead that carries the matter (following 并案) and every lead merged into it."""
    root = _matter_root(lead)
    matter, frontier = [root], [root.pk]
    while frontier:
        merged = list(Lead.objects.filter(merged_into__in=frontier))
        matter += merged
        frontier = [other.pk for other in merged]
    return matter


def _substantiation_refusal(matter_root: Lead) -> str:
    """Rewards are for substantiated reports only (DOMAIN.md §4): the matter must stand
    concluded 查实 or 部分查实 at every step, since a reopened lead may end otherwise."""
    if matter_root.status not in CONCLUDED:
        return "线索办结后才能认定举报奖励；线索已重新打开的，待重新办结后再办理"
    if matter_root.conclusion not in SUBSTANTIATED_CONCLUSIONS:
        conclusion = matter_root.get_conclusion_display() or "无"
        return f"举报奖励仅适用于结论为查实或部分查实的线索，该线索结论为“{conclusion}”"
    return ""


def reward_refusal(lead: Lead) -> str:
    """Why the lead's matter cannot have a reward now ("" when it can); for the pages."""
    return _substantiation_refusal(_matter_root(lead))


def _require_substantiated(lead: Lead) -> None:
    refusal = reward_refusal(lead)
    if refusal:
        raise ServiceError(refusal)


def _check_first_reporter(lead: Lead) -> None:
    """One reward per matter, to its first real-name reporter (山东: 首报者)."""
    matter = _matter_leads(lead)
    if refusal := _substantiation_refusal(matter[0]):
        raise ServiceError(refusal)
    if RewardCase.objects.filter(lead__in=matter).exclude(lead=lead).exists():
        raise ServiceError("同一事项（含并案线索）已有举报奖励记录")
    first = min(
        (other for other in matter if other.reporter_reference and other.is_real_name_report),
        key=lambda other: (other.received_at, other.pk),
    )
    if first.pk != lead.pk:
        raise ServiceError(f"奖励仅给予首个实名举报人：线索 {first.number} 受理更早")


def _leaders_of(unit: Unit) -> list[User]:
    return list(users_holding(LEADER_ROLES, on=units_above(unit)))


@transaction.atomic
def propose_reward(
    *, actor: User, lead: Lead, is_eligible: bool, reason: str, amount: Decimal
) -> RewardCase:
    """举报奖励 proposal by the custodian: eligibility with its reason and the amount (≤ cap);
    a returned proposal may be revised. The leaders are notified to approve it."""
    _require_custodian(actor, lead)
    details = _identity_of(lead)
    reason = reason.strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise ServiceError(f"请写明认定理由（至少{MIN_REASON_LENGTH}个字）", field="reason")
    refuse_identity_in(reason, details, field="reason")
    cap = reward_cap()
    if is_eligible and not (Decimal("0") < amount <= cap):
        raise ServiceError(f"奖励金额应大于0且不超过{cap:,.0f}元", field="amount")
    if not is_eligible and amount != 0:
        raise ServiceError("不符合奖励条件的，金额应为0", field="amount")
    _check_first_reporter(lead)
    reward = RewardCase.objects.select_for_update().filter(lead=lead).first()
    if reward is not None and reward.status not in (RewardStatus.PROPOSED, RewardStatus.RETURNED):
        raise ServiceError(f"该奖励已{reward.get_status_display()}，不能再修改")
    reward = reward or RewardCase(lead=lead)
    reward.is_eligible = is_eligible
    reward.eligibility_reason = reason
    reward.amount = amount
    reward.status = RewardStatus.PROPOSED
    reward.proposed_by = actor
    reward.proposed_at = timezone.now()
    reward.decided_by, reward.decided_at, reward.decision_note = None, None, ""
    reward.save()
    record_event(
        action=AuditAction.REWARD_PROPOSED,
        actor=actor,
        unit=lead.unit,
        target=lead,
        details={"reward_id": reward.pk, "is_eligible": is_eligible, "amount": str(amount)},
    )
    notify(
        recipients=_leaders_of(lead.unit),
        title=f"举报奖励待审批：线索 {lead.number}",
        body=f"拟奖励 {amount} 元" if is_eligible else "拟认定不符合奖励条件",
        url=reverse("vault:rewards"),
        kind=NotificationKind.INFO,
    )
    return reward


@transaction.atomic
def decide_reward(*, actor: User, reward: RewardCase, approve: bool, note: str = "") -> RewardCase:
    """A 组长/副组长 of the town approves the proposal or returns it with a reason."""
    lead = reward.lead
    if not lead_access.can_sign_off(actor, lead):
        raise ActionNotAllowed("只有领导小组组长、副组长可以审批举报奖励")
    lock_current(reward, noun="奖励")
    if reward.status != RewardStatus.PROPOSED:
        raise ServiceError(f"该奖励当前为“{reward.get_status_display()}”，不能审批")
    if reward.proposed_by_id == actor.pk:
        raise ActionNotAllowed("提出奖励的人不能审批自己的提议")
    if not approve and not note.strip():
        raise ServiceError("退回须写明理由", field="note")
    if approve:
        _require_substantiated(lead)
    reward.status = RewardStatus.APPROVED if approve else RewardStatus.RETURNED
    reward.decided_by = actor
    reward.decided_at = timezone.now()
    reward.decision_note = note.strip()
    reward.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"])
    record_event(
        action=AuditAction.REWARD_APPROVED if approve else AuditAction.REWARD_RETURNED,
        actor=actor,
        unit=lead.unit,
        target=lead,
        details={"reward_id": reward.pk, "amount": str(reward.amount)},
    )
    notify(
        recipients=[reward.proposed_by],
        title=f"举报奖励{'已批准' if approve else '被退回'}：线索 {lead.number}",
        body=note.strip()[:200],
        url=reverse("vault:lead", args=[lead.pk]),
        kind=NotificationKind.INFO,
    )
    return reward


@transaction.atomic
def record_reward_payment(
    *, actor: User, reward: RewardCase, paid_on: date, method: str, reference: str
) -> RewardCase:
    """发放: the custodian, who alone knows whom to pay, records date, method and voucher."""
    lead = reward.lead
    _require_custodian(actor, lead)
    lock_current(reward, noun="奖励")
    if not reward.is_payable:
        raise ServiceError("只有已批准且金额大于0的奖励可以登记发放")
    _require_substantiated(lead)
    if method not in PaymentMethod.values:
        raise ServiceError("请选择发放方式", field="method")
    reference = reference.strip()
    if not reference:
        raise ServiceError("请填写支付凭证号", field="reference")
    refuse_identity_in(reference, _identity_of(lead), field="reference")
    check_date(paid_on, kind=DateKind.EVENT, label="发放日期", field="paid_on")
    assert reward.decided_at is not None
    if paid_on < timezone.localdate(reward.decided_at):
        raise ServiceError("发放日期不能早于批准日期", field="paid_on")
    reward.status = RewardStatus.PAID
    reward.paid_on = paid_on
    reward.payment_method = method
    reward.payment_reference = reference[:64]
    reward.payment_recorded_by = actor
    reward.save(
        update_fields=[
            "status",
            "paid_on",
            "payment_method",
            "payment_reference",
            "payment_recorded_by",
            "updated_at",
        ]
    )
    record_event(
        action=AuditAction.REWARD_PAID,
        actor=actor,
        unit=lead.unit,
        target=lead,
        details={"reward_id": reward.pk, "amount": str(reward.amount), "method": method},
    )
    return reward


@dataclass(frozen=True)
class RotationPlan:
    current_key_id: str
    pending: dict[str, int]
    # Key-file mode with nothing pending: a new key is generated first.
    will_generate_key: bool
    # Environment mode with nothing pending: there is no new key to rotate to.
    refusal: str = ""

    @property
    def total_pending(self) -> int:
        return sum(self.pending.values())


@dataclass(frozen=True)
class RotationResult:
    key_id: str
    generated_key: bool
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


ENVIRONMENT_REFUSAL = (
    "数据密钥来自环境变量 SAOHEI_DATA_KEY，本命令不会自行生成密钥；当前所有加密数据都已在"
    "当前密钥 {key_id} 下。轮换时请先生成新密钥，把它放在 SAOHEI_DATA_KEY 的首位并保留旧密钥"
    "（新编号:32位十六进制,旧编号:旧密钥），重启应用后再运行本命令。"
)


def _key_file() -> KeyFileDataKeys | None:
    keys = settings.SAOHEI_DATA_KEYS
    return keys if isinstance(keys, KeyFileDataKeys) else None


def plan_rotation() -> RotationPlan:
    """What `rotate_data_key` would do now (for --dry-run); writes nothing."""
    pending = sealing.count_pending()
    current = current_data_key_id()
    if sum(pending.values()):
        return RotationPlan(current_key_id=current, pending=pending, will_generate_key=False)
    if _key_file() is not None:
        return RotationPlan(current_key_id=current, pending=pending, will_generate_key=True)
    return RotationPlan(
        current_key_id=current,
        pending=pending,
        will_generate_key=False,
        refusal=ENVIRONMENT_REFUSAL.format(key_id=current),
    )


def rotate_data_key(
    *,
    batch_size: int = sealing.DEFAULT_BATCH_SIZE,
    progress: Callable[[str, int], None] | None = None,
) -> RotationResult:
    """Re-encrypt every sealed value under the current data key, one batch per transaction.

    With values still under an older key (an interrupted run, or servers that wrote under the
    old key), it finishes those. Otherwise, with a key file it first generates a new current key
    (kept beside the old ones); with SAOHEI_DATA_KEY it refuses, since the operator must supply
    the new key. Old and new values stay readable throughout. Audited with the counts.
    """
    key_file = _key_file()
    with key_file_lock(key_file.path) if key_file is not None else nullcontext():
        plan = plan_rotation()
        if plan.refusal:
            raise ServiceError(plan.refusal)
        generated = plan.will_generate_key
        if generated:
            assert key_file is not None
            add_current_data_key(key_file.path)
            key_file.reload()
        counts: dict[str, int] = {}
        for sealed_field in sealing.SEALED_FIELDS:
            counts[sealed_field.label] = 0
            while done := sealing.reencrypt_batch(sealed_field, batch_size=batch_size):
                counts[sealed_field.label] += done
                if progress is not None:
                    progress(sealed_field.label, counts[sealed_field.label])
        key_id = current_data_key_id()
        record_event(
            action=AuditAction.DATA_KEY_ROTATED,
            details={
                "key_id": key_id,
                "generated_key": generated,
                "counts": counts,
                "total": sum(counts.values()),
            },
        )
    return RotationResult(key_id=key_id, generated_key=generated, counts=counts)
