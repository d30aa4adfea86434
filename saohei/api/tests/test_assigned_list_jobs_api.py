"""A long 交办清单 through the API as on the page (issue 15, decision 0068 addendum): 确认导入 of
more than `INLINE_ROWS` rows answers 202 with the background job (the page's
`submit_list_import`), whose progress and retry are operations of their own."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from saohei.api.tests.test_parity_api import Api, _error
from saohei.assigned_lists import services
from saohei.assigned_lists.models import AssignedList, ListImportJob
from saohei.assigned_lists.tests.conftest import make_account
from saohei.assigned_lists.tests.helpers import list_row, merged_xlsx
from saohei.assigned_lists.tests.test_import import _mapped, stage
from saohei.audit.models import AuditAction, AuditEvent
from saohei.common.roles import Role
from saohei.health.jobs import JobStatus
from saohei.leads import services as lead_services
from saohei.leads.models import Lead
from saohei.organisations.models import Unit, UnitKind, User
from saohei.organisations.services import build_unit
from saohei.sheets.models import StagedSheet

pytestmark = pytest.mark.django_db

LONG = services.INLINE_ROWS + 20


@pytest.fixture(autouse=True)
def _immediate_tasks(settings: Any, tmp_path: Path) -> None:
    """The task runs in this process when it is enqueued, as the page's job tests run it."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def town(demo: None) -> Unit:
    return Unit.objects.get(name="港西镇")


@pytest.fixture
def long_list(town: Unit) -> StagedSheet:
    banshi = User.objects.get(username="banshi")
    _mapped(banshi, town)
    rows = [list_row(n, f"RC-{n:04d}") for n in range(1, LONG + 1)]
    return stage(banshi, town, merged_xlsx(rows))


@pytest.fixture
def confirm(django_capture_on_commit_callbacks: Any) -> Iterator[Any]:
    def send(api: Api, path: str) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return api.send_json("post", path)

    yield send


def test_a_long_list_is_imported_through_the_pages_job(
    long_list: StagedSheet, confirm: Any
) -> None:
    clerk = Api("banshi")

    accepted = confirm(clerk, f"/assigned-lists/imports/{long_list.pk}/import")

    assert accepted.status_code == 202, accepted.content
    job = ListImportJob.objects.get()
    assert accepted.json()["id"] == job.pk and accepted.json()["staged_id"] == long_list.pk
    shown = clerk.get(f"/assigned-lists/jobs/{job.pk}")
    assert shown.status_code == 200, shown.content
    assert shown.json()["status"] == JobStatus.SUCCEEDED
    assigned = AssignedList.objects.get()
    assert shown.json()["list_id"] == assigned.pk and assigned.created_count == LONG
    assert clerk.get(f"/assigned-lists/imports/{long_list.pk}").json()["job_id"] == job.pk
    # A second confirm starts nothing: the list is imported.
    again = confirm(clerk, f"/assigned-lists/imports/{long_list.pk}/import")
    assert again.status_code == 400 and ListImportJob.objects.count() == 1


def test_a_short_list_is_still_written_in_the_request(town: Unit) -> None:
    banshi = User.objects.get(username="banshi")
    _mapped(banshi, town)
    staged = stage(banshi, town, merged_xlsx([list_row(1, "RC-1"), list_row(2, "RC-2")]))
    imported = Api("banshi").send_json("post", f"/assigned-lists/imports/{staged.pk}/import")
    assert imported.status_code == 201, imported.content
    assert not ListImportJob.objects.exists()


def test_a_failed_job_is_retried_without_a_new_upload(
    long_list: StagedSheet, confirm: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = lead_services.register_leads

    def failing(**kwargs: Any) -> list[Lead]:
        # The new leads are written in one batch; then the disk fills.
        real(**kwargs)
        raise RuntimeError("disk full")

    monkeypatch.setattr(lead_services, "register_leads", failing)
    clerk = Api("banshi")
    accepted = confirm(clerk, f"/assigned-lists/imports/{long_list.pk}/import")
    job = ListImportJob.objects.get(pk=accepted.json()["id"])
    failed = clerk.get(f"/assigned-lists/jobs/{job.pk}").json()
    assert failed["status"] == JobStatus.FAILED and failed["can_retry"]
    assert not AssignedList.objects.exists()

    monkeypatch.setattr(lead_services, "register_leads", real)
    retried = confirm(clerk, f"/assigned-lists/jobs/{job.pk}/retry")

    assert retried.status_code == 202, retried.content
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and AssignedList.objects.count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.ASSIGNED_LIST_IMPORT_RETRIED).exists()
    nothing_left = confirm(clerk, f"/assigned-lists/jobs/{job.pk}/retry")
    assert nothing_left.status_code == 400


def test_the_job_is_the_towns_clerks_only(long_list: StagedSheet, town: Unit) -> None:
    banshi = User.objects.get(username="banshi")
    job = services.submit_list_import(actor=banshi, staged=long_list)  # not run: no commit
    ListImportJob.objects.filter(pk=job.pk).update(status=JobStatus.FAILED)
    other = build_unit(name="港东镇", kind=UnitKind.TOWN, parent=town.parent, code="GD")
    make_account("gdbanshi", other, Role.OFFICE_STAFF)
    path = f"/assigned-lists/jobs/{job.pk}"

    for username, status in (("shuji", 403), ("cun01", 403), ("minjing", 403), ("gdbanshi", 404)):
        assert Api(username).get(path).status_code == status, username
        refused = Api(username).send_json("post", f"{path}/retry")
        assert refused.status_code == status and set(_error(refused)) == {
            "code",
            "message",
            "fields",
        }
    assert Api(None).get(path).status_code == 401
    assert Client().post(f"/api/v1{path}/retry").status_code == 401
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
