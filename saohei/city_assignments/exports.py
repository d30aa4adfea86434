"""The city's 反馈表 (.xlsx): one row per town of each assignment, in the 反馈 layout."""

from collections.abc import Iterable
from typing import IO

from saohei.city_assignments.models import Progress
from saohei.city_assignments.queries import WITHHELD, AssignmentSummary, TownProgress
from saohei.common import ledgers

COLUMNS = [
    "序号",
    "交办编号",
    "镇",
    "问题内容",
    "交办日期",
    "反馈期限",
    "状态",
    "核查情况",
    "核查结论",
    "办结时间",
    "反馈人",
    "审核结果",
]
EXPORT_LIMIT = 100_000


def _rows(summaries: Iterable[AssignmentSummary]) -> Iterable[list[ledgers.Cell]]:
    for summary in summaries:
        assignment = summary.assignment
        for town in summary.towns:
            lead, feedback = town.row.lead, town.feedback
            concluded = town.readable and lead.concluded_at is not None
            yield [
                assignment.number,
                town.row.town.name,
                assignment.summary if summary.readable else WITHHELD,
                assignment.assigned_at,
                lead.due_on or assignment.deadline,
                f"{lead.get_status_display()}（{town.progress.label}）"
                + ("，逾期" if town.is_overdue else ""),
                (feedback.content if feedback else "尚未办结反馈") if town.readable else WITHHELD,
                (lead.get_conclusion_display() if concluded and lead.conclusion else "")
                if town.readable
                else "",
                lead.concluded_at if concluded and lead.concluded_at else "",
                feedback.author.real_name if feedback else "",
                _verdict(town),
            ]


def _verdict(town: TownProgress) -> str:
    if town.progress == Progress.RETURNED:
        reason = town.row.return_reason if town.readable else ""
        return f"退回重查（{reason}）" if reason else "退回重查"
    return {Progress.ACCEPTED: "采纳", Progress.SUBMITTED: "待审核"}.get(town.progress, "")


def write_feedback_sheet(
    summaries: Iterable[AssignmentSummary], output: IO[bytes], *, exported_by: str, filters: str
) -> int:
    return ledgers.write_ledger(
        output,
        sheet_name="市级交办反馈表",
        columns=COLUMNS,
        rows=_rows(summaries),
        exported_by=exported_by,
        filters=filters,
        noun="行",
        limit=EXPORT_LIMIT,
        freeze_columns=3,
    )
