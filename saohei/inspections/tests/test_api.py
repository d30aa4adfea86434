"""/api/v1/inspections findings: record and correct; role, town, token, bad bodies."""

from typing import Any

import pytest
from django.test import Client

from saohei.api.services import create_api_token
from saohei.audit.models import AuditAction, AuditEvent
from saohei.common.roles import Role
from saohei.inspections.models import Finding, InspectionRound
from saohei.inspections.tests.conftest import RecordFinding, folder, move_grant
from saohei.organisations.models import Unit, User
from saohei.rectifications.models import RectificationItem

pytestmark = pytest.mark.django_db


def headers(username: str) -> dict[str, str]:
    _, token = create_api_token(user=User.objects.get(username=username), name="测试")
    return {"Authorization": f"Bearer {token}"}


def send(client: Client, method: str, path: str, body: Any, username: str | None = "banshi") -> Any:
    return getattr(client, method)(
        f"/api/v1{path}",
        body,
        content_type="application/json",
        headers=headers(username) if username else {},
    )


def finding_body(village: Unit, **overrides: Any) -> dict[str, Any]:
    values = {
        "village_id": village.pk,
        "folder_id": folder("谈心谈话").pk,
        "result": "missing",
        "note": "谈心谈话记录缺少谈话对象签字",
    }
    values.update(overrides)
    return values


class TestRecordFinding:
    def test_office_records_a_failed_folder_onto_the_onsite_list(
        self, client: Client, inspection: InspectionRound, village: Unit
    ) -> None:
        response = send(
            client, "post", f"/inspections/{inspection.pk}/findings", finding_body(village)
        )

        assert response.status_code == 201
        item = RectificationItem.objects.get()
        assert response.json()["rectification_item_id"] == item.pk
        assert item.village == village
        assert item.responsible_person.username == "cun02"

    @pytest.mark.parametrize(
        ("username", "status"), [("cun02", 403), ("shiban", 403), ("cun05", 404), ("minjing", 404)]
    )
    def test_wrong_role_or_out_of_scope(
        self, client: Client, inspection: InspectionRound, village: Unit, username: str, status: int
    ) -> None:
        response = send(
            client,
            "post",
            f"/inspections/{inspection.pk}/findings",
            finding_body(village),
            username,
        )

        assert response.status_code == status
        assert Finding.objects.count() == 0
        assert RectificationItem.objects.count() == 0

    def test_other_towns_office_gets_404_and_anonymous_401(
        self, client: Client, inspection: InspectionRound, village: Unit, other_town: Unit
    ) -> None:
        assert (
            send(
                client,
                "post",
                f"/inspections/{inspection.pk}/findings",
                finding_body(village),
                None,
            ).status_code
            == 401
        )
        move_grant("banshi", Role.OFFICE_STAFF, other_town)

        response = send(
            client, "post", f"/inspections/{inspection.pk}/findings", finding_body(village)
        )

        assert response.status_code == 404
        assert Finding.objects.count() == 0

    @pytest.mark.parametrize(
        ("overrides", "status", "message"),
        [
            ({"result": "bad"}, 422, "请求数据格式不正确"),
            ({"note": ""}, 400, "不合格的项目请填写说明"),
            ({"folder_id": 999999}, 400, "档案类别不存在"),
            ({"village_id": "南岭村"}, 422, "请求数据格式不正确"),
            ({"village_id": None}, 422, "请求数据格式不正确"),
        ],
    )
    def test_bad_bodies_answer_in_chinese_and_write_nothing(
        self,
        client: Client,
        inspection: InspectionRound,
        village: Unit,
        overrides: dict[str, Any],
        status: int,
        message: str,
    ) -> None:
        response = send(
            client,
            "post",
            f"/inspections/{inspection.pk}/findings",
            finding_body(village, **overrides),
        )

        assert response.status_code == status
        assert message in response.json()["error"]["message"]
        assert Finding.objects.count() == 0
        assert RectificationItem.objects.count() == 0

    def test_village_outside_the_round_is_400(
        self, client: Client, inspection: InspectionRound
    ) -> None:
        response = send(
            client,
            "post",
            f"/inspections/{inspection.pk}/findings",
            finding_body(Unit.objects.get(name="南岭村")),
        )

        assert response.status_code == 400
        assert response.json()["error"]["fields"] == {"village_id": ["该村居不在本次检查范围内"]}
        assert Finding.objects.count() == 0


class TestEditFinding:
    def test_office_corrects_the_note(
        self, client: Client, inspection: InspectionRound, record_finding: RecordFinding
    ) -> None:
        finding = record_finding()

        response = send(
            client,
            "patch",
            f"/inspections/{inspection.pk}/findings/{finding.pk}",
            {"note": "缺少三月零报告"},
        )

        assert response.status_code == 200
        assert response.json()["note"] == "缺少三月零报告"
        assert AuditEvent.objects.filter(action=AuditAction.INSPECTION_FINDING_EDITED).count() == 1

    @pytest.mark.parametrize(
        ("username", "status"), [("cun02", 403), ("shiban", 403), ("cun04", 404)]
    )
    def test_wrong_role_or_out_of_scope(
        self,
        client: Client,
        inspection: InspectionRound,
        record_finding: RecordFinding,
        username: str,
        status: int,
    ) -> None:
        finding = record_finding()
        response = send(
            client,
            "patch",
            f"/inspections/{inspection.pk}/findings/{finding.pk}",
            {"note": "改"},
            username,
        )

        assert response.status_code == status
        finding.refresh_from_db()
        assert finding.edited_at is None

    @pytest.mark.parametrize(
        ("body", "status", "message"),
        [
            ({"result": "passed"}, 400, "不能直接改为合格"),
            ({}, 400, "没有修改任何内容"),
            ({"note": ["列表"]}, 422, "请求数据格式不正确"),
        ],
    )
    def test_bad_bodies(
        self,
        client: Client,
        inspection: InspectionRound,
        record_finding: RecordFinding,
        body: dict[str, Any],
        status: int,
        message: str,
    ) -> None:
        finding = record_finding()
        response = send(
            client, "patch", f"/inspections/{inspection.pk}/findings/{finding.pk}", body
        )

        assert response.status_code == status
        assert message in response.json()["error"]["message"]
        finding.refresh_from_db()
        assert finding.edited_at is None

    def test_anonymous_gets_401(
        self, client: Client, inspection: InspectionRound, record_finding: RecordFinding
    ) -> None:
        finding = record_finding()
        path = f"/inspections/{inspection.pk}/findings/{finding.pk}"
        assert send(client, "patch", path, {"note": "改"}, None).status_code == 401


def test_supervisor_reads_rounds_through_the_api(
    client: Client, inspection: InspectionRound, record_finding: RecordFinding
) -> None:
    record_finding()
    detail = client.get(f"/api/v1/inspections/{inspection.pk}", headers=headers("shiban"))

    assert detail.status_code == 200
    assert len(detail.json()["findings"]) == 1
