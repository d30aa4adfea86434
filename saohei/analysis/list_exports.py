"""重点人员 and 同案人员 as .xlsx ledgers with the exporter's stamp (`common.ledgers`).

ID numbers only masked, as on the pages; no reporter data exists in these lists (the persons are
perpetrators of police cases, never a lead's or a tip's reporter).
"""

from collections.abc import Iterable
from typing import IO

from saohei.analysis.lists import (
    CoOffenders,
    KeyPerson,
    ListFilters,
    PersonShown,
    all_key_persons,
    find_co_offenders,
)
from saohei.common.ledgers import Cell, LedgerSheet, ledger_title, write_ledger, write_tables
from saohei.organisations.models import User

KEY_PERSON_COLUMNS = [
    "序号",
    "姓名",
    "身份证号",
    "所属村",
    "作案次数",
    "其中刑事",
    "任纠集者/组织者",
    "最早",
    "最近",
]
PAIR_COLUMNS = [
    "序号",
    "人员甲",
    "甲身份证号",
    "人员乙",
    "乙身份证号",
    "共同作案次数",
    "其中刑事",
    "最早",
    "最近",
    "共同涉案",
]
GROUP_COLUMNS = ["序号", "人数", "成员", "共同作案次数", "其中刑事", "最早", "最近"]
# More persons than any town's history holds; past it the sheet says so.
EXPORT_LIMIT = 100_000


def write_key_persons(
    rows: Iterable[KeyPerson], output: IO[bytes], *, exported_by: str, filters: str
) -> int:
    return write_ledger(
        output,
        sheet_name="重点人员",
        columns=KEY_PERSON_COLUMNS,
        rows=(
            [
                row.person.name,
                row.person.id_number_masked,
                row.person.village,
                row.incidents,
                row.criminal,
                row.as_ringleader,
                row.first_on,
                row.last_on,
            ]
            for row in rows
        ),
        exported_by=exported_by,
        filters=filters,
        noun="人员",
        limit=EXPORT_LIMIT,
        freeze_columns=2,
    )


def _member(person: PersonShown) -> str:
    return f"{person.name}（{person.id_number_masked}）" if person.id_number_masked else person.name


def write_co_offenders(
    found: CoOffenders, output: IO[bytes], *, exported_by: str, filters: str
) -> int:
    """Two sheets: the pairs with their shared incidents, and the groups they form. Returns the
    number of pairs written."""
    pairs: list[list[Cell]] = [
        [
            pair.first.name,
            pair.first.id_number_masked,
            pair.second.name,
            pair.second.id_number_masked,
            pair.together,
            pair.criminal,
            pair.first_on,
            pair.last_on,
            "；".join(incident.label for incident in pair.incidents),
        ]
        for pair in found.pairs
    ]
    groups: list[list[Cell]] = [
        [
            len(group.members),
            "、".join(_member(person) for person in group.members),
            group.incidents,
            group.criminal,
            group.first_on,
            group.last_on,
        ]
        for group in found.groups
    ]
    counts = write_tables(
        output,
        sheets=[
            LedgerSheet(
                name="同案人员",
                title=ledger_title("同案人员", filters),
                columns=PAIR_COLUMNS,
                rows=pairs,
                noun="同案人员",
                limit=EXPORT_LIMIT,
                freeze_columns=2,
                wrap=True,
            ),
            LedgerSheet(
                name="关联团伙",
                title=ledger_title("关联团伙", filters),
                columns=GROUP_COLUMNS,
                rows=groups,
                noun="团伙",
                limit=EXPORT_LIMIT,
                wrap=True,
            ),
        ],
        exported_by=exported_by,
    )
    return counts[0]


def export_key_persons(user: User, filters: ListFilters, described: str, output: IO[bytes]) -> int:
    """The whole 重点人员 ranking the user may see (pages and API alike); returns the rows."""
    return write_key_persons(
        all_key_persons(user, filters), output, exported_by=str(user), filters=described
    )


def export_co_offenders(user: User, filters: ListFilters, described: str, output: IO[bytes]) -> int:
    """Every 同案人员 pair and group the user may see; returns the pairs written."""
    return write_co_offenders(
        find_co_offenders(user, filters, size=None),
        output,
        exported_by=str(user),
        filters=described,
    )
