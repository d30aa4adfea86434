"""The lead page's remaining actions in the API (issue 15, decision 0066): 延期, 派出所反馈, 回复批示,
并案, 关联, 更正登记信息 and 修改车牌号 — the page's access helper and services, the one error
shape, and nothing about the reporter in any answer."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone

from saohei.api.tests.test_leads_api import Api, _error, _new_lead
from saohei.leads import services
from saohei.leads.models import Lead, LeadLink, Status, Subject
from saohei.leads.tests import conftest as lead_fixtures
from saohei.organisations.models import Unit, UnitKind, User

pytestmark = pytest.mark.django_db

town = lead_fixtures.town


@pytest.fixture
def api(demo: None) -> Callable[[str | None], Api]:
    return Api


def _lead(api: Callable[..., Api], town: Unit, summary: str = "有人在码头强收停靠费") -> Lead:
    created = api("banshi").post(
        "/leads",
        _new_lead(
            town,
            summary=summary,
            subjects=[{"name": "申屠亮", "plates": ["鲁K12345"]}],
            reporter={"name": "举报人甲", "phone": "13800000000"},
        ),
    )
    assert created.status_code == 201, created.content.decode()
    return Lead.objects.get(pk=created.json()["id"])


@pytest.fixture
def assigned(api: Callable[..., Api], town: Unit) -> Lead:
    """A lead handed to 港西村 (cun01 handles it), shared with the town's police station."""
    lead = _lead(api, town)
    station = Unit.objects.get(parent=town, kind=UnitKind.POLICE_STATION)
    return services.assign_lead(
        actor=User.objects.get(username="banshi"),
        lead=lead,
        handling_unit=Unit.objects.get(name="港西村"),
        handler=User.objects.get(username="cun01"),
        police_unit=station,
    )


def test_a_leader_extends_the_deadline_others_may_not(
    api: Callable[..., Api], assigned: Lead
) -> None:
    assert assigned.due_on is not None
    body = {"new_due_on": (assigned.due_on + timedelta(days=10)).isoformat(), "reason": "需补充"}

    _error(api("banshi").post(f"/leads/{assigned.pk}/extend", body), 403)
    _error(api("cun02").post(f"/leads/{assigned.pk}/extend", body), 404)
    _error(api(None).post(f"/leads/{assigned.pk}/extend", body), 401)
    extended = api("shuji").post(f"/leads/{assigned.pk}/extend", body)

    assert extended.status_code == 200, extended.content.decode()
    assert Lead.objects.get(pk=assigned.pk).due_on == assigned.due_on + timedelta(days=10)
    earlier = {"new_due_on": timezone.localdate().isoformat(), "reason": "再延"}
    assert (
        "new_due_on"
        in _error(api("shuji").post(f"/leads/{assigned.pk}/extend", earlier), 400)["fields"]
    )


def test_the_station_feeds_back_on_a_shared_lead_only(
    api: Callable[..., Api], assigned: Lead
) -> None:
    police = User.objects.filter(
        role_grants__role="police_officer", role_grants__unit=assigned.police_unit
    ).first()
    assert police is not None
    done = api(police.username).post(
        f"/leads/{assigned.pk}/police-feedback", {"content": "已走访核实"}
    )
    assert done.status_code == 200, done.content.decode()
    assert "举报人甲" not in done.content.decode()
    assert "13800000000" not in done.content.decode()

    _error(api("banshi").post(f"/leads/{assigned.pk}/police-feedback", {"content": "x"}), 403)
    _error(api("cun02").post(f"/leads/{assigned.pk}/police-feedback", {"content": "x"}), 404)


def test_the_handler_answers_an_instruction_once(api: Callable[..., Api], assigned: Lead) -> None:
    instruction = services.give_instruction(
        actor=User.objects.get(username="shuji"), lead=assigned, content="请抓紧核查"
    )
    path = f"/leads/{assigned.pk}/instructions/{instruction.pk}/answer"

    _error(api("cun02").post(path, {"content": "已落实"}), 404)
    answered = api("cun01").post(path, {"content": "已落实"})
    assert answered.status_code == 200, answered.content.decode()
    assert any(entry["answer"] == "已落实" for entry in answered.json()["instructions"])
    _error(api("banshi").post(path, {"content": "再答"}), 400)
    _error(api("cun01").post(f"/leads/{assigned.pk}/instructions/999999/answer", {}), 422)
    _error(
        api("cun01").post(f"/leads/{assigned.pk}/instructions/999999/answer", {"content": "x"}),
        404,
    )


def test_office_links_and_merges_by_number_within_the_town(
    api: Callable[..., Api], town: Unit
) -> None:
    first, second = _lead(api, town), _lead(api, town, "码头另有人强收费")

    _error(api("cun01").post(f"/leads/{first.pk}/link", {"number": second.number}), 404)
    unknown = _error(api("banshi").post(f"/leads/{first.pk}/link", {"number": "GX-0000"}), 400)
    assert "number" in unknown["fields"]
    linked = api("banshi").post(f"/leads/{first.pk}/link", {"number": second.number})
    assert linked.status_code == 200, linked.content.decode()
    assert LeadLink.objects.filter(lead=first, other=second).exists()

    merged = api("banshi").post(
        f"/leads/{first.pk}/merge", {"number": second.number, "note": "同一事项"}
    )
    assert merged.status_code == 200, merged.content.decode()
    assert merged.json()["merged_into"] == second.number
    assert Lead.objects.get(pk=first.pk).status == Status.MERGED


def test_office_corrects_facts_with_the_version_it_read(
    api: Callable[..., Api], town: Unit
) -> None:
    lead = _lead(api, town)
    read = api("banshi").get(f"/leads/{lead.pk}").json()
    body = {"summary": "有人在码头强收渔船停靠费", "place": "东岛码头", "version": read["version"]}

    _error(api("cun01").post(f"/leads/{lead.pk}/correct", body), 404)
    corrected = api("banshi").post(f"/leads/{lead.pk}/correct", body)
    assert corrected.status_code == 200, corrected.content.decode()
    assert corrected.json()["place"] == "东岛码头"
    assert corrected.json()["version"] == read["version"] + 1
    assert _error(api("banshi").post(f"/leads/{lead.pk}/correct", body), 409)["code"] == "conflict"
    other_village = Unit.objects.exclude(parent=town).filter(kind=UnitKind.VILLAGE).first()
    if other_village is not None:
        refused = _error(
            api("banshi").post(
                f"/leads/{lead.pk}/correct", {"summary": "x", "village_id": other_village.pk}
            ),
            400,
        )
        assert "village_id" in refused["fields"]


def test_office_replaces_a_subjects_plates(api: Callable[..., Api], assigned: Lead) -> None:
    subject = Subject.objects.get(lead=assigned)
    path = f"/leads/{assigned.pk}/subjects/{subject.pk}/plates"

    put = api("banshi").client.put(
        f"/api/v1{path}",
        '{"plates": ["鲁KD12345", "鲁K54321"]}',
        content_type="application/json",
        headers=api("banshi").headers,
    )
    assert put.status_code == 200, put.content.decode()
    assert sorted(subject.plates.values_list("number", flat=True)) == ["鲁K54321", "鲁KD12345"]

    village_head = api("cun01")
    refused = village_head.client.put(
        f"/api/v1{path}",
        '{"plates": []}',
        content_type="application/json",
        headers=village_head.headers,
    )
    assert refused.status_code == 403, refused.content.decode()
    bad = api("banshi")
    invalid = bad.client.put(
        f"/api/v1{path}",
        '{"plates": ["ABC"]}',
        content_type="application/json",
        headers=bad.headers,
    )
    assert invalid.status_code == 400, invalid.content.decode()
    assert "plates" in invalid.json()["error"]["fields"]


def test_stats_count_the_towns_and_list_only_the_accounts_own_leads(
    api: Callable[..., Api], assigned: Lead, town: Unit
) -> None:
    shown = api("banshi").get("/leads/stats", {"town_id": town.pk})

    assert shown.status_code == 200, shown.content.decode()
    body = shown.json()
    assert [entry["id"] for entry in body["towns"]] == [town.pk]
    assert body["total"]["received"] >= 1
    assert assigned.number in [row["number"] for row in body["open_leads"]]
    assert "举报人甲" not in shown.content.decode()
    assert "申屠亮" not in shown.content.decode()


def test_stats_are_refused_to_other_roles_and_other_towns(
    api: Callable[..., Api], assigned: Lead, town: Unit
) -> None:
    _error(api("cun01").get("/leads/stats"), 403)
    _error(api(None).get("/leads/stats"), 401)
    other_town = Unit.objects.exclude(pk=town.pk).filter(kind=UnitKind.TOWN).first()
    if other_town is not None:
        assert (
            "town_id"
            in _error(api("banshi").get("/leads/stats", {"town_id": other_town.pk}), 400)["fields"]
        )
    backwards = {"date_from": "2026-06-01", "date_to": "2026-01-01"}
    assert "date_to" in _error(api("banshi").get("/leads/stats", backwards), 400)["fields"]
