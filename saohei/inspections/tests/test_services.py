"""Every service: who may, who may not, the audit event, nothing written when refused."""

from typing import Any

import pytest
from django.utils import timezone

from saohei.audit.models import AuditAction, AuditEvent
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.inspections import services
from saohei.inspections.models import ArchiveFolder, Finding, FindingPhoto, InspectionRound
from saohei.inspections.tests.conftest import RecordFinding, folder, photo
from saohei.notifications.models import Notification
from saohei.organisations.models import Unit, User
from saohei.rectifications.models import RectificationItem, SourceKind, Status
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
            data=services.RoundInput(
                title="检查",
                deployed_by="",
                inspected_on=timezone.localdate(),
                inspectors=[User.objects.get(username="banshi")],
                villages=[village],
            ),
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


def edit(finding: Finding, actor: str = "banshi", **values: Any) -> Finding:
    values.setdefault("result", finding.result)
    values.setdefault("note", finding.note)
    return services.edit_finding(actor=User.objects.get(username=actor), finding=finding, **values)


class TestEditFinding:
    def test_note_corrected_audited_before_and_after_item_text_kept(
        self, record_finding: RecordFinding
    ) -> None:
        finding = record_finding()
        item = finding.rectification_item
        assert item is not None
        description, measures = item.description, item.measures

        edit(finding, result="irregular", note="零报告缺少村负责人签字")

        finding.refresh_from_db()
        item.refresh_from_db()
        assert (finding.result, finding.note) == ("irregular", "零报告缺少村负责人签字")
        assert finding.edited_by is not None and finding.edited_by.username == "banshi"
        assert (item.description, item.measures) == (description, measures)
        event = AuditEvent.objects.get(action=AuditAction.INSPECTION_FINDING_EDITED)
        assert event.details["changes"] == {
            "result": {"before": "缺失", "after": "不规范"},
            "note": {"before": "缺少三月、四月零报告", "after": "零报告缺少村负责人签字"},
        }
        assert event.details["rectification_item_opened"] is False
        assert Notification.objects.filter(
            recipient__username="cun02",
            title__startswith="档案检查结果已更正，整改事项内容未改变：",
        ).exists()

    def test_a_passed_folder_found_wanting_opens_its_item_now(
        self, record_finding: RecordFinding
    ) -> None:
        finding = record_finding(result="passed", note="")

        edit(finding, result="missing", note="复核发现缺少四月零报告")

        finding.refresh_from_db()
        assert finding.rectification_item is not None
        assert finding.rectification_item.source_kind == SourceKind.ARCHIVE_INSPECTION
        assert "复核发现缺少四月零报告" in finding.rectification_item.description
        event = AuditEvent.objects.get(action=AuditAction.INSPECTION_FINDING_EDITED)
        assert event.details["rectification_item_opened"] is True

    def test_photos_alone_may_be_added(self, record_finding: RecordFinding) -> None:
        finding = record_finding()

        edit(finding, photos=photo("补拍.png"))

        assert finding.photos.count() == 1
        event = AuditEvent.objects.get(action=AuditAction.INSPECTION_FINDING_EDITED)
        assert event.details["changes"] == {}
        assert len(event.details["photos_added"]) == 1

    def test_a_listed_item_cannot_be_turned_into_passed(
        self, record_finding: RecordFinding
    ) -> None:
        finding = record_finding()
        with pytest.raises(ServiceError) as refused:
            edit(finding, result="passed", note="")

        assert "不能直接改为合格" in refused.value.message
        finding.refresh_from_db()
        assert finding.result == "missing"
        assert events(AuditAction.INSPECTION_FINDING_EDITED) == 0

    def test_a_closed_item_keeps_its_finding_but_photos_may_be_added(
        self, record_finding: RecordFinding
    ) -> None:
        finding = record_finding()
        item = finding.rectification_item
        assert item is not None
        RectificationItem.objects.filter(pk=item.pk).update(status=Status.CLOSED)
        finding.refresh_from_db()

        with pytest.raises(ServiceError) as refused:
            edit(finding, note="改写说明")
        edit(finding, photos=photo())

        assert "已销号" in refused.value.message
        finding.refresh_from_db()
        assert finding.note == "缺少三月、四月零报告"
        assert finding.photos.count() == 1

    @pytest.mark.parametrize(
        ("values", "field", "message"),
        [
            ({"result": "bad"}, "result", "检查结果不正确"),
            ({"note": " "}, "note", "不合格的项目请填写说明"),
            ({}, None, "没有修改任何内容"),
        ],
    )
    def test_bad_corrections_are_refused(
        self,
        record_finding: RecordFinding,
        values: dict[str, Any],
        field: str | None,
        message: str,
    ) -> None:
        finding = record_finding()
        with pytest.raises(ServiceError) as refused:
            edit(finding, **values)

        assert refused.value.field == field
        assert message in refused.value.message
        assert events(AuditAction.INSPECTION_FINDING_EDITED) == 0

    @pytest.mark.parametrize("username", ["cun02", "shiban", "minjing"])
    def test_others_cannot_correct(self, record_finding: RecordFinding, username: str) -> None:
        finding = record_finding()
        with pytest.raises(ActionNotAllowed):
            edit(finding, actor=username, note="改")

        finding.refresh_from_db()
        assert finding.note == "缺少三月、四月零报告"
        assert events(AuditAction.INSPECTION_FINDING_EDITED) == 0


@pytest.mark.parametrize("username", ["xitong", "baoguan"])
def test_administrators_and_the_custodian_are_never_inspectors(
    town: Unit, village: Unit, username: str
) -> None:
    from saohei.inspections.forms import RoundForm

    dedicated = User.objects.get(username=username)
    assert dedicated not in RoundForm(town=town).fields["inspectors"].queryset  # type: ignore[attr-defined]
    with pytest.raises(ServiceError, match="举报信息保管员除外") as error:
        services.create_round(
            actor=User.objects.get(username="banshi"),
            unit=town,
            data=services.RoundInput(
                title="2026年第二轮村级档案检查",
                deployed_by="荣成市扫黑办",
                inspected_on=timezone.localdate(),
                inspectors=[dedicated],
                villages=[village],
            ),
        )
    assert error.value.field == "inspectors"
    assert not InspectionRound.objects.exists()
