"""Importing a 交办清单: mapping guessed, saved and reused; preview; all-or-nothing; re-import."""

from datetime import date

import pytest
from django.utils import timezone

from saohei.assigned_lists import services
from saohei.assigned_lists.models import AssignedList, AssignedListRow, RowOutcome
from saohei.assigned_lists.tests.helpers import (
    CHILDREN,
    PARENTS,
    csv_file,
    day,
    list_row,
    merged_xlsx,
)
from saohei.audit.models import AuditAction, AuditEvent
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.leads import services as lead_services
from saohei.leads.models import Lead, Source, Status
from saohei.leads.tests.conftest import advance
from saohei.organisations.models import Unit, User
from saohei.sheets.models import SenderMapping

pytestmark = pytest.mark.django_db

SENDER = "荣成市扫黑办"


def stage(
    user: User, town: Unit, file, *, sender: str = SENDER, source: str = Source.UPPER_ASSIGNED
):  # type: ignore[no-untyped-def]
    return services.stage_list(
        actor=user, unit=town, sender=sender, source=source, file=file, file_name=file.name
    )


def test_merged_header_under_a_title_row_is_found_and_each_column_guessed(banshi, town):
    staged = stage(banshi, town, merged_xlsx([list_row(1, "RC-001")]))

    plan = services.plan_import(actor=banshi, staged=staged)

    header = plan.reading.checked.header
    assert (header.row, header.depth) == (2, 2)
    assert header.titles[4:6] == ["被反映人姓名", "被反映人身份证号"]
    columns = plan.reading.checked.columns
    assert columns["交办编号"] == "upstream_reference"
    assert columns["被反映人姓名"] == "subject_name"
    assert columns["被反映人身份证号"] == "subject_id_number"
    assert columns["反馈期限"] == "deadline"
    assert columns["序号"] == ""
    assert plan.reading.remembered is False


def test_unknown_source_word_is_a_problem_until_mapped_once_for_the_sender(banshi, town):
    staged = stage(banshi, town, merged_xlsx([list_row(1, "RC-001"), list_row(2, "RC-002")]))
    plan = services.plan_import(actor=banshi, staged=staged)
    assert plan.problem_count == 2
    assert "来源“市扫黑办交办”无法识别" in plan.rows[0].checked.problems[0]

    services.save_list_mapping(
        actor=banshi,
        staged=staged,
        columns=plan.reading.checked.columns,
        values={"source": {"市扫黑办交办": Source.UPPER_ASSIGNED}},
    )

    assert services.plan_import(actor=banshi, staged=staged).problem_count == 0
    # The next list of the same sender is read the same way, without asking again.
    again = stage(banshi, town, merged_xlsx([list_row(1, "RC-003")], name="第4批.xlsx"))
    replan = services.plan_import(actor=banshi, staged=again)
    assert replan.problem_count == 0
    assert replan.reading.remembered is True
    # Another sender's words are its own.
    other = stage(banshi, town, merged_xlsx([list_row(1, "X-1")]), sender="威海市扫黑办")
    assert services.plan_import(actor=banshi, staged=other).problem_count == 1
    assert AuditEvent.objects.filter(action=AuditAction.SHEET_MAPPING_SAVED).count() == 1


def test_saved_column_mapping_is_reused_for_the_same_sender(banshi, town):
    header = ["编号", "日期", "内容", "备注"]
    rows = [["RC-1", day(-2), "有人强揽工程", "港西村"]]
    staged = stage(banshi, town, csv_file(header, rows, encoding="utf-8"))
    plan = services.plan_import(actor=banshi, staged=staged)
    # 编号 is guessed; 日期 and 内容 alone name no field, so 交办日期 and 问题内容 have no column.
    assert plan.reading.checked.columns["编号"] == "upstream_reference"
    assert plan.reading.checked.columns["日期"] == ""
    assert plan.reading.checked.columns["内容"] == ""
    assert plan.problem_count == 2

    services.save_list_mapping(
        actor=banshi,
        staged=staged,
        columns={
            "编号": "upstream_reference",
            "日期": "received_on",
            "内容": "content",
            "备注": "village",
        },
        values={},
    )

    later = stage(banshi, town, csv_file(header, rows, encoding="utf-8", name="下一批.csv"))
    replan = services.plan_import(actor=banshi, staged=later)
    assert replan.reading.checked.columns["日期"] == "received_on"
    assert replan.reading.checked.columns["备注"] == "village"
    assert replan.problem_count == 0
    mapping = SenderMapping.objects.get(unit=town, sender=SENDER)
    assert mapping.columns["日期"] == "received_on"


def test_a_field_mapped_to_two_columns_is_refused(banshi, town):
    staged = stage(banshi, town, merged_xlsx([list_row(1, "RC-001")]))
    with pytest.raises(ServiceError, match="只能对应一列"):
        services.save_list_mapping(
            actor=banshi,
            staged=staged,
            columns={"交办编号": "content", "问题内容": "content"},
            values={},
        )
    assert not SenderMapping.objects.exists()


def test_gbk_csv_imports_into_leads_with_the_upstream_deadline(banshi, town):
    header = ["交办编号", "交办日期", "反馈期限", "被反映人", "所属村", "问题内容", "来源"]
    deadline = day(15)
    rows = [
        [
            "12337-0001",
            day(-1),
            deadline,
            "张某",
            "港西镇东岛村",
            "张某强揽村内工程",
            "12337平台下发",
        ],
        ["12337-0002", day(-1), deadline, "", "北港村委会", "有人放高利贷", "12337平台下发"],
    ]
    staged = stage(
        banshi, town, csv_file(header, rows), sender="12337平台", source=Source.PLATFORM_12337
    )

    assigned = services.import_list(actor=banshi, staged=staged)

    leads = list(Lead.objects.filter(unit=town).order_by("upstream_reference"))
    assert [lead.upstream_reference for lead in leads] == ["12337-0001", "12337-0002"]
    first = leads[0]
    assert first.source == Source.PLATFORM_12337
    assert first.upstream_office == "12337平台"
    assert first.upstream_deadline == date.fromisoformat(deadline)
    assert first.due_on == date.fromisoformat(deadline)
    assert first.village is not None and first.village.name == "东岛村"
    assert leads[1].village is not None and leads[1].village.name == "北港村"
    assert [subject.name for subject in first.subjects.all()] == ["张某"]
    assert timezone.localdate(first.received_at) == date.fromisoformat(day(-1))
    assert assigned.created_count == 2
    assert assigned.rows.values_list("values", flat=True).first() == rows[0]
    assert AuditEvent.objects.filter(action=AuditAction.LEAD_REGISTERED).count() == 2
    assert AuditEvent.objects.filter(action=AuditAction.ASSIGNED_LIST_IMPORTED).count() == 1


def _mapped(banshi: User, town: Unit) -> None:
    """The sender's word for 上级交办, mapped once."""
    staged = stage(banshi, town, merged_xlsx([list_row(1, "seed")]))
    plan = services.plan_import(actor=banshi, staged=staged)
    services.save_list_mapping(
        actor=banshi,
        staged=staged,
        columns=plan.reading.checked.columns,
        values={"source": {"市扫黑办交办": Source.UPPER_ASSIGNED}},
    )


def test_reimporting_a_corrected_list_updates_instead_of_duplicating(banshi, town):
    _mapped(banshi, town)
    first = stage(banshi, town, merged_xlsx([list_row(1, "RC-001"), list_row(2, "RC-002")]))
    services.import_list(actor=banshi, staged=first)
    lead = Lead.objects.get(upstream_reference="RC-001")

    corrected = stage(
        banshi,
        town,
        merged_xlsx(
            [
                list_row(
                    1,
                    "RC-001",
                    deadline=day(30),
                    content="有人在码头强收停靠费并殴打渔民",
                    name="李某",
                ),
                list_row(2, "RC-002"),
                list_row(3, "RC-003"),
            ]
        ),
    )
    plan = services.plan_import(actor=banshi, staged=corrected)
    assert [row.outcome for row in plan.rows] == [
        RowOutcome.UPDATED,
        RowOutcome.UNCHANGED,
        RowOutcome.CREATED,
    ]
    assert plan.rows[0].changes == ["问题内容", "反馈期限", "被反映人"]

    services.import_list(actor=banshi, staged=corrected)

    assert Lead.objects.filter(unit=town).count() == 3
    lead.refresh_from_db()
    assert lead.summary == "有人在码头强收停靠费并殴打渔民"
    assert lead.upstream_deadline == lead.due_on == date.fromisoformat(day(30))
    assert sorted(lead.subjects.values_list("name", flat=True)) == ["李某", "王某"]
    assert AssignedList.objects.count() == 2
    assert AssignedListRow.objects.filter(lead=lead).count() == 2


def test_a_concluded_lead_keeps_its_findings_and_the_preview_says_so(banshi, town):
    _mapped(banshi, town)
    services.import_list(
        actor=banshi, staged=stage(banshi, town, merged_xlsx([list_row(1, "RC-001")]))
    )
    lead = advance(Lead.objects.get(upstream_reference="RC-001"), "concluded")
    assert lead.status == Status.CONCLUDED
    basis = lead.conclusion_basis

    again = stage(
        banshi,
        town,
        merged_xlsx([list_row(1, "RC-001", content="完全不同的内容", deadline=day(40))]),
    )
    plan = services.plan_import(actor=banshi, staged=again)
    assert plan.rows[0].outcome == RowOutcome.CLOSED
    assert plan.rows[0].outcome_label == "已办结，未更新"
    services.import_list(actor=banshi, staged=again)

    lead.refresh_from_db()
    assert lead.summary != "完全不同的内容"
    assert lead.conclusion_basis == basis
    assert lead.upstream_deadline != date.fromisoformat(day(40))


def test_preview_lists_every_problem_row_by_row_and_nothing_is_written(banshi, town):
    _mapped(banshi, town)
    rows = [
        list_row(1, "RC-001", village="不存在村"),
        list_row(2, "RC-002", received="2026-13-45"),
        list_row(3, "", content=""),
        list_row(4, "RC-004", id_number="110105194912310021"),
        list_row(5, "RC-001"),
        list_row(6, "RC-006", deadline=day(-10), received=day(-3)),
        list_row(7, "RC-007", received=day(5)),
        list_row(8, "RC-008"),
    ]
    staged = stage(banshi, town, merged_xlsx(rows))

    plan = services.plan_import(actor=banshi, staged=staged)

    problems = {row.checked.number: row.checked.problems for row in plan.rows}
    assert "不是本镇的村" in problems[4][0]
    assert "不是有效的日期" in problems[5][0]
    assert problems[6] == ["缺少交办编号", "缺少问题内容"]
    assert "身份证" in problems[7][0]
    assert "与第4行重复" in problems[8][0]
    assert problems[9] == ["反馈期限早于交办日期"]
    assert problems[10] == ["交办日期晚于今天"]
    assert problems[11] == []
    with pytest.raises(ServiceError, match="7 处问题"):
        services.import_list(actor=banshi, staged=staged)
    assert not Lead.objects.exists()
    assert not AssignedList.objects.exists()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"not a sheet at all", "清单.pdf", "不是 .xlsx 工作簿或 .csv 文件"),
        (b"", "清单.xlsx", "是空文件"),
        (b"PK\x03\x04broken", "清单.xlsx", "已损坏"),
        (b"\r\n\r\n", "清单.csv", "没有内容"),
    ],
)
def test_a_file_that_is_not_a_list_is_refused_in_chinese(banshi, town, content, name, message):
    from django.core.files.base import ContentFile

    with pytest.raises(ServiceError, match=message):
        stage(banshi, town, ContentFile(content, name=name))
    assert not AuditEvent.objects.filter(action=AuditAction.SHEET_STAGED).exists()


def test_wrong_columns_are_refused_before_anything_is_written(banshi, town):
    staged = stage(banshi, town, csv_file(["姓名", "年龄"], [["张三", "40"]], encoding="utf-8"))
    with pytest.raises(ServiceError, match="没有找到表头"):
        services.plan_import(actor=banshi, staged=staged)
    with pytest.raises(ServiceError, match="没有找到表头"):
        services.import_list(actor=banshi, staged=staged)
    assert not Lead.objects.exists()


def test_only_the_towns_office_staff_may_import(banshi, town, other_town):
    leader = User.objects.get(username="shuji")
    with pytest.raises(ActionNotAllowed):
        stage(leader, town, merged_xlsx([list_row(1, "RC-001")]))
    other_clerk = User.objects.get(username="gdbanshi")
    with pytest.raises(ActionNotAllowed):
        stage(other_clerk, town, merged_xlsx([list_row(1, "RC-001")]))
    staged = stage(banshi, town, merged_xlsx([list_row(1, "RC-001")]))
    with pytest.raises(ActionNotAllowed):
        services.import_list(actor=other_clerk, staged=staged)


def test_an_imported_list_cannot_be_imported_twice(banshi, town):
    _mapped(banshi, town)
    staged = stage(banshi, town, merged_xlsx([list_row(1, "RC-001")]))
    services.import_list(actor=banshi, staged=staged)
    with pytest.raises(ServiceError, match="已经导入"):
        services.import_list(actor=banshi, staged=staged)


def test_header_helpers_are_consistent():
    assert PARENTS[4] == "被反映人" and CHILDREN[4] == "姓名"
    assert lead_services.revise_upstream_deadline is not None
