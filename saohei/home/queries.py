from dataclasses import dataclass, field
from typing import Any, TypedDict

from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone
from django.utils.timesince import timesince

from saohei.accounts.models import PasswordResetStatus
from saohei.accounts.queries import list_active_sessions, list_password_resets
from saohei.audit.models import AuditAction, AuditEvent
from saohei.backups.models import BackupStatus
from saohei.backups.queries import (
    BACKUP_OVERDUE,
    backup_age,
    last_backup_attempt,
    last_successful_backup,
)
from saohei.common.roles import Role
from saohei.home.dashboard import Chart, Series
from saohei.organisations.access import content_units, get_group_for_user, managed_units
from saohei.organisations.models import (
    GroupMembership,
    GroupRole,
    LeadingGroup,
    Unit,
    UnitKind,
    User,
)


@dataclass
class HomePanel:
    title: str
    rows: list[tuple[str, Any, str]] = field(default_factory=list)  # label, value, link


def previous_login(user: User) -> AuditEvent | None:
    """The sign-in before this one, so people notice a login that was not theirs."""
    logins = AuditEvent.objects.filter(actor=user, action=AuditAction.LOGIN_SUCCEEDED).order_by(
        "-sequence"
    )
    return logins[1:2].first()


def failed_logins_since_last(user: User, last: AuditEvent | None) -> int:
    failures = AuditEvent.objects.filter(actor=user, action=AuditAction.LOGIN_FAILED)
    if last is not None:
        failures = failures.filter(sequence__gt=last.sequence)
    return failures.count()


def unit_colleagues(user: User) -> list[User]:
    if user.unit is None:
        return []
    return list(User.objects.filter(unit=user.unit, is_active=True).order_by("username")[:30])


def visible_group(user: User) -> LeadingGroup | None:
    try:
        return get_group_for_user(user)
    except Http404:  # no leading group above this user's unit
        return None


def group_leaders(group: LeadingGroup | None) -> list[GroupMembership]:
    """组长 and 副组长, for the one-glance card on the home page."""
    if group is None:
        return []
    return list(
        group.memberships.filter(group_role__in=[GroupRole.LEADER, GroupRole.DEPUTY_LEADER])
        .select_related("user")
        .order_by("sort_order")
    )


def backup_panel() -> HomePanel:
    """The last successful backup and its age, and a failure since then (no links: the
    backups are files on the server)."""
    last = last_successful_backup()
    age = backup_age(last)
    rows: list[tuple[str, Any, str]] = []
    if last is None or last.finished_at is None or age is None:
        rows.append(("最近成功备份", "尚无成功备份", ""))
    else:
        finished = timezone.localtime(last.finished_at).strftime("%Y-%m-%d %H:%M")
        rows.append(("最近成功备份", finished, ""))
        overdue = "，已超过一天，请检查" if age > BACKUP_OVERDUE else ""
        rows.append(("距今", f"{timesince(last.finished_at)}{overdue}", ""))
    attempt = last_backup_attempt()
    if attempt is not None and attempt.status == BackupStatus.FAILED:
        failed = timezone.localtime(attempt.started_at).strftime("%Y-%m-%d %H:%M")
        rows.append(("最近一次备份失败", failed, ""))
    return HomePanel("数据备份", rows)


def admin_panels(user: User) -> list[HomePanel]:
    panels = []
    now = timezone.now()
    if user.has_role(Role.SYSTEM_ADMIN):
        units = managed_units(user, Role.SYSTEM_ADMIN)
        accounts = User.objects.filter(unit__in=units)
        panels.append(
            HomePanel(
                "系统管理",
                [
                    ("单位", units.filter(is_active=True).count(), "organisations:unit_list"),
                    (
                        "启用账号",
                        accounts.filter(is_active=True).count(),
                        "organisations:account_list",
                    ),
                    (
                        "待首次修改密码",
                        accounts.filter(is_active=True, must_change_password=True).count(),
                        "organisations:account_list",
                    ),
                ],
            )
        )
        panels.append(backup_panel())
    if user.has_role(Role.SECURITY_ADMIN):
        units = managed_units(user, Role.SECURITY_ADMIN)
        accounts = User.objects.filter(unit__in=units)
        panels.append(
            HomePanel(
                "安全管理",
                [
                    (
                        "当前锁定账号",
                        accounts.filter(locked_until__gt=now).count(),
                        "organisations:account_list",
                    ),
                    ("在线会话", list_active_sessions(viewer=user).count(), "accounts:sessions"),
                    (
                        "待批准的密码重置",
                        list_password_resets(viewer=user, role=Role.SECURITY_ADMIN)
                        .filter(status=PasswordResetStatus.PENDING)
                        .count(),
                        "accounts:password_resets",
                    ),
                    (
                        "今日登录失败",
                        AuditEvent.objects.filter(
                            action=AuditAction.LOGIN_FAILED,
                            occurred_at__gte=timezone.localtime(now).replace(
                                hour=0, minute=0, second=0, microsecond=0
                            ),
                        ).count(),
                        "accounts:login_log",
                    ),
                ],
            )
        )
    if user.has_role(Role.AUDIT_ADMIN):
        today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        counts = AuditEvent.objects.aggregate(
            total=Count("id"),
            today=Count("id", filter=Q(occurred_at__gte=today)),
            denied=Count("id", filter=Q(occurred_at__gte=today) & ~Q(result="success")),
        )
        panels.append(
            HomePanel(
                "审计",
                [
                    ("日志总数", counts["total"], "audit:event_list"),
                    ("今日事件", counts["today"], "audit:event_list"),
                    ("今日失败/拒绝", counts["denied"], "audit:event_list"),
                ],
            )
        )
    return panels


def supervised_towns(user: User) -> list[dict[str, Any]]:
    """For a 上级督导: the towns below, with their villages and accounts."""
    if not user.has_role(Role.SUPERVISOR):
        return []
    towns = content_units(user).filter(kind=UnitKind.TOWN, is_active=True).order_by("path")
    result = []
    for town in towns:
        subtree = Unit.objects.subtree_of(town)
        result.append(
            {
                "town": town,
                "villages": subtree.villages().filter(is_active=True).count(),
                "accounts": User.objects.filter(unit__in=subtree, is_active=True).count(),
            }
        )
    return result


class TableCell(TypedDict):
    text: str
    url: str


class ChartTable(TypedDict):
    head: list[str]
    rows: list[tuple[str, list[TableCell]]]


def chart_table(chart: Chart) -> ChartTable:
    """A chart's figures as a table with the same links: read without JavaScript or a mouse."""
    series = chart["series"]

    def cell(entry: Series, index: int) -> TableCell:
        point = entry["data"][index]
        value = point["value"]
        if value is None:
            text = "—"
        elif entry.get("line") or entry.get("percent"):
            text = f"{value}%"
        else:
            text = str(value)
        return TableCell(text=text, url=point["url"])

    return ChartTable(
        head=[entry["name"] for entry in series],
        rows=[
            (label, [cell(entry, index) for entry in series])
            for index, label in enumerate(chart["categories"])
        ],
    )
