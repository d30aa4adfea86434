"""The access matrix for every page and the API: office, own village, other village, others."""

from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from saohei.api.services import create_api_token
from saohei.audit.models import AuditAction, AuditEvent
from saohei.common.roles import Role
from saohei.inspections.models import Finding, InspectionRound
from saohei.inspections.tests.conftest import PNG, RecordFinding, folder, move_grant, photo
from saohei.organisations.models import Unit, User

pytestmark = pytest.mark.django_db
ClientAs = Callable[[str], Client]


@pytest.fixture
def finding(record_finding: RecordFinding) -> Finding:
    return record_finding()


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("banshi", 200),
        ("shuji", 200),
        ("cun02", 200),
        ("cun04", 404),
        ("minjing", 403),
        ("shiban", 200),  # 上级督导 over the city: reads every village's list
        ("xitong", 403),
    ],
)
def test_own_villages_onsite_list_only(
    client_as: ClientAs,
    inspection: InspectionRound,
    village: Unit,
    finding: Finding,
    username: str,
    status: int,
) -> None:
    client = client_as(username)
    page = client.get(f"/inspections/{inspection.pk}/onsite/{village.pk}/")
    docx = client.get(f"/inspections/{inspection.pk}/onsite/{village.pk}.docx")

    assert page.status_code == status
    assert docx.status_code == status


def test_village_head_sees_only_their_own_villages_findings(
    client_as: ClientAs,
    inspection: InspectionRound,
    other_village: Unit,
    record_finding: RecordFinding,
) -> None:
    record_finding()
    record_finding(village=other_village, folder=folder("宣传发动"), note="北港村宣传记录缺失")

    own = client_as("cun02").get(f"/inspections/{inspection.pk}/").content.decode()
    office = client_as("banshi").get(f"/inspections/{inspection.pk}/").content.decode()

    assert "缺少三月、四月零报告" in own
    assert "北港村宣传记录缺失" not in own
    assert "北港村宣传记录缺失" in office


def test_round_outside_scope_is_404_and_three_admins_403(
    client_as: ClientAs, inspection: InspectionRound
) -> None:
    # 南岭村's head: the round does not cover their village.
    assert client_as("cun05").get(f"/inspections/{inspection.pk}/").status_code == 404
    admin = client_as("xitong")
    assert admin.get("/inspections/").status_code == 403
    assert admin.get(f"/inspections/{inspection.pk}/").status_code == 403
    response = Client().get(f"/inspections/{inspection.pk}/")
    assert response.status_code == 302


def test_village_head_cannot_record_findings(
    client_as: ClientAs, inspection: InspectionRound, village: Unit
) -> None:
    response = client_as("cun02").post(
        f"/inspections/{inspection.pk}/findings/",
        {"village": village.pk, "folder": folder("宣传发动").pk, "result": "missing", "note": "x"},
    )
    assert response.status_code == 403
    assert Finding.objects.count() == 0


def test_office_records_a_finding_with_a_photo_through_the_form(
    client_as: ClientAs, inspection: InspectionRound, village: Unit
) -> None:
    response = client_as("banshi").post(
        f"/inspections/{inspection.pk}/findings/",
        {
            "village": village.pk,
            "folder": folder("宣传发动").pk,
            "result": "irregular",
            "note": "无签到",
            "photos": [SimpleUploadedFile("a.png", PNG, content_type="image/png")],
        },
    )

    assert response.status_code == 302
    finding = Finding.objects.get()
    assert finding.rectification_item is not None
    photo = finding.photos.get()
    downloaded = client_as("cun02").get(f"/inspections/{inspection.pk}/photos/{photo.pk}/")
    assert downloaded.status_code == 200
    assert downloaded["Content-Disposition"].startswith("attachment")
    assert (
        client_as("cun04").get(f"/inspections/{inspection.pk}/photos/{photo.pk}/").status_code
        == 404
    )
    # Only the download that was served is audited, with the file's digest.
    (event,) = AuditEvent.objects.filter(action=AuditAction.ATTACHMENT_DOWNLOADED)
    assert event.details == {"photo_id": photo.pk, "sha256": photo.sha256}
    assert event.actor_username == "cun02"


def test_village_status_over_rounds(
    client_as: ClientAs, village: Unit, other_village: Unit, finding: Finding
) -> None:
    page = client_as("cun02").get(f"/inspections/villages/{village.pk}/")

    assert page.status_code == 200
    assert "缺失" in page.content.decode()
    assert client_as("cun02").get(f"/inspections/villages/{other_village.pk}/").status_code == 404
    assert client_as("banshi").get(f"/inspections/villages/{other_village.pk}/").status_code == 200


class TestApi:
    def headers(self, username: str) -> dict[str, str]:
        _, token = create_api_token(user=User.objects.get(username=username), name="测试")
        return {"Authorization": f"Bearer {token}"}

    @pytest.mark.parametrize(
        ("username", "status", "findings"),
        [("banshi", 200, 1), ("cun02", 200, 1), ("cun04", 200, 0), ("cun05", 404, 0)],
    )
    def test_detail_follows_scope(
        self,
        client: Client,
        inspection: InspectionRound,
        finding: Finding,
        username: str,
        status: int,
        findings: int,
    ) -> None:
        response = client.get(
            f"/api/v1/inspections/{inspection.pk}", headers=self.headers(username)
        )

        assert response.status_code == status
        if status == 200:
            assert len(response.json()["findings"]) == findings

    def test_office_creates_and_village_head_is_refused(
        self, client: Client, town: Unit, village: Unit
    ) -> None:
        payload = {
            "unit_id": town.pk,
            "title": "第二轮档案检查",
            "inspected_on": "2026-01-05",
            "inspector_ids": [User.objects.get(username="banshi").pk],
            "village_ids": [village.pk],
        }
        created = client.post(
            "/api/v1/inspections",
            payload,
            content_type="application/json",
            headers=self.headers("banshi"),
        )
        refused = client.post(
            "/api/v1/inspections",
            payload,
            content_type="application/json",
            headers=self.headers("cun02"),
        )

        assert created.status_code == 201
        assert refused.status_code == 403
        listed = client.get("/api/v1/inspections", headers=self.headers("banshi")).json()
        assert [row["title"] for row in listed] == ["第二轮档案检查"]


def test_office_edits_the_checklist_and_others_cannot(client_as: ClientAs) -> None:
    from saohei.audit.models import AuditAction, AuditEvent
    from saohei.inspections.models import ArchiveFolder

    publicity = folder("宣传发动")
    office = client_as("banshi")
    assert office.get(f"/inspections/folders/?edit={publicity.pk}").status_code == 200
    renamed = office.post(
        "/inspections/folders/",
        {"folder_id": publicity.pk, "name": "宣传发动材料", "sort_order": 5},
    )
    added = office.post(
        "/inspections/folders/", {"name": "平安建设", "sort_order": 200, "is_active": "on"}
    )

    assert renamed.status_code == added.status_code == 302
    publicity.refresh_from_db()
    assert (publicity.name, publicity.sort_order, publicity.is_active) == ("宣传发动材料", 5, False)
    assert ArchiveFolder.objects.filter(name="平安建设", is_active=True).exists()
    assert AuditEvent.objects.filter(action=AuditAction.ARCHIVE_FOLDER_SAVED).count() == 2
    assert client_as("cun02").get("/inspections/folders/").status_code == 403


def test_every_page_renders_for_the_office(
    client_as: ClientAs, inspection: InspectionRound, village: Unit, finding: Finding
) -> None:
    office = client_as("banshi")
    for path in (
        "/inspections/",
        "/inspections/new/",
        "/inspections/folders/",
        f"/inspections/{inspection.pk}/",
        f"/inspections/{inspection.pk}/onsite/{village.pk}/",
        f"/inspections/villages/{village.pk}/",
        "/talks/",
        "/talks/new/",
        "/talks/coverage/",
    ):
        assert office.get(path).status_code == 200, path
    assert client_as("shuji").get("/talks/review/").status_code == 200


def test_office_creates_a_round_through_the_form(
    client_as: ClientAs, village: Unit, other_village: Unit
) -> None:
    response = client_as("banshi").post(
        "/inspections/new/",
        {
            "title": "市扫黑办部署档案检查",
            "deployed_by": "荣成市扫黑办",
            "inspected_on": "2026-01-05",
            "inspectors": [User.objects.get(username="banshi").pk],
            "villages": [village.pk, other_village.pk],
            "working_days": 5,
        },
    )

    assert response.status_code == 302
    assert InspectionRound.objects.get().villages.count() == 2


class TestSupervisor:
    """上级督导 read rounds, findings, on-site lists and village status; they write nothing."""

    def test_reads_every_page_without_write_buttons(
        self,
        client_as: ClientAs,
        inspection: InspectionRound,
        village: Unit,
        other_village: Unit,
        record_finding: RecordFinding,
    ) -> None:
        finding = record_finding(photos=photo())
        record_finding(village=other_village, folder=folder("宣传发动"), note="北港村宣传记录缺失")
        client = client_as("shiban")

        listed = client.get("/inspections/").content.decode()
        detail = client.get(f"/inspections/{inspection.pk}/").content.decode()
        onsite = client.get(f"/inspections/{inspection.pk}/onsite/{village.pk}/")
        status = client.get(f"/inspections/villages/{other_village.pk}/")
        pdf = client.get(f"/inspections/{inspection.pk}/onsite/{village.pk}.pdf")
        image = client.get(f"/inspections/{inspection.pk}/photos/{finding.photos.get().pk}/")

        assert f"/inspections/{inspection.pk}/" in listed
        assert "/inspections/new/" not in listed and "/inspections/folders/" not in listed
        assert "缺少三月、四月零报告" in detail and "北港村宣传记录缺失" in detail
        assert "登记检查结果" not in detail and "/edit/" not in detail
        assert onsite.status_code == status.status_code == pdf.status_code == 200
        assert image.status_code == 200

    def test_write_pages_are_403_and_nothing_is_written(
        self, client_as: ClientAs, inspection: InspectionRound, village: Unit, finding: Finding
    ) -> None:
        client = client_as("shiban")
        posted = client.post(
            f"/inspections/{inspection.pk}/findings/",
            {
                "village": village.pk,
                "folder": folder("宣传发动").pk,
                "result": "missing",
                "note": "x",
            },
        )
        edit_path = f"/inspections/{inspection.pk}/findings/{finding.pk}/edit/"

        assert posted.status_code == 403
        assert client.get("/inspections/new/").status_code == 403
        assert client.get("/inspections/folders/").status_code == 403
        assert client.get(edit_path).status_code == 403
        assert client.post(edit_path, {"result": "irregular", "note": "改"}).status_code == 403
        assert Finding.objects.count() == 1
        finding.refresh_from_db()
        assert finding.edited_at is None

    def test_supervisor_of_another_town_gets_404(
        self,
        client_as: ClientAs,
        inspection: InspectionRound,
        village: Unit,
        finding: Finding,
        other_town: Unit,
    ) -> None:
        move_grant("shiban", Role.SUPERVISOR, other_town)
        client = client_as("shiban")

        assert f"/inspections/{inspection.pk}/" not in client.get("/inspections/").content.decode()
        for path in (
            f"/inspections/{inspection.pk}/",
            f"/inspections/{inspection.pk}/onsite/{village.pk}/",
            f"/inspections/{inspection.pk}/onsite/{village.pk}.docx",
            f"/inspections/villages/{village.pk}/",
        ):
            assert client.get(path).status_code == 404, path


class TestEditFindingPage:
    def path(self, inspection: InspectionRound, finding: Finding) -> str:
        return f"/inspections/{inspection.pk}/findings/{finding.pk}/edit/"

    def test_office_corrects_the_note_and_is_told_the_item_is_unchanged(
        self, client_as: ClientAs, inspection: InspectionRound, finding: Finding
    ) -> None:
        client = client_as("banshi")
        page = client.get(self.path(inspection, finding)).content.decode()
        assert "不会改写整改事项" in page

        response = client.post(
            self.path(inspection, finding),
            {
                "result": "irregular",
                "note": "零报告缺少村负责人签字",
                "photos": [SimpleUploadedFile("补拍.png", PNG, content_type="image/png")],
            },
            follow=True,
        )

        assert "整改事项内容未随之改写" in response.content.decode()
        finding.refresh_from_db()
        assert (finding.result, finding.note) == ("irregular", "零报告缺少村负责人签字")
        assert finding.photos.count() == 1
        assert "检查后修改" in response.content.decode()

    def test_turning_a_listed_item_into_passed_is_refused_in_chinese(
        self, client_as: ClientAs, inspection: InspectionRound, finding: Finding
    ) -> None:
        response = client_as("banshi").post(
            self.path(inspection, finding), {"result": "passed", "note": ""}
        )

        assert response.status_code == 400
        assert "不能直接改为合格" in response.content.decode()
        finding.refresh_from_db()
        assert finding.result == "missing"

    @pytest.mark.parametrize("username", ["cun02", "minjing", "xitong"])
    def test_others_get_403(
        self, client_as: ClientAs, inspection: InspectionRound, finding: Finding, username: str
    ) -> None:
        response = client_as(username).post(
            self.path(inspection, finding), {"result": "irregular", "note": "改"}
        )

        assert response.status_code == 403
        finding.refresh_from_db()
        assert finding.edited_at is None

    def test_other_towns_office_gets_404_and_anonymous_the_login(
        self, client_as: ClientAs, inspection: InspectionRound, finding: Finding, other_town: Unit
    ) -> None:
        move_grant("banshi", Role.OFFICE_STAFF, other_town)

        assert client_as("banshi").get(self.path(inspection, finding)).status_code == 404
        response = Client().get(self.path(inspection, finding))
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
