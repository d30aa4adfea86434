"""Reading a village (村/社区) as senders write it in their sheets.

Police exports and upstream 交办 lists name the same village several ways: `东村`, `港西镇东村`,
`东村村委会`, `东村村民委员会`, `东村社区居委会`, with full-width characters or spaces. Every import
reads them here, one way, so a clerk never edits a sheet to drop a town's name or a 委员会.
"""

import re
import unicodedata
from collections.abc import Mapping

# What senders append to a village's own name; the longest is tried first.
_COMMITTEE_SUFFIXES = ("村民委员会", "居民委员会", "社区居委会", "村委会", "居委会", "委员会")


def fold_name(value: object) -> str:
    """Full-width folded, every space dropped: the form two names are compared in."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value or "")))


def name_variants(value: object, *, town_name: str) -> list[str]:
    """The cell's name, then the same without the town's name in front and without a 委员会.

    `港西镇东村村委会` → [`港西镇东村村委会`, `东村村委会`, `东村`]; a village's own name ends in
    村 or 社区, so `东村村委会` less `村委会` is `东`, and the 村 goes back on.
    """
    name = fold_name(value)
    variants = [name]
    town = fold_name(town_name)
    if town and name.startswith(town) and len(name) > len(town):
        name = name[len(town) :]
        variants.append(name)
    for suffix in _COMMITTEE_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            stem = name[: -len(suffix)]
            if suffix.startswith("村") and not stem.endswith("村"):
                stem += "村"
            elif suffix.startswith("社区") and not stem.endswith("社区"):
                stem += "社区"
            variants.append(stem)
            break
    return variants


def match_village(value: object, *, town_name: str, villages: Mapping[str, int]) -> int | None:
    """The id of the town's village `value` names, or None.

    `villages` maps each village's folded name (`fold_name`) to its id, built once per import.
    """
    for variant in name_variants(value, town_name=town_name):
        found = villages.get(variant)
        if found is not None:
            return found
    return None
