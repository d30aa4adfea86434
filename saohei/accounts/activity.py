"""The idle clock of a signed-in session: one place for the middleware, the keepalive and the page.

The session keeps `last_activity` (epoch seconds, rewritten at most every 30 s by the
middleware); the policy's idle timeout counts from it.
"""

from datetime import UTC, datetime

from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest

from saohei.accounts.models import SecurityPolicy, UserSession

# Writing the session on every request would cost a query each; 30 s precision is enough.
REWRITE_AFTER_SECONDS = 30


def is_idle(*, session: SessionBase, policy: SecurityPolicy, now: float) -> bool:
    last_activity = session.get("last_activity")
    if not last_activity:
        return False
    return bool(now - last_activity > policy.idle_timeout_minutes * 60)


def seconds_left(*, session: SessionBase, policy: SecurityPolicy, now: float) -> int:
    """Seconds until the session counts as idle (the full timeout when it has no clock yet)."""
    limit = policy.idle_timeout_minutes * 60
    # Whole seconds, like the stored clock: a clock restarted this second has the full timeout.
    last_activity = session.get("last_activity") or int(now)
    return max(0, last_activity + limit - int(now))


def mark_active(*, request: HttpRequest, now: float, force: bool = False) -> None:
    """Restart the idle clock; without `force`, only when it is older than 30 s."""
    last_activity = request.session.get("last_activity")
    if force or not last_activity or now - last_activity >= REWRITE_AFTER_SECONDS:
        request.session["last_activity"] = int(now)
        UserSession.objects.filter(session_key=request.session.session_key).update(
            last_seen_at=datetime.fromtimestamp(now, tz=UTC)
        )
