"""Who may change the working-day calendar. Everyone signed in may read it."""

from typing import Any

from saohei.common.access import user_has_any_role
from saohei.common.roles import Role

# The calendar is national, not owned by a unit: the office keeps it, the system admin may fix it.
CALENDAR_EDITOR_ROLES = (Role.SYSTEM_ADMIN, Role.OFFICE_STAFF)


def can_change_calendar(user: Any) -> bool:
    return user_has_any_role(user, CALENDAR_EDITOR_ROLES)
