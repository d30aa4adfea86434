"""Importing a 交办清单 into leads: planned row by row, written all-or-nothing.

A row's lead is found by (sender, 交办编号) in the town: a new one is registered through
`leads.services.register_lead`; an open one is corrected through the leads services (facts,
反馈期限, a new 被反映人); a concluded one keeps its findings and is only listed.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from saohei.audit.models import AuditAction, AuditResult
from saohei.audit.services import record_event
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.common.pii import clean_id_number, clean_mobile
from saohei.health.jobs import (
    JobStatus,
    claim_job,
    fail_interrupted_jobs,
    report_progress,
    set_job_fields,
)
from saohei.leads import access as lead_access
from saohei.leads import services as lead_services
from saohei.leads.models import Channel, Lead, Subject
from saohei.organisations.models import Unit, User
from saohei.sheets import services as sheet_services
from saohei.sheets.checking import CheckedRow, moment_of
from saohei.sheets.headers import HEADER_SEARCH_ROWS
from saohei.sheets.models import StagedSheet
from saohei.sheets.preview import Reading, read_staged

from .access import IMPORT_ROLES
from .kinds import ASSIGNED_LIST, LIST_SOURCES
from .models import AssignedList, AssignedListRow, ListImportJob, RowOutcome

# A list of up to INLINE_ROWS sheet rows is written in the request, as before: the clerk sees
# the list at once. A longer one runs as a
# job with a progress bar, up to MAX_LIST_ROWS (decision 0061, addendum; `make bench` prints
# the time at that size).
INLINE_ROWS = 200
MAX_LIST_ROWS = 5000
# On SQLite the write holds every other writer of the site: written in a statement per table,
# 1,000 rows hold them for about a second (issue 14's bound; 5,000 would be 3-5 s), so a SQLite
# site takes 1,000; PostgreSQL, where the write blocks nobody, takes MAX_LIST_ROWS (0061
# addenda).
MAX_SQLITE_LIST_ROWS = 1000


def max_list_rows() -> int:
    """Data rows a 交办清单 may hold on this site's database."""
    if connection.vendor == "sqlite":
        return min(MAX_LIST_ROWS, MAX_SQLITE_LIST_ROWS)
    return MAX_LIST_ROWS


# How long a failed job keeps its staged rows (ID numbers in clear) for a retry.
RETRY_WINDOW = timedelta(hours=24)
INTERRUPTED_MESSAGE = (
    "导入被中断（后台任务进程意外停止），未写入任何内容。24 小时内可点击“重新导入”，无需再次上传"
)
FAILED_SUFFIX = "未写入任何内容。24 小时内可点击“重新导入”，无需再次上传"
SUMMARY_CHARS = 100


@dataclass
class PlannedRow:
    checked: CheckedRow
    outcome: str = RowOutcome.CREATED
    lead: Lead | None = None
    changes: list[str] = field(default_factory=list)
    # The row's values in the mapped columns, for the preview.
    shown: list[str] = field(default_factory=list)

    @property
    def outcome_label(self) -> str:
        return RowOutcome(self.outcome).label


@dataclass
class Plan:
    reading: Reading
    rows: list[PlannedRow]

    @property
    def problem_count(self) -> int:
        return len(self.reading.checked.problems) + sum(
            1 for row in self.rows if not row.checked.ok
        )

    def count(self, outcome: str) -> int:
        return sum(1 for row in self.rows if row.checked.ok and row.outcome == outcome)


def stage_list(
    *, actor: User, unit: Unit, sender: str, source: str, file: Any, file_name: str
) -> StagedSheet:
    """Upload step: the list read and held for the mapping and the preview."""
    if source not in LIST_SOURCES:
        raise ServiceError("来源应为上级交办或12337平台下发", field="source")
    return sheet_services.stage_sheet(
        actor=actor,
        unit=unit,
        kind=ASSIGNED_LIST,
        roles=IMPORT_ROLES,
        sender=sender,
        file=file,
        file_name=file_name,
        # The cap is on data rows: the header is found among the first HEADER_SEARCH_ROWS.
        max_rows=max_list_rows() + HEADER_SEARCH_ROWS,
        options={"source": source},
    )


def save_list_mapping(
    *,
    actor: User,
    staged: StagedSheet,
    columns: dict[str, str],
    values: dict[str, dict[str, str]],
) -> None:
    sheet_services.save_mapping(
        actor=actor,
        staged=staged,
        kind=ASSIGNED_LIST,
        roles=IMPORT_ROLES,
        columns=columns,
        values=values,
    )


def summary_of(content: str) -> tuple[str, str]:
    """(简要内容, 详细情况) of a row's 问题内容: its first line, cut; the whole when longer."""
    first = content.strip().splitlines()[0].strip() if content.strip() else ""
    summary = first if len(first) <= SUMMARY_CHARS else first[: SUMMARY_CHARS - 1] + "…"
    narrative = content.strip() if content.strip() != summary else ""
    return summary, narrative


def _row_checks(row: CheckedRow, *, today: date) -> None:
    data = row.data
    received = data.get("received_on")
    if received is not None and received > today:
        row.problems.append("交办日期晚于今天")
    deadline = data.get("deadline")
    if received is not None and deadline is not None and deadline < received:
        row.problems.append("反馈期限早于交办日期")
    for key, label, clean in (
        ("subject_id_number", "身份证号", clean_id_number),
        ("subject_phone", "手机号", clean_mobile),
    ):
        if data.get(key):
            if not data.get("subject_name"):
                row.problems.append(f"填写了被反映人{label}，但没有被反映人姓名")
            try:
                clean(data[key])
            except ServiceError as error:
                row.problems.append(f"被反映人{error.message}")


def plan_import(
    *,
    actor: User,
    staged: StagedSheet,
    columns: dict[str, str] | None = None,
    values: dict[str, dict[str, str]] | None = None,
) -> Plan:
    """What importing `staged` would do, row by row, with every problem; nothing is written."""
    reading = read_staged(staged, ASSIGNED_LIST, columns=columns, values=values)
    today = timezone.localdate()
    seen: dict[str, int] = {}
    for row in reading.checked.rows:
        _row_checks(row, today=today)
        reference = row.data.get("upstream_reference")
        if reference:
            if reference in seen:
                row.problems.append(f"交办编号“{reference}”与第{seen[reference]}行重复")
            else:
                seen[reference] = row.number
    existing = {
        lead.upstream_reference: lead
        for lead in Lead.objects.filter(
            unit=staged.unit, upstream_office=staged.sender, upstream_reference__in=list(seen)
        ).select_related("village", "unit")
    }
    manageable = lead_access.manageable_lead_ids(actor, existing.values())
    subject_names: dict[int, set[str]] = {}
    for lead_id, name in Subject.objects.filter(lead__in=list(existing.values())).values_list(
        "lead_id", "name"
    ):
        subject_names.setdefault(lead_id, set()).add(name)
    titles = reading.checked.header.titles
    mapped = [
        position for position, title in enumerate(titles) if reading.checked.columns.get(title)
    ]
    planned = []
    for row in reading.checked.rows:
        plan = PlannedRow(
            checked=row,
            shown=[
                row.values[position] if position < len(row.values) else "" for position in mapped
            ],
        )
        lead = existing.get(row.data.get("upstream_reference", ""))
        if lead is not None:
            plan.lead = lead
            if lead.pk not in manageable:
                row.problems.append(f"交办编号已对应线索 {lead.number}，您无权更新该线索")
            elif not lead.is_open:
                plan.outcome = RowOutcome.CLOSED
            else:
                plan.changes = _changes(lead, row, subject_names.get(lead.pk, set()))
                plan.outcome = RowOutcome.UPDATED if plan.changes else RowOutcome.UNCHANGED
        planned.append(plan)
    return Plan(reading=reading, rows=planned)


def _changes(lead: Lead, row: CheckedRow, subject_names: set[str]) -> list[str]:
    data = row.data
    summary, narrative = summary_of(data["content"])
    changes = []
    if (summary, narrative) != (lead.summary, lead.narrative):
        changes.append("问题内容")
    if "village" in data and data["village"] != lead.village_id:
        changes.append("所属村")
    if data.get("deadline") and data["deadline"] != lead.upstream_deadline:
        changes.append("反馈期限")
    name = data.get("subject_name")
    if name and name not in subject_names:
        changes.append("被反映人")
    return changes


def runs_inline(staged: StagedSheet) -> bool:
    """Whether 确认导入 writes the list in the request (short) or as a job (long)."""
    return len(staged.rows) <= INLINE_ROWS


def _refuse_unless_may_import(actor: User, staged: StagedSheet) -> None:
    if not sheet_services.may_import(actor, staged.unit, IMPORT_ROLES):
        raise ActionNotAllowed("只有本镇扫黑办工作人员可以导入交办清单")


def _locked_for_import(staged: StagedSheet) -> StagedSheet:
    staged = StagedSheet.objects.select_for_update().get(pk=staged.pk)
    if staged.imported_at is not None:
        raise ServiceError("该清单已经导入，如需更正请重新上传")
    return staged


def _checked_plan(actor: User, staged: StagedSheet) -> Plan:
    plan = plan_import(actor=actor, staged=staged)
    if plan.problem_count:
        raise ServiceError(f"有 {plan.problem_count} 处问题未解决，未写入任何内容，请先更正")
    if not plan.rows:
        raise ServiceError("清单中没有数据行")
    return plan


@transaction.atomic
def import_list(*, actor: User, staged: StagedSheet) -> AssignedList:
    """确认导入 in the request: every row written, or none when any row has a problem."""
    _refuse_unless_may_import(actor, staged)
    staged = _locked_for_import(staged)
    return _write_list(actor=actor, staged=staged, plan=_checked_plan(actor, staged))


def _write_list(
    *,
    actor: User,
    staged: StagedSheet,
    plan: Plan,
    written: Callable[[int], None] | None = None,
) -> AssignedList:
    """The list, its rows and their leads, in the caller's transaction; the staged rows (ID
    numbers in clear) are emptied once they are the list's. `written` hears of each row."""
    header = plan.reading.checked.header
    default_source = staged.options.get("source", LIST_SOURCES[0])
    villages = {unit.pk: unit for unit in Unit.objects.filter(parent=staged.unit)}
    assigned = AssignedList.objects.create(
        unit=staged.unit,
        sender=staged.sender,
        source=default_source,
        file_name=staged.file_name,
        sha256=staged.sha256,
        top_rows=staged.rows[: header.first_data_row - 1],
        merges=[merge for merge in staged.merges if merge[0] < header.first_data_row],
        header_row=header.row,
        header_depth=header.depth,
        column_count=max(len(row) for row in staged.rows),
        imported_by=actor,
        staged=staged,
    )
    new_rows = [planned for planned in plan.rows if planned.lead is None]
    # The new leads in one batch: one statement per table, where a lead at a time held every
    # other SQLite writer ~2.5 ms a row (decision 0061, addendum).
    registered = lead_services.register_leads(
        actor=actor,
        unit=staged.unit,
        items=[
            _lead_input(
                staged=staged,
                data=planned.checked.data,
                default_source=default_source,
                villages=villages,
            )
            for planned in new_rows
        ],
    )
    for planned, lead in zip(new_rows, registered, strict=True):
        planned.lead = lead
    if written is not None and new_rows:
        written(len(new_rows))
    updated_rows = [planned for planned in plan.rows if planned.outcome == RowOutcome.UPDATED]
    lead_services.correct_leads(
        actor=actor,
        corrections=[_correction(planned, villages=villages) for planned in updated_rows],
    )
    if written is not None and updated_rows:
        written(len(updated_rows))
    records = [
        AssignedListRow(
            assigned_list=assigned,
            position=position,
            row_number=planned.checked.number,
            values=staged.rows[planned.checked.number - 1],
            upstream_reference=planned.checked.data["upstream_reference"],
            lead=planned.lead,
            outcome=planned.outcome,
        )
        for position, planned in enumerate(plan.rows, start=1)
    ]
    AssignedListRow.objects.bulk_create(records)
    assigned.created_count = plan.count(RowOutcome.CREATED)
    assigned.updated_count = plan.count(RowOutcome.UPDATED)
    assigned.save(update_fields=["created_count", "updated_count"])
    staged.imported_at = timezone.now()
    staged.rows = []
    staged.merges = []
    staged.save(update_fields=["imported_at", "rows", "merges"])
    record_event(
        action=AuditAction.ASSIGNED_LIST_IMPORTED,
        actor=actor,
        unit=staged.unit,
        target=assigned,
        details={
            "rows": len(records),
            "created": assigned.created_count,
            "updated": assigned.updated_count,
            "sha256": staged.sha256,
        },
    )
    return assigned


def submit_list_import(*, actor: User, staged: StagedSheet) -> ListImportJob:
    """确认导入 of a long list: a job a task worker runs after commit. A list has one job: a
    second submit (a double click, a second tab) gets the first back and starts nothing."""
    # Imported here: the task module calls back into this one.
    from .tasks import run_list_import

    _refuse_unless_may_import(actor, staged)
    with transaction.atomic():
        staged = _locked_for_import(staged)
        existing = ListImportJob.objects.filter(staged=staged).first()
        if existing is not None:
            return existing
        # Refused now when a row has a problem: the preview beside the button lists them.
        rows = len(_checked_plan(actor, staged).rows)
        try:
            with transaction.atomic():
                job = ListImportJob.objects.create(
                    unit=staged.unit,
                    staged=staged,
                    created_by=actor,
                    file_name=staged.file_name,
                    total_rows=rows,
                )
        except IntegrityError:
            # SQLite does not lock the row above: a concurrent submit made the job first.
            return ListImportJob.objects.get(staged=staged)
        transaction.on_commit(lambda: run_list_import.enqueue(job_id=job.pk))
    return job


def run_list_import_job(*, job_id: int, worker_id: str = "") -> ListImportJob:
    """Plan the list again and write it in one transaction — or nothing, the job failed with
    the reason and its staged rows kept for a retry. Only a pending job is claimed."""
    claimed = claim_job(ListImportJob, pk=job_id, worker_id=worker_id)
    job = ListImportJob.objects.select_related("unit", "created_by", "staged").get(pk=job_id)
    if not claimed:
        return job
    try:
        _refuse_unless_may_import(job.created_by, job.staged)
        # Before the transaction: the job's row is not written inside it, where the page could
        # not see it (its count of rows, for the bar, was taken at submit).
        set_job_fields(job, status=JobStatus.WRITING, processed_rows=0)
        with transaction.atomic():
            staged = _locked_for_import(job.staged)
            plan = _checked_plan(job.created_by, staged)
            with report_progress(job) as counter:
                assigned = _write_list(
                    actor=job.created_by, staged=staged, plan=plan, written=counter.add
                )
            # In the same transaction: the list and the job's success are seen together.
            set_job_fields(
                job,
                status=JobStatus.SUCCEEDED,
                finished_at=timezone.now(),
                processed_rows=len(plan.rows),
                assigned_list=assigned,
                message=(
                    f"已导入 {len(plan.rows)} 行：新登记 {assigned.created_count} 条，"
                    f"更新 {assigned.updated_count} 条"
                ),
            )
    except ServiceError as refused:
        _fail(job, message=f"{refused.message.removesuffix('，请先更正')}。{FAILED_SUFFIX}")
    except (IntegrityError, DatabaseError):
        _fail(job, message=f"与同时进行的另一操作冲突。{FAILED_SUFFIX}")
    except Exception:
        _fail(job, message=f"导入时发生内部错误，请联系系统管理员。{FAILED_SUFFIX}")
        raise
    return job


def _fail(job: ListImportJob, *, message: str) -> None:
    with transaction.atomic():
        set_job_fields(job, status=JobStatus.FAILED, finished_at=timezone.now(), message=message)
        record_event(
            action=AuditAction.ASSIGNED_LIST_IMPORTED,
            actor=job.created_by,
            unit=job.unit,
            target=job,
            result=AuditResult.FAILURE,
            details={"job": job.pk, "sha256": job.staged.sha256},
        )


def fail_interrupted_list_imports(*, jobs: Iterable[ListImportJob] | None = None) -> int:
    """Jobs whose task worker stopped beating are failed, their staged rows kept for a retry."""
    candidates = ListImportJob.objects.all()
    if jobs is not None:
        candidates = candidates.filter(pk__in=[job.pk for job in jobs])

    def record(job: ListImportJob) -> None:
        record_event(
            action=AuditAction.ASSIGNED_LIST_IMPORTED,
            actor=job.created_by,
            unit=job.unit,
            target=job,
            result=AuditResult.FAILURE,
            details={"job": job.pk, "interrupted": True},
        )

    return fail_interrupted_jobs(candidates, message=INTERRUPTED_MESSAGE, on_marked=record)


def current_list_import(*, job: ListImportJob) -> ListImportJob:
    """The job as it stands, failed first when its task worker has stopped beating (what the
    job's page and the API show; decision 0048)."""
    if not job.is_finished and fail_interrupted_list_imports(jobs=[job]):
        job.refresh_from_db()
    return job


def retry_list_import(*, actor: User, job: ListImportJob) -> ListImportJob:
    """Run a failed job again from the staged rows it kept: no new upload."""
    # Imported here: the task module calls back into this one.
    from .tasks import run_list_import

    _refuse_unless_may_import(actor, job.staged)
    with transaction.atomic():
        restarted = (
            ListImportJob.objects.filter(pk=job.pk, status=JobStatus.FAILED)
            .exclude(staged__rows=[])
            .update(
                status=JobStatus.PENDING,
                started_at=None,
                finished_at=None,
                interrupted_at=None,
                worker_id="",
                processed_rows=0,
                message="",
            )
        )
        if not restarted:
            raise ServiceError("这次导入不能重新开始（正在进行、已完成，或已过保留期），请重新上传")
        job.refresh_from_db()
        record_event(
            action=AuditAction.ASSIGNED_LIST_IMPORT_RETRIED,
            actor=actor,
            unit=job.unit,
            target=job,
            details={"job": job.pk},
        )
        transaction.on_commit(lambda: run_list_import.enqueue(job_id=job.pk))
    return job


def expire_failed_list_imports(*, now: datetime | None = None) -> int:
    """Empty the staged rows of jobs failed longer ago than RETRY_WINDOW (the hourly job):
    they hold ID numbers in clear. Returns how many jobs lost them."""
    cutoff = (now or timezone.now()) - RETRY_WINDOW
    expired = ListImportJob.objects.filter(status=JobStatus.FAILED, finished_at__lt=cutoff).exclude(
        staged__rows=[]
    )
    count = 0
    for job in expired.select_related("staged"):
        with transaction.atomic():
            StagedSheet.objects.filter(pk=job.staged_id).update(rows=[], merges=[])
            set_job_fields(job, message="导入失败，未写入任何内容；已过 24 小时保留期，请重新上传")
        count += 1
    return count


def _village_of(data: dict[str, Any], villages: dict[int, Unit]) -> Unit | None:
    return villages.get(data["village"]) if data.get("village") else None


def _subject_of(
    data: dict[str, Any], villages: dict[int, Unit]
) -> lead_services.SubjectInput | None:
    if not data.get("subject_name"):
        return None
    return lead_services.SubjectInput(
        name=data["subject_name"],
        id_number=data.get("subject_id_number", ""),
        phone=data.get("subject_phone", ""),
        village=_village_of(data, villages),
    )


def _lead_input(
    *, staged: StagedSheet, data: dict[str, Any], default_source: str, villages: dict[int, Unit]
) -> lead_services.LeadInput:
    summary, narrative = summary_of(data["content"])
    subject = _subject_of(data, villages)
    return lead_services.LeadInput(
        received_at=moment_of(data["received_on"]),
        channel=Channel.PLATFORM,
        source=data.get("source", default_source),
        summary=summary,
        narrative=narrative,
        village=_village_of(data, villages),
        upstream_office=staged.sender,
        upstream_reference=data["upstream_reference"],
        upstream_deadline=data.get("deadline"),
        subjects=[subject] if subject else [],
    )


def _correction(planned: PlannedRow, *, villages: dict[int, Unit]) -> lead_services.LeadCorrection:
    """What the row changes on its open lead: its facts, 反馈期限 or a new 被反映人."""
    lead = planned.lead
    assert lead is not None
    data = planned.checked.data
    facts = None
    if "问题内容" in planned.changes or "所属村" in planned.changes:
        summary, narrative = summary_of(data["content"])
        facts = lead_services.FactsInput(
            summary=summary,
            narrative=narrative,
            village=_village_of(data, villages) if "village" in data else lead.village,
            place=lead.place,
            target_category=lead.target_category,
        )
    return lead_services.LeadCorrection(
        lead=lead,
        facts=facts,
        upstream_deadline=data["deadline"] if "反馈期限" in planned.changes else None,
        subject=_subject_of(data, villages) if "被反映人" in planned.changes else None,
    )


@transaction.atomic
def record_list_export(*, actor: User, assigned: AssignedList, document: str) -> None:
    record_event(
        action=AuditAction.ASSIGNED_LIST_EXPORTED,
        actor=actor,
        unit=assigned.unit,
        target=assigned,
        details={"document": document},
    )
