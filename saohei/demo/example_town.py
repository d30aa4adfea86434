"""虚构镇: a second town under 荣成市扫黑办, fictional by its name, with six years of
generated police cases (`analysis.generator`, a fixed seed) in which exactly one group meeting
疑似恶势力犯罪集团 is planted among a few decoys and ordinary cases; an open lead; and the
村"两委"候选人 list for the 联审 (`data/`), two of whose candidates are perpetrators in the
planted group's cases and one the subject of the lead.
"""

import csv
import io
from datetime import datetime, time
from functools import cache
from pathlib import Path

import xlsxwriter
from django.utils import timezone

from saohei.analysis.generator import (
    DecoyKind,
    GroupLevel,
    HistoryRecord,
    Identity,
    PlantedGroup,
    TownSpec,
    generate_history,
    reserved_identity,
    split_history,
)
from saohei.analysis.generator_writer import write_history
from saohei.leads import services as lead_services
from saohei.leads.models import Channel, DictionaryEntry, Lead, Source
from saohei.organisations.models import Unit, User
from saohei.workdays.calendar import add_working_days

TOWN = TownSpec(
    name="虚构镇",
    code="XGPCS",
    villages=("虚构东村", "虚构西村", "虚构南村", "虚构北村", "虚构港村", "虚构湾社区"),
)
POLICE_STATION = "虚构派出所"
SEED = 2026
YEARS = range(2019, 2025)
CASES_PER_YEAR = 30
DECOY_KINDS = (DecoyKind.DISPUTE_BRAWLS, DecoyKind.PUBLIC_SECURITY_ONLY, DecoyKind.COMMON_NAMES)

# username, real name, position, unit key, roles (with the unit key each role covers), group role
# (as town.STAFF; "2" for the second town).
STAFF = [
    ("shuji2", "钱卫东", "虚构镇党委书记", "town", [("leader", "town")], ("leader", 10)),
    (
        "banshi2",
        "孙雅琴",
        "虚构镇扫黑办工作人员",
        "town",
        [("office_staff", "town")],
        ("office_member", 70),
    ),
    (
        "minjing2",
        "周海峰",
        "虚构派出所民警",
        "police",
        [("police_officer", "police")],
        None,
    ),
    # A village head of the other town: the access matrices try every page as one.
    (
        "cun2",
        "吴建国",
        "虚构东村党支部书记",
        "village",
        [("village_head", "village")],
        None,
    ),
]

CANDIDATE_FILE = Path(__file__).resolve().parent / "data" / "虚构镇村两委候选人名单"
CANDIDATE_COLUMNS = ("村", "姓名", "身份证号", "拟任职务")
# Candidates with a clean record: drawn outside the generated history, so no case knows them.
# 村, 姓名, 拟任职务, male.
CLEAN_CANDIDATES = (
    ("虚构东村", "郑文静", "村委会委员", False),
    ("虚构东村", "冯建华", "村务监督委员会主任", True),
    ("虚构西村", "陈立军", "村党支部书记", True),
    ("虚构西村", "蒋丽萍", "村委会委员", False),
    ("虚构南村", "韩志强", "村委会主任", True),
    ("虚构南村", "杨秀梅", "村委会委员", False),
    ("虚构北村", "朱德明", "村党支部书记", True),
    ("虚构港村", "秦海波", "村委会主任", True),
    ("虚构湾社区", "许春燕", "社区居委会委员", False),
)
LEAD_SUBJECT = ("虚构北村", "尤大勇", "村委会主任", True)
# Received this many working days before the demo is loaded: open, not yet overdue.
LEAD_WORKING_DAYS_AGO = 3


@cache
def example_history() -> tuple[HistoryRecord, ...]:
    return tuple(
        generate_history(
            seed=SEED,
            towns=[TOWN],
            years=YEARS,
            cases_per_town_year=CASES_PER_YEAR,
            groups=1,
            decoys=1,
            group_levels=(GroupLevel.CRIMINAL_GROUP,),
            decoy_kinds=DECOY_KINDS,
        )
    )


def planted_group() -> PlantedGroup:
    (group,) = split_history(example_history())[1]
    return group


def lead_subject() -> Identity:
    village, name, _, male = LEAD_SUBJECT
    return reserved_identity(0, seed=SEED, village=village, name=name, male=male)


def candidate_rows() -> list[tuple[str, str, str, str]]:
    """村, 姓名, 身份证号, 拟任职务: the ringleader and the member seen most often in the planted
    group's cases, the lead's subject, and nine people without any record."""
    group = planted_group()
    cases = split_history(example_history())[0]
    seen: dict[int, int] = {}
    for case in cases:
        if case.origin == f"group:{group.key}":
            for person in case.persons:
                seen[person.person_key] = seen.get(person.person_key, 0) + 1
    member = max(group.members[1:], key=lambda who: (seen.get(who.key, 0), -who.key))
    subject = lead_subject()
    rows = [
        (group.ringleader.village, group.ringleader.name, group.ringleader.id_number, "村委会主任"),
        (member.village, member.name, member.id_number, "村委会委员"),
        (subject.village, subject.name, subject.id_number, LEAD_SUBJECT[2]),
    ]
    for index, (village, name, position, male) in enumerate(CLEAN_CANDIDATES, start=1):
        clean = reserved_identity(index, seed=SEED, village=village, name=name, male=male)
        rows.append((village, name, clean.id_number, position))
    return sorted(rows, key=lambda row: (TOWN.villages.index(row[0]), row[1]))


def candidate_csv() -> bytes:
    """The list as a GBK CSV, as a township's office PC saves it from Excel."""
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(CANDIDATE_COLUMNS)
    writer.writerows(candidate_rows())
    return text.getvalue().encode("gbk")


def candidate_xlsx() -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    # A fixed creation date keeps the committed file identical to a rebuilt one.
    workbook.set_properties({"created": datetime(2024, 10, 8, 9, 0)})
    sheet = workbook.add_worksheet("候选人名单")
    for row, values in enumerate([CANDIDATE_COLUMNS, *candidate_rows()]):
        for column, value in enumerate(values):
            # ID numbers as text: a number cell keeps only 15 significant digits.
            sheet.write_string(row, column, value)
    workbook.close()
    return buffer.getvalue()


def write_candidate_files() -> tuple[Path, Path]:
    """Rebuild the committed files (`python -c "from saohei.demo.example_town import
    write_candidate_files; write_candidate_files()"` with Django set up)."""
    xlsx, gbk = CANDIDATE_FILE.with_suffix(".xlsx"), CANDIDATE_FILE.with_suffix(".csv")
    xlsx.write_bytes(candidate_xlsx())
    gbk.write_bytes(candidate_csv())
    return xlsx, gbk


def load_example_cases(town: Unit) -> int:
    """Returns how many cases it created (0 when the town already has some)."""
    if town.cases.exists():
        return 0
    villages = {(TOWN.name, unit.name): unit for unit in Unit.objects.filter(parent=town)}
    report = write_history(
        example_history(), unit_for_town={TOWN.name: town}, village_for_name=villages
    )
    return report.cases


def load_example_lead(town: Unit) -> int:
    """An open lead (自行摸排) whose subject stands as a candidate; 0 when the town has leads."""
    if Lead.objects.filter(unit=town).exists():
        return 0
    office = User.objects.get(username="banshi2")
    subject = lead_subject()
    village = Unit.objects.get(parent=town, name=subject.village)
    received = add_working_days(timezone.localdate(), -LEAD_WORKING_DAYS_AGO)
    lead_services.register_lead(
        actor=office,
        unit=town,
        data=lead_services.LeadInput(
            received_at=timezone.make_aware(datetime.combine(received, time(9))),
            channel=Channel.IN_PERSON,
            source=Source.SELF_FOUND,
            summary=f"摸排发现{subject.village}尤某某插手村内工程承包，威胁其他承包人退出",
            village=village,
            target_category=DictionaryEntry.objects.filter(
                kind="target_category", name="强揽工程、非法占地、滥开滥采（含渔业捕捞）"
            ).first(),
            subjects=[
                lead_services.SubjectInput(
                    name=subject.name, id_number=subject.id_number, village=village
                )
            ],
        ),
    )
    return 1
