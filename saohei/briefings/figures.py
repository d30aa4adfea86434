"""Every number a briefing states, each defined once: the records it counts (a queryset), how it
is measured (count, or the sum of a field) and how the drill-down page lists those records.

The composer reads a figure's number from `value(figure, scope)`; the drill-down page lists
`drill_down(figure, scope, viewer)`. Both start from `figure.records(scope)`, so the page shows
exactly what the number counts — the records the viewer's own lists show, and the others only
as "另有 N 条受限记录" (decision 0014). Reads only; each app's own models, queries and access
rules are used.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Min, Q, QuerySet, Sum
from django.urls import reverse

from saohei.accountability.access import visible_talks
from saohei.accountability.models import Talk, TalkReview
from saohei.accountability.queries import police_leaders
from saohei.briefings.numbers import Style, plain
from saohei.cases.access import visible_cases
from saohei.cases.models import Case, ReviewConclusion
from saohei.common.dates import format_date
from saohei.common.roles import Role
from saohei.inspections import access as inspection_access
from saohei.inspections.models import Finding, InspectionRound, Result
from saohei.leads.access import visible_leads
from saohei.leads.models import (
    SUBSTANTIATED_CONCLUSIONS,
    Conclusion,
    Lead,
    Source,
    Status,
)
from saohei.meetings.access import visible_meetings, visible_self_inspections
from saohei.meetings.models import (
    MaterialKind,
    Meeting,
    MeetingKind,
    MeetingMaterial,
    SelfInspection,
    SelfInspectionProblem,
)
from saohei.organisations.models import GroupMembership, GroupRole, Unit, User
from saohei.organisations.queries import users_holding
from saohei.publicity.access import visible_activities
from saohei.publicity.defaults import KindCode
from saohei.publicity.models import PublicityActivity, PublicityKind
from saohei.publicity.queries import in_period
from saohei.rectifications.access import visible_items
from saohei.rectifications.models import RectificationItem, SourceKind


@dataclass(frozen=True)
class Scope:
    """One town over one period; `None` ends are open ("截至目前" when `date_to` is None)."""

    unit: Unit
    date_from: date | None
    date_to: date | None
    today: date


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    measure_word: str
    style: Style
    records: Callable[[Scope], QuerySet[Any]]
    columns: tuple[str, ...]
    row: Callable[[Any], list[str]]
    # None: the number is the count of records; otherwise the sum of this field.
    sum_field: str | None = None
    # The record's own page: (url name, id) or None; and which of those pages a viewer may open.
    # `openable` is also the figure's visibility: the drill-down lists a record only when the
    # viewer's own list shows it (its target is openable). None: a figure over records without
    # a page of their own (people, talk reviews) that every reader of the briefing may read.
    target: Callable[[Any], tuple[str, int] | None] = field(default=lambda record: None)
    openable: Callable[[User, Scope], QuerySet[Any]] | None = None


def _dates(queryset: QuerySet[Any], name: str, scope: Scope) -> QuerySet[Any]:
    """Records whose date (or the local date of a datetime, `name` ending in __date) is in the period."""
    if scope.date_from is not None:
        queryset = queryset.filter(**{f"{name}__gte": scope.date_from})
    if scope.date_to is not None:
        queryset = queryset.filter(**{f"{name}__lte": scope.date_to})
    return queryset


@dataclass(frozen=True)
class DrillDownRow:
    record: Any
    url: str


@dataclass(frozen=True)
class DrillDown:
    """What one viewer sees behind a number: the records their own lists show, each linked to
    its page, and how many more the number counts (restricted: neither numbers nor dates)."""

    rows: list[DrillDownRow]
    restricted: int


def drill_down(figure: Figure, scope: Scope, viewer: User) -> DrillDown:
    """The figure's records as the viewer's own lists show them; the rest only as a count."""
    records = list(figure.records(scope))
    if figure.openable is None:
        return DrillDown([DrillDownRow(record, "") for record in records], restricted=0)
    targets = {record.pk: figure.target(record) for record in records}
    ids = {target[1] for target in targets.values() if target}
    openable = set(figure.openable(viewer, scope).filter(pk__in=ids).values_list("pk", flat=True))
    rows = []
    for record in records:
        target = targets[record.pk]
        if target is None or target[1] not in openable:
            continue
        rows.append(DrillDownRow(record, reverse(target[0], args=[target[1]])))
    return DrillDown(rows, restricted=len(records) - len(rows))


def value(figure: Figure, scope: Scope) -> int | Decimal:
    records = figure.records(scope)
    if figure.sum_field is None:
        return records.count()
    total = records.order_by().aggregate(total=Sum(figure.sum_field))["total"]
    return total if total is not None else Decimal(0)


# ——— 组织领导: the leading group, meetings, self-inspections ———


def group_memberships(unit: Unit) -> list[GroupMembership]:
    return list(
        GroupMembership.objects.filter(group__unit=unit)
        .select_related("user", "group")
        .order_by("sort_order", "id")
    )


def secretary(unit: Unit) -> GroupMembership | None:
    """The first 组长 of the town's leading group (the 镇党委书记 in the seed)."""
    return (
        GroupMembership.objects.filter(group__unit=unit, group_role=GroupRole.LEADER)
        .select_related("user")
        .order_by("sort_order", "id")
        .first()
    )


def _meetings(kind: MeetingKind) -> Callable[[Scope], QuerySet[Any]]:
    def records(scope: Scope) -> QuerySet[Any]:
        return _dates(Meeting.objects.filter(unit=scope.unit, kind=kind), "held_on", scope)

    return records


def _materials(kind: MaterialKind) -> Callable[[Scope], QuerySet[Any]]:
    def records(scope: Scope) -> QuerySet[Any]:
        materials = MeetingMaterial.objects.filter(meeting__unit=scope.unit, kind=kind)
        materials = _dates(materials, "meeting__held_on", scope)
        # "学习文件N份" counts documents: one studied at two meetings is one document (its first
        # study stands for it), not two.
        first = materials.order_by().values("title").annotate(first=Min("id")).values("first")
        return MeetingMaterial.objects.filter(pk__in=first).select_related("meeting")

    return records


def _meeting_figure(key: str, kind: MeetingKind, label: str) -> Figure:
    return Figure(
        key=key,
        label=label,
        measure_word="次",
        style=Style.EXACT,
        records=_meetings(kind),
        columns=("日期", "类型", "名称", "地点"),
        row=lambda meeting: [
            format_date(meeting.held_on),
            meeting.get_kind_display(),
            meeting.title,
            meeting.place,
        ],
        target=lambda meeting: ("meetings:detail", meeting.pk),
        openable=lambda viewer, scope: visible_meetings(viewer),
    )


def _material_figure(key: str, kind: MaterialKind, label: str, measure_word: str) -> Figure:
    return Figure(
        key=key,
        label=label,
        measure_word=measure_word,
        style=Style.EXACT,
        records=_materials(kind),
        columns=("会议日期", "类别", "标题", "会议"),
        row=lambda material: [
            format_date(material.meeting.held_on),
            material.get_kind_display(),
            material.title,
            material.meeting.title,
        ],
        target=lambda material: ("meetings:detail", material.meeting_id),
        openable=lambda viewer, scope: visible_meetings(viewer),
    )


def _self_inspections(scope: Scope) -> QuerySet[Any]:
    return _dates(SelfInspection.objects.filter(unit=scope.unit), "inspected_on", scope)


def _self_inspection_problems(scope: Scope) -> QuerySet[Any]:
    problems = SelfInspectionProblem.objects.filter(inspection__unit=scope.unit)
    return _dates(problems, "inspection__inspected_on", scope).select_related(
        "inspection", "rectification_item"
    )


# ——— 压实责任: talks, reviews, inspections, the rectification ledger ———


def village_heads(unit: Unit) -> QuerySet[User]:
    """The heads of the town's villages (村级主要负责人)."""
    villages = Unit.objects.filter(parent=unit)
    return users_holding(Role.VILLAGE_HEAD, on=villages, include_inactive=True)


def _talks(scope: Scope) -> QuerySet[Any]:
    return _dates(Talk.objects.filter(unit=scope.unit), "talked_on", scope)


def secretary_talks(scope: Scope) -> QuerySet[Any]:
    leader = secretary(scope.unit)
    if leader is None:
        return Talk.objects.none()
    return _talks(scope).filter(interviewer_id=leader.user_id)


def _secretary_village_heads(scope: Scope) -> QuerySet[Any]:
    talked = secretary_talks(scope).values("interviewees")
    return (
        User.objects.filter(pk__in=village_heads(scope.unit).values("pk"))
        .filter(pk__in=talked)
        .select_related("unit")
        .order_by("unit__sort_order", "unit__path", "username")
    )


def secretary_police_leaders(scope: Scope) -> list[User]:
    """The 派出所's 所长/教导员 the secretary talked with in the period (named, not counted)."""
    talked = set(secretary_talks(scope).values_list("interviewees", flat=True))
    return [person for person in police_leaders(scope.unit) if person.pk in talked]


def _cadre_talks(scope: Scope) -> QuerySet[Any]:
    """Talks of other cadres with village heads (the secretary's own are reported apart)."""
    talks = _talks(scope).filter(interviewees__in=village_heads(scope.unit).values("pk"))
    leader = secretary(scope.unit)
    if leader is not None:
        talks = talks.exclude(interviewer_id=leader.user_id)
    # A subquery, not distinct(): a talk with two heads would otherwise count twice.
    return (
        Talk.objects.filter(pk__in=talks.values("pk"))
        .select_related("interviewer")
        .prefetch_related("interviewees")
        .order_by("talked_on", "id")
    )


def _talk_reviews(scope: Scope) -> QuerySet[Any]:
    reviews = TalkReview.objects.filter(unit=scope.unit).select_related("reviewer")
    return _dates(reviews, "reviewed_at__date", scope)


def _items(scope: Scope) -> QuerySet[Any]:
    items = RectificationItem.objects.filter(unit=scope.unit).select_related("village")
    return _dates(items, "created_at__date", scope)


def _rounds(scope: Scope) -> QuerySet[Any]:
    return _dates(InspectionRound.objects.filter(unit=scope.unit), "inspected_on", scope)


def _inspected_villages(scope: Scope) -> QuerySet[Any]:
    return Unit.objects.filter(pk__in=_rounds(scope).values("villages")).order_by(
        "sort_order", "path"
    )


def _onsite_findings(scope: Scope) -> QuerySet[Any]:
    return (
        Finding.objects.filter(round__in=_rounds(scope).values("pk"))
        .exclude(result=Result.PASSED)
        .select_related("round", "village", "folder")
    )


def _openable_villages(viewer: User, scope: Scope) -> QuerySet[Any]:
    # As the village status page decides: whoever reads the town's rounds reads its villages.
    if inspection_access.reads_whole_town(viewer, scope.unit):
        return Unit.objects.filter(parent=scope.unit)
    return inspection_access.headed_villages(viewer)


def _item_row(item: RectificationItem) -> list[str]:
    return [
        format_date(item.created_at.date()),
        item.village.name if item.village else "全镇",
        item.get_source_kind_display(),
        item.description,
        item.get_status_display(),
        format_date(item.due_on),
    ]


def _item_figure(key: str, label: str, narrow: Callable[[Any, Scope], QuerySet[Any]]) -> Figure:
    return Figure(
        key=key,
        label=label,
        measure_word="项",
        style=Style.EXACT,
        records=lambda scope: narrow(_items(scope), scope),
        columns=("列入日期", "村居", "问题来源", "问题描述", "状态", "整改时限"),
        row=_item_row,
        target=lambda item: ("rectifications:detail", item.pk),
        openable=lambda viewer, scope: visible_items(viewer),
    )


# ——— 宣传发动: the publicity ledger ———


def _publicity(code: str) -> Callable[[Scope], QuerySet[Any]]:
    def records(scope: Scope) -> QuerySet[Any]:
        activities = PublicityActivity.objects.filter(town=scope.unit).current()
        activities = in_period(activities, date_from=scope.date_from, date_to=scope.date_to)
        return activities.filter(kind__code=code).select_related("village", "kind")

    return records


# Kinds whose quantity counts times or trips (余 when large); the others are material items
# (exact, as the seed writes 6800份) or hours (多).
TIMES_KIND_CODES = frozenset({KindCode.CAR, KindCode.BROADCAST, KindCode.EVENT})


def publicity_figure(kind: PublicityKind) -> Figure:
    if kind.counted_in_hours:
        style, measure_word = Style.HOURS, "个小时"
    elif kind.code in TIMES_KIND_CODES:
        style, measure_word = Style.TIMES, kind.unit_label
    else:
        style, measure_word = Style.EXACT, kind.unit_label
    return Figure(
        key=f"publicity.{kind.code}",
        label=f"{kind.name}（{kind.unit_label}）",
        measure_word=measure_word,
        style=style,
        records=_publicity(kind.code),
        columns=("日期", "村居", "地点", "数量", "单位"),
        row=lambda activity: [
            format_date(activity.occurred_on),
            activity.village.name if activity.village else "全镇",
            activity.place,
            plain(activity.quantity),
            activity.kind.unit_label,
        ],
        sum_field="quantity",
        target=lambda activity: ("publicity:detail", activity.pk),
        openable=lambda viewer, scope: visible_activities(viewer),
    )


# ——— 线索摸排: historical case review and leads ———


def _reviewed_cases(scope: Scope) -> QuerySet[Any]:
    cases = Case.objects.filter(unit=scope.unit, review__isnull=False).select_related("review")
    return _dates(cases, "review__reviewed_on", scope).order_by("occurred_on", "id")


def _case_figure(key: str, label: str, conclusion: str | None) -> Figure:
    def records(scope: Scope) -> QuerySet[Any]:
        cases = _reviewed_cases(scope)
        return cases.filter(review__conclusion=conclusion) if conclusion else cases

    return Figure(
        key=key,
        label=label,
        measure_word="起",
        style=Style.EXACT,
        records=records,
        columns=("案件编号", "案由", "发案日期", "倒查结论", "倒查日期"),
        row=lambda case: [
            case.number,
            case.cause,
            format_date(case.occurred_on),
            case.review.get_conclusion_display(),
            format_date(case.review.reviewed_on),
        ],
        target=lambda case: ("cases:detail", case.pk),
        openable=lambda viewer, scope: visible_cases(viewer),
    )


# Source groups of the lead paragraph: the seed's 上级交办 and 群众举报, and the rest together.
MAIN_SOURCES = (Source.UPPER_ASSIGNED, Source.PUBLIC_REPORT)
OTHER_SOURCES = tuple(source for source in Source if source not in MAIN_SOURCES)


@dataclass(frozen=True)
class Outcome:
    code: str
    condition: Q
    phrase: str  # "已排除涉黑涉恶可能N件"


# A conclusion counts once signed off (已办结/已归档): a 待审核 lead carries its proposed
# conclusion too, and is not yet "已排除" — it is counted as 待审核办结. The outcomes partition
# the leads (merged ones excluded), so the parts of a mix add up to the group's number.
SIGNED_OFF = Q(status__in=[Status.CONCLUDED, Status.ARCHIVED])
OUTCOMES = (
    Outcome("excluded", SIGNED_OFF & Q(conclusion=Conclusion.EXCLUDED), "已排除涉黑涉恶可能"),
    Outcome("unfounded", SIGNED_OFF & Q(conclusion=Conclusion.UNFOUNDED), "经核查线索不实"),
    Outcome(
        "confirmed", SIGNED_OFF & Q(conclusion__in=SUBSTANTIATED_CONCLUSIONS), "查实并依法处理"
    ),
    Outcome(
        "transferred",
        SIGNED_OFF & Q(conclusion__in=[Conclusion.TO_DISCIPLINE, Conclusion.TO_OTHER_DEPARTMENT]),
        "移送有关部门",
    ),
    Outcome("unverifiable", SIGNED_OFF & Q(conclusion=Conclusion.UNVERIFIABLE), "暂存待查"),
    # Open leads, each state in its own words: a lead only registered is not yet "在核查".
    Outcome("pending", Q(status__in=[Status.REGISTERED, Status.TRIAGED]), "已登记待交办"),
    Outcome("investigating", Q(status__in=[Status.ASSIGNED, Status.INVESTIGATING]), "正在核查"),
    Outcome("proposed", Q(status=Status.PROPOSED), "已核查待审核办结"),
)


def _leads(scope: Scope) -> QuerySet[Any]:
    # A merged lead is a duplicate of another: counting it would count one matter twice.
    leads = Lead.objects.filter(unit=scope.unit).exclude(status=Status.MERGED)
    return _dates(leads, "received_at__date", scope).order_by("received_at", "id")


def _lead_group(group: str) -> Q:
    if group == "other":
        return Q(source__in=OTHER_SOURCES)
    return Q(source=group)


def _lead_figure(key: str, label: str, condition: Q, measure_word: str) -> Figure:
    return Figure(
        key=key,
        label=label,
        measure_word=measure_word,
        style=Style.EXACT,
        records=lambda scope: _leads(scope).filter(condition),
        columns=("线索编号", "来源", "受理日期", "状态", "核查结论"),
        row=lambda lead: [
            lead.number,
            lead.get_source_display(),
            format_date(lead.received_at.date()),
            lead.get_status_display(),
            lead.get_conclusion_display() if lead.conclusion else "",
        ],
        target=lambda lead: ("leads:detail", lead.pk),
        openable=lambda viewer, scope: visible_leads(viewer),
    )


def lead_measure_word(group: str) -> str:
    # The seed: "10件交办线索", "村民举报线索1起".
    return "起" if group == Source.PUBLIC_REPORT else "件"


def _lead_figures() -> list[Figure]:
    figures = []
    for source in Source:
        figures.append(
            _lead_figure(
                f"leads.{source.value}",
                f"{source.label}线索",
                Q(source=source),
                lead_measure_word(source),
            )
        )
    for group in (*(source.value for source in MAIN_SOURCES), "other"):
        group_label = "其他来源" if group == "other" else Source(group).label
        for outcome in OUTCOMES:
            figures.append(
                _lead_figure(
                    f"leads.{group}.{outcome.code}",
                    f"{group_label}线索：{outcome.phrase}",
                    _lead_group(group) & outcome.condition,
                    lead_measure_word(group),
                )
            )
    figures.append(
        _lead_figure("leads.other", "其他来源线索", _lead_group("other"), "件"),
    )
    return figures


def _static_figures() -> list[Figure]:
    return [
        _meeting_figure("meetings.analysis", MeetingKind.ANALYSIS, "线索研判会"),
        _meeting_figure("meetings.joint", MeetingKind.JOINT, "联席会议"),
        _meeting_figure("meetings.topic", MeetingKind.TOPIC, "专题会议"),
        _meeting_figure("meetings.leading_group", MeetingKind.LEADING_GROUP, "领导小组会议"),
        _meeting_figure("meetings.study", MeetingKind.STUDY, "集中学习"),
        _material_figure("meetings.documents", MaterialKind.DOCUMENT, "学习文件", "份"),
        _material_figure("meetings.cases", MaterialKind.CASE, "学习典型案例", "个"),
        Figure(
            key="meetings.self_inspections",
            label="自查自纠",
            measure_word="次",
            style=Style.EXACT,
            records=_self_inspections,
            columns=("自查日期", "上级文件", "文号"),
            row=lambda inspection: [
                format_date(inspection.inspected_on),
                inspection.document_title,
                inspection.document_number,
            ],
            target=lambda inspection: ("meetings:self_inspection", inspection.pk),
            openable=lambda viewer, scope: visible_self_inspections(viewer),
        ),
        Figure(
            key="meetings.self_inspection_problems",
            label="自查问题清单",
            measure_word="项",
            style=Style.EXACT,
            records=_self_inspection_problems,
            columns=("自查日期", "上级文件", "问题描述"),
            row=lambda problem: [
                format_date(problem.inspection.inspected_on),
                problem.inspection.document_title,
                problem.description,
            ],
            target=lambda problem: ("rectifications:detail", problem.rectification_item_id),
            openable=lambda viewer, scope: visible_items(viewer),
        ),
        Figure(
            key="talks.secretary_village_heads",
            label="党委书记谈心谈话的村级主要负责人",
            measure_word="个",
            style=Style.EXACT,
            records=_secretary_village_heads,
            columns=("姓名", "村居", "职务"),
            row=lambda person: [
                person.real_name,
                person.unit.name if person.unit else "",
                person.position,
            ],
        ),
        Figure(
            key="talks.cadre_talks",
            label="机关干部同村居主要负责人谈心谈话",
            measure_word="次",
            style=Style.EXACT,
            records=_cadre_talks,
            columns=("谈话日期", "谈话人", "谈话对象", "谈话类型"),
            row=lambda talk: [
                format_date(talk.talked_on),
                talk.interviewer.real_name,
                "、".join(person.real_name for person in talk.interviewees.all()),
                talk.get_kind_display(),
            ],
            target=lambda talk: ("accountability:detail", talk.pk),
            openable=lambda viewer, scope: visible_talks(viewer),
        ),
        Figure(
            key="talks.reviews",
            label="谈心谈话记录定期梳理",
            measure_word="次",
            style=Style.EXACT,
            records=_talk_reviews,
            columns=("梳理日期", "梳理人", "梳理截至", "梳理意见"),
            row=lambda review: [
                format_date(review.reviewed_at.date()),
                review.reviewer.real_name,
                format_date(review.covers_until),
                review.opinion,
            ],
        ),
        _item_figure(
            "rectifications.from_talks",
            "谈心谈话问题清单",
            lambda items, scope: items.filter(source_kind=SourceKind.TALK),
        ),
        Figure(
            key="inspections.rounds",
            label="村级档案检查",
            measure_word="次",
            style=Style.EXACT,
            records=_rounds,
            columns=("检查日期", "检查名称", "部署单位"),
            row=lambda inspection: [
                format_date(inspection.inspected_on),
                inspection.title,
                inspection.deployed_by,
            ],
            target=lambda inspection: ("inspections:detail", inspection.pk),
            openable=lambda viewer, scope: inspection_access.visible_rounds(viewer),
        ),
        Figure(
            key="inspections.villages",
            label="接受档案检查的村居",
            measure_word="个",
            style=Style.EXACT,
            records=_inspected_villages,
            columns=("村居",),
            row=lambda village: [village.name],
            target=lambda village: ("inspections:village", village.pk),
            openable=_openable_villages,
        ),
        Figure(
            key="inspections.onsite_findings",
            label="现场整改清单问题",
            measure_word="项",
            style=Style.EXACT,
            records=_onsite_findings,
            columns=("检查日期", "村居", "档案类别", "检查结果", "说明"),
            row=lambda finding: [
                format_date(finding.round.inspected_on),
                finding.village.name,
                finding.folder.name,
                finding.get_result_display(),
                finding.note,
            ],
            target=lambda finding: ("inspections:detail", finding.round_id),
            openable=lambda viewer, scope: inspection_access.visible_rounds(viewer),
        ),
        _item_figure(
            "rectifications.items", "列入问题整改台账的整改事项", lambda items, scope: items
        ),
        _item_figure(
            "rectifications.closed", "已销号的整改事项", lambda items, scope: items.closed()
        ),
        _item_figure(
            "rectifications.not_closed",
            "尚未销号的整改事项",
            lambda items, scope: items.not_closed(),
        ),
        _item_figure(
            "rectifications.overdue",
            "超过整改期限的整改事项",
            lambda items, scope: items.overdue(scope.today),
        ),
        _case_figure("cases.reviewed", "倒查的治安案件", None),
        _case_figure("cases.excluded", "倒查后排除涉黑涉恶可能的案件", ReviewConclusion.EXCLUDED),
        _case_figure("cases.to_lead", "倒查后转为线索的案件", ReviewConclusion.TO_LEAD),
        *_lead_figures(),
    ]


FIGURES: dict[str, Figure] = {figure.key: figure for figure in _static_figures()}


def get_figure(key: str) -> Figure | None:
    """A figure by key; publicity figures follow the ledger's kinds (`publicity.<code>`)."""
    if key in FIGURES:
        return FIGURES[key]
    prefix, _, code = key.partition(".")
    if prefix == "publicity" and code:
        kind = PublicityKind.objects.filter(code=code).first()
        if kind is not None:
            return publicity_figure(kind)
    return None
