"""/api/v1/cases parity with the pages (decision 0066): 加入涉案人员, the import upload (a job
followed by its progress), the retry of an interrupted job and the refused rows' workbook —
through `cases.access` and the pages' services; wrong role, another town, anonymous refused."""

import io
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from saohei.api.services import create_api_token
from saohei.audit.models import AuditAction, AuditEvent
from saohei.cases import services
from saohei.cases.models import Case, CasePerson, ImportJob, ImportStatus
from saohei.cases.tests.helpers import CASE_HEADER, case_row, csv_file, xlsx_file
from saohei.demo.tests.test_read_access_matrix import rejected_rows_for_matrix
from saohei.health.heartbeat import beat
from saohei.health.models import WorkerHeartbeat
from saohei.organisations.models import Unit, User

pytestmark = pytest.mark.django_db


def _headers(username: str | None) -> dict[str, str]:
    if username is None:
        return {}
    _, token = create_api_token(user=User.objects.get(username=username), name="测试")
    return {"Authorization": f"Bearer {token}"}


def post_json(path: str, body: dict[str, Any], username: str | None = "banshi") -> Any:
    return Client().post(
        f"/api/v1/cases{path}", body, content_type="application/json", headers=_headers(username)
    )


def assert_error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    return body["error"]  # type: ignore[no-any-return]


def test_office_adds_a_person_masked_and_audited(
    imported: list[Case], other_towns_case: Case
) -> None:
    case = imported[0]
    body = {
        "name": "钱某",
        "role": "participant",
        "id_number": "11010519491231002X",
        "phone": "13912345678",
        "plates": "鲁K12345",
    }
    assert_error(post_json(f"/{case.pk}/persons", body, "minjing"), 403)  # police: import only
    assert_error(post_json(f"/{other_towns_case.pk}/persons", body), 404)
    assert_error(post_json(f"/{case.pk}/persons", body, None), 401)
    bad = assert_error(post_json(f"/{case.pk}/persons", body | {"id_number": "123"}), 400)
    assert "id_number" in bad["fields"]
    response = post_json(f"/{case.pk}/persons", body)
    assert response.status_code == 201, response.content
    text = response.content.decode()
    assert "11010519491231002X" not in text and "13912345678" not in text
    added = CasePerson.objects.get(case=case, name="钱某")
    assert added.plates.count() == 1  # type: ignore[attr-defined]
    assert AuditEvent.objects.filter(action=AuditAction.CASE_PERSON_ADDED).exists()


def _workbook() -> SimpleUploadedFile:
    content = xlsx_file(cases=[case_row(number="API-001", village="东岛村")], persons=[])
    return SimpleUploadedFile("案件.xlsx", content.read())


def test_import_upload_makes_a_job_its_progress_follows(
    town: Unit, django_capture_on_commit_callbacks: Any
) -> None:
    headers = _headers("banshi")
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(
            "/api/v1/cases/imports",
            {"unit_id": town.pk, "file": _workbook(), "sender": "港西派出所"},
            headers=headers,
        )
    assert response.status_code == 201, response.content
    job = response.json()
    progress = Client().get(f"/api/v1/cases/imports/{job['id']}", headers=headers).json()
    assert progress["status"] == ImportStatus.SUCCEEDED, progress
    assert Case.objects.filter(unit=town, number="API-001").exists()


@pytest.mark.parametrize(("username", "status"), [("cun02", 403), (None, 401)])
def test_import_refused_to_other_roles(town: Unit, username: str | None, status: int) -> None:
    response = Client().post(
        "/api/v1/cases/imports",
        {"unit_id": town.pk, "file": _workbook()},
        headers=_headers(username),
    )
    assert_error(response, status)
    assert not ImportJob.objects.exists()


def test_import_for_another_town_is_refused(town: Unit, other_town: Unit) -> None:
    response = Client().post(
        "/api/v1/cases/imports",
        {"unit_id": other_town.pk, "file": _workbook()},
        headers=_headers("banshi"),
    )
    assert_error(response, 403)
    assert not ImportJob.objects.exists()


def _interrupted_job(town: Unit, actor: str | None = "banshi") -> ImportJob:
    upload = csv_file([CASE_HEADER, case_row(number="GX-9")])
    job = services.create_import_job(
        actor=User.objects.get(username=actor) if actor else None, unit=town, file=upload
    )
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.VALIDATING, worker_id="dead-worker"
    )
    beat(worker_id="dead-worker")
    WorkerHeartbeat.objects.filter(worker_id="dead-worker").update(
        beat_at=timezone.now() - timedelta(minutes=10)
    )
    assert services.fail_interrupted_imports() == 1
    return ImportJob.objects.get(pk=job.pk)


def test_an_interrupted_import_is_run_again(
    town: Unit, django_capture_on_commit_callbacks: Any
) -> None:
    job = _interrupted_job(town)
    assert_error(post_json(f"/imports/{job.pk}/retry", {}, "cun02"), 403)
    assert_error(post_json(f"/imports/{job.pk}/retry", {}, None), 401)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_json(f"/imports/{job.pk}/retry", {})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == ImportStatus.PENDING
    assert Case.objects.filter(number="GX-9").exists()
    again = assert_error(post_json(f"/imports/{job.pk}/retry", {}), 400)
    assert again["code"] == "invalid"


def test_retry_of_another_towns_job_is_not_found(other_town: Unit) -> None:
    job = _interrupted_job(other_town, actor=None)  # the server's command line
    assert_error(post_json(f"/imports/{job.pk}/retry", {}), 404)


def test_rejected_rows_downloaded_and_audited(town: Unit, other_town: Unit) -> None:
    banshi = User.objects.get(username="banshi")
    job = ImportJob.objects.create(
        unit=town,
        created_by=banshi,
        status=ImportStatus.FAILED,
        file="cases/imports/api.csv",
        file_name="案件.csv",
        file_sha256="0" * 64,
        **rejected_rows_for_matrix(),
    )
    path = f"/api/v1/cases/imports/{job.pk}/rejected.xlsx"
    response: Any = Client().get(path, headers=_headers("minjing"))
    assert response.status_code == 200, response.content
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert "GX-1" in [cell.value for row in workbook.worksheets[0].iter_rows() for cell in row]
    assert AuditEvent.objects.filter(target_id=str(job.pk)).exists()
    assert_error(Client().get(path, headers=_headers("cun02")), 403)
    assert_error(Client().get(path, headers=_headers(None)), 401)
    clean = ImportJob.objects.create(
        unit=town, created_by=banshi, status=ImportStatus.SUCCEEDED, file_name="a.csv"
    )
    assert_error(
        Client().get(f"/api/v1/cases/imports/{clean.pk}/rejected.xlsx", headers=_headers("banshi")),
        404,
    )
    elsewhere = ImportJob.objects.create(
        unit=other_town,
        created_by=banshi,
        status=ImportStatus.FAILED,
        file_name="b.csv",
        **rejected_rows_for_matrix(),
    )
    assert_error(
        Client().get(
            f"/api/v1/cases/imports/{elsewhere.pk}/rejected.xlsx", headers=_headers("banshi")
        ),
        404,
    )
