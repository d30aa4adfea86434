"""Files to import in tests: real .xlsx workbooks and CSV files in the encodings Excel writes."""

import csv
import io
import re
import zipfile
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.core.files.base import ContentFile
from openpyxl import Workbook

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
PERSON_HEADER = ["案件编号", "姓名", "身份证号", "手机号", "住址", "角色"]
VALID_ID = "11010519491231002X"


def case_row(**values: Any) -> list[Any]:
    row = {
        "number": "GX-2012-001",
        "cause": "寻衅滋事",
        "nature": "治安",
        "occurred": "2012-05-03",
        "place": "码头",
        "village": "东岛村",
        "summary": "酒后滋事，砸坏渔具",
        "outcome": "行政拘留十日",
        "means": "暴力",
        "motive": "其他",
    }
    row.update(values)
    return list(row.values())


def person_row(**values: Any) -> list[Any]:
    row = {
        "number": "GX-2012-001",
        "name": "王某",
        "id_number": "",
        "phone": "",
        "address": "港西镇",
        "role": "参与者",
    }
    row.update(values)
    return list(row.values())


def xlsx_file(
    *,
    cases: Sequence[Sequence[Any]] | None,
    persons: Sequence[Sequence[Any]] | None,
    case_header: Sequence[str] = CASE_HEADER,
    person_header: Sequence[str] = PERSON_HEADER,
    name: str = "案件.xlsx",
) -> ContentFile:
    """A workbook with the sheets given (None leaves a sheet out), written by openpyxl."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, header, rows in (("案件", case_header, cases), ("涉案人员", person_header, persons)):
        if rows is None:
            continue
        sheet = workbook.create_sheet(title)
        sheet.append(list(header))
        for row in rows:
            sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return ContentFile(buffer.getvalue(), name=name)


def csv_file(
    rows: Sequence[Sequence[Any]], *, encoding: str = "utf-8", name: str = "案件.csv"
) -> ContentFile:
    """Encoded as Excel would save it: 'utf-8-sig' is UTF-8 with BOM, 'gbk' is 简体中文 Excel."""
    text = io.StringIO()
    writer = csv.writer(text)
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    return ContentFile(text.getvalue().encode(encoding), name=name)


def excel_moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def with_exact_numbers(file: ContentFile, *, sheet: int, cells: dict[str, int]) -> ContentFile:
    """The workbook with number cells holding every digit of `cells`, as some police systems
    write an ID number (openpyxl and Excel write a long number as a double: 1.1010519491231E+17)."""
    source = zipfile.ZipFile(io.BytesIO(file.read()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == f"xl/worksheets/sheet{sheet}.xml":
                text = data.decode()
                for reference, number in cells.items():
                    text = re.sub(
                        rf'(<c r="{reference}"[^>]*><v>)[^<]*(</v>)', rf"\g<1>{number}\g<2>", text
                    )
                data = text.encode()
            target.writestr(item, data)
    return ContentFile(buffer.getvalue(), name=file.name)
