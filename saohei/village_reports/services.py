"""Every state change of the villages' monthly reports: one transaction each, audited."""

from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from saohei.audit.models import AuditAction
from saohei.audit.services import record_event
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.common.validation import checked_text
from saohei.organisations.models import Unit, User
from saohei.village_reports import access, queries
from saohei.village_reports.models import (
    LAST_DUE_DAY,
    ReportKind,
    VillageReport,
    VillageReportSettings,
)

NOTE_LIMIT = 2000


@dataclass(frozen=True)
class ReportInput:
    month: date
    kind: str
    lead_ids: tuple[int, ...] = ()
    note: str = ""
    # The head ticked "本月未发现涉黑涉恶线索" themselves: a 零报告 is never a default.
    zero_confirmed: bool = False


@transaction.atomic
def submit_village_report(
    *, actor: User, village: Unit, data: ReportInput, today: date | None = None
) -> VillageReport:
    """A village head reports a month once: the leads the village found among those registered
    for it that month, or a 零报告 they confirm; a second report for the month is refused."""
    if not access.is_head_of(actor, village):
        raise ActionNotAllowed("只有本村（社区）负责人可以报送村月报")
    today = today or timezone.localdate()
    if data.month not in queries.reportable_months(today):
        raise ServiceError("只能报送本月及此前一年内的月报", field="month")
    if data.kind not in ReportKind.values:
        raise ServiceError("请选择报告类型", field="kind")
    note = checked_text(data.note, field="note", label="情况说明", limit=NOTE_LIMIT)
    leads = []
    if data.kind == ReportKind.ZERO:
        if not data.zero_confirmed:
            raise ServiceError("零报告须由负责人确认本月未发现涉黑涉恶线索", field="zero_confirmed")
        if data.lead_ids:
            raise ServiceError("零报告不能同时报送线索", field="leads")
    else:
        linkable = queries.linkable_leads(user=actor, village=village, month=data.month)
        leads = list(linkable.filter(pk__in=set(data.lead_ids)))
        if len(leads) != len(set(data.lead_ids)):
            raise ServiceError("所选线索不是本村本月登记的线索", field="leads")
        if not leads and not note:
            raise ServiceError("请选择本月发现的线索，或在情况说明中写明", field="leads")
    if VillageReport.objects.filter(village=village, month=data.month).exists():
        raise ServiceError(f"{data.month:%Y年%m月}的月报已报送，不能重复报送", field="month")
    assert village.parent is not None
    try:
        # A savepoint: two submissions at once meet the unique constraint, not a 500.
        with transaction.atomic():
            report = VillageReport.objects.create(
                town=village.parent,
                village=village,
                month=data.month,
                kind=data.kind,
                note=note,
                submitted_by=actor,
            )
    except IntegrityError:
        raise ServiceError(
            f"{data.month:%Y年%m月}的月报已报送，不能重复报送", field="month"
        ) from None
    report.leads.set(leads)
    record_event(
        action=AuditAction.VILLAGE_REPORT_SUBMITTED,
        actor=actor,
        unit=village,
        target=report,
        details={"month": f"{data.month:%Y-%m}", "kind": data.kind, "leads": len(leads)},
    )
    return report


@transaction.atomic
def set_due_day(*, actor: User, town: Unit, due_day: int) -> VillageReportSettings:
    """The town's office sets the day of the following month the villages' reports are due."""
    if not access.can_set_due_day(actor, town):
        raise ActionNotAllowed("只有本镇扫黑办可以设置村月报截止日")
    if not 1 <= due_day <= LAST_DUE_DAY:
        raise ServiceError(f"截止日须在每月1日至{LAST_DUE_DAY}日之间", field="due_day")
    row, _ = VillageReportSettings.objects.update_or_create(
        town=town, defaults={"due_day": due_day, "updated_by": actor}
    )
    record_event(
        action=AuditAction.VILLAGE_REPORT_DUE_DAY_SET,
        actor=actor,
        unit=town,
        target=row,
        details={"due_day": due_day},
    )
    return row
