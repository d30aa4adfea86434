"""The shared vocabulary of roles. Who holds which role, and where, is decided in
`organisations` (`RoleGrant`)."""

from django.db import models


class Role(models.TextChoices):
    LEADER = "leader", "组长"
    DEPUTY_LEADER = "deputy_leader", "副组长"
    OFFICE_STAFF = "office_staff", "扫黑办工作人员"
    VILLAGE_HEAD = "village_head", "村负责人"
    POLICE_OFFICER = "police_officer", "派出所民警"
    SUPERVISOR = "supervisor", "上级督导"
    IDENTITY_CUSTODIAN = "identity_custodian", "举报信息保管员"
    SYSTEM_ADMIN = "system_admin", "系统管理员"
    SECURITY_ADMIN = "security_admin", "安全管理员"
    AUDIT_ADMIN = "audit_admin", "审计管理员"


# 三员: system, security and audit administrators (等保 2.0). Mutually exclusive on one account.
THREE_ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})

# Roles held only on a dedicated account: the 三员 (等保 separation of duties) and the custodian of
# reporter identities, who never works cases (decision 0004) — no other role on the same account.
DEDICATED_ROLES = THREE_ADMIN_ROLES | {Role.IDENTITY_CUSTODIAN}

# Roles whose accounts must use a second factor before the security policy was ever saved.
# Leaders read officials' leads (保护伞), so a reset password alone must never open them.
DEFAULT_TOTP_ROLES = (
    Role.SYSTEM_ADMIN,
    Role.SECURITY_ADMIN,
    Role.AUDIT_ADMIN,
    Role.IDENTITY_CUSTODIAN,
    Role.LEADER,
    Role.DEPUTY_LEADER,
)

# Resetting the password of an account holding any of these needs a 安全管理员's approval.
RESET_NEEDS_APPROVAL_ROLES = DEDICATED_ROLES | {Role.LEADER, Role.DEPUTY_LEADER}

# Roles that work with case content and therefore see records of the units they are granted on.
CONTENT_ROLES = frozenset(
    {
        Role.LEADER,
        Role.DEPUTY_LEADER,
        Role.OFFICE_STAFF,
        Role.VILLAGE_HEAD,
        Role.POLICE_OFFICER,
        Role.SUPERVISOR,
    }
)

# Roles of the people who do a town's case work: handle a lead, take a task, answer for an item.
# (The 上级督导 oversees from above; the 三员 and the custodian never work cases.)
WORKING_ROLES = CONTENT_ROLES - {Role.SUPERVISOR}

# Roles that may edit the leading group's membership (business data, not system administration).
GROUP_EDITOR_ROLES = frozenset({Role.LEADER, Role.DEPUTY_LEADER, Role.OFFICE_STAFF})
