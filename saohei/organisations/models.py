from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.utils.functional import cached_property

from saohei.common.roles import DEDICATED_ROLES, Role


class UnitKind(models.TextChoices):
    CITY_OFFICE = "city_office", "市扫黑办"
    TOWN = "town", "镇/街道"
    VILLAGE = "village", "村"
    COMMUNITY = "community", "社区"
    POLICE_STATION = "police_station", "派出所"
    DEPARTMENT = "department", "机关部门"


# Which kinds may sit directly under which: the tree of 市扫黑办 → 镇 → 村/社区, 派出所, 部门.
ALLOWED_CHILD_KINDS: dict[str, frozenset[str]] = {
    UnitKind.CITY_OFFICE: frozenset({UnitKind.TOWN, UnitKind.DEPARTMENT}),
    UnitKind.TOWN: frozenset(
        {UnitKind.VILLAGE, UnitKind.COMMUNITY, UnitKind.POLICE_STATION, UnitKind.DEPARTMENT}
    ),
    UnitKind.VILLAGE: frozenset(),
    UnitKind.COMMUNITY: frozenset(),
    UnitKind.POLICE_STATION: frozenset(),
    UnitKind.DEPARTMENT: frozenset(),
}


class UnitQuerySet(models.QuerySet["Unit"]):
    def active(self) -> "UnitQuerySet":
        return self.filter(is_active=True)

    def subtree_of(self, unit: "Unit") -> "UnitQuerySet":
        return self.filter(path__startswith=unit.path)

    def villages(self) -> "UnitQuerySet":
        return self.filter(kind__in=[UnitKind.VILLAGE, UnitKind.COMMUNITY])


class Unit(models.Model):
    """A node of the org tree. `path` (e.g. `/1/4/17/`) makes subtree reads one indexed query."""

    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=32, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=255, db_index=True, editable=False)
    code = models.CharField(
        "代码", max_length=16, blank=True, help_text="镇的代码用作线索编号前缀，如 GX"
    )
    sort_order = models.PositiveIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = "单位"
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "name"], name="unit_name_unique_under_parent"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2

    @property
    def is_village(self) -> bool:
        return self.kind in (UnitKind.VILLAGE, UnitKind.COMMUNITY)


class GroupRole(models.TextChoices):
    LEADER = "leader", "组长"
    DEPUTY_LEADER = "deputy_leader", "副组长"
    MEMBER = "member", "成员"
    OFFICE_DIRECTOR = "office_director", "办公室主任"
    OFFICE_MEMBER = "office_member", "办公室成员"


class LeadingGroup(models.Model):
    """The 扫黑除恶专项斗争领导小组 of a unit, with its 办公室."""

    unit = models.OneToOneField(
        Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="leading_group"
    )
    name = models.CharField("名称", max_length=100)
    office_name = models.CharField("办公室名称", max_length=100, default="领导小组办公室")
    established_on = models.DateField("成立日期", null=True, blank=True)

    class Meta:
        verbose_name = "领导小组"

    def __str__(self) -> str:
        return self.name


class GroupMembership(models.Model):
    group = models.ForeignKey(
        LeadingGroup, verbose_name="领导小组", on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="成员", on_delete=models.PROTECT, related_name="+"
    )
    group_role = models.CharField("小组职务", max_length=32, choices=GroupRole.choices)
    title = models.CharField("本职", max_length=100, blank=True, help_text="如：镇党委书记")
    sort_order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "领导小组成员"
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["group", "user"], name="one_membership_per_group"),
        ]

    def __str__(self) -> str:
        return f"{self.group} · {self.get_group_role_display()}"

    @property
    def is_office(self) -> bool:
        return self.group_role in (GroupRole.OFFICE_DIRECTOR, GroupRole.OFFICE_MEMBER)


class UserQuerySet(models.QuerySet["User"]):
    def in_units(self, units: models.QuerySet[Unit]) -> "UserQuerySet":
        return self.filter(unit__in=units)

    def case_workers(self) -> "UserQuerySet":
        """People who may handle, attend or answer for case work: not the 三员, not the custodian."""
        return self.exclude(role_grants__role__in=[str(role) for role in DEDICATED_ROLES])


class UserManager(DjangoUserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    pass


class User(AbstractUser):
    """A person with an account. Every account belongs to exactly one unit."""

    real_name = models.CharField("姓名", max_length=50)
    position = models.CharField("职务", max_length=100, blank=True)
    phone = models.CharField("手机号", max_length=20, blank=True)
    unit = models.ForeignKey(
        Unit, verbose_name="所在单位", null=True, on_delete=models.PROTECT, related_name="members"
    )
    must_change_password = models.BooleanField("下次登录须修改密码", default=True)
    password_changed_at = models.DateTimeField("密码修改时间", null=True, blank=True)
    failed_login_count = models.PositiveSmallIntegerField("连续登录失败次数", default=0)
    locked_until = models.DateTimeField("锁定至", null=True, blank=True)
    # Set while the password is a one-time password someone else handed over; a sign-in after
    # this moment is refused, and the first sign-in moves it to that moment (single use).
    one_time_password_expires_at = models.DateTimeField("一次性密码有效期至", null=True, blank=True)

    objects = UserManager()  # type: ignore[misc]

    class Meta:
        verbose_name = "用户"
        ordering = ["unit__path", "username"]

    def __str__(self) -> str:
        return f"{self.real_name}（{self.username}）" if self.real_name else self.username

    @cached_property
    def granted_roles(self) -> frozenset[str]:
        # Uses a prefetched `role_grants` when the list page loaded one.
        return frozenset(grant.role for grant in self.role_grants.all())

    def has_role(self, role: Role) -> bool:
        return role in self.granted_roles

    def has_any_role(self, roles: Iterable[Role]) -> bool:
        return not self.granted_roles.isdisjoint(roles)

    @property
    def is_case_worker(self) -> bool:
        """The 三员 and the custodian hold dedicated accounts and never work cases."""
        return not self.has_any_role(DEDICATED_ROLES)

    @property
    def role_labels(self) -> list[str]:
        return [Role(role).label for role in Role.values if role in self.granted_roles]


class RoleGrant(models.Model):
    """A role held by a user over a unit's subtree (the unit defaults to the user's own)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField("角色", max_length=32, choices=Role.choices)
    unit = models.ForeignKey(
        Unit, verbose_name="作用单位", on_delete=models.PROTECT, related_name="+"
    )
    granted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "角色授权"
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="one_grant_per_role")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"
