"""The shared vocabulary of roles. Who holds which role is decided in `accounts`."""

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

# Roles that may edit the leading group's membership (business data, not system administration).
GROUP_EDITOR_ROLES = frozenset({Role.LEADER, Role.DEPUTY_LEADER, Role.OFFICE_STAFF})
