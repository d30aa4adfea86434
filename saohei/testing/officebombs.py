"""Hostile Office files built in memory, for the tests and the import-memory benchmark."""

import io
import zipfile

from openpyxl import Workbook

SHEET_PART = "xl/worksheets/sheet1.xml"


def replace_part(
    package: bytes, part: str, content: bytes, compression: int = zipfile.ZIP_DEFLATED
) -> bytes:
    """The same package with one part's content replaced (or added)."""
    source = zipfile.ZipFile(io.BytesIO(package))
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry in source.infolist():
            if entry.filename != part:
                archive.writestr(entry.filename, source.read(entry.filename))
        archive.writestr(part, content, compress_type=compression)
    return target.getvalue()


def styled_cells_bomb(*, cells: int, title: str = "案件") -> bytes:
    """A workbook of well under 1 MB whose first row ends with `cells` empty styled cells:
    openpyxl builds a whole row in memory before yielding it, even in read-only mode."""
    workbook = Workbook()
    workbook.active.title = title
    workbook.active.append(["案件编号", "案由"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    sheet = zipfile.ZipFile(buffer).read(SHEET_PART)
    bomb = sheet.replace(b"</row>", b'<c s="0"/>' * cells + b"</row>", 1)
    return replace_part(buffer.getvalue(), SHEET_PART, bomb)
