"""线索台账 as .xlsx (DOMAIN.md §5): names of subjects only, never an ID number or a reporter."""

from collections.abc import Iterable
from typing import IO

from django.db.models import Prefetch

from saohei.common import ledgers as common_ledgers
from saohei.common.dates import format_date
from saohei.leads.models import FollowUp, Lead, LeadQuerySet, Status, Subject

COLUMNS = [
    "序号",
    "线索编号",
    "来源",
    "受理时间",
    "被反映人(绰号)",
    "所属村",
    "线索类型",
    "简要内容",
    "承办单位/人",
    "交办时间",
    "办理时限",
    "核查结论",
    "办结时间",
    "反馈上级时间",
    "反馈举报人时间",
    "回访结果",
    "备注",
]
# More rows than any town keeps; past it the sheet says so and the user narrows the filters.
EXPORT_LIMIT = 100_000
# Rows fetched (with their subjects, offence types and follow-ups) per round trip.
CHUNK_SIZE = 500


def ledger_rows(leads: LeadQuerySet) -> Iterable[Lead]:
    """The leads in list order, fetched in chunks with what the ledger shows of them.

    Subjects are loaded with their names and aliases only: the sealed identifiers never leave
    the database for an export.
    """
    return (
        leads.select_related(
            "village", "target_category", "handling_unit", "handler", "merged_into"
        )
        .prefetch_related(
            Prefetch("subjects", queryset=Subject.objects.only("id", "lead_id", "name", "alias")),
            "offence_types",
            Prefetch("follow_ups", queryset=FollowUp.objects.order_by("contacted_on", "id")),
        )
        .order_by("-received_at", "-id")[: EXPORT_LIMIT + 1]
        .iterator(chunk_size=CHUNK_SIZE)
    )


def write_ledger(
    leads: Iterable[Lead], output: IO[bytes], *, exported_by: str, filters: str
) -> int:
    """Write the 线索台账 to `output` in constant memory; returns the number of rows.

    `filters` is the list's filters in words, for the title row."""
    return common_ledgers.write_ledger(
        output,
        sheet_name="线索台账",
        columns=COLUMNS,
        rows=(_values(lead) for lead in leads),
        exported_by=exported_by,
        filters=filters,
        noun="线索",
        limit=EXPORT_LIMIT,
        freeze_columns=2,
        wrap=False,
    )


def _values(lead: Lead) -> list[common_ledgers.Cell]:
    conclusion = lead.get_conclusion_display() if lead.conclusion else ""
    if conclusion and lead.status == Status.PROPOSED:
        conclusion += "（拟，待审核）"
    follow_ups = list(lead.follow_ups.all())
    last_follow_up = follow_ups[-1] if follow_ups else None
    return [
        lead.number,
        lead.get_source_display(),
        lead.received_at,
        "、".join(str(subject) for subject in lead.subjects.all()),
        lead.village.name if lead.village else "",
        _category(lead),
        lead.summary,
        _handling(lead),
        lead.assigned_at or "",
        lead.due_on or "",
        conclusion,
        lead.concluded_at or "",
        lead.fed_back_at or "",
        lead.followed_up_at or "",
        (
            f"{last_follow_up.get_satisfaction_display()}（{last_follow_up.method}，"
            f"{format_date(last_follow_up.contacted_on)}）"
            if last_follow_up
            else ""
        ),
        _remarks(lead),
    ]


def _category(lead: Lead) -> str:
    category = lead.target_category.name if lead.target_category else ""
    offences = "、".join(entry.name for entry in lead.offence_types.all())
    if category and offences:
        return f"{category}（{offences}）"
    return category or offences


def _handling(lead: Lead) -> str:
    parts = [lead.handling_unit.name if lead.handling_unit else ""]
    if lead.handler:
        parts.append(lead.handler.real_name)
    return " / ".join(part for part in parts if part)


def _remarks(lead: Lead) -> str:
    parts = [f"状态：{lead.get_status_display()}"]
    if lead.upstream_office:
        parts.append(f"交办单位：{lead.upstream_office} {lead.upstream_reference}".strip())
    if lead.merged_into:
        parts.append(f"并入 {lead.merged_into.number}")
    if lead.involves_official:
        parts.append("涉及公职人员")
    if lead.escalation_level:
        parts.append("已督办" if lead.escalation_level >= 2 else "已催办")
    return "；".join(parts)
