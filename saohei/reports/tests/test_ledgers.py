"""The three ledgers exported here: content, scope per role and town, audit, bad filters."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from saohei.accountability.models import Talk, TalkKind, TalkReview, Topic
from saohei.audit.models import AuditAction, AuditEvent
from saohei.common.roles import Role
from saohei.inspections.models import ArchiveFolder, Finding, InspectionRound, Result
from saohei.meetings.models import Meeting, MeetingDecision, MeetingKind, MeetingLeadOpinion
from saohei.organisations.models import Unit, User
from saohei.reports.exports import INSPECTION_COLUMNS, MEETING_COLUMNS, TALK_COLUMNS
from saohei.reports.tests.conftest import (
    ClientAs,
    make_item,
    make_lead,
    move_grant,
    person,
    workbook_of,
)

DAY = datetime.date(2025, 3, 10)
PHONE = "13912345678"


def _rows(response: object) -> list[list]:
    sheet = workbook_of(response).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _column(rows: list[list], columns: list[str], title: str) -> list:
    index = columns.index(title)
    return [row[index] for row in rows[3:]]


# --- 谈心谈话记录 ----------------------------------------------------------------------------


@pytest.fixture
def talks(town: Unit, second_town: Unit) -> dict[str, Talk]:
    cun02, cun01 = person("cun02"), person("cun01")
    # A phone on the account: the ledger names people, it never lists their numbers.
    User.objects.filter(pk=cun02.pk).update(phone=PHONE)
    review = TalkReview.objects.create(
        unit=town, reviewer=person("shuji"), covers_until=DAY, opinion="记录规范，跟进及时"
    )
    east = Talk.objects.create(
        unit=town,
        talked_on=DAY,
        place="镇党委会议室",
        interviewer=person("shuji"),
        recorder=person("banshi"),
        kind=TalkKind.REMINDER,
        topics=[Topic.LEAD_SCREENING],
        content="提醒东岛村做好线索摸排",
        follow_up="一个月后回访",
        review=review,
        created_by=person("banshi"),
    )
    east.interviewees.set([cun02])
    east.rectification_items.add(
        make_item(town, created="2025-03-10", due="2025-03-30", description="摸排台账未按月更新")
    )
    east.leads.add(make_lead(town, received="2025-03-10"))
    west = Talk.objects.create(
        unit=town,
        talked_on=DAY + datetime.timedelta(days=5),
        place="港西村村委",
        interviewer=person("fushuji"),
        kind=TalkKind.ROUTINE,
        content="例行谈话",
        created_by=person("banshi"),
    )
    west.interviewees.set([cun01])
    other = Talk.objects.create(
        unit=second_town,
        talked_on=DAY,
        place="港东镇会议室",
        interviewer=person("shiban"),
        kind=TalkKind.SPECIAL,
        content="港东镇专题谈话",
        created_by=person("shiban"),
    )
    return {"east": east, "west": west, "other": other}


def test_talk_ledger_has_the_domain_columns_and_is_watermarked_and_audited(
    client_as: ClientAs, talks: dict[str, Talk]
) -> None:
    response = client_as("banshi").get("/reports/talks.xlsx")
    rows = _rows(response)

    assert "导出人：李晓静（banshi）" in rows[0][0] and "导出时间：" in rows[0][0]
    assert rows[2] == TALK_COLUMNS
    assert len(rows) == 5  # watermark, title, header, the town's two talks (newest first)
    newest, older = rows[3], rows[4]
    assert newest[3] == "于春梅" and older[3] == "孙志远"
    record = dict(zip(TALK_COLUMNS, older, strict=True))
    assert record["时间"] == datetime.datetime(2025, 3, 10)  # a real date
    assert record["谈话对象（村/职务）"] == "李海滨（东岛村，东岛村党支部书记）"
    assert record["记录人"] == "李晓静"
    assert record["类型"] == "提醒谈话"
    assert record["主要内容"] == "【线索摸查】提醒东岛村做好线索摸排"
    assert "问题：摸排台账未按月更新" in record["发现问题/线索"]
    assert "线索：T-" in record["发现问题/线索"]
    assert record["后续措施"] == "一个月后回访"
    assert (record["定期查阅人"], record["查阅意见"]) == ("孙志远", "记录规范，跟进及时")
    assert record["查阅时间"].date() == timezone.localdate()  # a real moment
    assert dict(zip(TALK_COLUMNS, newest, strict=True))["查阅意见"] == "待梳理"
    # Every cell after 序号 is text or a real date; no phone number anywhere.
    sheet = workbook_of(client_as("banshi").get("/reports/talks.xlsx")).active
    assert all(
        cell.data_type == "s" or cell.is_date
        for row in sheet.iter_rows(min_row=4, min_col=2)
        for cell in row
        if cell.value
    )
    assert not any(PHONE in str(value) for row in rows for value in row)

    events = AuditEvent.objects.filter(action=AuditAction.TALKS_EXPORTED)
    assert events.count() == 2
    assert events.first().details["rows"] == 2  # type: ignore[union-attr]


def test_talk_ledger_filters_by_period_and_village(
    client_as: ClientAs, talks: dict[str, Talk]
) -> None:
    village = Unit.objects.get(name="东岛村")
    client = client_as("banshi")
    by_village = _rows(client.get("/reports/talks.xlsx", {"village": village.pk}))
    assert _column(by_village, TALK_COLUMNS, "地点") == ["镇党委会议室"]
    by_period = _rows(
        client.get("/reports/talks.xlsx", {"date_from": "2025-03-12", "date_to": "2025-03-31"})
    )
    assert _column(by_period, TALK_COLUMNS, "地点") == ["港西村村委"]
    event = AuditEvent.objects.filter(action=AuditAction.TALKS_EXPORTED).order_by("sequence")
    assert event.first().details["filters"] == {"village_id": village.pk}  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("username", "places"),
    [
        ("cun02", ["镇党委会议室"]),  # a village head: only the talks they took part in
        ("cun01", ["港西村村委"]),
        ("minjing", []),
        ("shiban", ["港西村村委", "镇党委会议室", "港东镇会议室"]),  # 上级督导: the subtree
    ],
)
def test_talk_ledger_holds_only_what_the_exporter_may_read(
    client_as: ClientAs, talks: dict[str, Talk], username: str, places: list[str]
) -> None:
    rows = _rows(client_as(username).get("/reports/talks.xlsx"))
    assert sorted(_column(rows, TALK_COLUMNS, "地点")) == sorted(places)


def test_talk_ledger_of_a_supervisor_of_another_town_leaves_this_town_out(
    client_as: ClientAs, talks: dict[str, Talk], second_town: Unit
) -> None:
    move_grant("shiban", Role.SUPERVISOR, second_town)
    rows = _rows(client_as("shiban").get("/reports/talks.xlsx"))
    assert _column(rows, TALK_COLUMNS, "地点") == ["港东镇会议室"]


# --- 研判会议记录 ----------------------------------------------------------------------------


@pytest.fixture
def meetings(town: Unit, second_town: Unit) -> dict[str, Meeting]:
    lead = make_lead(town, received="2025-03-01")
    analysis = Meeting.objects.create(
        unit=town,
        kind=MeetingKind.ANALYSIS,
        title="三月线索研判会",
        held_on=DAY,
        place="镇政府三楼会议室",
        chair=person("shuji"),
        recorder=person("banshi"),
        topics="研判三月新受理线索",
        reported="通报二月线索办理情况",
        created_by=person("banshi"),
    )
    analysis.attendees.set([person("shuji"), person("fushuji"), person("cun02")])
    MeetingLeadOpinion.objects.create(meeting=analysis, lead=lead, opinion="交派出所核查")
    MeetingDecision.objects.create(
        meeting=analysis, text="全面排查码头收费", owner=person("banshi"), due_on=DAY
    )
    MeetingDecision.objects.create(
        meeting=analysis,
        text="东岛村补齐摸排台账",
        owner=person("cun02"),
        due_on=DAY + datetime.timedelta(days=10),
    )
    study = Meeting.objects.create(
        unit=town,
        kind=MeetingKind.STUDY,
        title="学习上级文件",
        held_on=DAY - datetime.timedelta(days=20),
        place="镇政府三楼会议室",
        chair=person("fushuji"),
        recorder=person("banshi"),
        topics="学习文件",
        created_by=person("banshi"),
    )
    other = Meeting.objects.create(
        unit=second_town,
        kind=MeetingKind.ANALYSIS,
        title="港东镇研判会",
        held_on=DAY,
        place="港东镇会议室",
        chair=person("shiban"),
        recorder=person("shiban"),
        topics="研判",
        created_by=person("shiban"),
    )
    return {"analysis": analysis, "study": study, "other": other, "lead": lead}  # type: ignore[dict-item]


def test_meeting_ledger_has_the_domain_columns_and_is_audited(
    client_as: ClientAs, meetings: dict
) -> None:
    rows = _rows(client_as("banshi").get("/reports/meetings.xlsx", {"kind": "analysis"}))

    assert "导出人：李晓静（banshi）" in rows[0][0]
    assert rows[2] == MEETING_COLUMNS
    assert len(rows) == 4
    record = dict(zip(MEETING_COLUMNS, rows[3], strict=True))
    assert record["序号"] == 1
    assert (record["名称"], record["会议类型"], record["时间"]) == (
        "三月线索研判会",
        "研判会",
        datetime.datetime(2025, 3, 10),
    )
    assert (record["地点"], record["主持人"], record["记录人"]) == (
        "镇政府三楼会议室",
        "孙志远",
        "李晓静",
    )
    assert set(record["参会人"].split("、")) == {"孙志远", "于春梅", "李海滨"}
    assert (record["议题"], record["通报情况"]) == ("研判三月新受理线索", "通报二月线索办理情况")
    assert record["研判意见"] == f"{meetings['lead'].number}：交派出所核查"
    assert record["决定事项"] == "1. 全面排查码头收费\n2. 东岛村补齐摸排台账"
    assert record["责任分工"] == "1. 李晓静\n2. 李海滨"
    assert record["时限"] == "1. 2025-03-10\n2. 2025-03-20"
    event = AuditEvent.objects.get(action=AuditAction.MEETINGS_EXPORTED)
    assert event.details == {"rows": 1, "filters": {"kind": "analysis"}}


def test_meeting_ledger_filters_by_period(client_as: ClientAs, meetings: dict) -> None:
    rows = _rows(
        client_as("banshi").get(
            "/reports/meetings.xlsx", {"date_from": "2025-02-01", "date_to": "2025-02-28"}
        )
    )
    assert _column(rows, MEETING_COLUMNS, "名称") == ["学习上级文件"]


def test_supervisor_exports_the_subtree_without_opinions_on_leads_they_cannot_open(
    client_as: ClientAs, meetings: dict
) -> None:
    rows = _rows(client_as("shiban").get("/reports/meetings.xlsx"))
    titles = _column(rows, MEETING_COLUMNS, "名称")
    assert sorted(titles) == sorted(["三月线索研判会", "学习上级文件", "港东镇研判会"])
    opinions = dict(zip(titles, _column(rows, MEETING_COLUMNS, "研判意见"), strict=True))
    assert opinions["三月线索研判会"] == ""


def test_supervisor_of_another_town_exports_only_that_town(
    client_as: ClientAs, meetings: dict, second_town: Unit
) -> None:
    move_grant("shiban", Role.SUPERVISOR, second_town)
    rows = _rows(client_as("shiban").get("/reports/meetings.xlsx"))
    assert _column(rows, MEETING_COLUMNS, "名称") == ["港东镇研判会"]


@pytest.mark.parametrize("username", ["cun02", "minjing", "baoguan", "shenji"])
def test_meeting_ledger_is_refused_to_those_who_see_only_titles(
    client_as: ClientAs, meetings: dict, username: str
) -> None:
    assert client_as(username).get("/reports/meetings.xlsx").status_code == 403
    assert not AuditEvent.objects.filter(action=AuditAction.MEETINGS_EXPORTED).exists()


# --- 村级档案检查 ----------------------------------------------------------------------------


@pytest.fixture
def findings(town: Unit, second_town: Unit) -> list[Finding]:
    west, east = Unit.objects.get(name="港西村"), Unit.objects.get(name="东岛村")
    first, second = ArchiveFolder.objects.order_by("sort_order", "id")[:2]
    inspection = InspectionRound.objects.create(
        unit=town,
        title="2025年第一季度村级档案检查",
        deployed_by="荣成市扫黑办",
        inspected_on=DAY,
        working_days=10,
        created_by=person("banshi"),
    )
    inspection.villages.set([west, east])
    inspection.inspectors.set([person("banshi"), person("fushuji")])
    item = make_item(
        town, created="2025-03-10", due="2025-03-24", village=east, description="缺少上级文件"
    )
    made = [
        Finding.objects.create(
            round=inspection,
            village=west,
            folder=first,
            result=Result.PASSED,
            recorded_by=person("banshi"),
        ),
        Finding.objects.create(
            round=inspection,
            village=east,
            folder=first,
            result=Result.MISSING,
            note="未见上级文件汇编",
            rectification_item=item,
            recorded_by=person("banshi"),
        ),
        Finding.objects.create(
            round=inspection,
            village=east,
            folder=second,
            result=Result.IRREGULAR,
            recorded_by=person("banshi"),
        ),
    ]
    other = InspectionRound.objects.create(
        unit=second_town,
        title="港东镇档案检查",
        inspected_on=DAY,
        created_by=person("shiban"),
    )
    other_village = Unit.objects.get(name="港东村")
    other.villages.set([other_village])
    made.append(
        Finding.objects.create(
            round=other,
            village=other_village,
            folder=first,
            result=Result.PASSED,
            recorded_by=person("shiban"),
        )
    )
    return made


def test_inspection_ledger_lists_round_village_folder_and_item_state(
    client_as: ClientAs, findings: list[Finding]
) -> None:
    rows = _rows(client_as("banshi").get("/reports/inspections.xlsx"))

    assert "导出人：李晓静（banshi）" in rows[0][0]
    assert rows[2] == INSPECTION_COLUMNS
    records = [dict(zip(INSPECTION_COLUMNS, row, strict=True)) for row in rows[3:]]
    assert [(record["村居"], record["检查结果"]) for record in records] == [
        ("港西村", "合格"),
        ("东岛村", "缺失"),
        ("东岛村", "不规范"),
    ]
    missing = records[1]
    assert missing["检查名称"] == "2025年第一季度村级档案检查"
    assert (missing["部署单位"], missing["检查日期"]) == (
        "荣成市扫黑办",
        datetime.datetime(2025, 3, 10),
    )
    assert set(missing["检查人员"].split("、")) == {"李晓静", "于春梅"}
    assert missing["说明"] == "未见上级文件汇编"
    assert (missing["整改事项"], missing["整改时限"], missing["整改状态"]) == (
        "缺少上级文件",
        datetime.datetime(2025, 3, 24),
        "整改中",
    )
    assert AuditEvent.objects.get(action=AuditAction.INSPECTIONS_EXPORTED).details["rows"] == 3


def test_inspection_ledger_filters_by_village_and_period(
    client_as: ClientAs, findings: list[Finding]
) -> None:
    client = client_as("banshi")
    east = Unit.objects.get(name="东岛村")
    rows = _rows(client.get("/reports/inspections.xlsx", {"village": east.pk}))
    assert _column(rows, INSPECTION_COLUMNS, "村居") == ["东岛村", "东岛村"]
    rows = _rows(client.get("/reports/inspections.xlsx", {"date_from": "2025-04-01"}))
    assert len(rows) == 3  # watermark, title and header only


@pytest.mark.parametrize(
    ("username", "villages"),
    [("cun02", ["东岛村", "东岛村"]), ("cun01", ["港西村"]), ("cun03", [])],
)
def test_village_head_exports_only_their_own_village(
    client_as: ClientAs, findings: list[Finding], username: str, villages: list[str]
) -> None:
    rows = _rows(client_as(username).get("/reports/inspections.xlsx"))
    assert _column(rows, INSPECTION_COLUMNS, "村居") == villages


def test_supervisor_exports_every_town_of_the_subtree(
    client_as: ClientAs, findings: list[Finding], second_town: Unit
) -> None:
    client = client_as("shiban")
    rows = _rows(client.get("/reports/inspections.xlsx"))
    assert sorted(_column(rows, INSPECTION_COLUMNS, "村居")) == sorted(
        ["港西村", "东岛村", "东岛村", "港东村"]
    )
    move_grant("shiban", Role.SUPERVISOR, second_town)
    rows = _rows(client_as("shiban").get("/reports/inspections.xlsx"))
    assert _column(rows, INSPECTION_COLUMNS, "村居") == ["港东村"]


@pytest.mark.parametrize("username", ["minjing", "baoguan", "shenji"])
def test_inspection_ledger_is_refused_to_other_roles(
    client_as: ClientAs, findings: list[Finding], username: str
) -> None:
    assert client_as(username).get("/reports/inspections.xlsx").status_code == 403


# --- every export ----------------------------------------------------------------------------

EXPORTS = ["/reports/talks.xlsx", "/reports/meetings.xlsx", "/reports/inspections.xlsx"]


@pytest.mark.parametrize("url", EXPORTS)
def test_anonymous_visitor_is_sent_to_login(demo: None, url: str) -> None:
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("url", EXPORTS)
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"date_from": "2025-13-01"}, "有效的日期"),
        ({"date_from": "2025-03-02", "date_to": "2025-03-01"}, "截止日期不能早于起始日期"),
        ({"date_to": "1900-01-01"}, "日期不能早于2000年"),
        ({"village": "abc"}, "选择一个有效的选项"),
        ({"kind": "party"}, "选择一个有效的选项"),
    ],
)
def test_bad_filters_get_a_chinese_message_and_nothing_is_exported(
    client_as: ClientAs, url: str, params: dict[str, str], message: str
) -> None:
    response = client_as("banshi").get(url, params)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not AuditEvent.objects.filter(
        action__in=[
            AuditAction.TALKS_EXPORTED,
            AuditAction.MEETINGS_EXPORTED,
            AuditAction.INSPECTIONS_EXPORTED,
        ]
    ).exists()


@pytest.mark.parametrize("url", ["/reports/talks.xlsx", "/reports/inspections.xlsx"])
def test_a_village_of_another_town_is_refused_as_a_filter(
    client_as: ClientAs, second_town: Unit, url: str
) -> None:
    other_village = Unit.objects.get(name="港东村")
    response = client_as("banshi").get(url, {"village": other_village.pk})
    assert response.status_code == 400
    assert "选择一个有效的选项" in response.content.decode()


def test_a_village_head_cannot_filter_on_another_village(client_as: ClientAs, demo: None) -> None:
    other = Unit.objects.get(name="港西村")
    response = client_as("cun02").get("/reports/inspections.xlsx", {"village": other.pk})
    assert response.status_code == 400
