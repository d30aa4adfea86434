"""The menu each role sees. Hiding a link is a courtesy; every view checks access itself."""

from dataclasses import dataclass

from django.urls import reverse

from saohei.common.roles import CONTENT_ROLES, Role
from saohei.organisations.queries import OFFICE_ROLES


@dataclass(frozen=True)
class MenuEntry:
    label: str
    url_name: str
    roles: frozenset[Role] | None  # None: every signed-in user


@dataclass(frozen=True)
class MenuGroup:
    """A dropdown of entries; shown as a plain link when only one entry is visible."""

    label: str
    entries: tuple[MenuEntry, ...]


OFFICE_AND_SUPERVISOR = OFFICE_ROLES | {Role.SUPERVISOR}

# The menu follows the four pillars of the work (DOMAIN.md §1), so a 1280px screen holds it on
# one line however many roles a person holds.
MENU: list[MenuEntry | MenuGroup] = [
    MenuEntry("首页", "home:index", None),
    MenuGroup(
        "线索摸排",
        (
            MenuEntry("线索", "leads:list", frozenset(CONTENT_ROLES)),
            MenuEntry("举报受理", "tips:queue", OFFICE_ROLES),
            MenuEntry("交办清单", "assigned_lists:list", OFFICE_ROLES),
            MenuEntry("案件倒查", "cases:list", OFFICE_ROLES | {Role.POLICE_OFFICER}),
            MenuEntry("人员库", "analysis:person_search", OFFICE_ROLES | {Role.POLICE_OFFICER}),
            MenuEntry("线索统计", "leads:stats", OFFICE_AND_SUPERVISOR),
            MenuEntry(
                "村月报", "village_reports:index", OFFICE_AND_SUPERVISOR | {Role.VILLAGE_HEAD}
            ),
            MenuEntry("市级交办", "city_assignments:list", frozenset({Role.SUPERVISOR})),
            MenuEntry("候选人资格联审", "analysis:vetting", OFFICE_ROLES),
            MenuEntry("研判提示", "analysis:prompts", OFFICE_ROLES | {Role.POLICE_OFFICER}),
        ),
    ),
    MenuGroup(
        "组织领导",
        (
            MenuEntry("领导小组", "organisations:group", frozenset(CONTENT_ROLES)),
            MenuEntry("会议与自查", "meetings:list", OFFICE_AND_SUPERVISOR),
            # The office reaches tasks from 会议与自查; village heads and police need their own.
            MenuEntry(
                "我的任务", "meetings:tasks", frozenset({Role.VILLAGE_HEAD, Role.POLICE_OFFICER})
            ),
        ),
    ),
    MenuGroup(
        "压实责任",
        (
            MenuEntry(
                "问题整改", "rectifications:list", OFFICE_AND_SUPERVISOR | {Role.VILLAGE_HEAD}
            ),
            MenuEntry(
                "谈心谈话",
                "accountability:list",
                OFFICE_AND_SUPERVISOR | {Role.VILLAGE_HEAD, Role.POLICE_OFFICER},
            ),
            MenuEntry("档案检查", "inspections:list", OFFICE_AND_SUPERVISOR | {Role.VILLAGE_HEAD}),
        ),
    ),
    MenuEntry("宣传发动", "publicity:list", OFFICE_AND_SUPERVISOR | {Role.VILLAGE_HEAD}),
    # 研判 reads across the records of the towns whose cases one sees (analysis.REGISTRY_ROLES).
    MenuGroup(
        "研判",
        (
            MenuEntry("重点人员", "analysis:key_persons", OFFICE_ROLES | {Role.POLICE_OFFICER}),
            MenuEntry("同案人员", "analysis:co_offenders", OFFICE_ROLES | {Role.POLICE_OFFICER}),
        ),
    ),
    MenuGroup(
        "简报报表",
        (
            MenuEntry("工作简报", "briefings:index", OFFICE_AND_SUPERVISOR),
            MenuEntry("台账报表", "reports:centre", frozenset(CONTENT_ROLES)),
        ),
    ),
    MenuEntry("举报人保护", "vault:index", frozenset({Role.IDENTITY_CUSTODIAN})),
    MenuEntry("工作日历", "workdays:index", None),
    MenuEntry("单位管理", "organisations:unit_list", frozenset({Role.SYSTEM_ADMIN})),
    MenuEntry(
        "账号管理",
        "organisations:account_list",
        frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN}),
    ),
    MenuEntry(
        "密码重置",
        "accounts:password_resets",
        frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN}),
    ),
    MenuGroup(
        "安全管理",
        (
            MenuEntry("安全策略", "accounts:security_policy", frozenset({Role.SECURITY_ADMIN})),
            MenuEntry("在线会话", "accounts:sessions", frozenset({Role.SECURITY_ADMIN})),
            MenuEntry("登录日志", "accounts:login_log", frozenset({Role.SECURITY_ADMIN})),
            MenuEntry("接口令牌", "api_tokens:list", frozenset({Role.SECURITY_ADMIN})),
        ),
    ),
    MenuEntry("审计日志", "audit:event_list", frozenset({Role.AUDIT_ADMIN})),
]


def _visible(user: object, entry: MenuEntry) -> bool:
    return entry.roles is None or user.has_any_role(entry.roles)  # type: ignore[attr-defined]


def _link(entry: MenuEntry) -> dict[str, object]:
    return {"label": entry.label, "url": reverse(entry.url_name), "active": False}


def menu_for(user: object, current_path: str) -> list[dict[str, object]]:
    """Top-level items; a group item has `children`. Exactly one link is marked active."""
    items: list[dict[str, object]] = []
    links: list[dict[str, object]] = []
    for node in MENU:
        if isinstance(node, MenuEntry):
            if _visible(user, node):
                item = _link(node)
                items.append(item)
                links.append(item)
            continue
        children = [_link(entry) for entry in node.entries if _visible(user, entry)]
        if len(children) == 1:
            items.append(children[0])
        elif children:
            items.append({"label": node.label, "children": children, "active": False})
        links.extend(children)
    # Highlight only the link with the longest matching prefix (线索统计 over 线索), and its group.
    if current_path == "/":
        matching = [link for link in links if link["url"] == "/"]
    else:
        matching = [
            link
            for link in links
            if link["url"] != "/" and current_path.startswith(str(link["url"]))
        ]
    if matching:
        best = max(matching, key=lambda link: len(str(link["url"])))
        best["active"] = True
        for item in items:
            if best in item.get("children", []):  # type: ignore[operator]
                item["active"] = True
    return items
