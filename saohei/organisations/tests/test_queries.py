"""The one definition of the town's office and of "who holds role R on unit U", on the demo town:
these pin who counts, so a changed definition shows here before it shows in every context."""

from collections.abc import Iterable

import pytest
from django.contrib.auth.models import AnonymousUser

from saohei.common.roles import Role
from saohei.organisations.models import Unit, User
from saohei.organisations.queries import (
    OFFICE_ROLES,
    is_office_member,
    is_office_member_anywhere,
    list_office_towns,
    units_above,
    users_holding,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def town(demo: None) -> Unit:
    return Unit.objects.get(name="港西镇")


def usernames(people: Iterable[User]) -> set[str]:
    return {person.username for person in people}


def test_office_roles_are_the_leaders_and_the_office_staff() -> None:
    assert {Role.LEADER, Role.DEPUTY_LEADER, Role.OFFICE_STAFF} == OFFICE_ROLES


def test_the_towns_leaders_and_clerk_are_office_members_of_the_town_and_its_villages(
    town: Unit,
) -> None:
    village = Unit.objects.get(name="东岛村")
    members = {"shuji", "zhenzhang", "fushuji", "jiaodaoyuan", "banshi"}

    for unit in (town, village):
        office = {user.username for user in User.objects.all() if is_office_member(user, unit)}
        assert office == members


def test_village_head_police_supervisor_and_three_admins_are_not_office_members(
    town: Unit,
) -> None:
    for username in ("cun01", "minjing", "suozhang", "shiban", "baoguan", "xitong", "anquan"):
        user = User.objects.get(username=username)
        assert not is_office_member(user, town)
        assert not is_office_member_anywhere(user)


def test_a_village_head_is_not_office_member_of_their_own_village_nor_another(demo: None) -> None:
    head = User.objects.get(username="cun01")
    own_village = Unit.objects.get(name="港西村")
    other_village = Unit.objects.get(name="东岛村")

    assert not is_office_member(head, own_village)
    assert not is_office_member(head, other_village)


def test_the_towns_office_is_not_office_member_of_the_city_above_it(town: Unit) -> None:
    clerk = User.objects.get(username="banshi")
    city = Unit.objects.get(name="荣成市扫黑办")

    assert is_office_member(clerk, town)
    assert not is_office_member(clerk, city)


def test_anonymous_visitor_is_no_office_member(town: Unit) -> None:
    # Views may ask before login is enforced; the answer is no, not an AttributeError.
    assert not is_office_member(AnonymousUser(), town)  # type: ignore[arg-type]
    assert not is_office_member_anywhere(AnonymousUser())  # type: ignore[arg-type]


def test_office_towns_are_the_town_only(town: Unit) -> None:
    assert list_office_towns(User.objects.get(username="banshi")) == [town]
    assert list_office_towns(User.objects.get(username="cun01")) == []


def test_users_holding_a_role_on_the_town(town: Unit) -> None:
    assert usernames(users_holding(Role.LEADER, on=town)) == {"shuji", "zhenzhang"}
    assert usernames(users_holding({Role.LEADER, Role.DEPUTY_LEADER}, on=town)) == {
        "shuji",
        "zhenzhang",
        "fushuji",
        "jiaodaoyuan",
    }
    assert usernames(users_holding(Role.OFFICE_STAFF, on=town)) == {"banshi"}


def test_users_holding_matches_role_and_unit_on_the_same_grant(town: Unit) -> None:
    # 教导员 is deputy leader on the town and police officer on the station: not police on the town.
    police = Unit.objects.get(name="港西派出所")

    assert "jiaodaoyuan" not in usernames(users_holding(Role.POLICE_OFFICER, on=town))
    assert usernames(users_holding(Role.POLICE_OFFICER, on=police)) == {
        "jiaodaoyuan",
        "suozhang",
        "minjing",
    }


def test_the_village_head_is_held_on_their_village_only(demo: None) -> None:
    own_village = Unit.objects.get(name="港西村")
    other_village = Unit.objects.get(name="东岛村")

    assert usernames(users_holding(Role.VILLAGE_HEAD, on=own_village)) == {"cun01"}
    assert "cun01" not in usernames(users_holding(Role.VILLAGE_HEAD, on=other_village))


def test_users_holding_on_the_villages_of_a_town(town: Unit) -> None:
    heads = users_holding(Role.VILLAGE_HEAD, on=Unit.objects.filter(parent=town))

    assert heads.count() == 21
    assert usernames(heads) == {f"cun{number:02d}" for number in range(1, 22)}


def test_users_holding_leaves_out_inactive_accounts_unless_asked(town: Unit) -> None:
    User.objects.filter(username="zhenzhang").update(is_active=False)

    assert usernames(users_holding(Role.LEADER, on=town)) == {"shuji"}
    assert usernames(users_holding(Role.LEADER, on=town, include_inactive=True)) == {
        "shuji",
        "zhenzhang",
    }


def test_a_person_holding_two_of_the_roles_is_listed_once(town: Unit) -> None:
    leader = User.objects.get(username="shuji")
    leader.role_grants.create(role=Role.DEPUTY_LEADER, unit=town)

    leaders = list(users_holding({Role.LEADER, Role.DEPUTY_LEADER}, on=town))

    assert [person.username for person in leaders].count("shuji") == 1


def test_grants_on_the_city_cover_the_town_through_units_above(town: Unit) -> None:
    village = Unit.objects.get(name="东岛村")

    assert usernames(users_holding(Role.SUPERVISOR, on=units_above(village))) == {"shiban"}
    assert usernames(users_holding(Role.OFFICE_STAFF, on=units_above(village))) == {"banshi"}
    assert usernames(users_holding(Role.SUPERVISOR, on=town)) == set()
