"""The briefing as plain text, as a Word file in official-document layout and as a PDF.

Word follows GB/T 9704 as far as a generated file can: A4 with the standard margins, title in
方正小标宋简体 22pt (二号), headings in 黑体 16pt (三号), body in 仿宋_GB2312 16pt with a
two-character first-line indent and a fixed 28pt line pitch, page numbers "— 1 —" at the foot.
Fonts are named, not embedded: a machine without them substitutes its own Chinese fonts, and
the East-Asian slot is filled so Word never falls back to a Latin face for Chinese.
"""

import io
from dataclasses import dataclass

from django.template.loader import render_to_string
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

from saohei.briefings.compose import Briefing, period_label
from saohei.briefings.models import BriefingDraft
from saohei.common.documents import export_stamp, set_a4, set_font, stamp_docx

TITLE_FONT = "方正小标宋简体"
HEADING_FONT = "黑体"
BODY_FONT = "仿宋_GB2312"
SUBTITLE_FONT = "楷体_GB2312"
BODY_SIZE = 16  # 三号
TITLE_SIZE = 22  # 二号
LINE_PITCH = 28


@dataclass(frozen=True)
class Block:
    heading: str
    paragraphs: list[str]


@dataclass(frozen=True)
class BriefingDocument:
    title: str
    period_label: str
    blocks: list[Block]

    @property
    def text(self) -> str:
        lines = [self.title, f"（{self.period_label}）", ""]
        for block in self.blocks:
            if block.heading:
                lines.append(block.heading)
            lines.extend(block.paragraphs)
        return "\n".join(lines) + "\n"


def _paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def from_briefing(briefing: Briefing) -> BriefingDocument:
    return BriefingDocument(
        title=briefing.title,
        period_label=briefing.period_label,
        blocks=[Block(s.heading, _paragraphs(s.text)) for s in briefing.sections],
    )


def from_draft(draft: BriefingDraft) -> BriefingDocument:
    return BriefingDocument(
        title=draft.title,
        period_label=period_label(draft.date_from, draft.date_to),
        blocks=[
            Block(section.get("heading", ""), _paragraphs(section.get("text", "")))
            for section in draft.sections
        ],
    )


def _pitch(paragraph) -> None:  # type: ignore[no-untyped-def]
    paragraph_format = paragraph.paragraph_format
    paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    paragraph_format.line_spacing = Pt(LINE_PITCH)
    paragraph_format.space_before = Pt(0)
    paragraph_format.space_after = Pt(0)


def _page_number_footer(document) -> None:  # type: ignore[no-untyped-def]
    """ "— 1 —" centred at the foot of every page (GB/T 9704 §7.5, simplified)."""
    for section in document.sections:
        paragraph = section.footer.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        set_font(paragraph.add_run("— "), "宋体", 14)
        # A simple PAGE field wraps the run that shows the number (Word refreshes it).
        field = OxmlElement("w:fldSimple")
        field.set(qn("w:instr"), "PAGE")
        number = paragraph.add_run("1")
        set_font(number, "宋体", 14)
        field.append(number._r)
        paragraph._p.append(field)
        set_font(paragraph.add_run(" —"), "宋体", 14)


def to_docx(document_data: BriefingDocument, *, exported_by: str) -> bytes:
    document = Document()
    set_a4(document, official=True)
    stamp_docx(document, export_stamp(exported_by))
    _page_number_footer(document)

    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _pitch(title)
    title.paragraph_format.line_spacing = Pt(36)
    set_font(title.add_run(document_data.title), TITLE_FONT, TITLE_SIZE)
    subtitle = document.add_paragraph()
    subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _pitch(subtitle)
    set_font(subtitle.add_run(f"（{document_data.period_label}）"), SUBTITLE_FONT, BODY_SIZE)
    _pitch(document.add_paragraph())

    for block in document_data.blocks:
        if block.heading:
            heading = document.add_paragraph()
            _pitch(heading)
            heading.paragraph_format.first_line_indent = Pt(BODY_SIZE * 2)
            set_font(heading.add_run(block.heading), HEADING_FONT, BODY_SIZE)
        for text in block.paragraphs:
            paragraph = document.add_paragraph()
            _pitch(paragraph)
            paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            paragraph.paragraph_format.first_line_indent = Pt(BODY_SIZE * 2)
            set_font(paragraph.add_run(text), BODY_FONT, BODY_SIZE)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def to_pdf(document_data: BriefingDocument, *, exported_by: str) -> bytes:
    # Imported here: WeasyPrint loads Pango at import, which only the exports need.
    from weasyprint import HTML

    html = render_to_string(
        "briefings/briefing_print.html",
        {"document": document_data, "stamp": export_stamp(exported_by)},
    )
    return HTML(string=html).write_pdf()  # type: ignore[no-any-return]
