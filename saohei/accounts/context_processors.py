from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from saohei.accounts import activity
from saohei.accounts.policy import policy_for


def idle_timer(request: HttpRequest) -> dict[str, Any]:
    """What static/saohei/idle.js needs to warn before the idle timeout (decision 0019)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "idle_seconds_left": activity.seconds_left(
            session=request.session, policy=policy_for(request), now=timezone.now().timestamp()
        ),
        "idle_warning_seconds": settings.SAOHEI_IDLE_WARNING_SECONDS,
    }
