"""Reads of tips: the reporter's by receipt, the office's through `access.visible_tips`."""

from datetime import datetime

from saohei.common.paging import KeysetPage, keyset_page
from saohei.common.search import People, SearchFields, apply_search
from saohei.organisations.models import User
from saohei.tips.access import visible_tips
from saohei.tips.models import Tip, TipMessage, TipPerson, TipQuerySet, TipStatus
from saohei.tips.receipts import clean_receipt, receipt_digest

COUNT_CAP = 1000


def get_tip_by_receipt(receipt: str) -> Tip | None:
    """The tip whose receipt this is, or None for anything else (malformed, unknown, guessed)."""
    cleaned = clean_receipt(receipt)
    if cleaned is None:
        return None
    return (
        Tip.objects.select_related("unit", "lead", "category")
        .filter(receipt_digest=receipt_digest(cleaned))
        .first()
    )


def list_messages_for_reporter(tip: Tip) -> list[TipMessage]:
    """The conversation as the reporter sees it; the template never shows the author."""
    return list(tip.messages.only("direction", "body", "created_at", "tip_id"))


# The reporter is never searchable: only what the tip says and the people it names.
SEARCH_FIELDS = SearchFields(
    text=("content", "place", "occurred_when", "victims", "witnesses"),
    people=(People(TipPerson, "tip_id", ("name", "alias", "position")),),
)


def filter_tips(user: User, status: str, text: str = "") -> TipQuerySet:
    tips = visible_tips(user)
    tips = tips.filter(status=status) if status in TipStatus.values else tips.pending()
    return apply_search(tips, text, SEARCH_FIELDS)


def page_of_tips(tips: TipQuerySet, *, after: str = "", before: str = "") -> KeysetPage[Tip]:
    return keyset_page(
        tips.select_related("village", "category", "lead"),
        field="submitted_at",
        parse=datetime.fromisoformat,
        after=after,
        before=before,
    )


def count_by_status(user: User) -> dict[str, str]:
    """Counts for the queue's tabs, capped: a list header never counts a whole table."""
    counts = {}
    for status in TipStatus.values:
        count = visible_tips(user).filter(status=status).order_by().values("pk")[: COUNT_CAP + 1]
        number = count.count()
        counts[status] = f"{COUNT_CAP}+" if number > COUNT_CAP else str(number)
    return counts


def list_conversation(tip: Tip) -> list[TipMessage]:
    """The office's view of the conversation, with authors and each message's files."""
    return list(tip.messages.select_related("author").prefetch_related("attachments"))


def default_summary(tip: Tip) -> str:
    first_line = " ".join(tip.content.split())
    return f"群众网络举报：{first_line[:100]}{'…' if len(first_line) > 100 else ''}"
