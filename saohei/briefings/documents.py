"""The briefing as plain text, as a Word file in official-document layout and as a PDF.

Word follows GB/T 9704 as far as a generated file can: A4 with the standard margins, title in
方正小标宋简体 22pt (二号), headings in 黑体 16pt (三号), body in 仿宋_GB2312 16pt with a
two-character first-line indent and a fixed 28pt line pitch, page numbers "— 1 —" at the foot;
the 版头 (工作简报 in red, 第N期, issuing unit and date over a red rule) and the 版记 (报/送/发
between rules, 共印N份) from the town's imprint (imprint.py).
Fonts are named, not embedded: a machine without them substitutes its own Chinese fonts, and
the East-Asian slot is filled so Word never falls back to a Latin face for Chinese.
"""

import io
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from saohei.briefings.compose import Briefing, period_label
from saohei.briefings.imprint import (
    SERIES_NAME,
    Imprint,
    Masthead,
    current_imprint,
    imprint_from_json,
)
from saohei.briefings.models import BriefingDraft
from saohei.common.documents import export_stamp, set_a4, set_font, stamp_docx

TITLE_FONT = "方正小标宋简体"
HEADING_FONT = "黑体"
BODY_FONT = "仿宋_GB2312"
SUBTITLE_FONT = "楷体_GB2312"
BODY_SIZE = 16  # 三号
TITLE_SIZE = 22  # 二号
LINE_PITCH = 28
MASTHEAD_SIZE = 42  # 版头 in red, larger than the title (初号)
CLOSING_SIZE = 14  # 版记 in 四号
RED = RGBColor(0xC0, 0x00, 0x00)
# A4 less the official left and right margins (28 mm, 26 mm): where the right tab stop sits.
TEXT_WIDTH = Cm(21.0 - 2.8 - 2.6)


@dataclass(frozen=True)
class Block:
    heading: str
    paragraphs: list[str]


@dataclass(frozen=True)
class BriefingDocument:
    title: str
    period_label: str
    blocks: list[Block]
    masthead: Masthead
    imprint: Imprint

    @property
    def text(self) -> str:
        masthead = self.masthead
        lines = [
            SERIES_NAME,
            masthead.issue_label,
            f"{masthead.issuing_unit}　　{masthead.date_label}",
            "",
            self.title,
            f"（{self.period_label}）",
            "",
        ]
        for block in self.blocks:
            if block.heading:
                lines.append(block.heading)
            lines.extend(block.paragraphs)
        closing = [*self.imprint.closing_lines, self.imprint.copies_line]
        if any(closing):
            lines += ["", *(line for line in closing if line)]
        return "\n".join(lines) + "\n"


def _paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def from_briefing(briefing: Briefing) -> BriefingDocument:
    """A briefing not saved: the town's imprint as it stands, dated today, not yet numbered."""
    imprint = current_imprint(briefing.unit)
    return BriefingDocument(
        title=briefing.title,
        period_label=briefing.period_label,
        blocks=[Block(s.heading, _paragraphs(s.text)) for s in briefing.sections],
        masthead=Masthead(imprint.issuing_unit, None, briefing.today),
        imprint=imprint,
    )


def draft_period_label(draft: BriefingDraft) -> str:
    # Its figures were true on the day it was (re)generated: an open period ends there.
    return period_label(
        draft.date_from, draft.date_to, today=timezone.localdate(draft.generated_at)
    )


def draft_masthead(draft: BriefingDraft) -> tuple[Masthead, Imprint]:
    imprint = imprint_from_json(draft.unit, draft.imprint)
    return Masthead(imprint.issuing_unit, draft.issue_number, draft.issued_on), imprint


def from_draft(draft: BriefingDraft) -> BriefingDocument:
    masthead, imprint = draft_masthead(draft)
    return BriefingDocument(
        title=draft.title,
        period_label=draft_period_label(draft),
        blocks=[
            Block(section.get("heading", ""), _paragraphs(section.get("text", "")))
            for section in draft.sections
        ],
        masthead=masthead,
        imprint=imprint,
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


def _rule(paragraph, side: str, *, size: int, color: str) -> None:  # type: ignore[no-untyped-def]
    """A full-width line above or below the paragraph (版头的红色分隔线, 版记的分隔线);
    `size` in eighths of a point."""
    properties = paragraph._p.get_or_add_pPr()
    borders = properties.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        properties.append(borders)
    line = OxmlElement(f"w:{side}")
    line.set(qn("w:val"), "single")
    line.set(qn("w:sz"), str(size))
    line.set(qn("w:space"), "4")
    line.set(qn("w:color"), color)
    borders.append(line)


def _masthead(document, masthead: Masthead) -> None:  # type: ignore[no-untyped-def]
    """版头: the series name in red, 第N期, then issuing unit (left) and date (right) over a red
    rule (GB/T 9704 §7.2, as the 简报 variant of the 发文机关标志)."""
    name = document.add_paragraph()
    name.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _pitch(name)
    name.paragraph_format.line_spacing = Pt(MASTHEAD_SIZE + 12)
    run = name.add_run(SERIES_NAME)
    set_font(run, TITLE_FONT, MASTHEAD_SIZE)
    run.font.color.rgb = RED
    number = document.add_paragraph()
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _pitch(number)
    set_font(number.add_run(masthead.issue_label), BODY_FONT, BODY_SIZE)
    line = document.add_paragraph()
    _pitch(line)
    line.paragraph_format.tab_stops.add_tab_stop(TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT)
    set_font(line.add_run(f"{masthead.issuing_unit}\t{masthead.date_label}"), BODY_FONT, BODY_SIZE)
    _rule(line, "bottom", size=18, color="C00000")
    _pitch(document.add_paragraph())


def _closing(document, imprint: Imprint) -> None:  # type: ignore[no-untyped-def]
    """版记: 报/送/发 between rules, indented one character each side, and 共印N份."""
    lines = imprint.closing_lines
    if not lines and not imprint.copies_line:
        return
    _pitch(document.add_paragraph())
    paragraphs = []
    for text in lines or [""]:
        paragraph = document.add_paragraph()
        _pitch(paragraph)
        paragraph.paragraph_format.left_indent = Pt(CLOSING_SIZE)
        paragraph.paragraph_format.right_indent = Pt(CLOSING_SIZE)
        set_font(paragraph.add_run(text), BODY_FONT, CLOSING_SIZE)
        paragraphs.append(paragraph)
    _rule(paragraphs[0], "top", size=8, color="000000")
    _rule(paragraphs[-1], "bottom", size=8, color="000000")
    if imprint.copies_line:
        copies = document.add_paragraph()
        _pitch(copies)
        copies.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        copies.paragraph_format.right_indent = Pt(CLOSING_SIZE)
        set_font(copies.add_run(imprint.copies_line), BODY_FONT, CLOSING_SIZE)


def to_docx(document_data: BriefingDocument, *, exported_by: str) -> bytes:
    document = Document()
    set_a4(document, official=True)
    stamp_docx(document, export_stamp(exported_by))
    _page_number_footer(document)
    _masthead(document, document_data.masthead)

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
    _closing(document, document_data.imprint)
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


# The formats a briefing is handed out in, and their media types.
DOCUMENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


def document_file(
    document_data: BriefingDocument, file_format: str, *, exported_by: str
) -> tuple[bytes, str, str]:
    """The document as a file of `file_format` (docx or pdf): content, media type, file name."""
    render = to_docx if file_format == "docx" else to_pdf
    filename = f"{document_data.title}（{document_data.period_label}）.{file_format}"
    return render(document_data, exported_by=exported_by), DOCUMENT_TYPES[file_format], filename
