"""Every service: who may, who may not, the audit event, nothing written when refused."""

import pytest
from django.utils import timezone

from saohei.audit.models import AuditAction, AuditEvent
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.inspections import services
from saohei.inspections.models import ArchiveFolder, Finding, FindingPhoto, InspectionRound
from saohei.inspections.tests.conftest import RecordFinding, folder, photo
from saohei.organisations.models import Unit, User
from saohei.rectifications.models import RectificationItem, SourceKind
from saohei.workdays.calendar import add_working_days

pytestmark = pytest.mark.django_db


def events(action: AuditAction) -> int:
    return AuditEvent.objects.filter(action=action).count()


def test_default_checklist_is_seeded_in_order() -> None:
    names = list(ArchiveFolder.objects.values_list("name", flat=True))

    assert names[0] == "上级文件"
    assert names[-1] == "整改清单及销号材料"
    assert len(names) == 9


def test_office_creates_a_round_with_its_audit_event(inspection: InspectionRound) -> None:
    assert inspection.villages.count() == 2
    assert events(AuditAction.INSPECTION_ROUND_CREATED) == 1


@pytest.mark.parametrize("username", ["cun02", "minjing", "shiban"])
def test_others_cannot_create_rounds(town: Unit, village: Unit, username: str) -> None:
    with pytest.raises(ActionNotAllowed):
        services.create_round(
            actor=User.objects.get(username=username),
            unit=town,
            title="检查",
            deployed_by="",
            inspected_on=timezone.localdate(),
            inspectors=[User.objects.get(username="banshi")],
            villages=[village],
        )
    assert InspectionRound.objects.count() == 0
    assert events(AuditAction.INSPECTION_ROUND_CREATED) == 0


def test_a_failed_finding_becomes_an_onsite_rectification_item(
    record_finding: RecordFinding, village: Unit
) -> None:
    finding = record_finding(photos=photo())

    item = finding.rectification_item
    assert item is not None
    assert item.source_kind == SourceKind.ARCHIVE_INSPECTION
    assert item.village == village
    assert item.responsible_person.username == "cun02"
    assert item.due_on == add_working_days(timezone.localdate(), 10)
    assert "线索摸排（含零报告）" in item.description
    assert FindingPhoto.objects.filter(finding=finding).count() == 1
    assert events(AuditAction.INSPECTION_RECORDED) == 1
    assert events(AuditAction.RECTIFICATION_OPENED) == 1


def test_a_passed_finding_opens_no_item(record_finding: RecordFinding) -> None:
    finding = record_finding(result="passed", note="")

    assert finding.rectification_item is None
    assert RectificationItem.objects.count() == 0


def test_a_failed_finding_needs_a_note(record_finding: RecordFinding) -> None:
    with pytest.raises(ServiceError) as refused:
        record_finding(result="irregular", note=" ")

    assert refused.value.field == "note"
    assert Finding.objects.count() == 0
    assert RectificationItem.objects.count() == 0


def test_the_same_folder_cannot_be_recorded_twice(record_finding: RecordFinding) -> None:
    record_finding()
    with pytest.raises(ServiceError):
        record_finding()
    assert Finding.objects.count() == 1
    assert RectificationItem.objects.count() == 1


def test_village_outside_the_round_is_refused(record_finding: RecordFinding) -> None:
    with pytest.raises(ServiceError):
        record_finding(village=Unit.objects.get(name="南岭村"))
    assert Finding.objects.count() == 0


@pytest.mark.parametrize("username", ["cun02", "minjing", "shiban"])
def test_others_cannot_record_findings_and_nothing_is_written(
    record_finding: RecordFinding, username: str
) -> None:
    with pytest.raises(ActionNotAllowed):
        record_finding(actor=username, folder=folder("宣传发动"))

    assert Finding.objects.count() == 0
    assert RectificationItem.objects.count() == 0
    assert events(AuditAction.INSPECTION_RECORDED) == 0
