import re
from collections.abc import Callable

import lxml.html
import pytest
from django.test import Client

from saohei.audit.models import AuditAction, AuditEvent
from saohei.organisations.models import GroupMembership, Unit, User
from saohei.testing.forms import refused_field

pytestmark = pytest.mark.django_db


def _town() -> Unit:
    return Unit.objects.get(name="港西镇")


def test_system_admin_creates_a_unit_through_the_form(client_as: Callable[[str], Client]) -> None:
    response = client_as("xitong").post(
        "/org/units/new/",
        {"name": "新港村", "kind": "village", "parent": _town().pk, "code": "", "sort_order": 1},
    )
    assert response.status_code == 302
    assert Unit.objects.filter(name="新港村", parent=_town()).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "kind": "village", "sort_order": 0}, "必填"),
        ({"name": "X村", "kind": "planet", "sort_order": 0}, "有效的选项"),
        ({"name": "X村", "kind": "village", "sort_order": -5}, "大于或等于0"),
        ({"name": "X村", "kind": "village", "sort_order": 0, "code": "gx!"}, "大写字母和数字"),
        ({"name": "港西村", "kind": "village", "sort_order": 0}, "同名"),
        ({"name": "X村", "kind": "town", "sort_order": 0}, "下不能设立"),
    ],
)
def test_bad_unit_input_is_shown_beside_the_field_and_nothing_written(
    client_as: Callable[[str], Client], data: dict[str, object], message: str
) -> None:
    client = client_as("xitong")
    before = (Unit.objects.count(), AuditEvent.objects.count())
    response = client.post("/org/units/new/", {"parent": _town().pk, **data})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert (Unit.objects.count(), AuditEvent.objects.count()) == before


def test_parent_outside_scope_is_not_offered(client_as: Callable[[str], Client]) -> None:
    city = Unit.objects.get(name="荣成市扫黑办")
    response = client_as("xitong").post(
        "/org/units/new/", {"name": "新镇", "kind": "town", "parent": city.pk, "sort_order": 0}
    )
    assert response.status_code == 200
    assert not Unit.objects.filter(name="新镇").exists()


def test_account_creation_with_bad_input_writes_nothing(client_as: Callable[[str], Client]) -> None:
    client = client_as("xitong")
    before = User.objects.count()
    response = client.post(
        "/org/accounts/new/",
        {
            "username": "1bad name",
            "real_name": "",
            "phone": "12345",
            "unit": _town().pk,
            "initial_password": "short",
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "用户名须以字母开头" in body
    assert "11位手机号" in body
    assert User.objects.count() == before


def test_account_creation_offers_no_password_field(client_as: Callable[[str], Client]) -> None:
    page = client_as("xitong").get("/org/accounts/new/").content.decode()
    assert 'type="password"' not in page
    assert "initial_password" not in page


def test_account_created_through_the_form_shows_its_one_time_password_once(
    client_as: Callable[[str], Client],
) -> None:
    client = client_as("xitong")
    response = client.post(
        "/org/accounts/new/",
        {
            "username": "wangwu",
            "real_name": "王五",
            "phone": "13912345678",
            "unit": _town().pk,
            # Ignored: the administrator never chooses the password.
            "initial_password": "Init#Pass2026",
        },
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    account = User.objects.get(username="wangwu")
    assert account.must_change_password
    assert not account.check_password("Init#Pass2026")
    shown = re.search(r'id="one-time-password">([^<]+)<', response.content.decode())
    assert shown is not None and account.check_password(shown.group(1))
    detail = client.get(f"/org/accounts/{account.pk}/").content.decode()
    assert shown.group(1) not in detail


def test_security_admin_grants_a_role_through_the_form(client_as: Callable[[str], Client]) -> None:
    account = User.objects.get(username="minjing")
    client = client_as("anquan")
    client.post(f"/org/accounts/{account.pk}/roles/grant/", {"role": "office_staff"})
    assert account.role_grants.filter(role="office_staff").exists()
    response = client.post(
        f"/org/accounts/{account.pk}/roles/grant/", {"role": "audit_admin"}, follow=True
    )
    assert "专用账号" in response.content.decode()
    response = client.post(
        f"/org/accounts/{account.pk}/roles/grant/", {"role": "emperor"}, follow=True
    )
    assert "有效的选项" in response.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.ROLE_GRANTED).count() == 1


def test_group_page_shows_the_leading_group(client_as: Callable[[str], Client]) -> None:
    page = client_as("cun05").get("/org/group/").content.decode()
    assert "港西镇扫黑除恶专项斗争领导小组" in page
    assert "镇党委书记" in page
    assert "派出所教导员" in page
    assert "增加成员" not in page


def test_supervisor_picks_a_group_to_view(client_as: Callable[[str], Client]) -> None:
    client = client_as("shiban")
    choice = client.get("/org/group/").content.decode()
    assert "港西镇扫黑除恶专项斗争领导小组" in choice
    assert client.get("/org/group/", {"unit": _town().pk}).status_code == 200
    assert client.get("/org/group/", {"unit": "abc"}).status_code == 404


def test_office_staff_adds_a_member_through_the_form(client_as: Callable[[str], Client]) -> None:
    minjing = User.objects.get(username="minjing")
    client = client_as("banshi")
    client.post("/org/group/members/add/", {"user": minjing.pk, "group_role": "member"})
    assert GroupMembership.objects.filter(user=minjing).exists()
    response = client.post(
        "/org/group/members/add/", {"user": 999999, "group_role": "member"}, follow=True
    )
    assert "有效的选项" in response.content.decode()


def test_refused_role_grant_keeps_the_choice_beside_its_error(
    client_as: Callable[[str], Client],
) -> None:
    account = User.objects.get(username="minjing")
    client = client_as("anquan")
    before = (account.role_grants.count(), AuditEvent.objects.count())
    response = client.post(
        f"/org/accounts/{account.pk}/roles/grant/", {"role": "audit_admin", "unit": _town().pk}
    )
    assert response.status_code == 400
    role, error = refused_field(response, "id_role")
    assert role.xpath(".//option[@selected]")[0].get("value") == "audit_admin"
    assert "专用账号" in error
    unit = lxml.html.fromstring(response.content.decode()).get_element_by_id("id_unit")
    assert unit.xpath(".//option[@selected]")[0].get("value") == str(_town().pk)
    assert (account.role_grants.count(), AuditEvent.objects.count()) == before


def test_refused_group_member_keeps_what_was_typed_beside_the_error(
    client_as: Callable[[str], Client],
) -> None:
    client = client_as("banshi")
    minjing = User.objects.get(username="minjing")
    before = (GroupMembership.objects.count(), AuditEvent.objects.count())
    response = client.post(
        "/org/group/members/add/",
        {"user": minjing.pk, "group_role": "emperor", "title": "派出所副所长"},
    )
    assert response.status_code == 400
    _, error = refused_field(response, "id_group_role")
    assert "有效的选项" in error
    page = lxml.html.fromstring(response.content.decode())
    person = page.get_element_by_id("id_user")
    assert person.xpath(".//option[@selected]")[0].get("value") == str(minjing.pk)
    assert page.get_element_by_id("id_title").get("value") == "派出所副所长"
    assert (GroupMembership.objects.count(), AuditEvent.objects.count()) == before
