"""/api/v1/leads: list, create, detail and every transition, with the pages' access rules."""

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from saohei.api.services import create_api_token
from saohei.audit.models import AuditAction, AuditEvent
from saohei.leads import services
from saohei.leads.models import (
    DictionaryEntry,
    DictionaryKind,
    Lead,
    Source,
    Status,
)
from saohei.leads.tests import conftest as lead_fixtures
from saohei.leads.tests.conftest import advance
from saohei.organisations.models import Unit, UnitKind, User
from saohei.organisations.services import build_unit
from saohei.vault.models import ReporterIdentity

pytestmark = pytest.mark.django_db
# The leads context's fixtures (the demo town, `register`), shared with these API tests.
town = lead_fixtures.town
village = lead_fixtures.village
register = lead_fixtures.register
Register = Callable[..., Lead]
ID_NUMBER = "11010519491231002X"
PHONE = "13912345678"


class Api:
    """A client speaking JSON with one account's bearer token (or none)."""

    def __init__(self, username: str | None) -> None:
        self.headers = {}
        if username is not None:
            _, token = create_api_token(user=User.objects.get(username=username), name="测试")
            self.headers = {"Authorization": f"Bearer {token}"}
        self.client = Client()

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.client.get(f"/api/v1{path}", params or {}, headers=self.headers)

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.client.post(
            f"/api/v1{path}",
            json.dumps(body or {}),
            content_type="application/json",
            headers=self.headers,
        )


@pytest.fixture
def api(demo: None) -> Callable[[str | None], Api]:
    return Api


def _new_lead(town: Unit, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "unit_id": town.pk,
        "received_at": (timezone.localtime() - timedelta(hours=1)).isoformat(),
        "channel": "letter",
        "source": "public_report",
        "summary": "有人在东岛村码头强行收取渔船停靠费",
    }
    body.update(overrides)
    return body


def _error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content.decode()
    error = response.json()["error"]
    assert set(error) == {"code", "message", "fields"}
    return error  # type: ignore[no-any-return]


class TestList:
    def test_lists_visible_leads_newest_first_with_masked_subjects(
        self, api: Callable[..., Api], register: Register
    ) -> None:
        older = register(
            received_at=timezone.now() - timedelta(hours=3),
            subjects=[services.SubjectInput(name="张三", id_number=ID_NUMBER, phone=PHONE)],
        )
        newer = register()

        response = api("banshi").get("/leads")

        assert response.status_code == 200
        body = response.json()
        assert [item["number"] for item in body["items"]] == [newer.number, older.number]
        assert body["next"] is None and body["previous"] is None
        subject = body["items"][1]["subjects"][0]
        assert subject["name"] == "张三"
        assert subject["id_number_masked"] == "110105********002X"
        assert subject["phone_masked"] == "139****5678"
        assert ID_NUMBER not in response.content.decode()
        assert PHONE not in response.content.decode()
        assert body["items"][0]["status_label"] == "已登记"

    def test_filters_match_the_list_page(
        self, api: Callable[..., Api], register: Register, village: Unit
    ) -> None:
        upper = register(source=Source.UPPER_ASSIGNED, upstream_office="荣成市扫黑办")
        in_village = register(village=village, summary="渔船被砸")
        overdue = register(summary="逾期的线索")
        Lead.objects.filter(pk=overdue.pk).update(due_on=timezone.localdate() - timedelta(days=1))
        old = register(received_at=timezone.now() - timedelta(days=40))
        concluded = advance(register(summary="已经办结"), "concluded")
        client = api("banshi")

        def numbers(**params: Any) -> set[str]:
            response = client.get("/leads", params)
            assert response.status_code == 200, response.content.decode()
            return {item["number"] for item in response.json()["items"]}

        assert numbers(source="upper_assigned") == {upper.number}
        assert numbers(village_id=village.pk) == {in_village.number}
        assert numbers(due_state="overdue") == {overdue.number}
        assert numbers(q="被砸") == {in_village.number}
        assert numbers(status="concluded") == {concluded.number}
        assert concluded.number not in numbers(status="open")
        assert old.number in numbers(status="open")
        today = timezone.localdate()
        assert numbers(date_to=(today - timedelta(days=30)).isoformat()) == {old.number}
        assert old.number not in numbers(date_from=(today - timedelta(days=1)).isoformat())

    def test_category_filter(self, api: Callable[..., Api], register: Register) -> None:
        category = DictionaryEntry.objects.filter(kind=DictionaryKind.TARGET_CATEGORY).first()
        assert category is not None
        tagged = register(target_category=category)
        register()
        response = api("banshi").get("/leads", {"category_id": category.pk})
        assert [item["number"] for item in response.json()["items"]] == [tagged.number]

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"status": "bogus"}, "status"),
            ({"source": "pigeon"}, "source"),
            ({"due_state": "late"}, "due_state"),
            ({"date_from": "2026-99-01"}, "date_from"),
            ({"date_from": "2026-06-01", "date_to": "2026-01-01"}, "filters"),
            ({"village_id": "abc"}, "village_id"),
        ],
    )
    def test_bad_filters_are_422_in_the_error_shape(
        self, api: Callable[..., Api], params: dict[str, str], field: str
    ) -> None:
        error = _error(api("banshi").get("/leads", params), 422)
        assert error["code"] == "validation_error"
        assert field in error["fields"]

    def test_pages_by_cursor_both_ways(self, api: Callable[..., Api], register: Register) -> None:
        now = timezone.now()
        for n in range(55):
            register(summary=f"第{n}条", received_at=now - timedelta(minutes=n + 1))
        client = api("banshi")

        first = client.get("/leads").json()
        assert len(first["items"]) == 50
        assert first["items"][0]["summary"] == "第0条"
        assert first["previous"] is None and first["next"]
        second = client.get("/leads", {"after": first["next"]}).json()
        assert [item["summary"] for item in second["items"]] == [f"第{n}条" for n in range(50, 55)]
        assert second["next"] is None and second["previous"]
        back = client.get("/leads", {"before": second["previous"]}).json()
        assert [item["summary"] for item in back["items"]] == [f"第{n}条" for n in range(50)]

    def test_village_head_lists_only_own_villages_leads(
        self, api: Callable[..., Api], register: Register, village: Unit
    ) -> None:
        own = register()
        services.assign_lead(
            actor=User.objects.get(username="banshi"), lead=own, handling_unit=village
        )
        register()
        head = User.objects.get(unit=village, role_grants__role="village_head").username
        items = api(head).get("/leads").json()["items"]
        assert [item["number"] for item in items] == [own.number]


class TestCreate:
    def test_supervisor_registers_only_upper_assigned_leads(
        self, api: Callable[..., Api], town: Unit
    ) -> None:
        client = api("shiban")
        refused = client.post("/leads", _new_lead(town, upstream_office="荣成市扫黑办"))
        assert _error(refused, 403)["message"] == "上级督导只能登记上级交办线索"
        assert not Lead.objects.exists()

        created = client.post(
            "/leads", _new_lead(town, source="upper_assigned", upstream_office="荣成市扫黑办")
        )
        assert created.status_code == 201, created.content.decode()
        assert [item["id"] for item in client.get("/leads").json()["items"]] == [
            created.json()["id"]
        ]

    def test_office_registers_a_lead(
        self, api: Callable[..., Api], town: Unit, village: Unit
    ) -> None:
        category = DictionaryEntry.objects.filter(kind=DictionaryKind.TARGET_CATEGORY).first()
        offence = DictionaryEntry.objects.filter(kind=DictionaryKind.OFFENCE_TYPE).first()
        assert category is not None and offence is not None
        body = _new_lead(
            town,
            received_at=(timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S"),
            village_id=village.pk,
            target_category_id=category.pk,
            offence_type_ids=[offence.pk],
            subjects=[
                {
                    "name": "张三",
                    "alias": "三哥",
                    "id_number": ID_NUMBER,
                    "phone": PHONE,
                    "village_id": village.pk,
                }
            ],
            reporter={"name": "实名举报人", "phone": "13800001111"},
        )

        response = api("banshi").post("/leads", body)

        assert response.status_code == 201, response.content.decode()
        created = response.json()
        lead = Lead.objects.get()
        assert created["number"] == lead.number
        assert created["village"]["name"] == "东岛村"
        assert created["offence_types"] == [{"id": offence.pk, "name": offence.name}]
        assert created["subjects"][0]["id_number_masked"] == "110105********002X"
        assert created["is_real_name_report"] is True
        assert created["events"][0]["kind"] == "registered"
        text = response.content.decode()
        for secret in (ID_NUMBER, PHONE, "实名举报人", "13800001111", lead.reporter_reference):
            assert secret not in text
        # A received time without a zone is Beijing time.
        assert abs(lead.received_at - (timezone.now() - timedelta(hours=1))) < timedelta(minutes=1)
        assert lead.created_by.username == "banshi"
        assert AuditEvent.objects.filter(
            action=AuditAction.LEAD_REGISTERED, actor__username="banshi"
        ).exists()

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"summary": ""}, "summary"),
            ({"received_at": "yesterday"}, "received_at"),
            ({"subjects": [{"alias": "无名"}]}, "subjects.0.name"),
            ({"subjects": [{"name": "张三", "role": "boss"}]}, "subjects.0.role"),
            ({"channel": "pigeon"}, "channel"),
            ({"unit_id": None}, "unit_id"),
        ],
    )
    def test_malformed_input_is_422_and_writes_nothing(
        self, api: Callable[..., Api], town: Unit, overrides: dict[str, Any], field: str
    ) -> None:
        error = _error(api("banshi").post("/leads", _new_lead(town, **overrides)), 422)
        assert field in error["fields"]
        assert not Lead.objects.exists()

    @pytest.mark.parametrize(
        ("overrides", "message"),
        [
            ({"source": "upper_assigned"}, "交办单位"),
            ({"subjects": [{"name": "张三", "id_number": "110105194912310021"}]}, "校验位"),
            ({"village_id": 999_999}, "所属村不在本镇"),
            ({"target_category_id": 999_999}, "线索类别不存在"),
            ({"offence_type_ids": [999_999]}, "涉嫌违法犯罪类型不存在"),
        ],
    )
    def test_refused_input_is_400_and_writes_nothing(
        self, api: Callable[..., Api], town: Unit, overrides: dict[str, Any], message: str
    ) -> None:
        body = _new_lead(town, reporter={"name": "某举报人"}, **overrides)
        error = _error(api("banshi").post("/leads", body), 400)
        assert error["code"] == "invalid"
        assert message in error["message"]
        assert not Lead.objects.exists()
        assert not ReporterIdentity.objects.exists()

    def test_only_the_towns_office_may_register(self, api: Callable[..., Api], town: Unit) -> None:
        other_town = build_unit(
            name="港东镇", kind=UnitKind.TOWN, parent=town.parent, code="GD", sort_order=20
        )
        _error(api("cun01").post("/leads", _new_lead(town)), 403)
        _error(api("banshi").post("/leads", _new_lead(other_town)), 403)
        village = Unit.objects.get(name="东岛村")
        _error(api("banshi").post("/leads", _new_lead(village)), 403)
        assert not Lead.objects.exists()

    def test_missing_token_is_401(self, api: Callable[..., Api], town: Unit) -> None:
        _error(api(None).post("/leads", _new_lead(town)), 401)
        _error(api(None).get("/leads"), 401)
        assert not Lead.objects.exists()


class TestDetail:
    def test_detail_with_timeline_instructions_and_audit(
        self, api: Callable[..., Api], register: Register
    ) -> None:
        lead = register(subjects=[services.SubjectInput(name="张三", id_number=ID_NUMBER)])
        services.give_instruction(
            actor=User.objects.get(username="shuji"), lead=lead, content="请抓紧核查"
        )

        response = api("banshi").get(f"/leads/{lead.pk}")

        assert response.status_code == 200
        body = response.json()
        assert [event["kind"] for event in body["events"]] == ["registered", "instruction"]
        assert body["instructions"][0]["content"] == "请抓紧核查"
        assert body["instructions"][0]["author"]["real_name"] == "孙志远"
        assert body["subjects"][0]["id_number_masked"] == "110105********002X"
        assert ID_NUMBER not in response.content.decode()
        viewed = AuditEvent.objects.get(action=AuditAction.LEAD_VIEWED)
        assert viewed.target_id == str(lead.pk)
        assert viewed.actor_username == "banshi"

    def test_village_head_guessing_another_villages_lead_gets_404(
        self, api: Callable[..., Api], register: Register, village: Unit
    ) -> None:
        lead = register()
        services.assign_lead(
            actor=User.objects.get(username="banshi"), lead=lead, handling_unit=village
        )
        outsider = api("cun01")  # head of 港西村, not 东岛村
        error = _error(outsider.get(f"/leads/{lead.pk}"), 404)
        assert error["code"] == "not_found"
        _error(outsider.get(f"/leads/{lead.pk + 1000}"), 404)
        _error(outsider.post(f"/leads/{lead.pk}/triage", {"opinion": "试探"}), 404)
        assert not AuditEvent.objects.filter(action=AuditAction.LEAD_VIEWED).exists()
        assert Lead.objects.get().status == Status.ASSIGNED


class TestTransitions:
    def test_whole_workflow_through_the_api(self, api: Callable[..., Api], town: Unit) -> None:
        office, leader = api("banshi"), api("shuji")
        police = Unit.objects.get(name="港西派出所")
        handler = User.objects.get(username="banshi")
        today = timezone.localdate().isoformat()

        created = office.post(
            "/leads",
            _new_lead(town, source="upper_assigned", upstream_office="荣成市扫黑办"),
        ).json()
        path = f"/leads/{created['id']}"

        def step(client: Api, action: str, body: dict[str, Any] | None, status: int = 200) -> Any:
            response = client.post(f"{path}/{action}", body)
            assert response.status_code == status, (action, response.content.decode())
            return response.json()

        assert step(office, "triage", {"opinion": "会同派出所核查"})["status"] == "triaged"
        assigned = step(
            office,
            "assign",
            {"handling_unit_id": town.pk, "handler_id": handler.pk, "police_unit_id": police.pk},
        )
        assert assigned["status"] == "assigned"
        assert assigned["handler"]["real_name"] == "李晓静"
        assert assigned["police_unit"]["name"] == "港西派出所"
        investigated = step(
            office, "investigations", {"occurred_on": today, "content": "走访码头经营户"}, 201
        )
        assert investigated["status"] == "investigating"
        assert investigated["investigations"][0]["content"] == "走访码头经营户"
        proposed = step(
            office,
            "propose",
            {"conclusion": "excluded", "basis": "经走访核实，系正常收费，排除涉黑涉恶可能"},
        )
        assert proposed["status"] == "proposed"
        signed = step(leader, "sign-off", {"approve": True, "note": "同意"})
        assert signed["status"] == "concluded"
        assert signed["signed_off_by"]["real_name"] == "孙志远"
        fed_back = step(
            office,
            "feedback",
            {"fed_back_on": today, "recipient": "荣成市扫黑办", "content": "经核查，排除。"},
        )
        assert fed_back["fed_back_at"] is not None
        assert fed_back["feedbacks"][0]["recipient"] == "荣成市扫黑办"
        assert step(office, "archive", None)["status"] == "archived"
        reopened = step(leader, "reopen", {"reason": "出现新的举报材料"})
        assert reopened["status"] == "investigating"
        instructed = step(leader, "instructions", {"content": "请重新核查"}, 201)
        assert instructed["instructions"][0]["content"] == "请重新核查"

        audited = set(
            AuditEvent.objects.filter(target_id=str(created["id"])).values_list("action", flat=True)
        )
        assert {
            AuditAction.LEAD_REGISTERED,
            AuditAction.LEAD_TRIAGED,
            AuditAction.LEAD_ASSIGNED,
            AuditAction.LEAD_INVESTIGATED,
            AuditAction.LEAD_PROPOSED,
            AuditAction.LEAD_SIGNED_OFF,
            AuditAction.LEAD_FED_BACK,
            AuditAction.LEAD_ARCHIVED,
            AuditAction.LEAD_REOPENED,
            AuditAction.LEAD_INSTRUCTED,
        } <= audited
        # Every request (1 create and 9 transitions) was audited by the token check as well.
        assert AuditEvent.objects.filter(action=AuditAction.API_TOKEN_USED).count() == 10

    def test_follow_up_of_a_real_name_reporter(
        self, api: Callable[..., Api], register: Register
    ) -> None:
        lead = advance(
            register(reporter=services.ReporterInput(name="实名举报人", phone="13800001111")),
            "concluded",
        )
        response = api("banshi").post(
            f"/leads/{lead.pk}/follow-up",
            {
                "contacted_on": timezone.localdate().isoformat(),
                "method": "电话",
                "satisfaction": "satisfied",
            },
        )
        assert response.status_code == 200, response.content.decode()
        assert response.json()["follow_ups"][0]["satisfaction_label"] == "满意"
        lead.refresh_from_db()
        assert lead.followed_up_at is not None

    def test_leader_returns_a_proposal_with_a_note(
        self, api: Callable[..., Api], register: Register
    ) -> None:
        lead = advance(register(), "proposed")
        returned = api("shuji").post(
            f"/leads/{lead.pk}/sign-off", {"approve": False, "note": "证据不足，补充核查"}
        )
        assert returned.json()["status"] == "investigating"

    @pytest.mark.parametrize(
        ("username", "stage", "action", "body"),
        [
            ("banshi", "proposed", "sign-off", {"approve": True}),
            ("cun02", "proposed", "sign-off", {"approve": True}),
            ("cun02", "assigned", "triage", {"opinion": "村里研判"}),
            ("minjing", "concluded", "archive", None),
            ("banshi", "concluded", "reopen", {"reason": "办事员想重新打开"}),
            ("banshi", "assigned", "instructions", {"content": "办事员批示"}),
        ],
    )
    def test_wrong_role_is_403_and_changes_nothing(
        self,
        api: Callable[..., Api],
        register: Register,
        village: Unit,
        username: str,
        stage: str,
        action: str,
        body: dict[str, Any] | None,
    ) -> None:
        lead = advance(register(), stage, village=village)
        # Handled by 东岛村 (cun02) and shared with the police station, so both can see it.
        Lead.objects.filter(pk=lead.pk).update(police_unit=Unit.objects.get(name="港西派出所"))
        before = Lead.objects.get(pk=lead.pk).status

        error = _error(api(username).post(f"/leads/{lead.pk}/{action}", body), 403)

        assert error["code"] == "forbidden"
        assert Lead.objects.get(pk=lead.pk).status == before
        assert not lead.instructions.exists()

    def test_refused_transition_is_400_with_the_services_message(
        self, api: Callable[..., Api], register: Register
    ) -> None:
        lead = register()
        error = _error(api("banshi").post(f"/leads/{lead.pk}/archive"), 400)
        assert "不能归档" in error["message"]
        error = _error(api("banshi").post(f"/leads/{lead.pk}/triage", {"opinion": "  "}), 400)
        assert error["fields"] == {"opinion": ["请填写研判意见"]}

    def test_assign_looks_up_units_within_the_leads_town(
        self, api: Callable[..., Api], register: Register, town: Unit
    ) -> None:
        lead = register()
        other_town = build_unit(name="港东镇", kind=UnitKind.TOWN, parent=town.parent, code="GD")
        error = _error(
            api("banshi").post(f"/leads/{lead.pk}/assign", {"handling_unit_id": other_town.pk}),
            400,
        )
        assert "handling_unit_id" in error["fields"]
        error = _error(
            api("banshi").post(
                f"/leads/{lead.pk}/assign",
                {"handling_unit_id": town.pk, "handler_id": User.objects.get(username="shiban").pk},
            ),
            400,
        )
        assert "handler_id" in error["fields"]
        assert Lead.objects.get(pk=lead.pk).status == Status.REGISTERED

    def test_missing_token_is_401(self, api: Callable[..., Api], register: Register) -> None:
        lead = register()
        _error(api(None).post(f"/leads/{lead.pk}/triage", {"opinion": "无令牌"}), 401)
        _error(api(None).get(f"/leads/{lead.pk}"), 401)
        assert Lead.objects.get().status == Status.REGISTERED


def test_openapi_documents_the_lead_endpoints(client_as: Callable[[str], Client]) -> None:
    paths = client_as("banshi").get("/api/v1/openapi.json").json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/leads"])
    assert "get" in paths["/api/v1/leads/{lead_id}"]
    for action in (
        "triage",
        "assign",
        "investigations",
        "propose",
        "sign-off",
        "feedback",
        "follow-up",
        "archive",
        "reopen",
        "instructions",
    ):
        assert "post" in paths[f"/api/v1/leads/{{lead_id}}/{action}"], action


def test_the_custodian_cannot_be_made_handler_through_the_api(
    api: Callable[..., Api], town: Unit
) -> None:
    office = api("banshi")
    created = office.post("/leads", _new_lead(town)).json()
    custodian = User.objects.get(username="baoguan")
    response = office.post(
        f"/leads/{created['id']}/assign", {"handling_unit_id": town.pk, "handler_id": custodian.pk}
    )
    assert response.status_code == 400, response.content.decode()
    assert "不参与办案" in json.dumps(response.json(), ensure_ascii=False)
    lead = Lead.objects.get(pk=created["id"])
    assert lead.handler is None and lead.status == Status.REGISTERED
