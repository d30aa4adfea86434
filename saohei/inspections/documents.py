"""The printable on-site rectification list (现场整改清单): A4 .docx and .pdf, same content."""

import io
from dataclasses import dataclass

from django.template.loader import render_to_string
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from saohei.common.documents import export_stamp, set_a4, set_font, stamp_docx
from saohei.inspections.models import Finding, InspectionRound
from saohei.organisations.models import Unit

COLUMNS = ["序号", "档案类别", "检查结果", "存在问题", "整改措施", "整改时限"]


@dataclass
class OnsiteList:
    inspection: InspectionRound
    village: Unit
    findings: list[Finding]

    @property
    def title(self) -> str:
        return f"{self.village.name}扫黑除恶档案现场整改清单"

    def rows(self) -> list[list[str]]:
        rows = []
        for number, finding in enumerate(self.findings, start=1):
            item = finding.rectification_item
            rows.append(
                [
                    str(number),
                    finding.folder.name,
                    finding.get_result_display(),
                    finding.note,
                    item.measures if item else "",
                    f"{item.due_on:%Y-%m-%d}" if item else "",
                ]
            )
        return rows


def _font(run, size: float, *, bold: bool = False) -> None:  # type: ignore[no-untyped-def]
    set_font(run, "仿宋_GB2312", size, bold=bold)


def onsite_docx(onsite: OnsiteList, *, exported_by: str) -> bytes:
    document = Document()
    set_a4(document)
    stamp_docx(document, export_stamp(exported_by))

    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(title.add_run(onsite.title), 18, bold=True)
    inspection = onsite.inspection
    meta = document.add_paragraph()
    _font(
        meta.add_run(
            f"检查：{inspection.title}    部署单位：{inspection.deployed_by or '—'}    "
            f"检查日期：{inspection.inspected_on:%Y年%m月%d日}"
        ),
        11,
    )
    table = document.add_table(rows=1, cols=len(COLUMNS))
    table.style = "Table Grid"
    for cell, heading in zip(table.rows[0].cells, COLUMNS, strict=True):
        _font(cell.paragraphs[0].add_run(heading), 11, bold=True)
    for row in onsite.rows():
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            _font(cell.paragraphs[0].add_run(value), 11)
    if not onsite.findings:
        _font(document.add_paragraph().add_run("本次检查未发现需整改的问题。"), 11)
    for line in (
        "检查人员（签字）：________________",
        "村负责人（签字）：________________    日期：____年__月__日",
    ):
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.space_before = Pt(18)
        _font(paragraph.add_run(line), 12)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def onsite_pdf(onsite: OnsiteList, *, exported_by: str) -> bytes:
    # Imported here: WeasyPrint loads Pango at import, which only the print views need.
    from weasyprint import HTML

    html = render_to_string(
        "inspections/onsite_print.html",
        {
            "onsite": onsite,
            "columns": COLUMNS,
            "rows": onsite.rows(),
            "stamp": export_stamp(exported_by),
        },
    )
    return HTML(string=html).write_pdf()  # type: ignore[no-any-return]
