"""The menu each role sees. Hiding a link is a courtesy; every view checks access itself."""

from dataclasses import dataclass

from django.urls import reverse

from saohei.common.roles import CONTENT_ROLES, Role


@dataclass(frozen=True)
class MenuEntry:
    label: str
    url_name: str
    roles: frozenset[Role] | None  # None: every signed-in user


MENU = [
    MenuEntry("首页", "home:index", None),
    MenuEntry("线索", "leads:list", frozenset(CONTENT_ROLES)),
    MenuEntry(
        "举报受理", "tips:queue", frozenset({Role.LEADER, Role.DEPUTY_LEADER, Role.OFFICE_STAFF})
    ),
    MenuEntry(
        "案件倒查",
        "cases:list",
        frozenset({Role.LEADER, Role.DEPUTY_LEADER, Role.OFFICE_STAFF, Role.POLICE_OFFICER}),
    ),
    MenuEntry(
        "线索统计",
        "leads:stats",
        frozenset({Role.LEADER, Role.DEPUTY_LEADER, Role.OFFICE_STAFF, Role.SUPERVISOR}),
    ),
    MenuEntry(
        "问题整改",
        "rectifications:list",
        frozenset(
            {
                Role.LEADER,
                Role.DEPUTY_LEADER,
                Role.OFFICE_STAFF,
                Role.VILLAGE_HEAD,
                Role.SUPERVISOR,
            }
        ),
    ),
    MenuEntry(
        "会议与自查",
        "meetings:list",
        frozenset({Role.LEADER, Role.DEPUTY_LEADER, Role.OFFICE_STAFF, Role.SUPERVISOR}),
    ),
    # The office reaches its tasks from 会议与自查; village heads and police only need their own.
    MenuEntry("我的任务", "meetings:tasks", frozenset({Role.VILLAGE_HEAD, Role.POLICE_OFFICER})),
    MenuEntry(
        "谈心谈话",
        "accountability:list",
        frozenset({Role.LEADER, Role.DEPUTY_LEADER, Role.OFFICE_STAFF, Role.VILLAGE_HEAD}),
    ),
    MenuEntry(
        "档案检查",
        "inspections:list",
        frozenset({Role.LEADER, Role.DEPUTY_LEADER, Role.OFFICE_STAFF, Role.VILLAGE_HEAD}),
    ),
    MenuEntry("举报人保护", "vault:index", frozenset({Role.IDENTITY_CUSTODIAN})),
    MenuEntry("领导小组", "organisations:group", frozenset(CONTENT_ROLES)),
    MenuEntry("工作日历", "workdays:index", None),
    MenuEntry("单位管理", "organisations:unit_list", frozenset({Role.SYSTEM_ADMIN})),
    MenuEntry(
        "账号管理",
        "organisations:account_list",
        frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN}),
    ),
    MenuEntry("安全策略", "accounts:security_policy", frozenset({Role.SECURITY_ADMIN})),
    MenuEntry("在线会话", "accounts:sessions", frozenset({Role.SECURITY_ADMIN})),
    MenuEntry("登录日志", "accounts:login_log", frozenset({Role.SECURITY_ADMIN})),
    MenuEntry("接口令牌", "api_tokens:list", frozenset({Role.SECURITY_ADMIN})),
    MenuEntry("审计日志", "audit:event_list", frozenset({Role.AUDIT_ADMIN})),
]


def menu_for(user: object, current_path: str) -> list[dict[str, object]]:
    items = []
    for entry in MENU:
        if entry.roles is not None and not user.has_any_role(entry.roles):  # type: ignore[attr-defined]
            continue
        items.append({"label": entry.label, "url": reverse(entry.url_name), "active": False})
    # Highlight only the entry with the longest matching prefix (线索统计 over 线索).
    if current_path == "/":
        matching = [item for item in items if item["url"] == "/"]
    else:
        matching = [
            item
            for item in items
            if item["url"] != "/" and current_path.startswith(str(item["url"]))
        ]
    if matching:
        max(matching, key=lambda item: len(str(item["url"])))["active"] = True
    return items
