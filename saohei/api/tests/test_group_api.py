"""/api/v1/group: the 领导小组 roster as the page shows it, and its members kept by the group's
office through the page's services (issue 15, decision 0068 addendum)."""

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from saohei.api.tests.test_leads_api import Api, _error
from saohei.audit.models import AuditAction, AuditEvent
from saohei.organisations.models import GroupMembership, GroupRole, LeadingGroup, Unit, User
from saohei.organisations.queries import list_group_candidates

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(demo_history: Unit) -> Callable[[str | None], Api]:
    return Api


@pytest.fixture
def group(demo_history: Unit) -> LeadingGroup:
    return LeadingGroup.objects.get(unit=demo_history)


def test_every_account_of_the_town_reads_the_pages_roster(
    api: Callable[..., Api], group: LeadingGroup, client_as: Callable[[str], Client]
) -> None:
    for username in ("banshi", "cun01", "minjing"):
        shown = api(username).get("/group")
        assert shown.status_code == 200, shown.content.decode()
        body = shown.json()
        assert body["group"]["unit"]["id"] == group.unit_id and body["groups"] == []
        names = [member["real_name"] for member in body["group"]["members"]]
        assert names == [
            row.user.real_name for row in group.memberships.order_by("sort_order", "id")
        ]
        page = client_as(username).get(reverse("organisations:group"))
        assert page.status_code == 200
        assert all(name in page.content.decode() for name in names)
        assert body["group"]["can_edit"] == (username == "banshi")
        assert bool(body["group"]["candidates"]) == (username == "banshi")


def test_an_upper_office_picks_among_the_groups_it_oversees(
    api: Callable[..., Api], group: LeadingGroup
) -> None:
    body = api("shiban").get("/group").json()
    assert body["group"] is None
    assert group.unit_id in [row["id"] for row in body["groups"]]
    chosen = api("shiban").get("/group", {"unit_id": group.unit_id})
    assert chosen.status_code == 200 and not chosen.json()["group"]["can_edit"]


def test_another_towns_group_is_not_found(api: Callable[..., Api], group: LeadingGroup) -> None:
    _error(api("banshi2").get("/group", {"unit_id": group.unit_id}), 404)
    _error(api("cun2").get("/group", {"unit_id": group.unit_id}), 404)
    _error(api("banshi").get("/group", {"unit_id": 999999}), 404)
    _error(api(None).get("/group"), 401)


def test_the_office_adds_and_removes_a_member(api: Callable[..., Api], group: LeadingGroup) -> None:
    candidate = list_group_candidates(group=group).first()
    assert candidate is not None
    body = {"user_id": candidate.pk, "group_role": GroupRole.MEMBER, "title": "成员单位负责人"}

    added = api("banshi").post("/group/members", body)

    assert added.status_code == 201, added.content.decode()
    membership = GroupMembership.objects.get(group=group, user=candidate)
    assert membership.title == "成员单位负责人"
    assert candidate.pk in [row["user_id"] for row in added.json()["members"]]
    again = _error(api("banshi").post("/group/members", body), 400)
    assert "user_id" in again["fields"]

    removed = api("banshi").post(f"/group/members/{membership.pk}/remove")

    assert removed.status_code == 200, removed.content.decode()
    assert not GroupMembership.objects.filter(pk=membership.pk).exists()
    assert AuditEvent.objects.filter(action=AuditAction.GROUP_MEMBER_REMOVED).exists()


def test_a_person_of_another_town_is_not_a_candidate(
    api: Callable[..., Api], group: LeadingGroup
) -> None:
    outsider = User.objects.get(username="minjing2")
    refused = api("banshi").post(
        "/group/members", {"user_id": outsider.pk, "group_role": GroupRole.MEMBER}
    )
    assert "user_id" in _error(refused, 400)["fields"]
    assert not GroupMembership.objects.filter(user=outsider, group=group).exists()


def test_only_the_groups_office_changes_it(api: Callable[..., Api], group: LeadingGroup) -> None:
    membership = group.memberships.order_by("-id").first()
    assert membership is not None
    candidate = list_group_candidates(group=group).first()
    assert candidate is not None
    body = {"user_id": candidate.pk, "group_role": GroupRole.MEMBER}
    for username in ("cun01", "minjing"):
        _error(api(username).post("/group/members", body), 403)
        _error(api(username).post(f"/group/members/{membership.pk}/remove"), 403)
    # The city's supervisor has no group of its own to keep, as on the page.
    _error(api("shiban").post("/group/members", body), 404)
    # The other town's office keeps its own group only: this one's member is not found.
    _error(api("banshi2").post(f"/group/members/{membership.pk}/remove"), 404)
    _error(api(None).post("/group/members", body), 401)
    assert GroupMembership.objects.filter(pk=membership.pk).exists()
    assert not GroupMembership.objects.filter(group=group, user=candidate).exists()
