"""The rejected rows of a sheet as an .xlsx the clerk fixes in Excel and imports again."""

import io

from saohei.common.ledgers import write_ledger
from saohei.sheets.checking import CheckedSheet
from saohei.sheets.headers import ERROR_COLUMN


def rejected_rows_xlsx(checked: CheckedSheet, *, exported_by: str, file_name: str) -> bytes:
    """The problem rows with the sheet's own columns and an 错误说明 column last; the stamp and
    title rows above the header are skipped by the header search, the error column by the
    mapping, so the fixed file imports as it is."""
    titles = checked.header.titles
    keep = [
        position
        for position, title in enumerate(titles)
        if title and title.split("（")[0] != ERROR_COLUMN
    ]
    columns = [titles[position] for position in keep]
    rows = [
        [
            *(row.values[position] if position < len(row.values) else "" for position in keep),
            "；".join(row.problems),
        ]
        for row in checked.problem_rows
    ]
    output = io.BytesIO()
    write_ledger(
        output,
        sheet_name="未通过的行",
        columns=[*columns, ERROR_COLUMN],
        rows=rows,
        exported_by=exported_by,
        filters=f"原文件 {file_name}",
        noun="行",
        limit=len(rows) + 1,
        numbered=False,
        freeze_columns=0,
    )
    return output.getvalue()
