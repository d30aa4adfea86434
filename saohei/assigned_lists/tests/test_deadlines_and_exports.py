"""Upstream deadlines drive due_on and the reminder ladder; the 反馈 comes back in the sender's
layout; rejected rows come out as an .xlsx that imports again once fixed."""

import io
import zipfile
from datetime import date, timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from saohei.assigned_lists import exports, services
from saohei.assigned_lists.tests.helpers import PARENTS, list_row, merged_xlsx
from saohei.assigned_lists.tests.test_import import SENDER, _mapped, stage
from saohei.leads import services as lead_services
from saohei.leads.deadlines import run_deadline_reminders
from saohei.leads.models import Lead, Source, SourceTimeLimit
from saohei.leads.tests.conftest import advance
from saohei.notifications.models import Notification
from saohei.sheets.rejected import rejected_rows_xlsx
from saohei.workdays.calendar import add_working_days

pytestmark = pytest.mark.django_db


def test_upstream_deadline_wins_over_the_source_limit_and_drives_the_ladder(banshi, town):
    SourceTimeLimit.objects.update_or_create(
        source=Source.UPPER_ASSIGNED, defaults={"working_days": 30}
    )
    _mapped(banshi, town)
    today = timezone.localdate()
    deadline = add_working_days(today, 3)
    services.import_list(
        actor=banshi,
        staged=stage(
            banshi, town, merged_xlsx([list_row(1, "RC-001", deadline=f"{deadline:%Y-%m-%d}")])
        ),
    )
    lead = Lead.objects.get(upstream_reference="RC-001")
    assert lead.due_on == lead.upstream_deadline == deadline

    assert run_deadline_reminders(today=today).reminded == 1
    reminder = Notification.objects.get(title__contains="3个工作日")
    assert f"{deadline:%Y-%m-%d}" in reminder.body

    # The sender moves its deadline into the past: the corrected list makes the lead overdue
    # and the ladder urges (催办) from the new date.
    past = today - timedelta(days=10)
    received = past - timedelta(days=5)
    corrected = stage(
        banshi,
        town,
        merged_xlsx(
            [list_row(1, "RC-001", deadline=f"{past:%Y-%m-%d}", received=f"{received:%Y-%m-%d}")]
        ),
    )
    services.import_list(actor=banshi, staged=corrected)
    lead.refresh_from_db()
    assert lead.due_on == lead.upstream_deadline == past
    run = run_deadline_reminders(today=today)
    assert run.urged + run.supervised == 1
    assert Notification.objects.filter(title__contains="已逾期").exists()


def _cells(workbook_bytes: bytes) -> list[list[object]]:
    sheet = load_workbook(io.BytesIO(workbook_bytes)).worksheets[0]
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_feedback_export_repeats_the_senders_layout_and_adds_four_columns(banshi, town):
    _mapped(banshi, town)
    rows = [list_row(1, "RC-001"), list_row(2, "RC-002", village="港西村"), list_row(3, "RC-003")]
    original = merged_xlsx(rows)
    original_bytes = original.read()
    original.seek(0)
    assigned = services.import_list(actor=banshi, staged=stage(banshi, town, original))
    concluded = advance(Lead.objects.get(upstream_reference="RC-002"), "concluded")
    lead_services.record_feedback(
        actor=banshi,
        lead=concluded,
        fed_back_on=timezone.localdate(),
        recipient=SENDER,
        content="经核查，系正常管理收费。",
    )

    exported = exports.feedback_xlsx(assigned, user=banshi)

    source_sheet = load_workbook(io.BytesIO(original_bytes)).worksheets[0]
    output_sheet = load_workbook(io.BytesIO(exported)).worksheets[0]
    width = len(PARENTS)
    for number in range(1, source_sheet.max_row + 1):
        for column in range(1, width + 1):
            assert (
                output_sheet.cell(number, column).value == source_sheet.cell(number, column).value
            ), (
                number,
                column,
            )
    assert {str(merged) for merged in source_sheet.merged_cells.ranges} <= {
        str(merged) for merged in output_sheet.merged_cells.ranges
    }
    assert output_sheet.max_row == source_sheet.max_row
    extra = [output_sheet.cell(2, width + offset).value for offset in range(1, 5)]
    assert extra == ["核查情况", "核查结论", "办结时间", "反馈人"]
    assert "J2:J3" in {str(merged) for merged in output_sheet.merged_cells.ranges}
    first, second = (
        [output_sheet.cell(row, width + offset).value for offset in range(1, 5)] for row in (4, 5)
    )
    assert first[1] == "尚未办结（已登记）"
    assert first[2] is None
    assert "走访码头经营户五户" in second[0]
    assert second[1].startswith(concluded.get_conclusion_display())
    assert second[2] == f"{timezone.localtime(concluded.concluded_at):%Y-%m-%d}"
    assert second[3] == banshi.real_name
    assert "导出人" in output_sheet.oddHeader.right.text


def test_reports_zip_holds_a_docx_per_concluded_lead_and_names_the_rest(banshi, town):
    _mapped(banshi, town)
    assigned = services.import_list(
        actor=banshi,
        staged=stage(banshi, town, merged_xlsx([list_row(1, "RC-001"), list_row(2, "RC-002")])),
    )
    lead = advance(Lead.objects.get(upstream_reference="RC-001"), "concluded")

    content, written = exports.reports_zip(assigned, user=banshi)

    assert written == 1
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = archive.namelist()
        report = next(name for name in names if name.endswith(".docx"))
        assert lead.number in report
        text = "\n".join(p.text for p in Document(io.BytesIO(archive.read(report))).paragraphs)
        assert "RC-001" in text and lead.get_conclusion_display() in text
        assert "RC-002：尚未办结" in archive.read("未附报告的线索.txt").decode()


def test_rejected_rows_come_out_as_xlsx_that_imports_after_fixing(banshi, town):
    _mapped(banshi, town)
    rows = [
        list_row(1, "RC-001"),
        list_row(2, "RC-002", village="不存在村"),
        list_row(3, "RC-003", deadline="明天"),
    ]
    staged = stage(banshi, town, merged_xlsx(rows))
    plan = services.plan_import(actor=banshi, staged=staged)
    assert plan.problem_count == 2

    content = rejected_rows_xlsx(
        plan.reading.checked, exported_by=str(banshi), file_name=staged.file_name
    )

    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.worksheets[0]
    header = [cell.value for cell in sheet[3]]
    assert header[-1] == "错误说明"
    assert header[4:6] == ["被反映人姓名", "被反映人身份证号"]
    assert [sheet.cell(4, 2).value, sheet.cell(5, 2).value] == ["RC-002", "RC-003"]
    assert "不是本镇的村" in sheet.cell(4, len(header)).value
    assert "不是有效的日期" in sheet.cell(5, len(header)).value
    # The clerk fixes the two cells in Excel and imports only these rows.
    sheet.cell(4, header.index("所属村") + 1).value = "东岛村村委会"
    sheet.cell(
        5, header.index("反馈期限") + 1
    ).value = f"{date.today() + timedelta(days=9):%Y/%m/%d}"
    fixed = io.BytesIO()
    workbook.save(fixed)

    again = stage(banshi, town, ContentFile(fixed.getvalue(), name="未通过的行.xlsx"))
    replan = services.plan_import(actor=banshi, staged=again)
    assert replan.problem_count == 0
    assert replan.reading.checked.columns.get("错误说明") is None
    services.import_list(actor=banshi, staged=again)
    assert set(Lead.objects.values_list("upstream_reference", flat=True)) == {"RC-002", "RC-003"}
    assert Lead.objects.get(upstream_reference="RC-002").village.name == "东岛村"  # type: ignore[union-attr]
