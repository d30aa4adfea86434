"""A workbook as a police station's system exports cases (治安案件倒查), with every variant its
cells come in: title lines above the header, the police's own column names, 违法嫌疑人 and 行政,
villages with the town's name or a 委员会, fixed lines and two numbers in one cell, and ID
numbers written as whole numbers. The expected stored values come with it."""

import io
from dataclasses import dataclass, field
from datetime import datetime

from django.core.files.base import ContentFile
from openpyxl import Workbook
from stdnum.cn import ric

from saohei.cases.models import Nature, PersonRole
from saohei.cases.tests.helpers import with_exact_numbers

TITLE_LINES = [["港西派出所 治安、刑事案件信息导出"], ["导出时间：2026-12-01 09:30  导出人：民警"]]
CASE_HEADER = [
    "案件编号",
    "案由",
    "案件性质",
    "发案时间",
    "发案地点",
    "所属村",
    "简要案情",
    "处理结果",
    "手段",
    "起因",
]
PERSON_HEADER = ["案件编号", "姓名", "身份证号码", "联系电话", "住址", "人员类别", "备注"]
# The header is the third row, under the two title lines.
FIRST_DATA_ROW = len(TITLE_LINES) + 2

NATURES = [
    ("行政", Nature.PUBLIC_SECURITY),
    ("行政案件", Nature.PUBLIC_SECURITY),
    ("刑事案件", Nature.CRIMINAL),
    ("治安", Nature.PUBLIC_SECURITY),
    ("刑事", Nature.CRIMINAL),
    ("治安案件", Nature.PUBLIC_SECURITY),
]
# (role cell, 备注, stored role)
ROLES = [
    ("违法嫌疑人", "", PersonRole.PARTICIPANT),
    ("犯罪嫌疑人", "", PersonRole.PARTICIPANT),
    ("嫌疑人", "", PersonRole.PARTICIPANT),
    ("违法嫌疑人", "纠集者，多次召集他人", PersonRole.GATHERER),
    ("犯罪嫌疑人（组织者）", "", PersonRole.ORGANISER),
    ("犯罪嫌疑人", "系首要分子", PersonRole.ORGANISER),
    ("受害人", "", PersonRole.VICTIM),
    ("被侵害人", "", PersonRole.VICTIM),
    ("证人", "", PersonRole.WITNESS),
    ("目击者", "", PersonRole.WITNESS),
    ("参与者", "", PersonRole.PARTICIPANT),
    ("被害人", "", PersonRole.VICTIM),
]


def _village_cell(name: str, variant: int, town: str) -> str:
    """港西镇X村, X村村委会, X村委会, X村村民委员会 (X社区居委会 for a community), or the name."""
    if name.endswith("社区"):
        stem = name[: -len("社区")]
        committees = [f"{name}居委会", f"{stem}社区居委会", f"{town}{name}居民委员会"]
    else:
        stem = name[:-1] if name.endswith("村") else name
        committees = [f"{name}村委会", f"{stem}村委会", f"{town}{name}村民委员会"]
    return [name, f"{town}{name}", *committees, f" {name} "][variant % 6]


def _phone_cell(person: int) -> tuple[str, list[str]]:
    """(cell, the numbers as stored: a mobile first)."""
    mobile = f"139{person:08d}"
    other = f"138{person:08d}"
    local = f"5{person % 1_000_000:06d}"
    line = f"0631{local}"
    return [
        ("", []),
        (mobile, [mobile]),
        (f"0631-{local}", [line]),
        (f"(0631){local}", [line]),
        (line, [line]),
        (f"0631 {local}", [line]),
        (local, [local]),
        (f"{mobile}、0631-{local}", [mobile, line]),
        (f"{mobile} {other}", [mobile, other]),
        (f"0631-{local}，{mobile}", [mobile, line]),
        (f"{mobile}/{other}", [mobile, other]),
        (f"（0631）{local}；{mobile}", [mobile, line]),
    ][person % 12]


def id_number_of(person: int) -> str:
    body = f"370282{1950 + person % 50}{1 + person % 12:02d}{1 + person % 28:02d}{person % 997:03d}"
    return body + ric.calc_check_digit(body + "0")


@dataclass
class ExpectedPerson:
    role: str
    id_number: str
    phones: list[str]


@dataclass
class PoliceExport:
    file: ContentFile
    natures: dict[str, str] = field(default_factory=dict)
    villages: dict[str, str] = field(default_factory=dict)
    # (case number, name) → what is stored
    persons: dict[tuple[str, str], ExpectedPerson] = field(default_factory=dict)
    numeric_ids: int = 0


def police_export(*, cases: int, villages: list[str], town: str) -> PoliceExport:
    """`cases` cases, each with one to three persons (about 2 a case)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    case_sheet = workbook.create_sheet("案件")
    person_sheet = workbook.create_sheet("涉案人员")
    for sheet, header in ((case_sheet, CASE_HEADER), (person_sheet, PERSON_HEADER)):
        for line in TITLE_LINES:
            sheet.append(line)
        sheet.append(header)
    export = PoliceExport(file=ContentFile(b""))
    exact_ids: dict[str, int] = {}
    person = 0
    for n in range(cases):
        number = f"港西派-{2012 + n % 14}-{n:05d}"
        nature_cell, nature = NATURES[n % len(NATURES)]
        village = villages[n % len(villages)]
        occurred: object = datetime(2012 + n % 14, 1 + n % 12, 1 + n % 28, n % 24, n % 60)
        if n % 3 == 1:
            occurred = f"{2012 + n % 14}年{1 + n % 12}月{1 + n % 28}日"
        case_sheet.append(
            [
                number,
                "寻衅滋事" if n % 2 else "故意伤害",
                nature_cell,
                occurred,
                "村口码头",
                _village_cell(village, n, town),
                "双方因琐事争执，继而互相推搡。",
                "行政拘留五日",
                "暴力",
                "其他",
            ]
        )
        export.natures[number] = nature
        export.villages[number] = village
        for k in range(1 + n % 3):
            role_cell, remark, role = ROLES[person % len(ROLES)]
            phone_cell, phones = _phone_cell(person)
            id_number = id_number_of(person) if person % 5 else ""
            id_cell: object = id_number
            if id_number and person % 4 == 0 and id_number[-1] != "X":
                # Written by the police system as a whole number: patched in below.
                id_cell = 1
                exact_ids[f"C{person_sheet.max_row + 1}"] = int(id_number)
            elif id_number and person % 7 == 0:
                id_cell = id_number.translate(
                    str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
                )
            name = f"人员{n}-{k}"
            person_sheet.append([number, name, id_cell, phone_cell, "港西镇", role_cell, remark])
            export.persons[(number, name)] = ExpectedPerson(role, id_number, phones)
            person += 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    export.file = with_exact_numbers(
        ContentFile(buffer.getvalue(), name="港西派出所案件导出.xlsx"), sheet=2, cells=exact_ids
    )
    export.numeric_ids = len(exact_ids)
    return export
