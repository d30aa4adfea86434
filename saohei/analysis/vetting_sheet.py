"""The 联审 sheet of a stored run as a viewer may see it, and its .xlsx ledger: read by the
pages (`vetting_views`) and the API alike. ID numbers only masked; each reason shown only to a
viewer who may see its record, the others counted."""

from dataclasses import dataclass
from typing import IO

from django.utils import timezone

from saohei.analysis.models import VettingCandidate, VettingRun
from saohei.analysis.vetting import Finding, findings_for_viewer
from saohei.common.ledgers import Cell, write_ledger
from saohei.organisations.models import User

NOT_COVERED_NOTE = "由扫黑办工作人员联审，涉及公职人员的线索未参与比对"
HIDDEN_NOTE = "另有 {} 条记录您无权查看，请向组长、副组长了解"
EXPORT_COLUMNS = [
    "序号",
    "行号",
    "村",
    "姓名",
    "身份证号",
    "拟任职务",
    "联审结果",
    "原因及记录编号",
]


@dataclass(frozen=True)
class SheetRow:
    candidate: VettingCandidate
    findings: list[Finding]
    hidden: int  # reasons resting on records this viewer may not see

    @property
    def reasons(self) -> str:
        """The reasons in one cell of the export."""
        texts = [finding.text for finding in self.findings]
        if self.hidden:
            texts.append(HIDDEN_NOTE.format(self.hidden))
        return "；".join(texts)


def sheet(user: User, run: VettingRun) -> list[SheetRow]:
    candidates = list(run.candidates.select_related("village").order_by("row_number", "id"))
    shown = findings_for_viewer(user, candidates)
    return [
        SheetRow(
            candidate=candidate,
            findings=shown[candidate.pk].findings,
            hidden=shown[candidate.pk].hidden,
        )
        for candidate in candidates
    ]


def write_sheet(target: IO[bytes], *, user: User, run: VettingRun, rows: list[SheetRow]) -> int:
    """The sheet as the 候选人资格联审表 ledger; returns the number of candidates written."""

    def values(row: SheetRow) -> list[Cell]:
        candidate = row.candidate
        return [
            candidate.row_number,
            candidate.village.name,
            candidate.name,
            candidate.id_number_masked,
            candidate.position,
            candidate.get_result_display(),
            row.reasons,
        ]

    when = timezone.localtime(run.uploaded_at)
    described = f"{run.unit.name}，{run.file_name}，联审于 {when:%Y-%m-%d %H:%M}"
    if not run.covers_officials_leads:
        described += f"，{NOT_COVERED_NOTE}"
    return write_ledger(
        target,
        sheet_name="候选人资格联审表",
        columns=EXPORT_COLUMNS,
        rows=(values(row) for row in rows),
        exported_by=str(user),
        filters=described,
        noun="人",
        limit=len(rows) + 1,
        wrap=True,
    )
