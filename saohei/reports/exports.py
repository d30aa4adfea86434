"""The ledgers of DOMAIN.md §5 that no feature context exports itself, and the statistics.

谈心谈话记录 (accountability), 研判会议记录 (meetings) and 村级扫黑除恶档案检查 (inspections) are
each read through their context's `access` module, streamed in chunks and written by the one
ledger writer (`saohei.common.ledgers`), with the exporter's watermark. None of them holds an
ID number or a phone: people appear by name, village and position only.
"""

from collections.abc import Iterable, Iterator
from datetime import date
from typing import IO

from django.db.models import Prefetch, QuerySet

from saohei.accountability import access as talk_access
from saohei.accountability.models import Talk
from saohei.common import ledgers as common_ledgers
from saohei.common.dates import format_date
from saohei.inspections import access as inspection_access
from saohei.inspections.models import Finding, InspectionRound
from saohei.leads.access import visible_leads
from saohei.meetings import access as meeting_access
from saohei.meetings.models import Meeting, MeetingDecision, MeetingLeadOpinion
from saohei.organisations.models import Unit, User
from saohei.rectifications.access import visible_items
from saohei.rectifications.models import RectificationItem
from saohei.reports.statistics import PeriodReport

# More rows than any town keeps; past it the sheet says so and the user narrows the filters.
EXPORT_LIMIT = 100_000
CHUNK_SIZE = 500


# --- 谈心谈话记录 -----------------------------------------------------------------------------

TALK_COLUMNS = [
    "序号",
    "时间",
    "地点",
    "谈话人",
    "谈话对象（村/职务）",
    "记录人",
    "类型",
    "主要内容",
    "发现问题/线索",
    "后续措施",
    "定期查阅人",
    "查阅时间",
    "查阅意见",
]


def talk_rows(
    user: User, *, date_from: date | None, date_to: date | None, village: Unit | None
) -> Iterator[Talk]:
    """The talks the user may read (`accountability.access`), newest first, in chunks."""
    talks = talk_access.visible_talks(user)
    if date_from:
        talks = talks.filter(talked_on__gte=date_from)
    if date_to:
        talks = talks.filter(talked_on__lte=date_to)
    if village is not None:
        # A subquery: a talk with two people from the village must stay one row.
        talks = talks.filter(pk__in=Talk.objects.filter(interviewees__unit=village).values("pk"))
    return (
        talks.select_related("unit", "interviewer", "recorder", "review__reviewer")
        .prefetch_related(
            Prefetch("interviewees", queryset=User.objects.select_related("unit").order_by("id")),
            # What the talk turned up, as far as the exporter's own ledger and lead list show it.
            Prefetch(
                "rectification_items",
                queryset=visible_items(user).only("id", "description", "status").order_by("id"),
            ),
            Prefetch("leads", queryset=visible_leads(user).only("id", "number").order_by("id")),
        )
        .order_by("-talked_on", "-id")[: EXPORT_LIMIT + 1]
        .iterator(chunk_size=CHUNK_SIZE)
    )


def write_talks(talks: Iterable[Talk], output: IO[bytes], *, exported_by: str, filters: str) -> int:
    return common_ledgers.write_ledger(
        output,
        sheet_name="谈心谈话记录",
        columns=TALK_COLUMNS,
        rows=(_talk_values(talk) for talk in talks),
        exported_by=exported_by,
        filters=filters,
        noun="谈话记录",
        limit=EXPORT_LIMIT,
        freeze_columns=2,
        wrap=True,
    )


def _person(person: User) -> str:
    details = "，".join(
        part for part in (person.unit.name if person.unit else "", person.position) if part
    )
    return f"{person.real_name}（{details}）" if details else person.real_name


def _talk_values(talk: Talk) -> list[common_ledgers.Cell]:
    topics = "、".join(talk.topic_labels)
    found = [f"问题：{item.description}" for item in talk.rectification_items.all()]
    found += [f"线索：{lead.number}" for lead in talk.leads.all()]
    review = talk.review
    opinion = review.opinion if review else "待梳理"
    if review and talk.edited_after_review_at:
        opinion += f"（{format_date(talk.edited_after_review_at)} 审阅后修改，待重新梳理）"
    return [
        talk.talked_on,
        talk.place,
        talk.interviewer.real_name,
        "、".join(_person(person) for person in talk.interviewees.all()),
        talk.recorder.real_name if talk.recorder else "",
        talk.get_kind_display(),
        (f"【{topics}】" if topics else "") + talk.content,
        "\n".join(found),
        talk.follow_up,
        review.reviewer.real_name if review else "",
        review.reviewed_at if review else "",
        opinion,
    ]


# --- 研判会议记录 -----------------------------------------------------------------------------

MEETING_COLUMNS = [
    "序号",
    "名称",
    "会议类型",
    "时间",
    "地点",
    "主持人",
    "参会人",
    "议题",
    "通报情况",
    "研判意见",
    "决定事项",
    "责任分工",
    "时限",
    "记录人",
]


def meeting_rows(
    user: User, *, date_from: date | None, date_to: date | None, kind: str = ""
) -> Iterator[Meeting]:
    """Meetings whose whole record the user reads (the office, an 上级督导 above it).

    Village heads and police see only a meeting's title and date (`meetings.access`), so the
    record never reaches them here. 研判意见 are limited to the leads the user may open.
    """
    meetings = meeting_access.visible_meetings(user).filter(
        unit__in=meeting_access.record_towns(user)
    )
    if date_from:
        meetings = meetings.filter(held_on__gte=date_from)
    if date_to:
        meetings = meetings.filter(held_on__lte=date_to)
    if kind:
        meetings = meetings.filter(kind=kind)
    opinions = MeetingLeadOpinion.objects.filter(
        lead__in=visible_leads(user).values("pk")
    ).select_related("lead")
    return (
        meetings.select_related("chair", "recorder")
        .prefetch_related(
            Prefetch("attendees", queryset=User.objects.order_by("unit__path", "username")),
            Prefetch("lead_opinions", queryset=opinions.order_by("id")),
            Prefetch(
                "decisions", queryset=MeetingDecision.objects.select_related("owner").order_by("id")
            ),
        )
        .order_by("-held_on", "-id")[: EXPORT_LIMIT + 1]
        .iterator(chunk_size=CHUNK_SIZE)
    )


def write_meetings(
    meetings: Iterable[Meeting], output: IO[bytes], *, exported_by: str, filters: str
) -> int:
    return common_ledgers.write_ledger(
        output,
        sheet_name="研判会议记录",
        columns=MEETING_COLUMNS,
        rows=(_meeting_values(meeting) for meeting in meetings),
        exported_by=exported_by,
        filters=filters,
        noun="会议",
        limit=EXPORT_LIMIT,
        freeze_columns=2,
        wrap=True,
    )


def _meeting_values(meeting: Meeting) -> list[common_ledgers.Cell]:
    decisions = list(meeting.decisions.all())
    numbered = len(decisions) > 1

    def lines(texts: list[str]) -> str:
        if not numbered:
            return "\n".join(texts)
        return "\n".join(f"{index}. {text}" for index, text in enumerate(texts, start=1))

    return [
        meeting.title,
        meeting.get_kind_display(),
        meeting.held_on,
        meeting.place,
        meeting.chair.real_name,
        "、".join(person.real_name for person in meeting.attendees.all()),
        meeting.topics,
        meeting.reported,
        "\n".join(f"{entry.lead.number}：{entry.opinion}" for entry in meeting.lead_opinions.all()),
        lines([decision.text for decision in decisions]),
        lines([decision.owner.real_name for decision in decisions]),
        lines([format_date(decision.due_on) for decision in decisions]),
        meeting.recorder.real_name,
    ]


# --- 村级扫黑除恶档案检查 ---------------------------------------------------------------------

INSPECTION_COLUMNS = [
    "序号",
    "检查名称",
    "部署单位",
    "检查日期",
    "检查人员",
    "村居",
    "档案类别",
    "检查结果",
    "说明",
    "整改事项",
    "整改时限",
    "整改状态",
]


def inspection_rounds(
    user: User, *, date_from: date | None, date_to: date | None
) -> QuerySet[InspectionRound]:
    rounds = inspection_access.visible_rounds(user)
    if date_from:
        rounds = rounds.filter(inspected_on__gte=date_from)
    if date_to:
        rounds = rounds.filter(inspected_on__lte=date_to)
    return rounds.select_related("unit").order_by("-inspected_on", "-id")


def finding_rows(
    user: User, rounds: Iterable[InspectionRound], *, village: Unit | None
) -> Iterator[tuple[InspectionRound, str, Finding]]:
    """Per round × village × folder, the findings `inspections.access` lets the user see.

    One query per round (rounds are few: a handful a year per town).
    """
    for inspection in rounds:
        inspectors = "、".join(person.real_name for person in inspection.inspectors.order_by("id"))
        findings = inspection_access.visible_findings(user, inspection)
        if village is not None:
            findings = findings.filter(village=village)
        for finding in findings.select_related("village", "folder", "rectification_item").order_by(
            "village__sort_order", "village__path", "folder__sort_order", "id"
        ):
            yield inspection, inspectors, finding


def write_findings(
    rows: Iterable[tuple[InspectionRound, str, Finding]],
    output: IO[bytes],
    *,
    exported_by: str,
    filters: str,
) -> int:
    return common_ledgers.write_ledger(
        output,
        sheet_name="村级档案检查",
        columns=INSPECTION_COLUMNS,
        rows=(_finding_values(*row) for row in rows),
        exported_by=exported_by,
        filters=filters,
        noun="检查结果",
        limit=EXPORT_LIMIT,
        freeze_columns=2,
        wrap=True,
    )


def _finding_values(
    inspection: InspectionRound, inspectors: str, finding: Finding
) -> list[common_ledgers.Cell]:
    item = finding.rectification_item
    return [
        inspection.title,
        inspection.deployed_by,
        inspection.inspected_on,
        inspectors,
        finding.village.name,
        finding.folder.name,
        finding.get_result_display(),
        finding.note,
        item.description if item else "",
        item.due_on if item else "",
        _item_state(item),
    ]


def _item_state(item: RectificationItem | None) -> str:
    if item is None:
        return ""
    state = item.get_status_display()
    if item.closed_at:
        state += f"（{format_date(item.closed_at)}）"
    return state


# --- 统计月报 / 季报 --------------------------------------------------------------------------

LEAD_COLUMNS = ["单位", "受理", "办结", "查结率", "查实", "查实率", "未办结", "逾期", "期末积存"]
SOURCE_COLUMNS = ["单位", "来源", "受理", "办结", "查结率", "查实", "查实率", "逾期"]
RECTIFICATION_COLUMNS = [
    "单位",
    "本期新增",
    "本期销号",
    "累计事项",
    "累计销号",
    "期末未销号",
    "期末逾期",
    "整改完成率",
]
PUBLICITY_COLUMNS = ["单位", "形式", "计量单位", "数量", "时长（小时）", "覆盖人数", "登记次数"]


def write_statistics(report: PeriodReport, output: IO[bytes], *, exported_by: str) -> None:
    """Four sheets (线索, 线索来源, 问题整改, 宣传发动), one row per town and the total."""
    title = (
        f"{report.period.label}扫黑除恶工作{report.period.report_name}"
        f"（{format_date(report.period.date_from)} 至 {format_date(report.period.date_to)}，"
        f"统计截止 {format_date(report.as_of)}）"
    )
    rows = report.rows
    sheet = common_ledgers.LedgerSheet
    common_ledgers.write_tables(
        output,
        sheets=[
            sheet(
                name="线索办理",
                title=title,
                columns=LEAD_COLUMNS,
                numbered=False,
                rows=(
                    [
                        row.label,
                        row.leads.received,
                        row.leads.closed,
                        row.leads.clearance_rate,
                        row.leads.substantiated,
                        row.leads.substantiation_rate,
                        row.leads.open,
                        row.leads.overdue,
                        row.leads.backlog,
                    ]
                    for row in rows
                ),
            ),
            sheet(
                name="线索来源",
                title=title,
                columns=SOURCE_COLUMNS,
                numbered=False,
                freeze_columns=2,
                rows=(
                    [
                        row.label,
                        tally.label,
                        tally.received,
                        tally.closed,
                        tally.clearance_rate,
                        tally.substantiated,
                        tally.substantiation_rate,
                        tally.overdue,
                    ]
                    for row in rows
                    for tally in row.leads_by_source
                ),
            ),
            sheet(
                name="问题整改",
                title=title,
                columns=RECTIFICATION_COLUMNS,
                numbered=False,
                rows=(
                    [
                        row.label,
                        row.rectifications.opened,
                        row.rectifications.closed,
                        row.rectifications.total,
                        row.rectifications.closed_total,
                        row.rectifications.open,
                        row.rectifications.overdue,
                        row.rectifications.completion_rate,
                    ]
                    for row in rows
                ),
            ),
            sheet(
                name="宣传发动",
                title=title,
                columns=PUBLICITY_COLUMNS,
                numbered=False,
                freeze_columns=2,
                rows=(
                    [
                        row.label,
                        total.kind.name,
                        total.kind.unit_label,
                        total.quantity,
                        total.hours if total.kind.hours_label else "",
                        total.reach if total.kind.reach_label else "",
                        total.activities,
                    ]
                    for row in rows
                    for total in row.publicity
                ),
            ),
        ],
        exported_by=exported_by,
    )
