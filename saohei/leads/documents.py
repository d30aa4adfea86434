"""Word documents for leads: the 办结反馈报告 to the assigning office."""

import io

from django.utils import timezone
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from saohei.common.documents import export_stamp, set_a4, stamp_docx
from saohei.common.documents import set_font as _font
from saohei.leads.models import Feedback


def feedback_docx(feedback: Feedback, *, exported_by: str) -> bytes:
    lead = feedback.lead
    document = Document()
    set_a4(document, official=True)

    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(title.add_run(f"关于{lead.number}号线索核查办理情况的报告"), "方正小标宋简体", 22)

    recipient = document.add_paragraph()
    _font(recipient.add_run(f"{feedback.recipient}："), "仿宋_GB2312", 16)

    lines = [
        f"    贵单位交办的线索（交办文号：{lead.upstream_reference or '无'}，我镇编号：{lead.number}）收悉。"
        f"我镇于{timezone.localtime(lead.received_at):%Y年%m月%d日}受理。",
        f"    核查结论：{lead.get_conclusion_display() or '尚未办结'}。",
        *[f"    {paragraph}" for paragraph in feedback.content.splitlines() if paragraph.strip()],
    ]
    for line in lines:
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.line_spacing = Pt(28)
        _font(paragraph.add_run(line), "仿宋_GB2312", 16)

    if lead.signed_off_by:
        signature = document.add_paragraph()
        _font(
            signature.add_run(f"    审核人：{lead.signed_off_by.real_name}（签字）"),
            "仿宋_GB2312",
            16,
        )
    closing = document.add_paragraph()
    closing.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _font(
        closing.add_run(
            f"{lead.unit.name}扫黑除恶专项斗争领导小组办公室\n{feedback.fed_back_on:%Y年%m月%d日}"
        ),
        "仿宋_GB2312",
        16,
    )

    stamp_docx(document, export_stamp(exported_by))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
