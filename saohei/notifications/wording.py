"""How a notice names the item it is about: number, place and a short excerpt.

A notice without its item ("申请销号，请审核") sends its reader searching. The excerpt is cut to
`EXCERPT_LENGTH` characters; senders pass a category or the item's own description, never a
reporter's identity or a subject's name (reporter protection, decision 0004).
"""

EXCERPT_LENGTH = 30


def excerpt(text: str, *, limit: int = EXCERPT_LENGTH) -> str:
    """The first `limit` characters of `text` on one line, "…" when cut."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def name_item(number: str, *, place: str = "", summary: str = "") -> str:
    """ "XJ2026-0001（柳树庄村）“欺行霸市”": the item as its reader will find it in a list."""
    label = number
    if place:
        label += f"（{place}）"
    if summary.strip():
        label += f"“{excerpt(summary)}”"
    return label
