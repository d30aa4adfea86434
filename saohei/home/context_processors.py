from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from saohei.home.navigation import menu_for
from saohei.notifications.queries import count_unread


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"now": timezone.now()}
    return {
        "nav_items": menu_for(user, request.path),
        "now": timezone.now(),
        "unread_notifications": count_unread(user),
    }
