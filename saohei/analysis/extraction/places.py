"""Places: the model's place words joined into one chain (山东省荣成市港西镇港西村), and the org
tree's local names, which the caller passes in (this module never queries)."""

import contextlib
import io
import re
import threading
from collections.abc import Iterable
from typing import Any

from saohei.analysis.extraction.names import is_name_read_as_place

_UNIT = r"(?:省|自治区|市|县|区|旗|镇|乡|街道|村|社区|屯)"
# A word ending like an administrative unit, which the model may tag as a plain noun.
_UNIT_WORD = re.compile(rf"^[\u4e00-\u9fff]{{1,6}}{_UNIT}$")
# An organisation named after its place: 威海市公安局, 港西镇派出所 → 威海市, 港西镇.
_PLACE_PREFIX = re.compile(rf"^(?:[\u4e00-\u9fff]{{1,6}}?{_UNIT})+")
# Words that end like a unit but name none: 本村, 外村, 夜市, 村东.
_NOT_PLACES = re.compile(
    rf"^(?:[本该全我你他外邻各同此原老新小大城辖农乡街市县][\u4e00-\u9fff]?{_UNIT}|村.*"
    r"|夜市|集市|超市|鱼市|菜市|霸市|早市|门市|股市|城区|辖区|小区|社区|乡村|县城)$"
)


def find_places(
    text: str, words: list[tuple[int, int, str]], local_places: Iterable[str] = ()
) -> list[tuple[int, int]]:
    local = [False] * len(text)
    for place in sorted({p for p in local_places if len(p) >= 2}, key=len, reverse=True):
        for match in re.finditer(re.escape(place), text):
            local[match.start() : match.end()] = [True] * len(place)
    marked = list(local)
    for start, end, label in words:
        word = text[start:end]
        if label == "ORG":
            prefix = _PLACE_PREFIX.match(word)
            if prefix and not _NOT_PLACES.match(prefix[0]):
                end = start + prefix.end()
                word = prefix[0]
            else:
                continue
        elif not (label == "LOC" or (label in ("n", "nz", "ns", "s") and _UNIT_WORD.match(word))):
            continue
        if _NOT_PLACES.match(word) or is_name_read_as_place(word):
            continue
        beyond = "".join(
            c for c, is_local in zip(word, local[start:end], strict=True) if not is_local
        )
        if beyond != word and not (len(beyond) >= 3 and _UNIT_WORD.match(beyond)):
            # The org tree's names are authoritative: "南岭村村主任" is 南岭村, not more.
            continue
        marked[start:end] = [True] * (end - start)
    # Adjacent place words are one place: 港西镇 + 港西村 → 港西镇港西村.
    spans: list[tuple[int, int]] = []
    start_at: int | None = None
    for index, is_place in enumerate([*marked, False]):
        if is_place and start_at is None:
            start_at = index
        elif not is_place and start_at is not None:
            if index - start_at >= 2:
                spans.append((start_at, index))
            start_at = None
    return spans


# Only a county-level name or above anchors a resolution: "柳林镇" alone resolves to 山西.
_ANCHORED = re.compile(r"(?:省|自治区|市|县|区|旗)")
_lock = threading.Lock()
_parser: list[Any] = []


def resolve(place: str) -> tuple[str | None, str | None, str | None]:
    """(province, city, county) by jionlp's location parser, for a place that names a county,
    city or province; (None, None, None) otherwise."""
    if not _ANCHORED.search(place):
        return (None, None, None)
    with _lock:
        if not _parser:
            # jionlp prints a banner on import; a server's stdout is no place for it.
            with contextlib.redirect_stdout(io.StringIO()):
                import jionlp

                _parser.append(jionlp.parse_location)
    try:
        parsed = _parser[0](place)
    except Exception:  # the parser's own faults must not cost the other suggestions
        return (None, None, None)
    return (parsed.get("province"), parsed.get("city"), parsed.get("county"))
