"""Every change to units, accounts, role grants and the leading group."""

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone

from saohei.audit.models import AuditAction
from saohei.audit.services import record_event
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.common.roles import DEDICATED_ROLES, Role
from saohei.organisations.access import can_edit_group, can_manage_unit
from saohei.organisations.credentials import set_one_time_password
from saohei.organisations.models import (
    ALLOWED_CHILD_KINDS,
    GroupMembership,
    GroupRole,
    LeadingGroup,
    RoleGrant,
    Unit,
    UnitKind,
    User,
)
from saohei.organisations.queries import NOT_A_CASE_WORKER


def _require_manager(actor: User, unit: Unit, role: Role) -> None:
    if not actor.has_role(role):
        raise ActionNotAllowed(f"只有{role.label}可以执行此操作")
    if not can_manage_unit(actor, unit, role):
        raise ActionNotAllowed(f"“{unit.name}”不在您的管理范围内")


@dataclass(frozen=True)
class UnitInput:
    """A new unit: its kind must be one its parent may hold."""

    name: str
    kind: UnitKind
    parent: Unit | None
    code: str = ""
    sort_order: int = 0


@dataclass(frozen=True)
class UnitEditInput:
    """What may change on a unit: kind and parent stay, so its path stays."""

    name: str
    code: str
    sort_order: int
    is_active: bool


@dataclass(frozen=True)
class AccountInput:
    """A new account; the password is generated, never chosen."""

    username: str
    real_name: str
    unit: Unit
    position: str = ""
    phone: str = ""


@dataclass(frozen=True)
class AccountEditInput:
    """What may change on an account besides its roles: the username stays."""

    real_name: str
    position: str
    phone: str
    unit: Unit


@transaction.atomic
def create_unit(*, actor: User, data: UnitInput, ip_address: str | None = None) -> Unit:
    """A unit is created under a parent the system administrator manages, of an allowed kind."""
    name, kind, parent = data.name, data.kind, data.parent
    if parent is None:
        raise ServiceError("请选择上级单位", field="parent")
    _require_manager(actor, parent, Role.SYSTEM_ADMIN)
    if kind not in ALLOWED_CHILD_KINDS[parent.kind]:
        raise ServiceError(
            f"{parent.get_kind_display()}下不能设立{UnitKind(kind).label}", field="kind"
        )
    if Unit.objects.filter(parent=parent, name=name).exists():
        raise ServiceError("同一上级单位下已有同名单位", field="name")
    unit = build_unit(
        name=name, kind=kind, parent=parent, code=data.code, sort_order=data.sort_order
    )
    record_event(
        action=AuditAction.UNIT_CREATED,
        actor=actor,
        target=unit,
        ip_address=ip_address,
        details={"kind": str(kind), "parent_id": parent.pk},
    )
    return unit


def build_unit(
    *, name: str, kind: UnitKind, parent: Unit | None, code: str = "", sort_order: int = 0
) -> Unit:
    """Insert a unit and give it its materialised path (also used by the demo loader)."""
    unit = Unit.objects.create(
        name=name, kind=kind, parent=parent, code=code, sort_order=sort_order, path="/"
    )
    unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
    unit.save(update_fields=["path"])
    return unit


@transaction.atomic
def update_unit(
    *, actor: User, unit: Unit, data: UnitEditInput, ip_address: str | None = None
) -> Unit:
    _require_manager(actor, unit, Role.SYSTEM_ADMIN)
    name, is_active = data.name, data.is_active
    if Unit.objects.filter(parent=unit.parent, name=name).exclude(pk=unit.pk).exists():
        raise ServiceError("同一上级单位下已有同名单位", field="name")
    if not is_active and unit.members.filter(is_active=True).exists():
        raise ServiceError("该单位还有启用的账号，请先停用或调出这些账号", field="is_active")
    changed = _assign_changes(
        unit, name=name, code=data.code, sort_order=data.sort_order, is_active=is_active
    )
    if changed:
        unit.save(update_fields=changed)
        record_event(
            action=AuditAction.UNIT_UPDATED,
            actor=actor,
            target=unit,
            ip_address=ip_address,
            details={"changed": changed},
        )
    return unit


def _assign_changes(instance: object, **values: object) -> list[str]:
    changed = []
    for field, value in values.items():
        if getattr(instance, field) != value:
            setattr(instance, field, value)
            changed.append(field)
    return changed


class IssuedCredential(NamedTuple):
    """An account and its one-time password, to be shown once to the person handing it over."""

    user: User
    one_time_password: str
    expires_at: datetime


@transaction.atomic
def create_account(
    *, actor: User, data: AccountInput, ip_address: str | None = None
) -> IssuedCredential:
    """A new account gets a generated one-time password (nobody chooses it); changed at first login."""
    username, unit = data.username, data.unit
    _require_manager(actor, unit, Role.SYSTEM_ADMIN)
    if User.objects.filter(username__iexact=username).exists():
        raise ServiceError("该用户名已被使用", field="username")
    if not unit.is_active:
        raise ServiceError("所选单位已停用", field="unit")
    user = User(
        username=username,
        real_name=data.real_name,
        unit=unit,
        position=data.position,
        phone=data.phone,
    )
    password = set_one_time_password(user, now=timezone.now())
    user.save()
    record_event(
        action=AuditAction.ACCOUNT_CREATED,
        actor=actor,
        target=user,
        ip_address=ip_address,
        details={"unit_id": unit.pk, "one_time_password": True},
    )
    assert user.one_time_password_expires_at is not None
    return IssuedCredential(user, password, user.one_time_password_expires_at)


@transaction.atomic
def update_account(
    *, actor: User, user: User, data: AccountEditInput, ip_address: str | None = None
) -> User:
    unit = data.unit
    _require_manager(actor, user.unit or unit, Role.SYSTEM_ADMIN)
    _require_manager(actor, unit, Role.SYSTEM_ADMIN)
    changed = _assign_changes(
        user, real_name=data.real_name, position=data.position, phone=data.phone, unit=unit
    )
    if changed:
        user.save(update_fields=changed)
        # Field names only: values such as phone numbers stay out of the log.
        record_event(
            action=AuditAction.ACCOUNT_UPDATED,
            actor=actor,
            target=user,
            ip_address=ip_address,
            details={"changed": changed},
        )
    return user


@transaction.atomic
def set_account_active(
    *, actor: User, user: User, is_active: bool, ip_address: str | None = None
) -> User:
    """Deactivation takes effect at the user's next request (inactive users are not loaded)."""
    assert user.unit is not None
    _require_manager(actor, user.unit, Role.SYSTEM_ADMIN)
    if user.pk == actor.pk:
        raise ServiceError("不能停用自己的账号")
    if user.is_active != is_active:
        user.is_active = is_active
        user.save(update_fields=["is_active"])
        record_event(
            action=AuditAction.ACCOUNT_ACTIVATED if is_active else AuditAction.ACCOUNT_DEACTIVATED,
            actor=actor,
            target=user,
            ip_address=ip_address,
        )
    return user


@transaction.atomic
def grant_role(
    *,
    actor: User,
    user: User,
    role: Role,
    unit: Unit | None = None,
    ip_address: str | None = None,
) -> RoleGrant:
    """Only the 安全管理员 grants roles; a dedicated role (三员, custodian) excludes every other."""
    scope_unit = unit or user.unit
    if scope_unit is None:
        raise ServiceError("该账号没有所在单位，无法授权")
    _require_manager(actor, scope_unit, Role.SECURITY_ADMIN)
    if user.pk == actor.pk:
        raise ActionNotAllowed("不能给自己授予角色")
    if user.unit is None or not can_manage_unit(actor, user.unit, Role.SECURITY_ADMIN):
        raise ActionNotAllowed("该账号不在您的管理范围内")
    held = set(user.role_grants.values_list("role", flat=True))
    if role in held:
        raise ServiceError(f"该账号已有“{role.label}”角色", field="role")
    if role in DEDICATED_ROLES and held:
        raise ServiceError(
            "系统管理员、安全管理员、审计管理员和举报信息保管员须为专用账号，不能与其他角色兼任",
            field="role",
        )
    if held & DEDICATED_ROLES:
        dedicated = Role(next(iter(held & DEDICATED_ROLES))).label
        raise ServiceError(f"该账号是{dedicated}专用账号，不能再授予其他角色", field="role")
    grant = RoleGrant.objects.create(user=user, role=role, unit=scope_unit, granted_by=actor)
    user.__dict__.pop("granted_roles", None)
    record_event(
        action=AuditAction.ROLE_GRANTED,
        actor=actor,
        target=user,
        ip_address=ip_address,
        details={"role": str(role), "scope_unit_id": scope_unit.pk},
    )
    return grant


@transaction.atomic
def revoke_role(*, actor: User, user: User, role: Role, ip_address: str | None = None) -> None:
    assert user.unit is not None
    _require_manager(actor, user.unit, Role.SECURITY_ADMIN)
    if user.pk == actor.pk:
        raise ActionNotAllowed("不能撤销自己的角色")
    deleted, _ = RoleGrant.objects.filter(user=user, role=role).delete()
    if not deleted:
        raise ServiceError(f"该账号没有“{role.label}”角色")
    user.__dict__.pop("granted_roles", None)
    record_event(
        action=AuditAction.ROLE_REVOKED,
        actor=actor,
        target=user,
        ip_address=ip_address,
        details={"role": str(role)},
    )


@transaction.atomic
def add_group_member(
    *,
    actor: User,
    group: LeadingGroup,
    user: User,
    group_role: GroupRole,
    title: str = "",
    ip_address: str | None = None,
) -> GroupMembership:
    if not can_edit_group(actor, group):
        raise ActionNotAllowed("您没有维护该领导小组的权限")
    if user.unit is None or not user.unit.path.startswith(group.unit.path):
        raise ServiceError("只能添加本单位及下属单位的人员", field="user")
    if not user.is_case_worker:
        raise ServiceError(NOT_A_CASE_WORKER, field="user")
    if GroupMembership.objects.filter(group=group, user=user).exists():
        raise ServiceError("此人已在领导小组中", field="user")
    last = group.memberships.order_by("-sort_order").values_list("sort_order", flat=True).first()
    membership = GroupMembership.objects.create(
        group=group,
        user=user,
        group_role=group_role,
        title=title or user.position,
        sort_order=(last or 0) + 10,
    )
    record_event(
        action=AuditAction.GROUP_MEMBER_ADDED,
        actor=actor,
        target=group,
        ip_address=ip_address,
        details={"user_id": user.pk, "group_role": str(group_role)},
    )
    return membership


@transaction.atomic
def remove_group_member(
    *, actor: User, membership: GroupMembership, ip_address: str | None = None
) -> None:
    group = membership.group
    if not can_edit_group(actor, group):
        raise ActionNotAllowed("您没有维护该领导小组的权限")
    user_id, group_role = membership.user_id, membership.group_role
    membership.delete()
    record_event(
        action=AuditAction.GROUP_MEMBER_REMOVED,
        actor=actor,
        target=group,
        ip_address=ip_address,
        details={"user_id": user_id, "group_role": group_role},
    )


# The installer hands the three first credentials over in person; give that a working day.
BOOTSTRAP_PASSWORD_MINUTES = 24 * 60


@transaction.atomic
def bootstrap_installation(
    *, city_name: str, town_name: str, town_code: str
) -> list[IssuedCredential]:
    """First start of a real installation: the top units and the three administrator accounts.

    There is no default admin with a known password: each gets a generated one-time password
    that must be changed at first sign-in (and TOTP enrolment follows, by policy). Refused once
    any account exists, so it cannot be used to mint administrators later.
    """
    if User.objects.exists():
        raise ServiceError("系统中已有账号，不能再次初始化")
    city = build_unit(name=city_name, kind=UnitKind.CITY_OFFICE, parent=None)
    town = build_unit(name=town_name, kind=UnitKind.TOWN, parent=city, code=town_code)
    issued = []
    now = timezone.now()
    for username, role, label in (
        ("xitong", Role.SYSTEM_ADMIN, "系统管理员"),
        ("anquan", Role.SECURITY_ADMIN, "安全管理员"),
        ("shenji", Role.AUDIT_ADMIN, "审计管理员"),
    ):
        user = User(username=username, real_name=label, position=label, unit=town)
        password = set_one_time_password(user, now=now, valid_minutes=BOOTSTRAP_PASSWORD_MINUTES)
        user.save()
        RoleGrant.objects.create(user=user, role=role, unit=town)
        assert user.one_time_password_expires_at is not None
        issued.append(IssuedCredential(user, password, user.one_time_password_expires_at))
        record_event(
            action=AuditAction.ACCOUNT_CREATED, target=user, unit=town, details={"bootstrap": True}
        )
    return issued
