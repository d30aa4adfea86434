"""识别建议 links: a span of a record's own text, named by field, source and offsets, never the
value, so that no ID number or phone ever travels in a URL or an access log.

`analysis` writes the links and the lead's add form (`leads`) reads them; `leads` may not import
`analysis` (it sits above), so both halves of the link live here, below both.
"""

import re
import unicodedata
from collections.abc import Mapping
from urllib.parse import urlencode

# An offset is a character position: 0 is the text's first (a record id never is, so
# `validation.parse_id` refuses it). At most seven digits: no narrative is that long.
OFFSET = re.compile(r"[0-9]{1,7}")

# The add form's fields a suggestion may fill.
SUGGESTED_FIELDS = ("name", "alias", "id_number", "phone", "plates")


def suggestion_query(*, field: str, source: str, start: int, end: int) -> str:
    """The query string of a link to a form that `suggested_initial` pre-fills."""
    return urlencode({"field": field, "source": source, "start": start, "end": end})


def suggested_initial(texts: Mapping[str, str], query: Mapping[str, str]) -> dict[str, str]:
    """The form's first values from `?field=name&source=summary&start=3&end=5`: a span of one of
    `texts` (the record's own texts by source name); {} for anything else."""
    field, source = query.get("field", ""), query.get("source", "")
    start, end = _offset(query.get("start", "")), _offset(query.get("end", ""))
    if field not in SUGGESTED_FIELDS or source not in texts:
        return {}
    text = texts[source]
    if start is None or end is None or not 0 <= start < end <= len(text):
        return {}
    value = text[start:end]
    if field in ("id_number", "phone"):
        # As typed in the narrative ("１３９ ０５３１-２４６８"); the form wants the bare number.
        value = re.sub(r"[^0-9Xx+]", "", unicodedata.normalize("NFKC", value))
    return {field: value}


def _offset(value: str) -> int | None:
    return int(value) if OFFSET.fullmatch(value) else None
