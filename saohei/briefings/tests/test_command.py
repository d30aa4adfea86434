import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from docx import Document
from pypdf import PdfReader

from saohei.audit.models import AuditAction, AuditEvent
from saohei.common.dates import chinese_date


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("briefing", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_txt_goes_to_stdout(town):
    text = _run("--unit", "港西镇")

    lines = text.splitlines()
    today = chinese_date(timezone.localdate())
    # The masthead: series, an issue not yet numbered (only a saved issue takes a number), the
    # issuing unit and the day; then the title and the period ending on that day.
    assert lines[:3] == ["工作简报", "第　　期", f"港西镇扫黑除恶专项斗争领导小组办公室　　{today}"]
    assert lines[4] == "港西镇扫黑除恶专项斗争工作简报"
    assert lines[5] == f"（截至{today}）"
    assert "一、组织领导" in lines
    assert "本期未受理线索，也未开展治安案件倒查。" in lines
    event = AuditEvent.objects.get(action=AuditAction.BRIEFING_EXPORTED)
    assert event.details["via"] == "command"
    assert event.unit_id == town.pk


@pytest.mark.django_db
def test_the_demo_briefing_from_the_shell_has_the_seeds_figures(demo_history):
    text = _run("--unit", "港西镇")
    assert "共计200余次" in text
    assert "已达1800多个小时" in text
    assert "认真转办上级的10件交办线索，现已全部排除涉黑涉恶可能" in text


def test_period_is_stated(town):
    text = _run("--unit", "港西镇", "--from", "2026-01-01", "--to", "2026-06-30")
    assert "（2026年1月1日至2026年6月30日）" in text


def test_docx_and_pdf_go_to_the_output_file(town, tmp_path):
    docx_path = tmp_path / "简报.docx"
    pdf_path = tmp_path / "简报.pdf"

    _run("--unit", "港西镇", "--format", "docx", "--output", str(docx_path))
    _run("--unit", "港西镇", "--format", "pdf", "--output", str(pdf_path))

    paragraphs = [p.text for p in Document(str(docx_path)).paragraphs]
    assert paragraphs[0] == "工作简报"
    assert paragraphs[4] == "港西镇扫黑除恶专项斗争工作简报"
    pdf_text = "".join(page.extract_text() for page in PdfReader(str(pdf_path)).pages)
    assert "工作简报" in pdf_text
    assert "组织领导" in pdf_text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--unit", "不存在镇"], "未找到名为“不存在镇”的镇（街道）"),
        (["--unit", "港西村"], "未找到名为“港西村”的镇（街道）"),
        (["--unit", "港西镇", "--from", "2026/01/01"], "起始日期格式不正确"),
        (
            ["--unit", "港西镇", "--from", "2026-02-01", "--to", "2026-01-01"],
            "起始日期不能晚于截止日期",
        ),
        (["--unit", "港西镇", "--format", "pdf"], "须用 --output 指定输出文件"),
        (
            ["--unit", "港西镇", "--format", "docx", "--output", "/no/such/dir/a.docx"],
            "输出目录不存在",
        ),
    ],
)
def test_bad_input_is_refused_in_chinese(town, args, message):
    with pytest.raises(CommandError, match=message):
        _run(*args)
    assert not AuditEvent.objects.filter(action=AuditAction.BRIEFING_EXPORTED).exists()


def test_bad_unit_exits_non_zero_from_the_shell(town):
    from django.core.management import ManagementUtility

    utility = ManagementUtility(["manage.py", "briefing", "--unit", "不存在镇"])
    with pytest.raises(SystemExit) as exit_info:
        utility.execute()
    assert exit_info.value.code != 0
