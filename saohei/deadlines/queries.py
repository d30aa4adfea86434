"""Reads every deadline shares: the amber window and who is chased besides the record's owner."""

from datetime import date

from saohei.common.roles import Role
from saohei.organisations.models import Unit, User
from saohei.organisations.queries import LEADER_ROLES, list_people_granted
from saohei.workdays.calendar import add_working_days

# Deadlines within this many working days show amber (leads, the ledger, meeting tasks).
AMBER_WORKING_DAYS = 3

OFFICE_STAFF_ROLES = frozenset({Role.OFFICE_STAFF})


def amber_threshold(today: date) -> date:
    """The last day that shows amber: a deadline after it is not yet close."""
    return add_working_days(today, AMBER_WORKING_DAYS)


def list_office_staff(*, unit: Unit) -> list[User]:
    """The 扫黑办 who hear of a record's 催办: active people granted 扫黑办工作人员 on the town
    unit that owns the record, not a clerk of another town who happens to live in this one."""
    return list_people_granted(unit=unit, roles=OFFICE_STAFF_ROLES)


def list_leaders(*, unit: Unit) -> list[User]:
    """The 组长 and 副组长 who hear of a record's 督办: granted on the town unit that owns it."""
    return list_people_granted(unit=unit, roles=LEADER_ROLES)
