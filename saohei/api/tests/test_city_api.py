"""/api/v1/city/assignments: the city's 市级交办 through the API, with the pages' access rules."""

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from saohei.api.models import TokenScope
from saohei.api.services import create_api_token
from saohei.audit.models import AuditAction, AuditEvent
from saohei.city_assignments import queries as city_queries
from saohei.city_assignments import services as city_services
from saohei.city_assignments.models import AssignedTown, CityAssignment, Verdict
from saohei.city_assignments.queries import WITHHELD
from saohei.city_assignments.tests import conftest as city_fixtures
from saohei.city_assignments.tests.conftest import conclude_and_feed_back
from saohei.leads.models import Lead, Status
from saohei.organisations.models import Unit, User

pytestmark = pytest.mark.django_db
# The city context's fixtures: 荣成, 港西镇, 柳林镇, another city, a second supervisor.
city = city_fixtures.city
town = city_fixtures.town
other_town = city_fixtures.other_town
other_city = city_fixtures.other_city
second_supervisor = city_fixtures.second_supervisor
assigned = city_fixtures.assigned
Assigned = Callable[..., CityAssignment]


class Api:
    """A client speaking JSON with one account's bearer token (or none)."""

    def __init__(self, username: str | None, scope: TokenScope = TokenScope.READ_WRITE) -> None:
        self.headers = {}
        if username is not None:
            user = User.objects.get(username=username)
            _, token = create_api_token(user=user, name="测试", scope=scope)
            self.headers = {"Authorization": f"Bearer {token}"}
        self.client = Client()

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.client.get(f"/api/v1/city{path}", params or {}, headers=self.headers)

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.client.post(
            f"/api/v1/city{path}",
            json.dumps(body or {}),
            content_type="application/json",
            headers=self.headers,
        )


def _body(*towns: Unit, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "town_ids": [town.pk for town in towns],
        "deadline": (timezone.localdate() + timedelta(days=15)).isoformat(),
        "instruction": "请认真核查，按期反馈",
        "summary": "反映某村有人以承包为名强占集体滩涂，威胁村民",
        "source": "upper_assigned",
    }
    body.update(overrides)
    return body


def _error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content.decode()
    error = response.json()["error"]
    assert set(error) == {"code", "message", "fields"} and error["message"]
    return error  # type: ignore[no-any-return]


def _written() -> tuple[int, int, int]:
    return CityAssignment.objects.count(), AssignedTown.objects.count(), Lead.objects.count()


def test_the_supervisor_assigns_lists_reads_accepts_and_returns(
    town: Unit, other_town: Unit
) -> None:
    api = Api("shiban")
    response = api.post("/assignments", _body(town, other_town, subject_name="王某"))
    assert response.status_code == 201, response.content.decode()
    created = response.json()
    assert created["number"].startswith("RC-JB-") and created["source_label"] == "上级交办"
    assert [row["town"] for row in created["town_rows"]] == ["港西镇", "柳林镇"]
    assert {row["progress"] for row in created["town_rows"]} == {"waiting"}
    assert AuditEvent.objects.filter(action=AuditAction.CITY_ASSIGNED).count() == 1

    listed = api.get("/assignments").json()
    assert [item["id"] for item in listed["items"]] == [created["id"]]
    assert listed["items"][0]["towns"] == 2 and listed["next_cursor"] == ""

    assignment = CityAssignment.objects.get(pk=created["id"])
    rows = {row.town_id: row for row in assignment.towns.select_related("lead")}
    conclude_and_feed_back(rows[town.pk].lead)
    conclude_and_feed_back(rows[other_town.pk].lead, content="柳林镇核查属实")
    detail = api.get(f"/assignments/{assignment.pk}").json()
    by_town = {row["town_id"]: row for row in detail["town_rows"]}
    assert by_town[town.pk]["progress"] == "submitted" and by_town[town.pk]["may_be_judged"]
    assert by_town[other_town.pk]["feedback"]["content"] == "柳林镇核查属实"

    accepted = api.post(f"/assignments/{assignment.pk}/towns/{rows[town.pk].pk}/accept")
    assert accepted.status_code == 200, accepted.content.decode()
    row = {row["town_id"]: row for row in accepted.json()["town_rows"]}[town.pk]
    assert row["progress"] == "accepted" and row["verdict"] == Verdict.ACCEPTED

    returned = api.post(
        f"/assignments/{assignment.pk}/towns/{rows[other_town.pk].pk}/return",
        {"reason": "未写明走访对象，请补充"},
    )
    assert returned.status_code == 200, returned.content.decode()
    row = {row["town_id"]: row for row in returned.json()["town_rows"]}[other_town.pk]
    assert row["progress"] == "returned" and row["return_reason"] == "未写明走访对象，请补充"
    rows[other_town.pk].lead.refresh_from_db()
    assert rows[other_town.pk].lead.status == Status.INVESTIGATING

    # Judged once: a second verdict on the same 反馈 is refused, nothing changes.
    again = api.post(f"/assignments/{assignment.pk}/towns/{rows[town.pk].pk}/accept")
    _error(again, 400)


def test_the_list_pages_by_cursor(assigned: Assigned, monkeypatch: pytest.MonkeyPatch) -> None:
    made = [assigned(number=f"SJ-{n}") for n in range(3)]
    api = Api("shiban")
    monkeypatch.setattr(city_queries, "PAGE_SIZE", 2)
    first = api.get("/assignments").json()
    second = api.get("/assignments", {"after": first["next_cursor"]}).json()
    ids = [item["id"] for item in first["items"] + second["items"]]
    assert ids == [assignment.pk for assignment in reversed(made)]
    assert first["next_cursor"] and not second["next_cursor"]


@pytest.mark.parametrize("username", ["banshi", "cun01", "minjing", "shuji"])
def test_other_roles_see_nothing_and_are_refused_every_action(
    assigned: Assigned, username: str
) -> None:
    assignment = assigned()
    row = assignment.towns.get()
    api = Api(username)
    before = _written()
    # The list answers every token, like the API's other lists: with nothing of the city's.
    assert api.get("/assignments").json() == {"items": [], "next_cursor": ""}
    assert _error(api.get(f"/assignments/{assignment.pk}"), 404)["code"] == "not_found"
    for response in (
        api.post("/assignments", _body(row.town)),
        api.post(f"/assignments/{assignment.pk}/towns/{row.pk}/accept"),
        api.post(f"/assignments/{assignment.pk}/towns/{row.pk}/return", {"reason": "重查"}),
    ):
        assert _error(response, 403)["code"] == "forbidden"
    assert _written() == before


def test_another_citys_supervisor_finds_nothing(
    assigned: Assigned, other_city: Unit, town: Unit
) -> None:
    assignment = assigned()
    row = assignment.towns.get()
    conclude_and_feed_back(row.lead)
    api = Api("wdshiban")
    assert api.get("/assignments").json() == {"items": [], "next_cursor": ""}
    for response in (
        api.get(f"/assignments/{assignment.pk}"),
        api.post(f"/assignments/{assignment.pk}/towns/{row.pk}/accept"),
        api.post(f"/assignments/{assignment.pk}/towns/{row.pk}/return", {"reason": "重查"}),
    ):
        assert _error(response, 404)["code"] == "not_found"
    # Nor may they assign to 荣成's towns.
    before = _written()
    error = _error(api.post("/assignments", _body(town)), 400)
    assert "town_ids" in error["fields"] and _written() == before
    row.refresh_from_db()
    assert row.verdict == ""


def test_anonymous_is_401_and_a_read_only_token_may_not_write(
    assigned: Assigned, town: Unit
) -> None:
    assignment = assigned()
    anonymous = Api(None)
    assert _error(anonymous.get("/assignments"), 401)["code"] == "unauthorized"
    assert _error(anonymous.get(f"/assignments/{assignment.pk}"), 401)
    _error(anonymous.post("/assignments", _body(town)), 401)
    read_only = Api("shiban", scope=TokenScope.READ_ONLY)
    assert read_only.get(f"/assignments/{assignment.pk}").status_code == 200
    before = _written()
    assert _error(read_only.post("/assignments", _body(town)), 403)["code"] == "read_only_token"
    assert _written() == before


def test_an_officials_lead_is_withheld_from_another_supervisor(
    assigned: Assigned, second_supervisor: User
) -> None:
    assignment = assigned(involves_official=True)
    row = assignment.towns.get()
    conclude_and_feed_back(row.lead)
    api = Api("shiban2")
    for response in (api.get("/assignments"), api.get(f"/assignments/{assignment.pk}")):
        assert response.status_code == 200
        body = json.dumps(response.json(), ensure_ascii=False)
        assert "强占" not in body and "经走访核实" not in body and WITHHELD in body
    town_row = api.get(f"/assignments/{assignment.pk}").json()["town_rows"][0]
    assert town_row["progress"] == "submitted" and not town_row["readable"]
    assert town_row["feedback"] is None and not town_row["may_be_judged"]
    refused = api.post(f"/assignments/{assignment.pk}/towns/{row.pk}/accept")
    assert _error(refused, 403)
    # The supervisor who assigned it reads it all.
    own = Api("shiban").get(f"/assignments/{assignment.pk}").json()
    assert own["readable"] and own["town_rows"][0]["feedback"]["content"]


@pytest.mark.parametrize(
    ("overrides", "status", "field"),
    [
        ({"town_ids": []}, 400, "town_ids"),
        ({"deadline": "2020-01-01"}, 400, "deadline"),
        ({"source": "public_report"}, 422, "source"),
        ({"source": "不存在"}, 422, "source"),
        ({"summary": ""}, 400, "summary"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(
    town: Unit, overrides: dict[str, Any], status: int, field: str
) -> None:
    before = _written()
    error = _error(Api("shiban").post("/assignments", _body(town, **overrides)), status)
    assert field in error["fields"], error
    assert _written() == before


def test_a_town_of_another_city_is_refused(town: Unit, other_city: Unit) -> None:
    foreign = Unit.objects.get(name="文登营镇")
    before = _written()
    error = _error(Api("shiban").post("/assignments", _body(town, foreign)), 400)
    assert error["fields"] == {"town_ids": ["只能交办给本市所辖的镇（街道）"]}
    assert _written() == before


def test_a_return_needs_a_reason(assigned: Assigned) -> None:
    assignment = assigned()
    row = assignment.towns.get()
    conclude_and_feed_back(row.lead)
    api = Api("shiban")
    _error(api.post(f"/assignments/{assignment.pk}/towns/{row.pk}/return", {}), 422)
    error = _error(
        api.post(f"/assignments/{assignment.pk}/towns/{row.pk}/return", {"reason": "  "}), 400
    )
    assert "reason" in error["fields"]
    row.refresh_from_db()
    assert row.verdict == ""


def test_a_return_carries_a_new_deadline(assigned: Assigned) -> None:
    assignment = assigned()
    row = assignment.towns.get()
    conclude_and_feed_back(row.lead)
    chosen = timezone.localdate() + timedelta(days=30)
    returned = Api("shiban").post(
        f"/assignments/{assignment.pk}/towns/{row.pk}/return",
        {"reason": "未写明走访对象，请补充", "deadline": chosen.isoformat()},
    )
    assert returned.status_code == 200, returned.content.decode()
    assert returned.json()["town_rows"][0]["return_deadline"] == chosen.isoformat()
    assert returned.json()["town_rows"][0]["due_on"] == chosen.isoformat()
    lead = Lead.objects.get(pk=row.lead_id)
    assert lead.due_on == lead.upstream_deadline == chosen


def test_a_return_without_a_deadline_gets_the_default(assigned: Assigned) -> None:
    assignment = assigned()
    row = assignment.towns.get()
    conclude_and_feed_back(row.lead)
    returned = Api("shiban").post(
        f"/assignments/{assignment.pk}/towns/{row.pk}/return", {"reason": "未写明走访对象，请补充"}
    )
    assert returned.status_code == 200, returned.content.decode()
    expected = city_services.default_return_deadline()
    assert returned.json()["town_rows"][0]["return_deadline"] == expected.isoformat()


@pytest.mark.parametrize(
    ("days", "status"), [(-1, 400), (-4000, 400), (-10000, 422), (6 * 366, 422)]
)
def test_a_return_to_a_past_or_absurd_deadline_is_refused_and_writes_nothing(
    assigned: Assigned, days: int, status: int
) -> None:
    assignment = assigned()
    row = assignment.towns.get()
    conclude_and_feed_back(row.lead)
    error = _error(
        Api("shiban").post(
            f"/assignments/{assignment.pk}/towns/{row.pk}/return",
            {
                "reason": "未写明走访对象，请补充",
                "deadline": (timezone.localdate() + timedelta(days=days)).isoformat(),
            },
        ),
        status,
    )
    assert "deadline" in error["fields"]
    if status == 400:
        assert "不能早于今天" in error["fields"]["deadline"][0]
    row.refresh_from_db()
    assert row.verdict == "" and row.return_deadline is None
    assert Lead.objects.get().status == Status.CONCLUDED
    assert not AuditEvent.objects.filter(
        action__in=[AuditAction.CITY_FEEDBACK_RETURNED, AuditAction.LEAD_FEEDBACK_RETURNED]
    ).exists()
