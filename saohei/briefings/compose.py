"""The briefing in the founding report's structure, written from the records of the other contexts.

`compose(unit, date_from, date_to)` returns sections → paragraphs → segments; a number segment
carries its figure key (figures.py), so the page can link it to the records it counts. Pure
reads: nothing here writes. Each sentence appears only when its records exist; a section with
no records says so plainly.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count
from django.utils import timezone

from saohei.accountability.models import Topic
from saohei.briefings.figures import (
    FIGURES,
    OTHER_SOURCES,
    OUTCOMES,
    Scope,
    get_figure,
    group_memberships,
    secretary,
    secretary_police_leaders,
    secretary_talks,
    value,
)
from saohei.briefings.numbers import written
from saohei.common.dates import chinese_date
from saohei.leads.models import Source
from saohei.meetings.models import MeetingKind, MeetingSchedule
from saohei.organisations.models import GroupMembership, GroupRole, LeadingGroup, Unit
from saohei.publicity.defaults import KindCode
from saohei.publicity.models import PlaceType, PublicityActivity, PublicityKind
from saohei.publicity.queries import in_period, kind_totals


@dataclass(frozen=True)
class Segment:
    text: str
    # Set on a number: the figure it states and the measure word written after it.
    figure: str = ""
    measure_word: str = ""

    @property
    def full_text(self) -> str:
        return self.text + self.measure_word


@dataclass
class Section:
    key: str
    heading: str
    paragraphs: list[list[Segment]]

    @property
    def text(self) -> str:
        return "\n".join("".join(s.full_text for s in paragraph) for paragraph in self.paragraphs)


@dataclass
class Briefing:
    unit: Unit
    date_from: date | None
    date_to: date | None
    title: str
    period_label: str
    sections: list[Section]
    # The day it was written: the end of an open period and the date of its masthead.
    today: date
    values: dict[str, int | Decimal] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """Plain text: title, period, then each heading and its paragraphs."""
        lines = [self.title, f"（{self.period_label}）", ""]
        for section in self.sections:
            if section.heading:
                lines.append(section.heading)
            lines.extend(section.text.split("\n"))
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Num:
    """A number in a sentence, by figure key."""

    key: str
    # A measure word other than the figure's own ("2轮" for the rounds counted as 次 elsewhere).
    measure_word: str | None = None


Part = str | Num
SECTION_HEADINGS = [
    ("intro", ""),
    ("organisation", "一、组织领导"),
    ("responsibility", "二、压实责任"),
    ("publicity", "三、宣传发动"),
    ("leads", "四、线索摸排"),
]
NOTHING_TO_REPORT = {
    "organisation": "本期未录入领导小组、会议和自查自纠方面的工作记录。",
    "responsibility": "本期未录入谈心谈话、档案检查和问题整改方面的工作记录。",
    "publicity": "本期未录入宣传活动记录。",
    "leads": "本期未受理线索，也未开展治安案件倒查。",
}
# An organ named once in a list is not repeated: "镇党委书记和镇长…，副书记" (the seed).
ORGAN_PREFIXES = ("镇党委", "镇政府", "镇人大", "镇纪委", "派出所")


def period_label(date_from: date | None, date_to: date | None, *, today: date) -> str:
    """The period in words; an open end is the day the briefing was written ("截至2026年12月4日"),
    never "目前", so a printed briefing still says when its figures were true."""
    end = date_to or today
    if date_from:
        return f"{chinese_date(date_from)}至{chinese_date(end)}"
    return f"截至{chinese_date(end)}"


def elide_organs(titles: Iterable[str], said: set[str]) -> list[str]:
    result = []
    for title in titles:
        for prefix in ORGAN_PREFIXES:
            if title.startswith(prefix) and len(title) > len(prefix):
                if prefix in said:
                    title = title[len(prefix) :]
                said.add(prefix)
                break
        result.append(title)
    return result


def join_and(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return "、".join(items[:-1]) + "和" + items[-1]


class Subject:
    """The town's name where the paragraph's first sentence needs a subject, nothing after."""

    def __init__(self, unit: Unit) -> None:
        self.name = unit.name
        self.said = False

    def __call__(self) -> str:
        if self.said:
            return ""
        self.said = True
        return self.name


def _joined(clauses: list[list[Part]], separator: str) -> list[Part]:
    result: list[Part] = []
    for index, clause in enumerate(clause for clause in clauses if clause):
        if index:
            result.append(separator)
        result.extend(clause)
    return result


class Writer:
    """Turns sentences of text and `Num`s into segments, reading each figure once."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.values: dict[str, int | Decimal] = {}

    def value(self, key: str) -> int | Decimal:
        if key not in self.values:
            figure = get_figure(key)
            if figure is None:
                raise KeyError(key)
            self.values[key] = value(figure, self.scope)
        return self.values[key]

    def has(self, key: str) -> bool:
        return bool(self.value(key))

    def segments(self, parts: list[Part]) -> list[Segment]:
        result: list[Segment] = []
        text = ""
        for part in parts:
            if isinstance(part, str):
                text += part
                continue
            if text:
                result.append(Segment(text))
                text = ""
            figure = get_figure(part.key)
            assert figure is not None
            result.append(
                Segment(
                    written(self.value(part.key), figure.style),
                    figure=part.key,
                    measure_word=part.measure_word or figure.measure_word,
                )
            )
        if text:
            result.append(Segment(text))
        return result


# ——— 一、组织领导 ———


def _group_sentence(scope: Scope, memberships: list[GroupMembership]) -> list[Part]:
    unit = scope.unit
    group = LeadingGroup.objects.filter(unit=unit).first()
    if group is None:
        return []
    if group.established_on and scope.date_to and group.established_on > scope.date_to:
        return []
    name = group.name.removeprefix(unit.name) or group.name
    said: set[str] = set()

    def titles(role: GroupRole) -> list[str]:
        people = [m for m in memberships if m.group_role == role]
        return elide_organs([m.title or m.user.position or m.user.real_name for m in people], said)

    leaders, deputies = titles(GroupRole.LEADER), titles(GroupRole.DEPUTY_LEADER)
    if leaders and deputies:
        text = f"成立了由{join_and(leaders)}任组长，{'、'.join(deputies)}任副组长的{name}"
    elif leaders:
        text = f"成立了由{join_and(leaders)}任组长的{name}"
    else:
        text = f"成立了{name}"
    if group.office_name:
        text += f"，下设{group.office_name}"
    return [text]


def _organisation(writer: Writer) -> list[list[Part]]:
    scope = writer.scope
    unit = scope.unit
    first: list[list[Part]] = []
    group_part = _group_sentence(scope, group_memberships(unit))
    has_schedule = MeetingSchedule.objects.filter(
        unit=unit, kind=MeetingKind.ANALYSIS, is_active=True
    ).exists()
    analysis: list[Part] = []
    if has_schedule:
        analysis.append("建立定期研判机制")
    if writer.has("meetings.analysis"):
        analysis.append(("，共召开" if has_schedule else "召开") + "线索研判会")
        analysis.append(Num("meetings.analysis"))
    first.append(_joined([group_part, analysis], "，"))
    if writer.has("meetings.self_inspections"):
        clause: list[Part] = [
            "对照上级文件要求，积极开展自查自纠",
            Num("meetings.self_inspections"),
        ]
        if writer.has("meetings.self_inspection_problems"):
            clause += ["，列出问题清单", Num("meetings.self_inspection_problems")]
            clause.append("，明确责任人和整改期限")
        else:
            clause.append("，未发现需要整改的问题")
        first.append(clause)
    if writer.has("meetings.joint"):
        first.append(
            [
                "与派出所建立情报联动、信息互通机制，召开联席会议",
                Num("meetings.joint"),
                "，为深入推进扫黑除恶专项斗争形成强大合力提供保障",
            ]
        )
    paragraph: list[Part] = []
    head = _joined(first, "；")
    if head:
        paragraph += [unit.name, *head, "。"]

    meetings = [
        (key, name)
        for key, name in (
            ("meetings.leading_group", "领导小组会议"),
            ("meetings.topic", "扫黑除恶专项斗争专题会议"),
        )
        if writer.has(key)
    ]
    second: list[list[Part]] = []
    if meetings:
        held: list[Part] = ["召开"]
        for index, (key, name) in enumerate(meetings):
            held += (["、"] if index else []) + [name, Num(key)]
        second.append(held)
    if writer.has("meetings.study"):
        second.append(["组织集中学习", Num("meetings.study")])
    studied: list[list[Part]] = []
    if writer.has("meetings.documents"):
        studied.append(["各级扫黑除恶专项斗争相关文件", Num("meetings.documents")])
    if writer.has("meetings.cases"):
        studied.append(["典型案例", Num("meetings.cases")])
    if studied:
        second.append(["班子成员带头认真学习", *_joined(studied, "和")])
    if second:
        if not paragraph:
            second[0] = [unit.name, *second[0]]
        paragraph += _joined(second, "，")
        paragraph.append("，进一步提高政治站位，坚持把扫黑除恶专项斗争作为重大政治任务。")
    return [paragraph] if paragraph else []


# ——— 二、压实责任 ———


def _responsibility(writer: Writer) -> list[list[Part]]:
    scope = writer.scope
    unit = scope.unit
    sentences: list[list[Part]] = []
    subject = Subject(unit)

    leader = secretary(unit)
    heads = writer.has("talks.secretary_village_heads")
    police = secretary_police_leaders(scope) if leader is not None else []
    if leader is not None and (heads or police):
        title = leader.title or leader.user.position or leader.user.real_name
        whom: list[list[Part]] = []
        if heads:
            whom.append([Num("talks.secretary_village_heads"), "村级主要负责人"])
        if police:
            whom.append(["、".join(elide_organs([p.position for p in police], set()))])
        sentence: list[Part] = [f"{subject()}由{title}同", *_joined(whom, "及"), "进行谈心谈话"]
        codes: set[str] = set()
        for topics in secretary_talks(scope).values_list("topics", flat=True):
            codes.update(topics or [])
        labels = [topic.label for topic in Topic if topic.value in codes]
        if labels:
            sentence.append(f"，并就{'、'.join(labels)}等工作进行强调部署")
        sentence.append("，引导农村干部增强政治意识。")
        sentences.append(sentence)

    talk_clauses: list[list[Part]] = []
    if writer.has("talks.cadre_talks"):
        talk_clauses.append(["组织机关干部同村居主要负责人谈心谈话", Num("talks.cadre_talks")])
    if writer.has("talks.reviews"):
        talk_clauses.append(["开展谈心谈话记录定期梳理", Num("talks.reviews")])
    if writer.has("rectifications.from_talks"):
        talk_clauses.append(
            [
                "列出问题清单",
                Num("rectifications.from_talks"),
                "，要求每个村居负责人对照清单查摆扫黑除恶专项斗争工作中存在的问题，"
                "明确整改措施和整改期限，做到问题清单化、清单责任化",
            ]
        )
    if talk_clauses:
        sentences.append([subject(), *_joined(talk_clauses, "，"), "。"])

    if writer.has("inspections.rounds"):
        deployers = list(
            dict.fromkeys(
                name
                for name in FIGURES["inspections.rounds"]
                .records(scope)
                .values_list("deployed_by", flat=True)
                if name
            )
        )
        sentence = []
        if deployers:
            sentence.append(f"根据{'、'.join(deployers)}的统一部署要求，")
        # "对M个村居…开展检查N次" says each village was checked N times: true only when every
        # round covered all M villages; otherwise rounds and villages are said apart.
        rounds = FIGURES["inspections.rounds"].records(scope)
        every_round_covers_all = (
            not rounds.annotate(covered=Count("villages"))
            .exclude(covered=writer.value("inspections.villages"))
            .exists()
        )
        if every_round_covers_all:
            sentence += [
                f"{subject()}组织机关干部对",
                Num("inspections.villages"),
                "村居的扫黑除恶档案设立情况开展检查",
                Num("inspections.rounds"),
            ]
        else:
            sentence += [
                f"{subject()}组织机关干部对村居扫黑除恶档案设立情况开展检查",
                Num("inspections.rounds", "轮"),
                "，覆盖",
                Num("inspections.villages"),
                "村居",
            ]
        if writer.has("inspections.onsite_findings"):
            sentence += [
                "，对开展不深入、没有落到实处的",
                Num("inspections.onsite_findings"),
                "工作，现场列出整改清单，要求限期整改完善",
            ]
        sentence.append("，确保扫黑除恶工作在基层得以高效推进。")
        sentences.append(sentence)

    if writer.has("rectifications.items"):
        verb = "共列入" if scope.date_from is None else "新列入"
        sentence = [
            f"{period_label(scope.date_from, scope.date_to, today=scope.today)}，{subject()}问题整改台账{verb}整改事项",
            Num("rectifications.items"),
        ]
        parts: list[list[Part]] = []
        if writer.has("rectifications.closed"):
            parts.append(["已销号", Num("rectifications.closed")])
        if writer.has("rectifications.not_closed"):
            parts.append(["尚未销号", Num("rectifications.not_closed")])
        if parts:
            # Statuses are today's: a period ending earlier says so rather than dating them back.
            now = (
                f"截至{chinese_date(scope.today)}"
                if scope.date_to is not None and scope.date_to < scope.today
                else ""
            )
            sentence += ["，", now, *_joined(parts, "，")]
        if writer.has("rectifications.overdue"):
            sentence += ["，其中超过整改期限", Num("rectifications.overdue"), "，已督促限期整改"]
        sentence.append("。")
        sentences.append(sentence)

    if not sentences:
        return []
    return [[part for sentence in sentences for part in sentence]]


# ——— 三、宣传发动 ———

PLACE_NAMES = {
    PlaceType.TOWN_CENTRE: "镇区",
    PlaceType.RURAL: "农村",
    PlaceType.COMMUNITY: "社区",
    PlaceType.ENTERPRISE: "企业",
    PlaceType.PARK: "园区",
}
# The seed: "宣传车进社区、进农村、进园区".
CAR_PLACE_ORDER = [
    PlaceType.COMMUNITY,
    PlaceType.RURAL,
    PlaceType.PARK,
    PlaceType.ENTERPRISE,
    PlaceType.TOWN_CENTRE,
]


def _publicity(writer: Writer) -> list[list[Part]]:
    scope = writer.scope
    unit = scope.unit
    activities = PublicityActivity.objects.filter(town=unit).current()
    totals = kind_totals(activities, date_from=scope.date_from, date_to=scope.date_to)
    present: dict[str, PublicityKind] = {
        total.kind.code: total.kind for total in totals if total.quantity > 0
    }
    if not present:
        return []
    places: dict[str, set[str]] = {}
    rows = (
        in_period(activities, date_from=scope.date_from, date_to=scope.date_to)
        .order_by()
        .values_list("kind__code", "place_type")
        .distinct()
    )
    for code, place_type in rows:
        places.setdefault(code, set()).add(place_type)

    def key(code: str) -> str:
        return f"publicity.{code}"

    paragraph: list[Part] = [
        f"{unit.name}采取集中宣传与日常宣传相结合的方法，进一步营造浓厚的扫黑除恶专项斗争氛围。"
    ]
    methods: list[list[Part]] = []
    posted = [code for code in (KindCode.BANNER, KindCode.SLOGAN) if code in present]
    if posted:
        # Only where banners and slogans were put up: the sentence names no other material.
        where = set().union(*(places.get(code, set()) for code in posted))
        named = [PLACE_NAMES[place] for place in PlaceType if place in where]
        action = "和".join(
            {KindCode.BANNER: "悬挂横幅", KindCode.SLOGAN: "张贴标语公告"}[code] for code in posted
        )
        methods.append([f"在{'、'.join(named)}显著位置{action}" if named else action])
    if KindCode.LED in present:
        methods.append(["在镇域内LED屏滚动播出扫黑除恶标语"])
    car_places = "、".join(
        f"进{PLACE_NAMES[place]}"
        for place in CAR_PLACE_ORDER
        if place in places.get(KindCode.CAR, set())
    )
    if KindCode.CAR in present:
        methods.append([f"安排扫黑除恶宣传车{car_places}开展宣传"])
    if methods:
        paragraph += [*_joined(methods, "，"), "。"]
    channels = [
        name
        for code, name in ((KindCode.WECHAT, "微信公众号"), (KindCode.BROADCAST, "IP网络广播"))
        if code in present
    ]
    if channels:
        paragraph.append(
            f"同时，利用{'、'.join(channels)}向群众宣传典型案例，"
            "真正让人民群众知晓并参与到扫黑除恶专项斗争中。"
        )

    figures: list[list[Part]] = []
    if KindCode.SLOGAN in present:
        figures.append(["张贴各类宣传标语", Num(key(KindCode.SLOGAN))])
    made: list[list[Part]] = [
        [name, Num(key(code))]
        for code, name in ((KindCode.BANNER, "宣传横幅"), (KindCode.BOARD, "宣传板"))
        if code in present
    ]
    if made:
        figures.append(["制作", *_joined(made, "、")])
    if KindCode.CAR in present:
        figures.append([f"安排宣传车{car_places}共计", Num(key(KindCode.CAR))])
    if KindCode.LEAFLET in present:
        figures.append(["发放各类宣传明白纸", Num(key(KindCode.LEAFLET))])
    if KindCode.WECHAT in present:
        figures.append(["发布微信公众号推送文章", Num(key(KindCode.WECHAT))])
    if KindCode.BROADCAST in present:
        figures.append(["开展IP网络广播", Num(key(KindCode.BROADCAST))])
    if KindCode.EVENT in present:
        figures.append(["举办集中宣传活动", Num(key(KindCode.EVENT))])
    # Kinds an office added have no sentence of their own: they are said by their name.
    for code, kind in present.items():
        if code not in KindCode.values:
            figures.append([f"开展{kind.name}", Num(key(code))])
    if KindCode.LED in present:
        figures.append(["LED屏每天滚动播放扫黑除恶宣传标语已达", Num(key(KindCode.LED))])
    paragraph += [
        f"{period_label(scope.date_from, scope.date_to, today=scope.today)}，",
        *_joined(figures, "，"),
        "。",
    ]
    return [paragraph]


# ——— 四、线索摸排 ———


# How to say that every lead of a group is in one state: (one lead, several leads).
WHOLE_GROUP_WORDING = {
    "excluded": ("已排除涉黑涉恶可能", "现已全部排除涉黑涉恶可能"),
    "unfounded": ("经核查线索不实", "经核查均为不实线索"),
    "confirmed": ("已查实并依法处理", "均已查实并依法处理"),
    "transferred": ("已移送有关部门处理", "均已移送有关部门处理"),
    "unverifiable": ("暂无法核查，暂存待查", "暂无法核查，均暂存待查"),
    "pending": ("已登记，正在研判交办", "均已登记，正在研判交办"),
    "investigating": ("目前正在核查中", "目前均在核查中"),
    "proposed": ("已核查完毕，正在审核办结", "均已核查完毕，正在审核办结"),
}


def _outcome_clause(writer: Writer, group: str, total: int) -> tuple[list[Part], str]:
    """How a group of leads ended or stands, in the words true of its state: "现已全部排除…",
    "均已登记，正在研判交办", "目前均在核查中", or the mix ("已排除涉黑涉恶可能N件、正在核查N件",
    which the caller introduces with 其中/中). The kind returned is the one outcome's code or
    "mixed"."""
    for outcome in OUTCOMES:
        if writer.value(f"leads.{group}.{outcome.code}") == total:
            one, several = WHOLE_GROUP_WORDING[outcome.code]
            return [one if total == 1 else several], outcome.code
    parts: list[list[Part]] = []
    for outcome in OUTCOMES:
        if writer.value(f"leads.{group}.{outcome.code}"):
            parts.append([outcome.phrase, Num(f"leads.{group}.{outcome.code}")])
    return _joined(parts, "、"), "mixed"


def _leads(writer: Writer) -> list[list[Part]]:
    scope = writer.scope
    unit = scope.unit
    sentences: list[list[Part]] = []
    subject = Subject(unit)

    cases = int(writer.value("cases.reviewed"))
    upper = int(writer.value(f"leads.{Source.UPPER_ASSIGNED}"))
    first: list[list[Part]] = []
    if cases:
        first_case = (
            FIGURES["cases.reviewed"]
            .records(scope)
            .order_by("occurred_on")
            .values_list("occurred_on", flat=True)
            .first()
        )
        since = f"{first_case.year}年以来的" if first_case else ""
        first.append(["协同派出所对", since, Num("cases.reviewed"), "治安案件进行深排查、挖根源"])
    if upper:
        first.append(["认真转办上级的", Num(f"leads.{Source.UPPER_ASSIGNED}"), "交办线索"])
    if first:
        sentence: list[Part] = [
            f"在前期宣传动员、线索摸排的基础上，{subject()}",
            *_joined(first, "，"),
        ]
        cases_all_excluded = writer.value("cases.excluded") == cases
        upper_outcome, upper_kind = (
            _outcome_clause(writer, Source.UPPER_ASSIGNED, upper) if upper else ([], "excluded")
        )
        upper_all_excluded = upper_kind == "excluded"
        if cases_all_excluded and upper_all_excluded:
            sentence.append(
                "，现已全部排除涉黑涉恶可能" if cases + upper > 1 else "，已排除涉黑涉恶可能"
            )
        else:
            if cases and not cases_all_excluded:
                case_parts: list[list[Part]] = []
                if writer.has("cases.excluded"):
                    case_parts.append(["排除涉黑涉恶可能", Num("cases.excluded")])
                if writer.has("cases.to_lead"):
                    case_parts.append(["转为线索核查", Num("cases.to_lead")])
                sentence += ["；倒查案件中", *_joined(case_parts, "，")]
            elif cases:
                sentence.append("；倒查案件均已排除涉黑涉恶可能")
            if upper:
                sentence += [
                    "；上级交办线索",
                    "中" if upper_kind == "mixed" else "",
                    *upper_outcome,
                ]
        sentence.append("。")
        sentences.append(sentence)

    public = int(writer.value(f"leads.{Source.PUBLIC_REPORT}"))
    if public:
        public_figure = get_figure(f"leads.{Source.PUBLIC_REPORT}")
        assert public_figure is not None
        sentence = [
            f"{subject()}通过线索摸排收到群众举报线索",
            Num(f"leads.{Source.PUBLIC_REPORT}"),
        ]
        outcome, kind = _outcome_clause(writer, Source.PUBLIC_REPORT, public)
        with_police = not public_figure.records(scope).filter(police_unit__isnull=True).exists()
        if kind == "excluded" and with_police:
            sentence.append("，与派出所联合调查后")
        sentence += ["，其中" if kind == "mixed" else "，", *outcome, "。"]
        sentences.append(sentence)

    other = int(writer.value("leads.other"))
    if other:
        by_source: list[list[Part]] = [
            [_source_phrase(source), Num(f"leads.{source.value}")]
            for source in OTHER_SOURCES
            if writer.has(f"leads.{source.value}")
        ]
        outcome, kind = _outcome_clause(writer, "other", other)
        opening = "此外，受理" if sentences else f"{subject()}受理"
        sentences.append(
            [
                opening,
                *_joined(by_source, "、"),
                "，其中" if kind == "mixed" else "，",
                *outcome,
                "。",
            ]
        )
    if not sentences:
        return []
    return [[part for sentence in sentences for part in sentence]]


def _source_phrase(source: Source) -> str:
    return {
        Source.PLATFORM_12337: "12337平台下发线索",
        Source.SELF_FOUND: "自行摸排线索",
        Source.CASE_REVIEW: "治安案件倒查发现线索",
        Source.TALK: "谈心谈话发现线索",
        Source.TRANSFER: "部门移送线索",
    }.get(source, f"{source.label}线索")


def _intro(scope: Scope) -> list[Part]:
    unit = scope.unit
    opening = (
        "自扫黑除恶专项斗争开展以来"
        if scope.date_from is None
        else period_label(scope.date_from, scope.date_to, today=scope.today)
    )
    return [
        f"{opening}，{unit.name}认真贯彻上级关于扫黑除恶专项斗争的决策部署，以高标准、严措施、"
        "实作风，打击涉黑涉恶犯罪，查处黑恶势力保护伞，多措并举扎实推进扫黑除恶专项斗争。"
    ]


def compose(
    unit: Unit,
    date_from: date | None = None,
    date_to: date | None = None,
    *,
    today: date | None = None,
) -> Briefing:
    """The town's briefing for the period (open ends: from the start / up to today)."""
    scope = Scope(
        unit=unit, date_from=date_from, date_to=date_to, today=today or timezone.localdate()
    )
    writer = Writer(scope)
    writers = {
        "organisation": _organisation,
        "responsibility": _responsibility,
        "publicity": _publicity,
        "leads": _leads,
    }
    sections = []
    for key, heading in SECTION_HEADINGS:
        if key == "intro":
            paragraphs = [_intro(scope)]
        else:
            paragraphs = writers[key](writer) or [[NOTHING_TO_REPORT[key]]]
        sections.append(
            Section(key=key, heading=heading, paragraphs=[writer.segments(p) for p in paragraphs])
        )
    return Briefing(
        unit=unit,
        date_from=date_from,
        date_to=date_to,
        title=f"{unit.name}扫黑除恶专项斗争工作简报",
        period_label=period_label(date_from, date_to, today=scope.today),
        sections=sections,
        today=scope.today,
        values=writer.values,
    )
