"""Who may export which ledger and read the statistics. The rows themselves are always scoped
by the feature context's own `access` module; this only decides who gets the button and the 403.

- 线索台账, 问题整改台账, 宣传台账, 案件倒查台账: as their own contexts decide (their export views
  check again).
- 谈心谈话记录: whoever reads talks (office, 上级督导, and village heads and police for the talks
  they took part in).
- 研判会议记录: whoever reads a meeting's whole record (the office, 上级督导 above it); village
  heads and police see only titles and dates, so they have no export.
- 村级档案检查: the office, village heads (their own village's findings) and 上级督导.
- 统计月报/季报: the office and 上级督导, one row per town of their scope.
"""

from saohei.cases import access as case_access
from saohei.common.roles import CONTENT_ROLES, Role
from saohei.leads import stats as lead_stats
from saohei.meetings import access as meeting_access
from saohei.organisations.models import Unit, User
from saohei.organisations.queries import OFFICE_ROLES
from saohei.publicity import access as publicity_access

LEAD_ROLES = frozenset(CONTENT_ROLES)
RECTIFICATION_ROLES = OFFICE_ROLES | {Role.VILLAGE_HEAD, Role.SUPERVISOR}
PUBLICITY_ROLES = frozenset(publicity_access.READ_ROLES)
TALK_ROLES = OFFICE_ROLES | {Role.SUPERVISOR, Role.VILLAGE_HEAD, Role.POLICE_OFFICER}
MEETING_ROLES = frozenset(meeting_access.RECORD_ROLES)
INSPECTION_ROLES = OFFICE_ROLES | {Role.VILLAGE_HEAD, Role.SUPERVISOR}
STATISTICS_ROLES = frozenset(lead_stats.STATS_ROLES)
CENTRE_ROLES = LEAD_ROLES


def may_export_cases(user: User) -> bool:
    return user.has_any_role(case_access.CASE_ROLES) and case_access.case_towns(user).exists()


def may_export_meetings(user: User) -> bool:
    return user.has_any_role(MEETING_ROLES) and bool(meeting_access.record_towns(user))


def statistics_towns(user: User) -> list[Unit]:
    """The towns of the user's report: the office's own, every town under an 上级督导."""
    return lead_stats.list_stats_towns(user)
