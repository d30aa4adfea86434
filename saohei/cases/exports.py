"""The 案件倒查台账 export, the import template and a refused import's rows, each .xlsx written
by xlsxwriter."""

import io
import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import IO, Any

import xlsxwriter

from saohei.cases.importing import (
    CASE_COLUMNS,
    CASE_TABLE,
    ERROR_COLUMN,
    MAX_IMPORT_ROWS,
    PERSON_COLUMNS,
    PERSON_TABLE,
    ParsedImport,
    RejectedTable,
)
from saohei.cases.models import (
    REJECTED_ROWS_DATA,
    Case,
    ImportJob,
    Means,
    Motive,
    Nature,
    PersonRole,
)
from saohei.common import ledgers as common_ledgers
from saohei.common.crypto import decrypt_text
from saohei.common.dates import format_date

# DOMAIN.md §5, in that order.
LEDGER_COLUMNS = [
    "案件编号",
    "案由",
    "发案时间/地点",
    "涉案人员",
    "处理结果",
    "是否团伙/纠集者",
    "倒查结论",
    "倒查人",
    "日期",
]
# More cases than any town keeps; past it the sheet says so and the user narrows the filters.
EXPORT_LIMIT = 100_000


def _occurred(case: Case) -> str:
    when = format_date(case.occurred_on) + (
        f" {case.occurred_time:%H:%M}" if case.occurred_time else ""
    )
    where = " ".join(
        part for part in (case.village.name if case.village else "", case.place) if part
    )
    return f"{when} {where}".strip()


def _persons(case: Case) -> str:
    """Each person with role, masked ID and plates, e.g. 王某（纠集者，371082********1234，鲁K12345）."""
    parts = []
    for person in case.persons.all():
        details = [person.get_role_display()]
        if person.id_number_masked:
            details.append(person.id_number_masked)
        details.extend(plate.number for plate in person.plates.all())
        parts.append(f"{person.name}（{'，'.join(details)}）")
    return "；".join(parts)


def write_ledger(
    cases: Iterable[Case], *, exported_by: str, filters: str, target: IO[bytes]
) -> int:
    """Stream the ledger in constant memory into `target`; returns the number of cases.
    Every cell but the date is text (ID numbers must never become numbers); row 1 says who
    exported it, row 2 the ledger and `filters` (the list's filters in words)."""
    return common_ledgers.write_ledger(
        target,
        sheet_name="案件倒查台账",
        columns=LEDGER_COLUMNS,
        rows=(_values(case) for case in cases),
        exported_by=exported_by,
        filters=filters,
        noun="案件",
        limit=EXPORT_LIMIT,
        freeze_columns=1,
        wrap=True,
        # The case number leads the row, as in DOMAIN.md §5: no 序号 column.
        numbered=False,
    )


def _values(case: Case) -> list[common_ledgers.Cell]:
    review = getattr(case, "review", None)
    gang = ""
    if review is not None:
        gang = ("是" if review.is_gang else "否") + (
            f"，纠集者：{review.organiser}" if review.organiser else ""
        )
    return [
        case.number,
        case.cause,
        _occurred(case),
        _persons(case),
        case.outcome,
        gang,
        review.get_conclusion_display() if review else "未倒查",
        review.reviewer.real_name if review else "",
        review.reviewed_on if review else "",
    ]


EXAMPLE_CASE = {
    "案件编号": "GXPCS-2012-0001",
    "案由": "寻衅滋事",
    "案件性质": "治安",
    "发案时间": datetime(2012, 5, 3, 21, 30),
    "发案地点": "港西村码头",
    "所属村": "",
    "简要案情": "王某酒后在码头与渔船船主争执，推搡对方并砸坏渔具",
    "处理结果": "行政拘留十日，赔偿损失",
    "手段": "暴力",
    "起因": "其他",
}
EXAMPLE_PERSON = {
    "案件编号": "GXPCS-2012-0001",
    "姓名": "王某",
    "身份证号": "11010519491231002X",
    "手机号": "13800000000",
    "住址": "港西镇港西村",
    "角色": "纠集者",
    "车牌号": "鲁K12345、鲁KD12345",
    "备注": "",
}
HINTS = {
    "案件编号": "必填，同一文件内不得重复；再次导入同一编号会更新该案件",
    "发案时间": "必填。日期格式如 2012-05-03、2012/5/3、2012年5月3日，可带时间 21:30",
    "所属村": "填写本镇的村（社区），如 东村、港西镇东村、东村村委会，可留空",
    "身份证号": "18位（15位旧号自动转换）；请保持“文本”格式",
    "手机号": "11位手机号或固定电话（如 0631-1234567）；两个号码用顿号或逗号分开",
    "备注": "可留空；嫌疑人为纠集者、组织者或首要分子时可在此注明",
    "车牌号": "可留空；多个车牌用顿号或逗号分开，如 鲁K12345、鲁KD12345（新能源）、鲁K1234挂",
}
CHOICES = {
    "案件性质": Nature,
    "手段": Means,
    "起因": Motive,
    "角色": PersonRole,
}


def import_template(*, villages: list[str]) -> bytes:
    """Both sheets with headers, one example row each and drop-down lists for the enumerations."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    header = workbook.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    required = workbook.add_format(
        {"bold": True, "bg_color": "#F2F2F2", "border": 1, "font_color": "#B02A37"}
    )
    text = workbook.add_format({"num_format": "@"})
    moment = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})

    example_case = {**EXAMPLE_CASE, "所属村": villages[0] if villages else ""}
    for sheet_name, columns, example in (
        (CASE_TABLE, CASE_COLUMNS, example_case),
        (PERSON_TABLE, PERSON_COLUMNS, EXAMPLE_PERSON),
    ):
        sheet = workbook.add_worksheet(sheet_name)
        sheet.freeze_panes(1, 0)
        for column, spec in enumerate(columns):
            is_moment = spec.title == "发案时间"
            sheet.set_column(column, column, 20 if is_moment else 16, moment if is_moment else text)
            sheet.write_string(0, column, spec.title, required if spec.required else header)
            hint = HINTS.get(spec.title)
            if hint:
                sheet.write_comment(0, column, hint)
            value = example[spec.title]
            if isinstance(value, datetime):
                sheet.write_datetime(1, column, value, moment)
            else:
                sheet.write_string(1, column, str(value), text)
            choices = CHOICES.get(spec.title)
            if choices is not None:
                sheet.data_validation(
                    1,
                    column,
                    100_000,
                    column,
                    {
                        "validate": "list",
                        "source": [str(label) for label in choices.labels],
                        "error_message": "请从下拉列表中选择",
                    },
                )
            elif spec.title == "所属村" and villages:
                sheet.data_validation(
                    1,
                    column,
                    100_000,
                    column,
                    {
                        "validate": "list",
                        "source": f"=选项!$A$1:$A${len(villages)}",
                        "error_message": "请填写本镇的村（社区）",
                    },
                )

    notes = workbook.add_worksheet("填写说明")
    notes.set_column(0, 0, 100)
    for row, line in enumerate(
        [
            "1. “案件”“涉案人员”两张工作表的表头请勿修改；红色表头为必填列。",
            "2. 每个案件一行；涉案人员每人一行，用“案件编号”对应到案件。",
            "3. 导入是“全部或全不”：任何一行有错，整个文件都不会写入，并列出每一处错误；"
            "可下载未通过校验的行，改正后直接导入。上传时也可勾选先导入无误的案件。",
            "4. 再次导入同一案件编号会更新该案件，并以本次文件中的涉案人员替换原有人员。",
            "5. 示例行请删除后再导入。身份证号、手机号请保持“文本”格式，以免被 Excel 改成科学计数法。",
            "6. 也可导入 CSV（UTF-8 或 GBK 编码）：案件表与涉案人员表各一个文件，表头与本模板相同。",
            "7. 派出所系统导出的写法可直接导入：违法嫌疑人、犯罪嫌疑人（按参与者，备注注明纠集者、"
            "组织者或首要分子的除外）、受害人、目击者，案件性质“行政”，所属村写作“港西镇××村”"
            "或“××村委会”，固定电话及一格两个号码。",
        ]
    ):
        notes.write_string(row, 0, line)
    # The village list lives on a hidden sheet: an inline list is limited to 255 characters.
    options = workbook.add_worksheet("选项")
    for row, name in enumerate(villages):
        options.write_string(row, 0, name)
    options.hide()
    workbook.get_worksheet_by_name(CASE_TABLE).activate()
    workbook.close()
    return buffer.getvalue()


# --- The rows a refused import gives back --------------------------------------------------

# A table as stored on the job (sealed JSON): {"name", "header", "rows": [[cells…, 错误说明]]}.
RejectedRows = list[dict[str, Any]]


# What a row that is fine itself says when it goes back with its case.
WITH_ITS_CASE = "本行无误；同一案件的其他行有错误，一并退回，改正后请整案导入"


def rejected_rows(parsed: ParsedImport, tables: list[RejectedTable]) -> RejectedRows:
    """Each table's rows given back (`importing.collect_rejected`), in the file's order, each
    with every problem of the row in words (`列：原因；…`)."""
    problems: dict[tuple[str, int], list[str]] = defaultdict(list)
    for error in parsed.errors:
        problems[(error.sheet, error.row)].append(
            f"{error.column}：{error.message}" if error.column else error.message
        )
    return [
        {
            "name": table.name,
            "header": table.header,
            "rows": [
                [*cells, "；".join(problems[(table.name, row)]) if bad else WITH_ITS_CASE]
                for row, cells, bad in table.rows
            ],
        }
        for table in tables
    ]


def stored_rejected_rows(job: ImportJob) -> RejectedRows:
    """A refused job's rows as `_fail` sealed them; [] when it kept none or they expired."""
    if not job.rejected_rows_sealed:
        return []
    rows: RejectedRows = json.loads(
        decrypt_text(
            job.rejected_rows_key, job.rejected_rows_sealed, associated_data=REJECTED_ROWS_DATA
        )
    )
    return rows


def write_rejected_rows(
    tables: RejectedRows, *, file_name: str, exported_by: str, target: IO[bytes]
) -> None:
    """The refused rows under their own header and an 错误说明 column, one sheet per table named
    as the import expects it: fixed in Excel, the workbook is imported as it is (the stamp and
    title rows above the header are skipped, the 错误说明 column is not read)."""
    filters = f"导入“{file_name}”时未通过校验的行，改正后可直接导入"
    if len(tables) == 1:
        [table] = tables
        common_ledgers.write_ledger(
            target,
            sheet_name=table["name"],
            columns=[*table["header"], ERROR_COLUMN],
            rows=table["rows"],
            exported_by=exported_by,
            filters=filters,
            noun="行",
            limit=MAX_IMPORT_ROWS,
            freeze_columns=0,
            numbered=False,
        )
        return
    common_ledgers.write_tables(
        target,
        sheets=[
            common_ledgers.LedgerSheet(
                name=table["name"],
                title=common_ledgers.ledger_title(table["name"], filters),
                columns=[*table["header"], ERROR_COLUMN],
                rows=table["rows"],
                limit=MAX_IMPORT_ROWS,
                numbered=False,
                freeze_columns=0,
            )
            for table in tables
        ],
        exported_by=exported_by,
    )
