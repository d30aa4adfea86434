"""Finding the header under the title rows, and guessing which column is which field.

Real offices put a title (`港西镇2026年第3批交办线索清单`), a date line or our own export stamp
above the header, and merge header cells: a parent over its children (`被反映人` over `姓名` and
`身份证号`) or one cell over two header rows. The header is the row among the first
`HEADER_SEARCH_ROWS` that names the most fields; a parent merged across columns makes the row
under it part of the header, and each column's title is then parent + child.
"""

from dataclasses import dataclass

from saohei.sheets.kinds import ImportKind, header_key
from saohei.sheets.reading import Grid

HEADER_SEARCH_ROWS = 10
# The column a rejected-rows file adds; never mapped, so the fixed file imports as it is.
ERROR_COLUMN = "错误说明"
IGNORED = ""


@dataclass(frozen=True)
class Header:
    # 1-based number of the header's first row, and how many rows it takes (1 or 2).
    row: int
    depth: int
    # One title per column, unique ("姓名", "姓名（2）"); "" for a column without one.
    titles: list[str]

    @property
    def first_data_row(self) -> int:
        return self.row + self.depth


def _score(cells: list[str], kind: ImportKind) -> int:
    words = {word for target in kind.fields for word in target.words}
    keys = [header_key(cell) for cell in cells if cell]
    return sum(1 for key in keys if key in words or any(word in key for word in words))


def find_header(grid: Grid, kind: ImportKind) -> Header | None:
    """The header of `grid`, or None when no top row names any field of `kind`."""
    filled = grid.filled()
    best, best_score = 0, 0
    for number, cells in enumerate(filled[:HEADER_SEARCH_ROWS], start=1):
        # A title row is one cell (perhaps merged across the sheet): never the header.
        if len({cell for cell in cells if cell}) < 2:
            continue
        score = _score(cells, kind)
        if score > best_score:
            best, best_score = number, score
    if best == 0:
        return None
    depth = 2 if _has_children(grid, best) and best < len(filled) else 1
    parents = filled[best - 1]
    children = filled[best] if depth == 2 else []
    width = max(len(parents), len(children))
    titles: list[str] = []
    for column in range(width):
        parent = parents[column] if column < len(parents) else ""
        child = children[column] if column < len(children) else ""
        title = parent if not child or child == parent else f"{parent}{child}"
        titles.append(title.strip())
    return Header(row=best, depth=depth, titles=_unique(titles))


def _has_children(grid: Grid, row: int) -> bool:
    """A header cell merged across columns in one row is a parent over the row below; a cell
    merged down over two rows says the same from the other side."""
    for first_row, first_column, last_row, last_column in grid.merges:
        if first_row == row == last_row and last_column > first_column:
            return True
        if first_row == row and last_row == row + 1:
            return True
    return False


def _unique(titles: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    unique = []
    for title in titles:
        if not title:
            unique.append("")
            continue
        seen[title] = seen.get(title, 0) + 1
        unique.append(title if seen[title] == 1 else f"{title}（{seen[title]}）")
    return unique


def guess_columns(titles: list[str], kind: ImportKind) -> dict[str, str]:
    """Column title → field key (or IGNORED), each field to at most one column: an exact name
    first, then the longest word the title contains."""
    candidates: list[tuple[int, int, str, str]] = []
    for position, title in enumerate(titles):
        key = header_key(title)
        if not key or key == ERROR_COLUMN:
            continue
        for target in kind.fields:
            for word in target.words:
                if key == word:
                    candidates.append((10_000, -position, title, target.key))
                elif word in key:
                    candidates.append((len(word), -position, title, target.key))
    mapping = {title: IGNORED for title in titles if title}
    taken: set[str] = set()
    decided: set[str] = set()
    for _, _, title, field_key in sorted(candidates, reverse=True):
        if title in decided or field_key in taken:
            continue
        mapping[title] = field_key
        taken.add(field_key)
        decided.add(title)
    mapping.pop(ERROR_COLUMN, None)
    return mapping


def columns_for(
    titles: list[str], kind: ImportKind, saved: dict[str, str] | None
) -> dict[str, str]:
    """The saved mapping of this sender where it names a column, the guess elsewhere; a field
    taken by a saved column is not guessed for another."""
    guessed = guess_columns(titles, kind)
    if not saved:
        return guessed
    valid = {target.key for target in kind.fields}
    mapping = {
        title: saved[title]
        for title in guessed
        if title in saved and (saved[title] in valid or saved[title] == IGNORED)
    }
    taken = {key for key in mapping.values() if key}
    for title, key in guessed.items():
        if title not in mapping:
            mapping[title] = key if key not in taken else IGNORED
            taken.add(key)
    return {title: mapping[title] for title in guessed}
