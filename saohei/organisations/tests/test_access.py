"""Every page of this context for every kind of user: right role, wrong role, other unit, anonymous."""

from collections.abc import Callable

import pytest
from django.test import Client

from saohei.organisations.models import Unit, User

pytestmark = pytest.mark.django_db

EVERYONE = {
    "banshi",
    "cun01",
    "shuji",
    "minjing",
    "shiban",
    "baoguan",
    "xitong",
    "anquan",
    "shenji",
}

# path template → who may open it; {village} and {account} are filled per test.
PAGES: dict[str, set[str]] = {
    "/": EVERYONE,
    "/org/group/": EVERYONE,
    "/org/units/": {"xitong"},
    "/org/units/new/": {"xitong"},
    "/org/units/{village}/edit/": {"xitong"},
    "/org/accounts/": {"xitong", "anquan"},
    "/org/accounts/new/": {"xitong"},
    "/org/accounts/{account}/": {"xitong", "anquan"},
    "/org/accounts/{account}/edit/": {"xitong"},
    "/accounts/security/policy/": {"anquan"},
    "/accounts/security/sessions/": {"anquan"},
    "/accounts/security/logins/": {"anquan"},
    "/audit/": {"shenji"},
    "/audit/chain/": {"shenji"},
    "/audit/export/": {"shenji"},
    "/api-tokens/": EVERYONE,
}


def _fill(path: str) -> str:
    village = Unit.objects.get(name="港西村")
    account = User.objects.get(username="cun01")
    return path.format(village=village.pk, account=account.pk)


@pytest.mark.parametrize("username", sorted(EVERYONE))
def test_each_role_reaches_exactly_its_pages(
    username: str, client_as: Callable[[str], Client]
) -> None:
    client = client_as(username)
    for template, allowed in PAGES.items():
        response = client.get(_fill(template))
        expected = 200 if username in allowed else 403
        assert response.status_code == expected, f"{username} {template}: {response.status_code}"


@pytest.mark.parametrize("template", list(PAGES))
def test_anonymous_visitor_is_sent_to_login(template: str, demo: None) -> None:
    response = Client().get(_fill(template))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("username", "template"),
    [
        ("xitong2", "/org/units/{village}/edit/"),
        ("xitong2", "/org/accounts/{account}/"),
        ("xitong2", "/org/accounts/{account}/edit/"),
        ("anquan2", "/org/accounts/{account}/"),
        ("banshi2", "/org/group/"),
    ],
)
def test_administrators_of_another_town_cannot_reach_this_towns_records(
    username: str, template: str, other_town: Unit
) -> None:
    from saohei.conftest import sign_in

    client = sign_in(Client(), username)
    assert client.get(_fill(template)).status_code == 404


def test_other_towns_lists_do_not_show_this_towns_people(other_town: Unit) -> None:
    from saohei.conftest import sign_in

    client = sign_in(Client(), "xitong2")
    page = client.get("/org/accounts/").content.decode()
    assert "banshi2" in page
    assert "cun01" not in page
    units = client.get("/org/units/").content.decode()
    assert "滨海村" in units
    assert "港西村" not in units


@pytest.mark.parametrize(
    ("username", "path", "data"),
    [
        ("banshi", "/org/units/new/", {"name": "新村", "kind": "village", "parent": "{town}"}),
        ("anquan", "/org/units/new/", {"name": "新村", "kind": "village", "parent": "{town}"}),
        ("xitong", "/org/accounts/{account}/roles/grant/", {"role": "office_staff"}),
        ("shenji", "/org/accounts/{account}/roles/grant/", {"role": "office_staff"}),
        ("banshi", "/org/accounts/new/", {"username": "abc"}),
        ("anquan", "/accounts/security/accounts/{account}/reset-password/", {"reason": "忘记密码"}),
        ("cun01", "/org/group/members/add/", {"user": "{account}", "group_role": "member"}),
    ],
)
def test_wrong_role_cannot_post_changes(
    username: str, path: str, data: dict[str, str], client_as: Callable[[str], Client]
) -> None:
    from saohei.audit.models import AuditEvent

    town = Unit.objects.get(name="港西镇")
    account = User.objects.get(username="cun01")
    filled = {k: v.format(town=town.pk, account=account.pk) for k, v in data.items()}
    client = client_as(username)
    before = AuditEvent.objects.count()
    response = client.post(path.format(town=town.pk, account=account.pk), filled)
    assert response.status_code == 403
    assert AuditEvent.objects.count() == before
    assert not Unit.objects.filter(name="新村").exists()
    assert not account.role_grants.filter(role="office_staff").exists()


@pytest.mark.parametrize(
    "path",
    [
        "/org/units/new/",
        "/org/accounts/1/roles/grant/",
        "/accounts/security/sessions/1/end/",
        "/org/group/members/add/",
    ],
)
def test_anonymous_posts_change_nothing(path: str, demo: None) -> None:
    response = Client().post(path, {"name": "x"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_unknown_ids_give_404_not_500(client_as: Callable[[str], Client]) -> None:
    client = client_as("xitong")
    assert client.get("/org/units/999999/edit/").status_code == 404
    assert client.get("/org/accounts/999999/").status_code == 404
    assert client.get("/org/accounts/abc/").status_code == 404
