from collections.abc import Callable

import pytest
from django.utils import timezone

from saohei.audit.models import AuditAction, AuditEvent
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.common.roles import Role
from saohei.organisations import services
from saohei.organisations.access import content_units, scoped_to_content
from saohei.organisations.models import (
    GroupMembership,
    GroupRole,
    LeadingGroup,
    RoleGrant,
    Unit,
    UnitKind,
    User,
)

pytestmark = pytest.mark.django_db
UserGetter = Callable[[str], User]


def _town() -> Unit:
    return Unit.objects.get(name="港西镇")


class TestUnits:
    def test_system_admin_creates_a_village_under_the_town(self, user: UserGetter) -> None:
        unit = services.create_unit(
            actor=user("xitong"),
            data=services.UnitInput(
                name="新港村",
                kind=UnitKind.VILLAGE,
                parent=_town(),
            ),
        )
        assert unit.path == f"{_town().path}{unit.pk}/"
        event = AuditEvent.objects.get(action=AuditAction.UNIT_CREATED)
        assert event.target_id == str(unit.pk)

    def test_kind_must_fit_under_the_parent(self, user: UserGetter) -> None:
        village = Unit.objects.get(name="港西村")
        with pytest.raises(ServiceError, match="村下不能设立"):
            services.create_unit(
                actor=user("xitong"),
                data=services.UnitInput(
                    name="X",
                    kind=UnitKind.VILLAGE,
                    parent=village,
                ),
            )
        assert not Unit.objects.filter(name="X").exists()
        assert not AuditEvent.objects.filter(action=AuditAction.UNIT_CREATED).exists()

    def test_duplicate_name_under_one_parent_is_refused(self, user: UserGetter) -> None:
        with pytest.raises(ServiceError, match="同名"):
            services.create_unit(
                actor=user("xitong"),
                data=services.UnitInput(
                    name="港西村",
                    kind=UnitKind.VILLAGE,
                    parent=_town(),
                ),
            )

    def test_security_admin_cannot_create_units(self, user: UserGetter) -> None:
        with pytest.raises(ActionNotAllowed):
            services.create_unit(
                actor=user("anquan"),
                data=services.UnitInput(
                    name="Y",
                    kind=UnitKind.VILLAGE,
                    parent=_town(),
                ),
            )

    def test_unit_with_active_accounts_cannot_be_deactivated(self, user: UserGetter) -> None:
        village = Unit.objects.get(name="港西村")
        with pytest.raises(ServiceError, match="启用的账号"):
            services.update_unit(
                actor=user("xitong"),
                unit=village,
                data=services.UnitEditInput(
                    name=village.name,
                    code="",
                    sort_order=1,
                    is_active=False,
                ),
            )


class TestAccounts:
    def test_new_account_gets_a_one_time_password_it_must_change(self, user: UserGetter) -> None:
        issued = services.create_account(
            actor=user("xitong"),
            data=services.AccountInput(
                username="wangwu",
                real_name="王五",
                unit=_town(),
            ),
        )
        account = issued.user
        assert account.must_change_password
        assert account.check_password(issued.one_time_password)
        assert len(issued.one_time_password) == 16
        assert account.one_time_password_expires_at == issued.expires_at
        assert issued.expires_at > timezone.now()
        assert AuditEvent.objects.filter(
            action=AuditAction.ACCOUNT_CREATED, target_id=str(account.pk)
        ).exists()
        assert issued.one_time_password not in str(
            list(AuditEvent.objects.values_list("details", flat=True))
        )

    def test_two_new_accounts_never_share_a_password(self, user: UserGetter) -> None:
        first = services.create_account(
            actor=user("xitong"),
            data=services.AccountInput(
                username="wangwu",
                real_name="王五",
                unit=_town(),
            ),
        )
        second = services.create_account(
            actor=user("xitong"),
            data=services.AccountInput(
                username="zhaoliu",
                real_name="赵六",
                unit=_town(),
            ),
        )
        assert first.one_time_password != second.one_time_password

    def test_username_is_unique_ignoring_case(self, user: UserGetter) -> None:
        with pytest.raises(ServiceError, match="已被使用"):
            services.create_account(
                actor=user("xitong"),
                data=services.AccountInput(
                    username="BANSHI",
                    real_name="x",
                    unit=_town(),
                ),
            )

    def test_admin_cannot_deactivate_itself(self, user: UserGetter) -> None:
        with pytest.raises(ServiceError):
            services.set_account_active(actor=user("xitong"), user=user("xitong"), is_active=False)

    def test_update_audits_field_names_not_values(self, user: UserGetter) -> None:
        banshi = user("banshi")
        services.update_account(
            actor=user("xitong"),
            user=banshi,
            data=services.AccountEditInput(
                real_name=banshi.real_name,
                position="主任",
                phone="13912345678",
                unit=_town(),
            ),
        )
        event = AuditEvent.objects.get(action=AuditAction.ACCOUNT_UPDATED)
        assert event.details == {"changed": ["position", "phone"]}
        assert "13912345678" not in str(event.details)


class TestRoles:
    def test_security_admin_grants_and_revokes(self, user: UserGetter) -> None:
        services.grant_role(actor=user("anquan"), user=user("banshi"), role=Role.DEPUTY_LEADER)
        assert user("banshi").has_role(Role.DEPUTY_LEADER)
        services.revoke_role(actor=user("anquan"), user=user("banshi"), role=Role.DEPUTY_LEADER)
        assert not user("banshi").has_role(Role.DEPUTY_LEADER)
        actions = list(AuditEvent.objects.order_by("sequence").values_list("action", flat=True))
        assert actions[-2:] == [AuditAction.ROLE_GRANTED, AuditAction.ROLE_REVOKED]

    def test_system_admin_cannot_grant_roles(self, user: UserGetter) -> None:
        with pytest.raises(ActionNotAllowed):
            services.grant_role(actor=user("xitong"), user=user("banshi"), role=Role.LEADER)

    @pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.AUDIT_ADMIN, Role.SECURITY_ADMIN])
    def test_three_admin_roles_cannot_be_combined_with_any_other(
        self, user: UserGetter, role: Role
    ) -> None:
        with pytest.raises(ServiceError, match="专用账号"):
            services.grant_role(actor=user("anquan"), user=user("banshi"), role=role)

    @pytest.mark.parametrize(
        ("holder", "role"), [("xitong", Role.AUDIT_ADMIN), ("shenji", Role.OFFICE_STAFF)]
    )
    def test_three_admin_account_cannot_take_another_role(
        self, user: UserGetter, holder: str, role: Role
    ) -> None:
        with pytest.raises(ServiceError):
            services.grant_role(actor=user("anquan"), user=user(holder), role=role)
        assert RoleGrant.objects.filter(user=user(holder)).count() == 1

    def test_security_admin_cannot_grant_itself(self, user: UserGetter) -> None:
        with pytest.raises(ActionNotAllowed):
            services.grant_role(actor=user("anquan"), user=user("anquan"), role=Role.LEADER)

    def test_three_admins_see_no_content_units(self, user: UserGetter) -> None:
        for username in ("xitong", "anquan", "shenji"):
            assert not content_units(user(username)).exists()


class TestScope:
    def test_village_head_sees_only_own_village(self, user: UserGetter) -> None:
        head = user("cun01")
        assert list(content_units(head)) == [head.unit]

    def test_town_staff_see_town_and_everything_below(self, user: UserGetter) -> None:
        units = content_units(user("banshi"))
        assert units.filter(name="港西村").exists()
        assert units.filter(name="港西派出所").exists()
        assert not units.filter(name="荣成市扫黑办").exists()

    def test_supervisor_sees_the_whole_subtree(self, user: UserGetter) -> None:
        assert content_units(user("shiban")).count() == Unit.objects.count()

    def test_police_instructor_as_deputy_leader_sees_the_town(self, user: UserGetter) -> None:
        assert content_units(user("jiaodaoyuan")).filter(name="港西村").exists()

    def test_scoped_queryset_filters_records_by_unit(self, user: UserGetter) -> None:
        people = scoped_to_content(User.objects.all(), user("cun01"))
        assert set(people.values_list("username", flat=True)) == {"cun01"}


class TestLeadingGroup:
    def test_demo_group_matches_the_seed(self, demo: None) -> None:
        group = LeadingGroup.objects.get(unit__name="港西镇")
        leaders = set(
            group.memberships.filter(group_role=GroupRole.LEADER).values_list("title", flat=True)
        )
        deputies = set(
            group.memberships.filter(group_role=GroupRole.DEPUTY_LEADER).values_list(
                "title", flat=True
            )
        )
        assert leaders == {"镇党委书记", "镇长"}
        assert deputies == {"镇党委副书记", "派出所教导员"}

    def test_office_staff_adds_and_removes_members(self, user: UserGetter) -> None:
        group = LeadingGroup.objects.get(unit__name="港西镇")
        membership = services.add_group_member(
            actor=user("banshi"),
            group=group,
            user=user("minjing"),
            group_role=GroupRole.OFFICE_MEMBER,
        )
        assert membership.title == user("minjing").position
        services.remove_group_member(actor=user("banshi"), membership=membership)
        assert not GroupMembership.objects.filter(pk=membership.pk).exists()

    def test_village_head_cannot_edit_the_group(self, user: UserGetter) -> None:
        group = LeadingGroup.objects.get(unit__name="港西镇")
        with pytest.raises(ActionNotAllowed):
            services.add_group_member(
                actor=user("cun01"), group=group, user=user("cun01"), group_role=GroupRole.MEMBER
            )

    @pytest.mark.parametrize("username", ["xitong", "anquan", "shenji", "baoguan"])
    def test_administrators_and_the_custodian_never_join_the_group(
        self, user: UserGetter, username: str
    ) -> None:
        from saohei.organisations.queries import list_group_candidates

        group = LeadingGroup.objects.get(unit__name="港西镇")
        dedicated = user(username)
        assert dedicated not in list_group_candidates(group=group)
        with pytest.raises(ServiceError, match="不参与办案"):
            services.add_group_member(
                actor=user("banshi"), group=group, user=dedicated, group_role=GroupRole.MEMBER
            )
        assert not GroupMembership.objects.filter(user=dedicated).exists()

    def test_person_already_in_group_is_refused(self, user: UserGetter) -> None:
        group = LeadingGroup.objects.get(unit__name="港西镇")
        with pytest.raises(ServiceError, match="已在"):
            services.add_group_member(
                actor=user("banshi"), group=group, user=user("shuji"), group_role=GroupRole.MEMBER
            )


class TestCustodianIsADedicatedAccount:
    def test_custodian_role_cannot_be_given_to_a_case_worker(self, user: UserGetter) -> None:
        with pytest.raises(ServiceError, match="专用账号"):
            services.grant_role(
                actor=user("anquan"), user=user("banshi"), role=Role.IDENTITY_CUSTODIAN
            )
        assert not user("banshi").has_role(Role.IDENTITY_CUSTODIAN)
        assert not AuditEvent.objects.filter(action=AuditAction.ROLE_GRANTED).exists()

    @pytest.mark.parametrize(
        "role", [Role.OFFICE_STAFF, Role.LEADER, Role.DEPUTY_LEADER, Role.POLICE_OFFICER]
    )
    def test_custodian_cannot_take_a_case_or_leadership_role(
        self, user: UserGetter, role: Role
    ) -> None:
        with pytest.raises(ServiceError, match="举报信息保管员专用账号"):
            services.grant_role(actor=user("anquan"), user=user("baoguan"), role=role)
        assert RoleGrant.objects.filter(user=user("baoguan")).count() == 1

    def test_custodian_goes_to_an_account_without_roles(self, user: UserGetter) -> None:
        issued = services.create_account(
            actor=user("xitong"),
            data=services.AccountInput(
                username="baoguan2",
                real_name="新保管员",
                unit=_town(),
            ),
        )
        services.grant_role(actor=user("anquan"), user=issued.user, role=Role.IDENTITY_CUSTODIAN)
        assert issued.user.has_role(Role.IDENTITY_CUSTODIAN)


class TestConflictReport:
    def _sneak_in_a_conflict(self, user: UserGetter) -> None:
        # A grant from before the rule, written around the service.
        RoleGrant.objects.create(user=user("banshi"), role=Role.IDENTITY_CUSTODIAN, unit=_town())

    def test_check_command_lists_existing_conflicts_and_fails(self, user: UserGetter) -> None:
        import io

        from django.core.management import call_command
        from django.core.management.base import CommandError

        out = io.StringIO()
        call_command("check_role_conflicts", stdout=out)
        assert "没有" in out.getvalue()
        self._sneak_in_a_conflict(user)
        out = io.StringIO()
        with pytest.raises(CommandError, match="1 个账号"):
            call_command("check_role_conflicts", stdout=out)
        assert "李晓静" in out.getvalue() and "举报信息保管员" in out.getvalue()

    def test_manage_py_check_warns_about_conflicts(self, user: UserGetter) -> None:
        from saohei.organisations.checks import check_dedicated_role_conflicts

        assert check_dedicated_role_conflicts() == []
        self._sneak_in_a_conflict(user)
        warnings = check_dedicated_role_conflicts()
        assert [w.id for w in warnings] == ["organisations.W001"]
        assert "扫黑办工作人员" in warnings[0].msg
