"""A staged sheet read through its sender's mappings: the header, the columns, every problem."""

from collections.abc import Mapping
from dataclasses import dataclass

from saohei.common.errors import ServiceError
from saohei.organisations.models import Unit, UnitKind
from saohei.organisations.village_names import fold_name
from saohei.sheets import services
from saohei.sheets.checking import CheckedSheet, Villages, check_sheet
from saohei.sheets.headers import HEADER_SEARCH_ROWS, columns_for, find_header
from saohei.sheets.kinds import ImportKind
from saohei.sheets.models import StagedSheet
from saohei.sheets.reading import Grid


def town_villages(unit: Unit) -> Villages:
    rows = list(
        Unit.objects.filter(
            parent=unit, kind__in=[UnitKind.VILLAGE, UnitKind.COMMUNITY]
        ).values_list("pk", "name")
    )
    return Villages(
        town_name=unit.name,
        by_name={fold_name(name): pk for pk, name in rows},
        names=dict(rows),
    )


@dataclass
class Reading:
    checked: CheckedSheet
    # The sender's value mapping in force (field → folded word → value).
    values: dict[str, dict[str, str]]
    # Whether the columns came from a mapping saved for this sender.
    remembered: bool


def grid_of(staged: StagedSheet) -> Grid:
    return Grid(rows=staged.rows, merges=[tuple(merge) for merge in staged.merges])  # type: ignore[misc]


def read_staged(
    staged: StagedSheet,
    kind: ImportKind,
    *,
    columns: Mapping[str, str] | None = None,
    values: Mapping[str, Mapping[str, str]] | None = None,
) -> Reading:
    """The staged sheet checked through `columns`/`values` as given, else the sender's saved
    ones, else the guess; refused in Chinese when no header can be found."""
    grid = grid_of(staged)
    header = find_header(grid, kind)
    if header is None:
        labels = "、".join(target.label for target in kind.fields if target.required)
        raise ServiceError(
            f"前{HEADER_SEARCH_ROWS}行中没有找到表头：表头应包含{labels}等列，请检查文件",
            field="file",
        )
    saved = services.saved_mapping(unit=staged.unit, kind=kind, sender=staged.sender)
    chosen_columns = (
        dict(columns)
        if columns is not None
        else columns_for(header.titles, kind, saved.columns if saved else None)
    )
    chosen_values = {
        key: dict(words) for key, words in ((saved.values if saved else {}) or {}).items()
    }
    for key, words in (values or {}).items():
        chosen_values.setdefault(key, {}).update(words)
    checked = check_sheet(
        grid.filled(),
        header=header,
        kind=kind,
        columns=chosen_columns,
        values=chosen_values,
        villages=town_villages(staged.unit),
    )
    return Reading(checked=checked, values=chosen_values, remembered=saved is not None)
