"""Unit scope: the one place that decides which units' records a user may see or manage.

Every role grant covers the subtree of its unit. Content roles (组长 … 上级督导) give the
content scope; the 三员 roles give an administration scope and no content.
"""

from typing import TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from saohei.common.roles import CONTENT_ROLES, GROUP_EDITOR_ROLES, Role
from saohei.organisations.models import GroupMembership, LeadingGroup, Unit, UnitQuerySet, User

ModelT = TypeVar("ModelT", bound=Model)


def grant_paths(user: User, roles: frozenset[Role] | set[Role]) -> list[str]:
    """Paths of the units on which the user holds any of `roles` (each covers its subtree)."""
    return _paths_for(user, roles)


def _paths_for(user: User, roles: frozenset[Role] | set[Role]) -> list[str]:
    cache: dict[frozenset[Role], list[str]] = user.__dict__.setdefault("_scope_paths", {})
    key = frozenset(roles)
    if key not in cache:
        cache[key] = list(
            user.role_grants.filter(role__in=key).values_list("unit__path", flat=True)
        )
    return cache[key]


def units_within(paths: list[str]) -> UnitQuerySet:
    if not paths:
        return Unit.objects.none()
    condition = Q()
    for path in paths:
        condition |= Q(path__startswith=path)
    return Unit.objects.filter(condition)


def content_units(user: User) -> UnitQuerySet:
    """Units whose records the user may read because of a content role."""
    if not user.is_authenticated:
        return Unit.objects.none()
    return units_within(_paths_for(user, CONTENT_ROLES))


def managed_units(user: User, role: Role) -> UnitQuerySet:
    """Units an administrator (系统管理员 / 安全管理员) may manage."""
    if not user.is_authenticated:
        return Unit.objects.none()
    return units_within(_paths_for(user, {role}))


def unit_in_paths(unit: Unit, paths: list[str]) -> bool:
    return any(unit.path.startswith(path) for path in paths)


def can_manage_unit(user: User, unit: Unit, role: Role) -> bool:
    return user.is_authenticated and unit_in_paths(unit, _paths_for(user, {role}))


def scoped_to_content(
    queryset: QuerySet[ModelT], user: User, *, unit_field: str = "unit"
) -> QuerySet[ModelT]:
    """Filter any queryset of unit-owned records to what the user may read."""
    return queryset.filter(**{f"{unit_field}__in": content_units(user)})


def get_managed_unit(user: User, unit_id: int, role: Role) -> Unit:
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None or not can_manage_unit(user, unit, role):
        raise Http404("单位不存在或不在您的管理范围内")
    return unit


def get_managed_account(user: User, account_id: int, role: Role) -> User:
    account = User.objects.select_related("unit").filter(pk=account_id).first()
    if account is None or account.unit is None or not can_manage_unit(user, account.unit, role):
        raise Http404("账号不存在或不在您的管理范围内")
    return account


def can_view_group(user: User, group: LeadingGroup) -> bool:
    """Everyone working under the group's unit knows its leaders; so does its oversight."""
    if not user.is_authenticated:
        return False
    own_unit = user.unit
    if own_unit is not None and own_unit.path.startswith(group.unit.path):
        return True
    return unit_in_paths(group.unit, _paths_for(user, CONTENT_ROLES))


def can_edit_group(user: User, group: LeadingGroup) -> bool:
    return user.is_authenticated and unit_in_paths(group.unit, _paths_for(user, GROUP_EDITOR_ROLES))


def get_group_for_user(user: User, *, unit: Unit | None = None) -> LeadingGroup:
    """The leading group of `unit` (default: the user's nearest unit that has one)."""
    if unit is None:
        if user.unit is None:
            raise Http404("未找到领导小组")
        ancestor_ids = [int(part) for part in user.unit.path.strip("/").split("/")]
        group = (
            LeadingGroup.objects.select_related("unit")
            .filter(unit_id__in=ancestor_ids)
            .order_by("-unit__path")
            .first()
        )
    else:
        group = LeadingGroup.objects.select_related("unit").filter(unit=unit).first()
    if group is None or not can_view_group(user, group):
        raise Http404("未找到领导小组")
    return group


def get_editable_group(user: User) -> LeadingGroup:
    """The user's own leading group (404 without one), refused (403) to anyone who may not
    maintain it."""
    group = get_group_for_user(user)
    if not can_edit_group(user, group):
        raise PermissionDenied("您没有维护该领导小组的权限")
    return group


def get_editable_membership(user: User, membership_id: int) -> GroupMembership:
    """A member of the group the user maintains; one of another group is 404."""
    group = get_editable_group(user)
    membership = GroupMembership.objects.filter(pk=membership_id, group=group).first()
    if membership is None:
        raise Http404("成员不存在")
    return membership
