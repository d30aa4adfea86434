"""Sheets as real offices send them: a title row, a two-row header with merged cells."""

import io
from collections.abc import Sequence
from datetime import date, timedelta

from django.core.files.base import ContentFile
from openpyxl import Workbook

TITLE = "荣成市扫黑办2026年第3批交办线索清单"
# Row 2 and 3: the header; 被反映人 is a parent over 姓名 and 身份证号, the rest span both rows.
PARENTS = ["序号", "交办编号", "交办日期", "反馈期限", "被反映人", "", "所属村", "问题内容", "来源"]
CHILDREN = ["", "", "", "", "姓名", "身份证号", "", "", ""]


def day(offset: int) -> str:
    return f"{date.today() + timedelta(days=offset):%Y-%m-%d}"


def list_row(
    number: int,
    reference: str,
    *,
    received: str | None = None,
    deadline: str | None = None,
    name: str = "王某",
    id_number: str = "",
    village: str = "东岛村",
    content: str = "有人在码头强行收取渔船停靠费",
    source: str = "市扫黑办交办",
) -> list[str]:
    return [
        str(number),
        reference,
        received or day(-3),
        deadline or day(20),
        name,
        id_number,
        village,
        content,
        source,
    ]


def merged_xlsx(rows: Sequence[Sequence[str]], *, name: str = "第3批交办清单.xlsx") -> ContentFile:
    """The list with a merged title row and a two-row merged header, data from row 4."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "清单"
    sheet.append([TITLE])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(PARENTS))
    sheet.append(PARENTS)
    sheet.append(CHILDREN)
    for column, parent in enumerate(PARENTS, start=1):
        if parent == "被反映人":
            sheet.merge_cells(start_row=2, start_column=column, end_row=2, end_column=column + 1)
        elif parent:
            sheet.merge_cells(start_row=2, start_column=column, end_row=3, end_column=column)
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return ContentFile(buffer.getvalue(), name=name)


def csv_file(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    encoding: str = "gbk",
    name: str = "清单.csv",
) -> ContentFile:
    lines = [",".join(header), *(",".join(row) for row in rows)]
    return ContentFile(("\r\n".join(lines) + "\r\n").encode(encoding), name=name)
