from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import BooleanField, ExpressionWrapper, Q

from saohei.notifications.models import Notification

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
