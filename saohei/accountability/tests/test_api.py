"""/api/v1/talks write endpoints: problems, leads, corrections; role, town, token, bad bodies."""

from typing import Any

import pytest
from django.test import Client

from saohei.accountability.models import Talk
from saohei.accountability.tests.conftest import RecordTalk, move_grant
from saohei.api.services import create_api_token
from saohei.audit.models import AuditAction, AuditEvent
from saohei.common.roles import Role
from saohei.leads.models import Lead, Source
from saohei.organisations.models import Unit, User
from saohei.rectifications.models import RectificationItem, SourceKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def talk(record_talk: RecordTalk) -> Talk:
    return record_talk()


def headers(username: str) -> dict[str, str]:
    _, token = create_api_token(user=User.objects.get(username=username), name="测试")
    return {"Authorization": f"Bearer {token}"}


def post(client: Client, path: str, body: Any, username: str | None = "banshi") -> Any:
    return client.post(
        f"/api/v1{path}",
        body,
        content_type="application/json",
        headers=headers(username) if username else {},
    )


def patch(client: Client, path: str, body: Any, username: str | None = "banshi") -> Any:
    return client.patch(
        f"/api/v1{path}",
        body,
        content_type="application/json",
        headers=headers(username) if username else {},
    )


def problem(**overrides: Any) -> dict[str, Any]:
    values = {
        "description": "村“两委”对举报渠道知晓率不高",
        "measures": "集中学习应知应会",
        "responsible_person_id": User.objects.get(username="cun02").pk,
        "village_id": Unit.objects.get(name="东岛村").pk,
    }
    values.update(overrides)
    return values


class TestProblems:
    def test_office_puts_problems_on_the_ledger(self, client: Client, talk: Talk) -> None:
        response = post(client, f"/talks/{talk.pk}/problems", {"problems": [problem()]})

        assert response.status_code == 201
        item = RectificationItem.objects.get()
        assert response.json()["rectification_item_ids"] == [item.pk]
        assert item.source_kind == SourceKind.TALK
        assert item.source_url == f"/talks/{talk.pk}/"
        # The interviewer (shuji) leads the town, so they are the 责任领导 by default.
        assert item.responsible_leader.username == "shuji"

    @pytest.mark.parametrize("username", ["cun02", "shiban"])
    def test_readers_who_may_not_write_get_403(
        self, client: Client, talk: Talk, username: str
    ) -> None:
        response = post(client, f"/talks/{talk.pk}/problems", {"problems": [problem()]}, username)

        assert response.status_code == 403
        assert "扫黑办" in response.json()["error"]["message"]
        assert RectificationItem.objects.count() == 0

    def test_village_head_not_in_the_talk_and_other_towns_office_get_404(
        self, client: Client, talk: Talk, other_town: Unit
    ) -> None:
        assert (
            post(
                client, f"/talks/{talk.pk}/problems", {"problems": [problem()]}, "cun04"
            ).status_code
            == 404
        )
        move_grant("banshi", Role.OFFICE_STAFF, other_town)
        response = post(client, f"/talks/{talk.pk}/problems", {"problems": [problem()]})

        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
        assert RectificationItem.objects.count() == 0

    def test_anonymous_gets_401(self, client: Client, talk: Talk) -> None:
        response = post(client, f"/talks/{talk.pk}/problems", {"problems": [problem()]}, None)

        assert response.status_code == 401
        assert RectificationItem.objects.count() == 0

    @pytest.mark.parametrize(
        ("overrides", "status", "message"),
        [
            ({"responsible_person_id": 999999}, 400, "整改责任人须为本镇人员"),
            ({"village_id": 999999}, 400, "所属村须为本镇的村（社区）"),
            ({"measures": " "}, 400, "请填写整改措施"),
            ({"responsible_leader_id": 999999}, 400, "责任领导须为本镇领导小组组长或副组长"),
            (None, 422, "请求数据格式不正确"),
        ],
    )
    def test_bad_problems_answer_in_chinese_and_write_nothing(
        self,
        client: Client,
        talk: Talk,
        overrides: dict[str, Any] | None,
        status: int,
        message: str,
    ) -> None:
        bad = problem(**overrides) if overrides is not None else {"description": "缺少措施"}
        # A good problem first: the refused second one must roll the whole request back.
        body = {"problems": [problem(description="先列入的问题"), bad]}

        response = post(client, f"/talks/{talk.pk}/problems", body)

        assert response.status_code == status
        assert message in response.json()["error"]["message"]
        assert RectificationItem.objects.count() == 0
        assert not AuditEvent.objects.filter(action=AuditAction.TALK_PROBLEM_ADDED).exists()

    @pytest.mark.parametrize(
        ("body", "status", "message"),
        [({"problems": []}, 400, "请填写发现的问题"), ({}, 422, "请求数据格式不正确")],
    )
    def test_empty_bodies(
        self, client: Client, talk: Talk, body: dict[str, Any], status: int, message: str
    ) -> None:
        response = post(client, f"/talks/{talk.pk}/problems", body)

        assert response.status_code == status
        assert message in response.json()["error"]["message"]
        assert RectificationItem.objects.count() == 0


class TestLeads:
    def test_office_registers_leads_with_source_talk(self, client: Client, talk: Talk) -> None:
        response = post(
            client,
            f"/talks/{talk.pk}/leads",
            {"summaries": ["码头有人强揽装卸"], "village_id": Unit.objects.get(name="东岛村").pk},
        )

        assert response.status_code == 201
        lead = Lead.objects.get()
        assert lead.source == Source.TALK
        assert response.json()["lead_ids"] == [lead.pk]

    @pytest.mark.parametrize(
        ("username", "status"), [("cun02", 403), ("shiban", 403), ("minjing", 404)]
    )
    def test_wrong_role_or_out_of_scope(
        self, client: Client, talk: Talk, username: str, status: int
    ) -> None:
        response = post(client, f"/talks/{talk.pk}/leads", {"summaries": ["线索"]}, username)

        assert response.status_code == status
        assert Lead.objects.count() == 0

    @pytest.mark.parametrize(
        ("body", "status", "message"),
        [
            ({"summaries": [" "]}, 400, "请填写线索的简要内容"),
            ({"summaries": ["线索"], "village_id": 999999}, 400, "所属村须为本镇的村（社区）"),
            ({"summaries": "不是列表"}, 422, "请求数据格式不正确"),
        ],
    )
    def test_bad_bodies(
        self, client: Client, talk: Talk, body: dict[str, Any], status: int, message: str
    ) -> None:
        response = post(client, f"/talks/{talk.pk}/leads", body)

        assert response.status_code == status
        assert message in response.json()["error"]["message"]
        assert Lead.objects.count() == 0

    def test_anonymous_gets_401(self, client: Client, talk: Talk) -> None:
        assert (
            post(client, f"/talks/{talk.pk}/leads", {"summaries": ["线索"]}, None).status_code
            == 401
        )


class TestCorrections:
    def test_office_corrects_only_the_fields_sent(self, client: Client, talk: Talk) -> None:
        response = patch(client, f"/talks/{talk.pk}", {"place": "东岛村村委会", "kind": "special"})

        assert response.status_code == 200
        body = response.json()
        assert (body["place"], body["kind"], body["content"]) == (
            "东岛村村委会",
            "special",
            "听取东岛村扫黑除恶工作汇报",
        )
        assert body["edited_at"] is not None
        assert not body["is_edited_after_review"]
        assert AuditEvent.objects.filter(action=AuditAction.TALK_EDITED).count() == 1

    @pytest.mark.parametrize(
        ("username", "status"), [("cun02", 403), ("shiban", 403), ("cun04", 404)]
    )
    def test_wrong_role_or_out_of_scope(
        self, client: Client, talk: Talk, username: str, status: int
    ) -> None:
        assert patch(client, f"/talks/{talk.pk}", {"place": "别处"}, username).status_code == status
        talk.refresh_from_db()
        assert talk.place == "镇党委会议室"

    @pytest.mark.parametrize(
        ("body", "status", "message"),
        [
            ({"interviewee_ids": [999999]}, 400, "谈话对象须为本镇人员"),
            ({"talked_on": "2999-01-01"}, 422, "请求数据格式不正确"),
            ({"kind": "闲聊"}, 422, "请求数据格式不正确"),
            ({}, 400, "没有修改任何内容"),
            ({"talked_on": "昨天"}, 422, "请求数据格式不正确"),
        ],
    )
    def test_bad_bodies(
        self, client: Client, talk: Talk, body: dict[str, Any], status: int, message: str
    ) -> None:
        response = patch(client, f"/talks/{talk.pk}", body)

        assert response.status_code == status
        assert message in response.json()["error"]["message"]
        talk.refresh_from_db()
        assert talk.edited_at is None

    def test_anonymous_gets_401(self, client: Client, talk: Talk) -> None:
        assert patch(client, f"/talks/{talk.pk}", {"place": "别处"}, None).status_code == 401


def test_supervisor_reads_talks_through_the_api(client: Client, talk: Talk) -> None:
    listed = client.get("/api/v1/talks", headers=headers("shiban"))
    detail = client.get(f"/api/v1/talks/{talk.pk}", headers=headers("shiban"))

    assert [row["id"] for row in listed.json()] == [talk.pk]
    assert detail.status_code == 200


class TestVersionedCorrections:
    """An edit carries the version it read (body or If-Match): a stale one is 409, nothing
    written, with the pages' message; without one it is not checked (decision 0056)."""

    def test_the_read_shows_the_version_and_an_edit_moves_it(
        self, client: Client, talk: Talk
    ) -> None:
        read = client.get(f"/api/v1/talks/{talk.pk}", headers=headers("banshi")).json()
        assert read["version"] == 1
        edited = patch(client, f"/talks/{talk.pk}", {"place": "东岛村村委会", "version": 1})
        assert edited.status_code == 200 and edited.json()["version"] == 2

    def test_a_stale_version_in_the_body_is_a_409_and_the_first_edit_is_kept(
        self, client: Client, talk: Talk
    ) -> None:
        assert (
            patch(client, f"/talks/{talk.pk}", {"place": "东岛村村委会", "version": 1}).status_code
            == 200
        )

        refused = patch(client, f"/talks/{talk.pk}", {"place": "镇综治中心", "version": 1}, "shuji")

        assert refused.status_code == 409
        error = refused.json()["error"]
        assert error["code"] == "conflict" and error["fields"] == {"version": ["2"]}
        assert error["message"].startswith("该谈话记录在您打开之后已被")
        assert "（当前为第2版），您的修改没有保存" in error["message"]
        talk.refresh_from_db()
        assert (talk.place, talk.version) == ("东岛村村委会", 2)
        assert AuditEvent.objects.filter(action=AuditAction.TALK_EDITED).count() == 1

    @pytest.mark.parametrize("if_match", ['"1"', 'W/"1"', "1"])
    def test_a_stale_if_match_header_is_a_409(
        self, client: Client, talk: Talk, if_match: str
    ) -> None:
        assert patch(client, f"/talks/{talk.pk}", {"place": "东岛村村委会"}).status_code == 200

        refused = client.patch(
            f"/api/v1/talks/{talk.pk}",
            {"place": "镇综治中心"},
            content_type="application/json",
            headers={**headers("shuji"), "If-Match": if_match},
        )

        assert refused.status_code == 409
        talk.refresh_from_db()
        assert talk.place == "东岛村村委会"

    def test_a_current_if_match_header_saves(self, client: Client, talk: Talk) -> None:
        saved = client.patch(
            f"/api/v1/talks/{talk.pk}",
            {"place": "镇综治中心"},
            content_type="application/json",
            headers={**headers("banshi"), "If-Match": '"1"'},
        )
        assert saved.status_code == 200 and saved.json()["version"] == 2

    @pytest.mark.parametrize(
        ("if_match", "body_version"), [("abc", None), ('"0"', None), ('"2"', 1), ("*", None)]
    )
    def test_a_malformed_or_contradicting_if_match_is_a_400(
        self, client: Client, talk: Talk, if_match: str, body_version: int | None
    ) -> None:
        body: dict[str, Any] = {"place": "镇综治中心"}
        if body_version is not None:
            body["version"] = body_version
        refused = client.patch(
            f"/api/v1/talks/{talk.pk}",
            body,
            content_type="application/json",
            headers={**headers("banshi"), "If-Match": if_match},
        )
        assert refused.status_code == 400
        assert refused.json()["error"]["code"] == "invalid"
        talk.refresh_from_db()
        assert (talk.place, talk.version) == ("镇党委会议室", 1)
