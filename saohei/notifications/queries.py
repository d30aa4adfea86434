from collections.abc import Collection
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import BooleanField, ExpressionWrapper, Q

from saohei.notifications import channels
from saohei.notifications.models import (
    Channel,
    Delivery,
    Notification,
    NotificationKind,
    NotificationPreference,
)
from saohei.organisations.models import User

PAGE_SIZE = 50


def count_unread(user: Any) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.for_recipient(user).unread().count()


def list_for_user(user: Any, *, unread_only: bool = False, page: Any = None) -> Page[Notification]:
    """The user's own notifications, unread first, newest first within each; 50 a page."""
    notifications = Notification.objects.for_recipient(user)
    if unread_only:
        notifications = notifications.unread()
    is_unread = ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField())
    ordered = notifications.order_by(is_unread.desc(), "-created_at", "-id")
    return Paginator(ordered, PAGE_SIZE).get_page(page)


def channels_for(users: Collection[User], *, kind: str) -> dict[int, frozenset[Channel]]:
    """Per user id, the channels a notice of `kind` goes out by: their preference, else the
    kind's default; only channels this installation has a server for. One query."""
    available = channels.configured_channels()
    if not available or not users:
        return {user.pk: frozenset() for user in users}
    chosen = {user.pk: set(channels.DEFAULT_CHANNELS.get(kind, ())) for user in users}
    preferences = NotificationPreference.objects.filter(
        user_id__in=list(chosen), kind=kind
    ).values_list("user_id", "channel", "enabled")
    for user_id, channel, enabled in preferences:
        if enabled:
            chosen[user_id].add(Channel(channel))
        else:
            chosen[user_id].discard(Channel(channel))
    return {user_id: frozenset(picked & available) for user_id, picked in chosen.items()}


def effective_preferences(*, user: User) -> dict[str, frozenset[str]]:
    """Per kind, the channels the user's notices go by when a server is configured."""
    chosen = {
        kind: {str(channel) for channel in channels.DEFAULT_CHANNELS.get(kind, ())}
        for kind in NotificationKind.values
    }
    for kind, channel, value in NotificationPreference.objects.filter(user=user).values_list(
        "kind", "channel", "enabled"
    ):
        if kind not in chosen:
            continue
        if value:
            chosen[kind].add(channel)
        else:
            chosen[kind].discard(channel)
    return {kind: frozenset(picked) for kind, picked in chosen.items()}


def list_recent_deliveries(user: User, *, limit: int = 20) -> list[Delivery]:
    """The user's own latest SMS and e-mail sends, for their preferences page."""
    return list(Delivery.objects.filter(recipient=user).order_by("-created_at", "-id")[:limit])
