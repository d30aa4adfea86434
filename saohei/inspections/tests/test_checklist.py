"""检查清单: a village's whole checklist in one submit, 合格 by default, all or nothing."""

import re
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from saohei.audit.models import AuditAction, AuditEvent
from saohei.common.roles import Role
from saohei.inspections import services
from saohei.inspections.models import ArchiveFolder, Finding, FindingPhoto, InspectionRound
from saohei.inspections.tests.conftest import PNG, folder, move_grant, photo
from saohei.organisations.models import Unit, User
from saohei.rectifications.models import RectificationItem

pytestmark = pytest.mark.django_db
ClientAs = Callable[[str], Client]


def recorded_events() -> int:
    return AuditEvent.objects.filter(action=AuditAction.INSPECTION_RECORDED).count()


def url(inspection: InspectionRound, village: Unit) -> str:
    return f"/inspections/{inspection.pk}/checklist/{village.pk}/"


def all_passed(folders: list[ArchiveFolder]) -> dict[str, object]:
    data: dict[str, object] = {f"result_{item.pk}": "passed" for item in folders}
    data.update({f"note_{item.pk}": "" for item in folders})
    return data


def test_service_records_the_whole_checklist_in_one_call(
    inspection: InspectionRound, village: Unit
) -> None:
    folders = list(ArchiveFolder.objects.filter(is_active=True))
    missing = folder("宣传发动")
    rows = [
        services.ChecklistRow(folder=item)
        if item != missing
        else services.ChecklistRow(
            folder=item, result="missing", note="宣传记录缺失", photos=photo()
        )
        for item in folders
    ]

    findings = services.record_checklist(
        actor=User.objects.get(username="banshi"), inspection=inspection, village=village, rows=rows
    )

    assert len(findings) == len(folders) == 9
    assert Finding.objects.filter(village=village, result="passed").count() == 8
    failed = Finding.objects.get(village=village, result="missing")
    assert failed.folder == missing and failed.note == "宣传记录缺失"
    assert failed.rectification_item is not None
    assert FindingPhoto.objects.filter(finding=failed).count() == 1
    assert recorded_events() == 9


def test_service_refuses_every_row_when_one_row_is_invalid(
    inspection: InspectionRound, village: Unit
) -> None:
    folders = list(ArchiveFolder.objects.filter(is_active=True))
    rows = [services.ChecklistRow(folder=item) for item in folders]
    rows[0] = services.ChecklistRow(folder=folders[0], result="missing", photos=photo())
    rows[-1] = services.ChecklistRow(folder=folders[-1], result="irregular", note="签字不全")

    with pytest.raises(services.ChecklistRefused) as refused:
        services.record_checklist(
            actor=User.objects.get(username="banshi"),
            inspection=inspection,
            village=village,
            rows=rows,
        )

    assert refused.value.row_errors == {folders[0].pk: ("note", "不合格的项目请填写说明")}
    assert Finding.objects.count() == 0
    assert FindingPhoto.objects.count() == 0
    assert RectificationItem.objects.count() == 0
    assert recorded_events() == 0


def test_village_head_cannot_record_a_checklist(inspection: InspectionRound, village: Unit) -> None:
    rows = [services.ChecklistRow(folder=item) for item in ArchiveFolder.objects.all()]

    with pytest.raises(services.ActionNotAllowed):
        services.record_checklist(
            actor=User.objects.get(username="cun02"),
            inspection=inspection,
            village=village,
            rows=rows,
        )
    assert Finding.objects.count() == 0


def test_page_lists_every_folder_as_passed_by_default(
    client_as: ClientAs, inspection: InspectionRound, village: Unit
) -> None:
    page = client_as("banshi").get(url(inspection, village))

    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('data-testid="checklist-row"') == 9
    for item in ArchiveFolder.objects.all():
        assert re.search(f'name="result_{item.pk}" value="passed"[^>]*checked', html)
        assert not re.search(f'name="result_{item.pk}" value="missing"[^>]*checked', html)


def test_one_submit_records_the_checklist_with_a_failure_note_and_photo(
    client_as: ClientAs, inspection: InspectionRound, village: Unit
) -> None:
    folders = list(ArchiveFolder.objects.filter(is_active=True))
    missing = folder("宣传发动")
    data = all_passed(folders) | {
        f"result_{missing.pk}": "missing",
        f"note_{missing.pk}": "宣传记录缺失",
        f"photos_{missing.pk}": [SimpleUploadedFile("柜.png", PNG, content_type="image/png")],
    }

    response = client_as("banshi").post(url(inspection, village), data)

    assert response.status_code == 302
    assert Finding.objects.filter(round=inspection, village=village).count() == 9
    failed = Finding.objects.get(result="missing")
    assert failed.folder == missing and failed.photos.count() == 1
    assert (
        client_as("banshi")
        .get(url(inspection, village))
        .content.decode()
        .count('data-testid="checklist-row"')
        == 0
    )


def test_an_invalid_row_writes_nothing_and_is_marked_beside_the_row(
    client_as: ClientAs, inspection: InspectionRound, village: Unit
) -> None:
    folders = list(ArchiveFolder.objects.filter(is_active=True))
    failing = folder("宣传发动")
    data = all_passed(folders) | {
        f"result_{folders[0].pk}": "irregular",
        f"note_{folders[0].pk}": "签字不全",
        f"result_{failing.pk}": "missing",
        f"photos_{failing.pk}": [SimpleUploadedFile("柜.png", PNG, content_type="image/png")],
    }

    response = client_as("banshi").post(url(inspection, village), data)

    html = response.content.decode()
    assert response.status_code == 400
    assert f'id="id_note_{failing.pk}_error"' in html
    assert "不合格的项目请填写说明" in html
    assert "本次未登记任何一项" in html
    assert Finding.objects.count() == 0
    assert RectificationItem.objects.count() == 0
    assert recorded_events() == 0


def test_a_photo_that_is_not_a_picture_writes_nothing(
    client_as: ClientAs, inspection: InspectionRound, village: Unit
) -> None:
    folders = list(ArchiveFolder.objects.filter(is_active=True))
    data = all_passed(folders) | {
        f"photos_{folders[1].pk}": [SimpleUploadedFile("a.png", b"", content_type="image/png")],
    }

    response = client_as("banshi").post(url(inspection, village), data)

    assert response.status_code == 400
    assert f'id="id_photos_{folders[1].pk}_error"' in response.content.decode()
    assert Finding.objects.count() == 0


@pytest.mark.parametrize(
    ("username", "status"),
    [("banshi", 200), ("shuji", 200), ("cun02", 403), ("minjing", 403), ("xitong", 403)],
)
def test_only_the_towns_office_opens_the_checklist(
    client_as: ClientAs, inspection: InspectionRound, village: Unit, username: str, status: int
) -> None:
    client = client_as(username)

    assert client.get(url(inspection, village)).status_code == status
    if status != 200:
        posted = client.post(
            url(inspection, village), all_passed(list(ArchiveFolder.objects.all()))
        )
        assert posted.status_code == status
        assert Finding.objects.count() == 0


def test_a_village_outside_the_round_is_not_found(
    client_as: ClientAs, inspection: InspectionRound, town: Unit
) -> None:
    outside = (
        Unit.objects.filter(parent=town)
        .villages()
        .exclude(pk__in=inspection.villages.values("pk"))[0]
    )

    assert client_as("banshi").get(url(inspection, outside)).status_code == 404


def test_another_towns_office_cannot_open_the_checklist(
    client_as: ClientAs, inspection: InspectionRound, village: Unit, other_town: Unit
) -> None:
    move_grant("banshi", Role.OFFICE_STAFF, other_town)

    assert client_as("banshi").get(url(inspection, village)).status_code == 404


def test_anonymous_visitor_is_sent_to_sign_in(
    client: Client, inspection: InspectionRound, village: Unit
) -> None:
    response = client.get(url(inspection, village))

    assert response.status_code == 302
    assert "login" in response["Location"]
    assert client.post(url(inspection, village), {}).status_code == 302
    assert Finding.objects.count() == 0
