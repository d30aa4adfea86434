"""`manage.py check` reports accounts whose role grants break the dedicated-account rule."""

from typing import Any

from django.core.checks import CheckMessage, Warning
from django.db import DatabaseError, connection

from saohei.common.roles import Role
from saohei.organisations.queries import list_dedicated_role_conflicts


def describe_conflict(user: Any) -> str:
    labels = "、".join(Role(grant.role).label for grant in user.role_grants.all())
    return f"{user}（{user.unit.name if user.unit else '无单位'}）同时持有：{labels}"


def check_dedicated_role_conflicts(**kwargs: Any) -> list[CheckMessage]:
    # Before the first migrate, or with the database down, there is nothing to inspect here.
    try:
        if "organisations_rolegrant" not in connection.introspection.table_names():
            return []
        conflicts = list(list_dedicated_role_conflicts())
    except DatabaseError:
        return []
    return [
        Warning(
            describe_conflict(user),
            hint="三员与举报信息保管员须为专用账号：请安全管理员撤销多余的角色。"
            "运行 manage.py check_role_conflicts 查看全部。",
            obj="organisations.RoleGrant",
            id="organisations.W001",
        )
        for user in conflicts
    ]
