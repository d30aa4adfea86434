import io

from docx import Document

from saohei.common.documents import export_stamp, set_a4, set_font, stamp_docx


def test_stamp_is_in_the_header_of_every_page() -> None:
    document = Document()
    document.add_section()
    set_a4(document, official=True)
    set_font(document.add_paragraph().add_run("正文"), "仿宋_GB2312", 16)
    stamp = export_stamp("张三")
    stamp_docx(document, stamp)
    buffer = io.BytesIO()
    document.save(buffer)

    reopened = Document(io.BytesIO(buffer.getvalue()))
    assert len(reopened.sections) == 2
    first, second = reopened.sections
    assert [p.text for p in first.header.paragraphs] == [stamp]
    # The second section shows the first one's header (stamp included), not a copy of it.
    assert second.header.is_linked_to_previous
    assert first.top_margin is not None and second.top_margin is not None
    assert round(first.top_margin.cm, 1) == round(second.top_margin.cm, 1) == 3.7
    assert stamp.startswith("导出人：张三 导出时间：")
    (body,) = [p for p in reopened.paragraphs if p.text == "正文"]
    fonts = body.runs[0]._element.rPr.rFonts  # type: ignore[union-attr]
    east_asian = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia"
    assert fonts.get(east_asian) == "仿宋_GB2312"  # type: ignore[union-attr]
