"""What every exported or printed document shares: the exporter's stamp and Chinese fonts.

Government users expect each export to carry who took it and when, as a light watermark that
deters leaks (DOMAIN.md §6). Ledgers (.xlsx), Word files and PDFs all use `export_stamp`.
"""

from django.utils import timezone
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

WATERMARK_GREY = RGBColor(0xA0, 0xA0, 0xA0)


def export_stamp(exported_by: str) -> str:
    return f"导出人：{exported_by} 导出时间：{timezone.localtime():%Y-%m-%d %H:%M}"


def set_font(run, name: str, size: float, *, bold: bool = False) -> None:  # type: ignore[no-untyped-def]
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    # Word picks Chinese glyphs from the East-Asian font slot; without it the font is ignored.
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def set_a4(document: DocxDocument, *, official: bool = False) -> None:
    """A4 portrait; `official` uses the GB/T 9704 margins (top 37 mm, bottom 35 mm, 28/26 mm)."""
    for section in document.sections:
        section.page_height, section.page_width = Cm(29.7), Cm(21.0)
        if official:
            section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
            section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
        else:
            section.top_margin = section.bottom_margin = Cm(2.0)
            section.left_margin = section.right_margin = Cm(2.0)


def stamp_docx(document: DocxDocument, stamp: str) -> None:
    """The exporter's stamp in light grey in the header of every page of every section."""
    for index, section in enumerate(document.sections):
        header = section.header
        if index and header.is_linked_to_previous:
            continue  # shows the previous section's header, stamp included
        paragraph = header.paragraphs[0] if header.paragraphs else header.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        run = paragraph.add_run(stamp)
        set_font(run, "仿宋_GB2312", 8)
        run.font.color.rgb = WATERMARK_GREY
