"""A reproducible history of police cases with planted groups, decoys and background noise.

Pure: no database, no Django. The same seed and parameters give the same records, byte for byte,
so the 研判 benchmarks can report precision and recall against a known ground truth and the demo
can plant a group that a prompt must find. `generator_writer.write_history` stores the records.

`generate_history` yields, town after town, that town's `CaseRecord`s in case-number order and
then its ground truth: one `PlantedGroup` per planted group and one `Decoy` per decoy. A town's
records are built in memory (a few tens of thousands at most); the towns are streamed.

Every person is drawn once as an `Identity` and keeps its name, ID number, mobile and plate in
every case it appears in; a case records only some of them (`PersonRecord`). ID numbers and
mobiles are distinct by construction: a person's key is mapped one-to-one onto a (birth date,
sequence) pair and onto a mobile number, so no two people share one by accident.

Thresholds of DOMAIN.md §3.1 that the ground truth follows: a group of 3 or more members with
3 or more incidents within 730 days, one of them 刑事, and a recurring ringleader is
疑似恶势力; with 3 or more 刑事 incidents committed jointly with the ringleader, 疑似恶势力犯罪集团;
with 10 or more members on top of that, 需研判涉黑.
"""

import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from enum import StrEnum
from functools import cache

from stdnum.cn import ric

# Values of saohei.cases.models.Nature / Means / Motive / PersonRole (a test keeps them in step;
# importing the models would tie this pure module to a configured Django).
CRIMINAL, PUBLIC_SECURITY = "criminal", "public_security"
VIOLENCE, THREAT, SOFT_VIOLENCE, OTHER_MEANS = "violence", "threat", "soft_violence", "other"
MARRIAGE, FAMILY, NEIGHBOUR, LABOUR, LAWFUL_DEBT = (
    "marriage",
    "family",
    "neighbour",
    "labour",
    "lawful_debt",
)
PROFIT, OTHER_MOTIVE = "profit", "other"
GATHERER, ORGANISER, PARTICIPANT, VICTIM, WITNESS = (
    "gatherer",
    "organiser",
    "participant",
    "victim",
    "witness",
)
PERPETRATOR_ROLES = frozenset({GATHERER, ORGANISER, PARTICIPANT})
DISPUTE_MOTIVES = frozenset({MARRIAGE, FAMILY, NEIGHBOUR, LABOUR, LAWFUL_DEBT})
BULLYING_MEANS = frozenset({VIOLENCE, THREAT, SOFT_VIOLENCE})

WINDOW_DAYS = 730
MIN_MEMBERS = 3
MIN_INCIDENTS = 3
MIN_JOINT_CRIMES = 3
UNDERWORLD_MEMBERS = 10


class GroupLevel(StrEnum):
    EVIL_FORCE = "疑似恶势力"
    CRIMINAL_GROUP = "疑似恶势力犯罪集团"
    UNDERWORLD_REVIEW = "需研判涉黑"


class DecoyKind(StrEnum):
    """Patterns that look like a group to a careless reader and must never prompt."""

    LONE_OFFENDER = "lone_offender"
    PAIR = "pair"
    DISPUTE_BRAWLS = "dispute_brawls"
    SPREAD_OUT = "spread_out"
    PUBLIC_SECURITY_ONLY = "public_security_only"
    SHARED_PHONE = "shared_phone"
    COMMON_NAMES = "common_names"


DECOY_REASONS = {
    DecoyKind.LONE_OFFENDER: "一人多次单独作案，不足3人",
    DecoyKind.PAIR: "两人多次共同作案，不足3人",
    DecoyKind.DISPUTE_BRAWLS: "同一批人因邻里、家庭纠纷反复斗殴，起因属纠纷，应排除",
    DecoyKind.SPREAD_OUT: "团伙多次作案，但任意730日内不足3起",
    DecoyKind.PUBLIC_SECURITY_ONLY: "团伙多次作案，均为治安案件，无刑事案件",
    DecoyKind.SHARED_PHONE: "多名无关人员登记同一个村委会电话，不应据此关联",
    DecoyKind.COMMON_NAMES: "常见姓名的不同人员分属不同村，身份证号各不相同，不应按姓名合并",
}


@dataclass(frozen=True)
class TownSpec:
    name: str
    # Prefix of the town's case numbers (案件编号 `<code>-<year>-<sequence>`).
    code: str
    villages: tuple[str, ...]


@dataclass(frozen=True)
class Identity:
    """A person as the generator knows them: what every case could record about them."""

    key: int
    name: str
    id_number: str
    phone: str
    village: str
    plate: str = ""


@dataclass(frozen=True)
class PersonRecord:
    """One person in one case: the identifiers this case happened to record."""

    name: str
    role: str
    id_number: str
    phone: str
    plates: tuple[str, ...]
    # Ground truth: which Identity this is (never written to the database).
    person_key: int


@dataclass(frozen=True)
class CaseRecord:
    town: str
    number: str
    cause: str
    nature: str
    occurred_on: date
    occurred_time: time | None
    village: str
    place: str
    summary: str
    outcome: str
    means: str
    motive: str
    persons: tuple[PersonRecord, ...]
    # Ground truth: "background", "group:<key>" or "decoy:<kind>:<key>".
    origin: str


@dataclass(frozen=True)
class PlantedGroup:
    key: str
    town: str
    village: str
    trade: str
    expected_level: GroupLevel
    ringleader: Identity
    ringleader_role: str
    # Every member, the ringleader first.
    members: tuple[Identity, ...]
    case_numbers: tuple[str, ...]
    criminal_case_numbers: tuple[str, ...]
    # 刑事 incidents in which the ringleader acted with at least one other member.
    joint_crimes_with_ringleader: int
    window_start: date
    window_end: date


@dataclass(frozen=True)
class Decoy:
    key: str
    kind: DecoyKind
    town: str
    persons: tuple[Identity, ...]
    case_numbers: tuple[str, ...]
    reason: str


HistoryRecord = CaseRecord | PlantedGroup | Decoy


def expected_level(*, members: int, joint_crimes_with_ringleader: int) -> GroupLevel:
    """The level of a group that already meets the 恶势力 base criteria (DOMAIN.md §3.1)."""
    if joint_crimes_with_ringleader < MIN_JOINT_CRIMES:
        return GroupLevel.EVIL_FORCE
    if members >= UNDERWORLD_MEMBERS:
        return GroupLevel.UNDERWORLD_REVIEW
    return GroupLevel.CRIMINAL_GROUP


def numbered_towns(count: int, *, villages_per_town: int = 12) -> list[TownSpec]:
    """Towns for benchmarks, named so nobody takes them for real places."""
    return [
        TownSpec(
            name=f"生成{n}镇（虚构）",
            code=f"SC{n:03d}",
            villages=tuple(f"生成{n}镇{v}村" for v in range(1, villages_per_town + 1)),
        )
        for n in range(1, count + 1)
    ]


def split_history(
    records: Iterable[HistoryRecord],
) -> tuple[list[CaseRecord], list[PlantedGroup], list[Decoy]]:
    cases: list[CaseRecord] = []
    groups: list[PlantedGroup] = []
    decoys: list[Decoy] = []
    for record in records:
        if isinstance(record, CaseRecord):
            cases.append(record)
        elif isinstance(record, PlantedGroup):
            groups.append(record)
        else:
            decoys.append(record)
    return cases, groups, decoys


# Names: common Shandong surnames (weighted by repetition) and given names by gender.
SURNAMES = (
    "王王王王李李李张张张刘刘陈陈杨赵黄周吴徐孙孙胡朱高林何郭马罗梁宋郑谢韩唐于于于曲曲丛鞠"
    "毕邹汤林姜姜岳隋谷慕宫"
)
MALE_GIVEN = tuple(
    str.split(
        "建国 海滨 庆礼 春江 志刚 德胜 永福 立新 海涛 长明 国栋 文斌 振东 洪波 成军 建平 学军 明 强 军 勇 "
        "涛 斌 磊 鹏 刚 超 浩 海波 海军 宝山 守成 玉田 连生 福来 德水 广庆 振海"
    )
)
FEMALE_GIVEN = tuple(
    str.split(
        "秀英 丽娟 玉华 海燕 淑芳 春梅 晓静 桂兰 红霞 美玲 雪梅 丽 静 敏 燕 芳 娜 慧 玉兰 翠花"
    )
)
COMMON_NAMES = ("张伟", "王伟", "李娜", "王芳", "李伟", "王静", "刘伟", "张敏", "李强", "王磊")

# ID numbers: area codes around 荣成 valid (per python-stdnum) in each birth year: the county
# codes changed in 1983, 1987 and 1989, and stdnum refuses a code for births before it existed.
AREA_CODES = (
    "372133",
    "372132",
    "372130",
    "370633",
    "370632",
    "370630",
    "371023",
    "371021",
    "371082",
    "371081",
    "371002",
    "371083",
)
BIRTH_FIRST = date(1960, 1, 1)
BIRTH_DAYS = (date(1999, 12, 31) - BIRTH_FIRST).days + 1
ID_SPACE = BIRTH_DAYS * 1000
MOBILE_PREFIXES = tuple(
    str.split(
        "134 135 136 137 138 139 150 151 152 157 158 159 182 187 188 "
        "130 131 132 155 156 185 186 133 153 180 181 189 177 199 166"
    )
)
MOBILE_SPACE = len(MOBILE_PREFIXES) * 100_000_000
# Odd multipliers coprime with both spaces: keys map one-to-one onto numbers, scattered.
ID_STRIDE = 7_368_787
MOBILE_STRIDE = 1_000_000_007
# Keys above this are kept for people outside the history (a demo's candidates).
RESERVED_KEYS_FROM = ID_SPACE - 1_000_000
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


@cache
def _area_codes_for(year: int) -> tuple[str, ...]:
    def accepted(code: str) -> bool:
        body = f"{code}{year}0615100"
        try:
            return ric.is_valid(body + ric.calc_check_digit(body + "0"))
        except (KeyError, ValueError):
            return False

    return tuple(code for code in AREA_CODES if accepted(code))


def id_number_for(key: int, *, offset: int = 0) -> str:
    """The ID number of person `key`: a valid 18-digit number, distinct for distinct keys."""
    index = (key * ID_STRIDE + offset) % ID_SPACE
    day, sequence = divmod(index, 1000)
    born = BIRTH_FIRST + timedelta(days=day)
    codes = _area_codes_for(born.year)
    body = f"{codes[key % len(codes)]}{born:%Y%m%d}{sequence:03d}"
    # calc_check_digit expects the full 18 characters and ignores the last one.
    return body + ric.calc_check_digit(body + "0")


def mobile_for(key: int, *, offset: int = 0) -> str:
    index = (key * MOBILE_STRIDE + offset) % MOBILE_SPACE
    prefix, rest = divmod(index, 100_000_000)
    return f"{MOBILE_PREFIXES[prefix]}{rest:08d}"


def is_male(id_number: str) -> bool:
    return int(id_number[16]) % 2 == 1


# (cause, summary action) for the background's everyday cases.
BACKGROUND_CAUSES = (
    ("故意伤害", "因琐事发生口角，继而动手殴打"),
    ("寻衅滋事", "酒后无故滋事，辱骂推搡"),
    ("故意毁坏财物", "因积怨砸坏对方财物"),
    ("盗窃", "趁无人看管窃取财物"),
    ("诈骗", "以虚构事实的方式骗取钱财"),
    ("赌博", "在民房内参与赌博"),
    ("殴打他人", "因停车问题发生争执并殴打"),
    ("敲诈勒索", "以曝光隐私相要挟索要钱财"),
)
BACKGROUND_MOTIVES = (
    OTHER_MOTIVE,
    OTHER_MOTIVE,
    NEIGHBOUR,
    FAMILY,
    MARRIAGE,
    LABOUR,
    LAWFUL_DEBT,
    PROFIT,
)
# Trades a group takes over, with the place inside the village where it acts.
TRADES = (
    ("渔港码头卸货装卸", "渔港码头"),
    ("海砂开采运输", "海边沙场"),
    ("建材运输", "建材市场"),
    ("农贸集市摊位", "集市"),
    ("海参苗收购", "养殖区"),
    ("民间借贷催收", "村委会附近"),
)
GROUP_CRIMES = (
    ("寻衅滋事", "随意殴打、强拿硬要", VIOLENCE, OTHER_MOTIVE),
    ("强迫交易", "以威胁手段强迫他人接受其定价", THREAT, PROFIT),
    ("敲诈勒索", "以断货、堵门相要挟索要“保护费”", THREAT, PROFIT),
    ("故意伤害", "持棍棒殴打拒绝其要求的经营户", VIOLENCE, OTHER_MOTIVE),
    ("非法拘禁", "将欠款人拘禁于仓库内逼迫还款", VIOLENCE, PROFIT),
    ("聚众斗殴", "纠集多人与外村经营户持械斗殴", VIOLENCE, OTHER_MOTIVE),
)
GROUP_MINOR = (
    ("寻衅滋事", "在经营场所聚集滋事，辱骂驱赶他人", SOFT_VIOLENCE, OTHER_MOTIVE),
    ("故意毁坏财物", "砸坏不服从其安排的经营户的设施", VIOLENCE, OTHER_MOTIVE),
    ("殴打他人", "推搡殴打与其竞争的经营户", VIOLENCE, OTHER_MOTIVE),
    ("敲诈勒索", "多次上门纠缠索要“管理费”", SOFT_VIOLENCE, PROFIT),
)


@dataclass
class _Draft:
    occurred_on: date
    tiebreak: float
    village: str
    cause: str
    nature: str
    means: str
    motive: str
    action: str
    persons: list[PersonRecord]
    origin: str
    place: str = ""
    occurred_time: time | None = None
    number: str = ""


@dataclass
class _Keys:
    next_key: int = 1

    def take(self) -> int:
        key = self.next_key
        if key >= RESERVED_KEYS_FROM:
            raise ValueError("生成的人员过多，超出身份证号编码空间")
        self.next_key += 1
        return key


@dataclass
class _Town:
    """Draws one town's cases; `keys` is shared by all towns so people never collide."""

    spec: TownSpec
    rng: random.Random
    keys: _Keys
    offsets: tuple[int, int]
    first_day: date
    last_day: date
    drafts: list[_Draft] = field(default_factory=list)
    lone_offenders: list[Identity] = field(default_factory=list)

    # -- people -------------------------------------------------------------------------
    def person(self, village: str, *, name: str = "", with_plate: bool = False) -> Identity:
        key = self.keys.take()
        id_number = id_number_for(key, offset=self.offsets[0])
        if not name:
            given = MALE_GIVEN if is_male(id_number) else FEMALE_GIVEN
            name = self.rng.choice(SURNAMES) + self.rng.choice(given)
        return Identity(
            key=key,
            name=name,
            id_number=id_number,
            phone=mobile_for(key, offset=self.offsets[1]),
            village=village,
            plate=self.plate() if with_plate else "",
        )

    def plate(self) -> str:
        rng = self.rng
        if rng.random() < 0.2:
            # Small new-energy plate: D or F, a letter or digit, four digits.
            return f"鲁K{rng.choice('DF')}{rng.choice(PLATE_LETTERS)}{rng.randrange(10_000):04d}"
        # Ordinary plate: at most one letter among five serial characters.
        serial = [str(rng.randrange(10)) for _ in range(5)]
        serial[rng.randrange(5)] = rng.choice(PLATE_LETTERS + "0123456789")
        return "鲁K" + "".join(serial)

    def record(
        self,
        who: Identity,
        role: str,
        *,
        id_share: float,
        phone_share: float,
        plate_share: float = 0.0,
        phone: str | None = None,
        at_least_one: bool = False,
    ) -> PersonRecord:
        rng = self.rng
        has_id = rng.random() < id_share
        has_phone = rng.random() < phone_share
        if at_least_one and not (has_id or has_phone):
            has_phone = True
        return PersonRecord(
            name=who.name,
            role=role,
            id_number=who.id_number if has_id else "",
            phone=(phone if phone is not None else who.phone) if has_phone else "",
            plates=(who.plate,) if who.plate and rng.random() < plate_share else (),
            person_key=who.key,
        )

    def victims(self, village: str) -> list[PersonRecord]:
        count = 1 + (self.rng.random() < 0.3)
        found = [
            self.record(self.person(village), VICTIM, id_share=0.5, phone_share=0.6)
            for _ in range(count)
        ]
        if self.rng.random() < 0.2:
            found.append(self.record(self.person(village), WITNESS, id_share=0.3, phone_share=0.7))
        return found

    # -- dates and villages -------------------------------------------------------------
    def day_in(self, start: date, end: date) -> date:
        return start + timedelta(days=self.rng.randrange((end - start).days + 1))

    def window(self, span: int) -> tuple[date, date]:
        """A start and end `span` days apart, inside the history (shorter if it must be)."""
        total = (self.last_day - self.first_day).days
        span = min(span, total)
        start = self.first_day + timedelta(days=self.rng.randrange(total - span + 1))
        return start, start + timedelta(days=span)

    def spread_days(self, count: int, start: date, end: date) -> list[date]:
        """`count` sorted days from start to end, both ends included."""
        inner = sorted(self.day_in(start, end) for _ in range(count - 2))
        return [start, *inner, end] if count >= 2 else [start]

    def nearby(self, village: str) -> str:
        villages = self.spec.villages
        if len(villages) == 1 or self.rng.random() < 0.8:
            return village
        index = villages.index(village)
        return villages[(index + self.rng.choice((-1, 1))) % len(villages)]

    def add(self, draft: _Draft) -> None:
        self.drafts.append(draft)

    def draft(
        self,
        day: date,
        village: str,
        crime: tuple[str, str, str, str],
        nature: str,
        persons: list[PersonRecord],
        origin: str,
        *,
        spot: str = "",
    ) -> _Draft:
        cause, action, means, motive = crime
        return _Draft(
            occurred_on=day,
            tiebreak=self.rng.random(),
            village=village,
            cause=cause,
            nature=nature,
            means=means,
            motive=motive,
            action=action,
            persons=persons,
            origin=origin,
            place=f"{village}{spot}" if spot else village,
            occurred_time=time(self.rng.randrange(24), self.rng.randrange(0, 60, 5))
            if self.rng.random() < 0.6
            else None,
        )

    # -- background ------------------------------------------------------------------------
    def background(self, years: Sequence[int], per_year: int) -> None:
        rng = self.rng
        for year in years:
            start = max(date(year, 1, 1), self.first_day)
            end = min(date(year, 12, 31), self.last_day)
            for _ in range(per_year):
                village = rng.choice(self.spec.villages)
                cause, action = rng.choice(BACKGROUND_CAUSES)
                means = rng.choice((VIOLENCE, VIOLENCE, THREAT, OTHER_MEANS))
                crime = (cause, action, means, rng.choice(BACKGROUND_MOTIVES))
                nature = CRIMINAL if rng.random() < 0.25 else PUBLIC_SECURITY
                persons = [
                    self.record(who, PARTICIPANT, id_share=0.6, phone_share=0.5, plate_share=1)
                    for who in self.background_perpetrators(village)
                ]
                if len(persons) < 3 and rng.random() < 0.7:
                    persons.append(
                        self.record(self.person(village), VICTIM, id_share=0.3, phone_share=0.4)
                    )
                if len(persons) < 3 and rng.random() < 0.2:
                    persons.append(
                        self.record(self.person(village), WITNESS, id_share=0.3, phone_share=0.6)
                    )
                self.add(
                    self.draft(
                        self.day_in(start, end), village, crime, nature, persons, "background"
                    )
                )

    def background_perpetrators(self, village: str) -> list[Identity]:
        """Mostly strangers; now and then someone who offended alone once before (never more
        than twice, never with a partner: background noise must not form a group)."""
        rng = self.rng
        if rng.random() < 0.25:
            return [self.person(village, with_plate=rng.random() < 0.05) for _ in range(2)]
        if self.lone_offenders and rng.random() < 0.1:
            return [self.lone_offenders.pop(rng.randrange(len(self.lone_offenders)))]
        who = self.person(village, with_plate=rng.random() < 0.05)
        if len(self.lone_offenders) < 500:
            self.lone_offenders.append(who)
        return [who]

    # -- planted groups --------------------------------------------------------------------
    def planted_group(self, key: str, level: GroupLevel) -> "_GroupPlan":
        rng = self.rng
        village = rng.choice(self.spec.villages)
        trade, spot = rng.choice(TRADES)
        if level == GroupLevel.UNDERWORLD_REVIEW:
            size, incidents = rng.randint(10, 13), rng.randint(6, 15)
        elif level == GroupLevel.CRIMINAL_GROUP:
            size, incidents = rng.randint(4, 9), rng.randint(4, 12)
        else:
            size, incidents = rng.randint(4, 9), rng.randint(3, 8)
        if level == GroupLevel.EVIL_FORCE:
            crimes = rng.randint(1, 2)
        else:
            crimes = rng.randint(MIN_JOINT_CRIMES, max(MIN_JOINT_CRIMES, incidents * 2 // 3))
        ringleader_role = rng.choice((GATHERER, ORGANISER))
        ringleader = self.person(village, with_plate=True)
        others = [
            self.person(self.nearby(village), with_plate=rng.random() < 0.3)
            for _ in range(size - 1)
        ]
        # A third of the members give their ID number only now and then.
        sometimes_id = {who.key for who in others if rng.random() < 0.33}
        start, end = self.window(rng.randint(300, 700))
        days = self.spread_days(incidents, start, end)
        criminal = set(rng.sample(range(incidents), crimes))
        # The ringleader is in every 刑事 incident and at least three in all.
        with_ringleader = set(criminal)
        for index in rng.sample(range(incidents), incidents):
            if len(with_ringleader) >= MIN_INCIDENTS and rng.random() < 0.2:
                continue
            with_ringleader.add(index)
        # Every member in at least one incident, each incident with at least one member.
        crews: list[list[Identity]] = [[] for _ in range(incidents)]
        for who in others:
            crews[rng.randrange(incidents)].append(who)
        # The lieutenant joins every incident without the ringleader and one with him, so all
        # the incidents hang together through shared perpetrators.
        lieutenant = others[0]
        for index in [*set(range(incidents)) - with_ringleader, min(with_ringleader)]:
            if lieutenant not in crews[index]:
                crews[index].append(lieutenant)
        for crew in crews:
            wanted = rng.randint(1, min(4, len(others)))
            for who in rng.sample(others, len(others)):
                if len(crew) >= wanted:
                    break
                if who not in crew:
                    crew.append(who)
        seen: set[int] = set()
        numbers: list[_Draft] = []
        for index, day in enumerate(days):
            persons: list[PersonRecord] = []
            if index in with_ringleader:
                persons.append(self.member_record(ringleader, ringleader_role, seen, False))
            for who in crews[index]:
                persons.append(self.member_record(who, PARTICIPANT, seen, who.key in sometimes_id))
            persons.extend(self.victims(village))
            nature = CRIMINAL if index in criminal else PUBLIC_SECURITY
            crime = rng.choice(GROUP_CRIMES if nature == CRIMINAL else GROUP_MINOR)
            draft = self.draft(
                day, self.nearby(village), crime, nature, persons, f"group:{key}", spot=spot
            )
            self.add(draft)
            numbers.append(draft)
        return _GroupPlan(
            key=key,
            village=village,
            trade=trade,
            ringleader=ringleader,
            ringleader_role=ringleader_role,
            members=(ringleader, *others),
            drafts=numbers,
        )

    def member_record(
        self, who: Identity, role: str, seen: set[int], sometimes_id: bool
    ) -> PersonRecord:
        """A member's first appearance records both ID number and mobile (so exact identifiers
        can join every later one); later ones miss the phone at times, some members' ID too."""
        if who.key not in seen:
            seen.add(who.key)
            return self.record(who, role, id_share=1, phone_share=1, plate_share=0.5)
        return self.record(
            who,
            role,
            id_share=0.4 if sometimes_id else 1,
            phone_share=0.7,
            plate_share=0.5,
            at_least_one=True,
        )

    # -- decoys ----------------------------------------------------------------------------
    def decoy(self, key: str, kind: DecoyKind) -> "_DecoyPlan | None":
        rng = self.rng
        village = rng.choice(self.spec.villages)
        origin = f"decoy:{kind}:{key}"
        crimes = [crime for crime in GROUP_CRIMES if crime[3] != PROFIT]
        people: list[Identity] = []
        drafts: list[_Draft] = []

        def case(day: date, persons: list[PersonRecord], nature: str, at: str = village) -> None:
            crime = rng.choice(crimes if nature == CRIMINAL else GROUP_MINOR[:3])
            draft = self.draft(day, at, crime, nature, persons + self.victims(at), origin)
            self.add(draft)
            drafts.append(draft)

        def natures(count: int, criminal: int) -> list[str]:
            chosen = set(rng.sample(range(count), min(criminal, count)))
            return [CRIMINAL if n in chosen else PUBLIC_SECURITY for n in range(count)]

        if kind == DecoyKind.LONE_OFFENDER:
            who = self.person(village)
            people.append(who)
            count = rng.randint(4, 6)
            start, end = self.window(500)
            for day, nature in zip(
                self.spread_days(count, start, end), natures(count, 2), strict=True
            ):
                case(
                    day,
                    [
                        self.record(
                            who, PARTICIPANT, id_share=0.9, phone_share=0.7, at_least_one=True
                        )
                    ],
                    nature,
                )
        elif kind == DecoyKind.PAIR:
            leader, partner = self.person(village), self.person(village)
            people += [leader, partner]
            count = rng.randint(3, 5)
            start, end = self.window(500)
            for day, nature in zip(
                self.spread_days(count, start, end), natures(count, 3), strict=True
            ):
                case(
                    day,
                    [
                        self.record(leader, GATHERER, id_share=1, phone_share=0.7),
                        self.record(partner, PARTICIPANT, id_share=1, phone_share=0.7),
                    ],
                    nature,
                )
        elif kind == DecoyKind.DISPUTE_BRAWLS:
            families = [[self.person(village) for _ in range(2)] for _ in range(2)]
            people += families[0] + families[1]
            count = rng.randint(3, 5)
            start, end = self.window(600)
            for day, nature in zip(
                self.spread_days(count, start, end), natures(count, 2), strict=True
            ):
                attackers, defenders = rng.sample(families, 2)
                persons = [
                    self.record(who, PARTICIPANT, id_share=1, phone_share=0.6) for who in attackers
                ]
                persons.append(self.record(defenders[0], VICTIM, id_share=1, phone_share=0.6))
                crime = (
                    "故意伤害",
                    "因宅基地边界纠纷再次互殴",
                    VIOLENCE,
                    rng.choice((NEIGHBOUR, FAMILY)),
                )
                draft = self.draft(day, village, crime, nature, persons, origin)
                self.add(draft)
                drafts.append(draft)
        elif kind == DecoyKind.SPREAD_OUT:
            total = (self.last_day - self.first_day).days
            gap = min(450, total // 2)
            if 2 * gap <= WINDOW_DAYS:
                # The history is too short for three incidents that no window holds together.
                return None
            count = min(rng.randint(3, 4), total // gap + 1)
            ringleader = self.person(village)
            others = [self.person(village) for _ in range(rng.randint(2, 4))]
            people += [ringleader, *others]
            first = self.first_day + timedelta(days=rng.randrange(total - gap * (count - 1) + 1))
            for n in range(count):
                crew = rng.sample(others, rng.randint(1, len(others)))
                persons = [self.record(ringleader, GATHERER, id_share=1, phone_share=0.8)]
                persons += [
                    self.record(who, PARTICIPANT, id_share=1, phone_share=0.8) for who in crew
                ]
                case(first + timedelta(days=gap * n), persons, CRIMINAL)
        elif kind == DecoyKind.PUBLIC_SECURITY_ONLY:
            ringleader = self.person(village)
            others = [self.person(village) for _ in range(rng.randint(3, 5))]
            people += [ringleader, *others]
            count = rng.randint(4, 6)
            start, end = self.window(600)
            for day in self.spread_days(count, start, end):
                crew = rng.sample(others, rng.randint(1, len(others)))
                persons = [self.record(ringleader, GATHERER, id_share=1, phone_share=0.8)]
                persons += [
                    self.record(who, PARTICIPANT, id_share=1, phone_share=0.8) for who in crew
                ]
                case(day, persons, PUBLIC_SECURITY)
        elif kind == DecoyKind.SHARED_PHONE:
            committee_phone = mobile_for(self.keys.take(), offset=self.offsets[1])
            for _ in range(rng.randint(12, 20)):
                who = self.person(village)
                people.append(who)
                # Each gives the village committee's number as their own, and only once.
                persons = [
                    self.record(
                        who, PARTICIPANT, id_share=0.5, phone_share=1, phone=committee_phone
                    )
                ]
                if rng.random() < 0.4:
                    helper = self.person(village)
                    people.append(helper)
                    persons.append(self.record(helper, PARTICIPANT, id_share=0.6, phone_share=0.5))
                case(
                    self.day_in(self.first_day, self.last_day),
                    persons,
                    CRIMINAL if rng.random() < 0.4 else PUBLIC_SECURITY,
                )
        elif kind == DecoyKind.COMMON_NAMES:
            name = rng.choice(COMMON_NAMES)
            villages = rng.sample(
                self.spec.villages, min(len(self.spec.villages), rng.randint(3, 4))
            )
            start, end = self.window(600)
            for at in villages:
                namesake = self.person(at, name=name)
                helpers = [self.person(at) for _ in range(rng.randint(1, 2))]
                people += [namesake, *helpers]
                persons = [
                    self.record(
                        namesake, GATHERER, id_share=0.7, phone_share=0.5, at_least_one=True
                    )
                ]
                persons += [
                    self.record(who, PARTICIPANT, id_share=0.7, phone_share=0.5) for who in helpers
                ]
                case(self.day_in(start, end), persons, CRIMINAL, at)
        return _DecoyPlan(key=key, kind=kind, persons=tuple(people), drafts=drafts)

    # -- numbering and output ----------------------------------------------------------------
    def numbered(self) -> list[CaseRecord]:
        """Case numbers run by year in the order the cases happened, as a station's do."""
        self.drafts.sort(key=lambda draft: (draft.occurred_on, draft.tiebreak))
        sequence: dict[int, int] = {}
        records = []
        for draft in self.drafts:
            year = draft.occurred_on.year
            sequence[year] = sequence.get(year, 0) + 1
            draft.number = f"{self.spec.code}-{year}-{sequence[year]:05d}"
            records.append(_case_record(self.spec.name, draft))
        return records


@dataclass
class _GroupPlan:
    key: str
    village: str
    trade: str
    ringleader: Identity
    ringleader_role: str
    members: tuple[Identity, ...]
    drafts: list[_Draft]

    def truth(self, town: str) -> PlantedGroup:
        ringleader = self.ringleader.key
        perpetrators = {
            person.person_key
            for draft in self.drafts
            for person in draft.persons
            if person.role in PERPETRATOR_ROLES
        }
        joint = sum(
            1
            for draft in self.drafts
            if draft.nature == CRIMINAL
            and any(p.person_key == ringleader for p in draft.persons)
            and any(
                p.person_key != ringleader and p.role in PERPETRATOR_ROLES for p in draft.persons
            )
        )
        days = [draft.occurred_on for draft in self.drafts]
        return PlantedGroup(
            key=self.key,
            town=town,
            village=self.village,
            trade=self.trade,
            expected_level=expected_level(
                members=len(perpetrators), joint_crimes_with_ringleader=joint
            ),
            ringleader=self.ringleader,
            ringleader_role=self.ringleader_role,
            members=self.members,
            case_numbers=tuple(draft.number for draft in self.drafts),
            criminal_case_numbers=tuple(d.number for d in self.drafts if d.nature == CRIMINAL),
            joint_crimes_with_ringleader=joint,
            window_start=min(days),
            window_end=max(days),
        )


@dataclass
class _DecoyPlan:
    key: str
    kind: DecoyKind
    persons: tuple[Identity, ...]
    drafts: list[_Draft]

    def truth(self, town: str) -> Decoy:
        return Decoy(
            key=self.key,
            kind=self.kind,
            town=town,
            persons=self.persons,
            case_numbers=tuple(draft.number for draft in self.drafts),
            reason=DECOY_REASONS[self.kind],
        )


OUTCOMES = {
    CRIMINAL: (
        "已移送检察院审查起诉",
        "判处有期徒刑一年",
        "判处有期徒刑八个月，缓刑一年",
        "取保候审",
    ),
    PUBLIC_SECURITY: ("行政拘留十日", "行政拘留五日，罚款500元", "罚款200元", "调解结案"),
}


def _case_record(town: str, draft: _Draft) -> CaseRecord:
    perpetrators = [p.name for p in draft.persons if p.role in PERPETRATOR_ROLES]
    victims = [p.name for p in draft.persons if p.role == VICTIM]
    summary = f"{'、'.join(perpetrators)}在{draft.place}{draft.action}"
    summary += f"，致{'、'.join(victims)}受损。" if victims else "。"
    return CaseRecord(
        town=town,
        number=draft.number,
        cause=draft.cause,
        nature=draft.nature,
        occurred_on=draft.occurred_on,
        occurred_time=draft.occurred_time,
        village=draft.village,
        place=draft.place,
        summary=summary,
        outcome=OUTCOMES[draft.nature][int(draft.tiebreak * 4)],
        means=draft.means,
        motive=draft.motive,
        persons=tuple(draft.persons),
        origin=draft.origin,
    )


def generate_history(
    *,
    seed: int,
    towns: Sequence[TownSpec],
    years: Sequence[int],
    cases_per_town_year: int,
    groups: int,
    decoys: int,
    group_levels: Sequence[GroupLevel] = tuple(GroupLevel),
    decoy_kinds: Sequence[DecoyKind] = tuple(DecoyKind),
) -> Iterator[HistoryRecord]:
    """Town after town: its cases, then the ground truth of its planted groups and decoys.

    `groups` planted groups in all, dealt to the towns in turn, their levels taken from
    `group_levels` in turn; `decoys` of each kind in `decoy_kinds`, dealt the same way. A
    spread-out decoy needs more than two years of history and is left out of shorter ones.
    """
    if not towns or not years:
        raise ValueError("至少需要一个镇和一个年份")
    keys = _Keys()
    first_day, last_day = date(min(years), 1, 1), date(max(years), 12, 31)
    offsets = (seed * 104_729 % ID_SPACE, seed * 1_299_709 % MOBILE_SPACE)
    decoy_queue = [kind for _ in range(decoys) for kind in decoy_kinds]
    for town_index, spec in enumerate(towns):
        town = _Town(
            spec=spec,
            # Reproducible fictional data, not secrets: a seeded generator is the point.
            rng=random.Random(f"{seed}/{spec.code}"),  # noqa: S311
            keys=keys,
            offsets=offsets,
            first_day=first_day,
            last_day=last_day,
        )
        plans = [
            town.planted_group(f"{spec.code}-G{n + 1:03d}", group_levels[n % len(group_levels)])
            for n in range(town_index, groups, len(towns))
        ]
        decoy_plans = [
            town.decoy(f"{spec.code}-D{n + 1:03d}", decoy_queue[n])
            for n in range(town_index, len(decoy_queue), len(towns))
        ]
        town.background(sorted(years), cases_per_town_year)
        yield from town.numbered()
        for plan in plans:
            yield plan.truth(spec.name)
        for decoy in decoy_plans:
            if decoy is not None:
                yield decoy.truth(spec.name)


def reserved_identity(index: int, *, seed: int, village: str, name: str, male: bool) -> Identity:
    """Someone who appears in no generated case (a candidate with a clean record): keys from
    the reserved range, so the ID number and mobile differ from everyone in the history. Each
    index owns 32 keys; the first whose ID number carries the wanted sex is taken."""
    offsets = (seed * 104_729 % ID_SPACE, seed * 1_299_709 % MOBILE_SPACE)
    for key in range(RESERVED_KEYS_FROM + 32 * index, RESERVED_KEYS_FROM + 32 * (index + 1)):
        id_number = id_number_for(key, offset=offsets[0])
        if is_male(id_number) == male:
            return Identity(
                key=key,
                name=name,
                id_number=id_number,
                phone=mobile_for(key, offset=offsets[1]),
                village=village,
            )
    raise ValueError("预留编号内找不到相应性别的身份证号")
