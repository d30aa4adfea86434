"""Importing a 交办清单 into leads: planned row by row, written all-or-nothing.

A row's lead is found by (sender, 交办编号) in the town: a new one is registered through
`leads.services.register_lead`; an open one is corrected through the leads services (facts,
反馈期限, a new 被反映人); a concluded one keeps its findings and is only listed.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from saohei.audit.models import AuditAction
from saohei.audit.services import record_event
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.common.pii import clean_id_number, clean_mobile
from saohei.leads import access as lead_access
from saohei.leads import services as lead_services
from saohei.leads.models import Channel, Lead
from saohei.organisations.models import Unit, User
from saohei.sheets import services as sheet_services
from saohei.sheets.checking import CheckedRow, moment_of
from saohei.sheets.models import StagedSheet
from saohei.sheets.preview import Reading, read_staged

from .access import IMPORT_ROLES
from .kinds import ASSIGNED_LIST, LIST_SOURCES
from .models import AssignedList, AssignedListRow, RowOutcome

# Lists are imported inline, in the request (decision 0061): a 交办清单 is tens or hundreds of
# rows; a longer sheet is refused at upload and should be split.
MAX_LIST_ROWS = 1000
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
        max_rows=MAX_LIST_ROWS,
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
        ).select_related("village")
    }
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
            if not lead_access.can_manage_lead(actor, lead):
                row.problems.append(f"交办编号已对应线索 {lead.number}，您无权更新该线索")
            elif not lead.is_open:
                plan.outcome = RowOutcome.CLOSED
            else:
                plan.changes = _changes(lead, row)
                plan.outcome = RowOutcome.UPDATED if plan.changes else RowOutcome.UNCHANGED
        planned.append(plan)
    return Plan(reading=reading, rows=planned)


def _changes(lead: Lead, row: CheckedRow) -> list[str]:
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
    if name and not lead.subjects.filter(name=name).exists():
        changes.append("被反映人")
    return changes


@transaction.atomic
def import_list(*, actor: User, staged: StagedSheet) -> AssignedList:
    """确认导入: every row written, or none when any row has a problem."""
    if not sheet_services.may_import(actor, staged.unit, IMPORT_ROLES):
        raise ActionNotAllowed("只有本镇扫黑办工作人员可以导入交办清单")
    staged = StagedSheet.objects.select_for_update().get(pk=staged.pk)
    if staged.imported_at is not None:
        raise ServiceError("该清单已经导入，如需更正请重新上传")
    plan = plan_import(actor=actor, staged=staged)
    if plan.problem_count:
        raise ServiceError(f"有 {plan.problem_count} 处问题未解决，未写入任何内容，请先更正")
    if not plan.rows:
        raise ServiceError("清单中没有数据行")
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
    )
    records = []
    for position, planned in enumerate(plan.rows, start=1):
        lead = _write_row(
            actor=actor,
            staged=staged,
            planned=planned,
            default_source=default_source,
            villages=villages,
        )
        records.append(
            AssignedListRow(
                assigned_list=assigned,
                position=position,
                row_number=planned.checked.number,
                values=staged.rows[planned.checked.number - 1],
                upstream_reference=planned.checked.data["upstream_reference"],
                lead=lead,
                outcome=planned.outcome,
            )
        )
    AssignedListRow.objects.bulk_create(records)
    assigned.created_count = plan.count(RowOutcome.CREATED)
    assigned.updated_count = plan.count(RowOutcome.UPDATED)
    assigned.save(update_fields=["created_count", "updated_count"])
    staged.imported_at = timezone.now()
    staged.save(update_fields=["imported_at"])
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


def _write_row(
    *,
    actor: User,
    staged: StagedSheet,
    planned: PlannedRow,
    default_source: str,
    villages: dict[int, Unit],
) -> Lead:
    data = planned.checked.data
    village = villages.get(data["village"]) if data.get("village") else None
    summary, narrative = summary_of(data["content"])
    subject = (
        lead_services.SubjectInput(
            name=data["subject_name"],
            id_number=data.get("subject_id_number", ""),
            phone=data.get("subject_phone", ""),
            village=village,
        )
        if data.get("subject_name")
        else None
    )
    lead = planned.lead
    if lead is None:
        return lead_services.register_lead(
            actor=actor,
            unit=staged.unit,
            data=lead_services.LeadInput(
                received_at=moment_of(data["received_on"]),
                channel=Channel.PLATFORM,
                source=data.get("source", default_source),
                summary=summary,
                narrative=narrative,
                village=village,
                upstream_office=staged.sender,
                upstream_reference=data["upstream_reference"],
                upstream_deadline=data.get("deadline"),
                subjects=[subject] if subject else [],
            ),
        )
    if planned.outcome != RowOutcome.UPDATED:
        return lead
    if "问题内容" in planned.changes or "所属村" in planned.changes:
        lead_services.correct_facts(
            actor=actor,
            lead=lead,
            data=lead_services.FactsInput(
                summary=summary,
                narrative=narrative,
                village=village if "village" in data else lead.village,
                place=lead.place,
                target_category=lead.target_category,
            ),
        )
    if "反馈期限" in planned.changes:
        lead_services.revise_upstream_deadline(
            actor=actor, lead=lead, upstream_deadline=data["deadline"]
        )
    if "被反映人" in planned.changes and subject is not None:
        lead_services.add_subject(actor=actor, lead=lead, subject=subject)
    return lead


@transaction.atomic
def record_list_export(*, actor: User, assigned: AssignedList, document: str) -> None:
    record_event(
        action=AuditAction.ASSIGNED_LIST_EXPORTED,
        actor=actor,
        unit=assigned.unit,
        target=assigned,
        details={"document": document},
    )
