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
    MenuEntry("通知", "notifications:list", None),
]


def menu_for(user: object, current_path: str) -> list[dict[str, object]]:
    items = []
    for entry in MENU:
        if entry.roles is not None and not user.has_any_role(entry.roles):  # type: ignore[attr-defined]
            continue
        url = reverse(entry.url_name)
        active = current_path == url if url == "/" else current_path.startswith(url)
        items.append({"label": entry.label, "url": url, "active": active})
    return items
