"""自查自纠: the office assesses an upper document's requirements one by one and puts the problems
it finds on the rectification ledger. Every state change here is one transaction, audited.
"""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from saohei.audit.models import AuditAction
from saohei.audit.services import record_event
from saohei.common.dates import DateKind, check_date
from saohei.common.errors import ServiceError
from saohei.common.validation import checked_text
from saohei.meetings import access
from saohei.meetings.models import Assessment, Requirement, SelfInspection, SelfInspectionProblem
from saohei.meetings.services import TEXT_LIMIT
from saohei.organisations.models import Unit, User
from saohei.rectifications import services as rectifications
from saohei.rectifications.models import SourceKind


@dataclass(frozen=True)
class ProblemInput:
    """A problem the self-inspection found, against one requirement or none, as it goes on the
    rectification ledger: a date or working days for the deadline."""

    requirement: Requirement | None
    description: str
    measures: str
    responsible_leader: User
    responsible_person: User
    village: Unit | None = None
    due_on: date | None = None
    working_days: int | None = None


def self_inspection_url(inspection: SelfInspection) -> str:
    return reverse("meetings:self_inspection", args=[inspection.pk])


@transaction.atomic
def record_self_inspection(
    *,
    actor: User,
    unit: Unit,
    document_title: str,
    document_number: str,
    document_on: date,
    inspected_on: date,
    requirements: list[str],
) -> SelfInspection:
    """自查自纠: the office lists the upper document's requirements to assess one by one."""
    access.require_office(actor, unit)
    texts = [text.strip() for text in requirements if text.strip()]
    if not texts:
        raise ServiceError("请至少列出一项上级要求", field="requirements")
    check_date(inspected_on, kind=DateKind.EVENT, label="自查日期", field="inspected_on")
    check_date(document_on, kind=DateKind.HISTORY, label="发文日期", field="document_on")
    if inspected_on < document_on:
        raise ServiceError("自查日期不能早于发文日期", field="inspected_on")
    inspection = SelfInspection.objects.create(
        unit=unit,
        document_title=checked_text(
            document_title, field="document_title", label="上级文件", limit=200, required=True
        ),
        document_number=checked_text(
            document_number, field="document_number", label="文号", limit=100
        ),
        document_on=document_on,
        inspected_on=inspected_on,
        created_by=actor,
    )
    Requirement.objects.bulk_create(
        Requirement(
            inspection=inspection,
            position=index,
            text=checked_text(
                text, field="requirements", label="要求", limit=TEXT_LIMIT, required=True
            ),
        )
        for index, text in enumerate(texts, start=1)
    )
    record_event(
        action=AuditAction.SELF_INSPECTION_RECORDED,
        actor=actor,
        unit=unit,
        target=inspection,
        details={"requirements": len(texts)},
    )
    return inspection


@transaction.atomic
def assess_requirement(
    *, actor: User, requirement: Requirement, assessment: str, note: str = ""
) -> Requirement:
    """自评 of one requirement; anything short of 达标 needs a note saying why."""
    inspection = requirement.inspection
    access.require_office(actor, inspection.unit)
    if assessment not in Assessment.values:
        raise ServiceError("请选择自评结果", field="assessment")
    note = checked_text(
        note, field="note", label="说明", limit=TEXT_LIMIT, required=assessment != Assessment.MET
    )
    requirement.assessment = assessment
    requirement.note = note
    requirement.assessed_by = actor
    requirement.assessed_at = timezone.now()
    requirement.save(update_fields=["assessment", "note", "assessed_by", "assessed_at"])
    record_event(
        action=AuditAction.SELF_INSPECTION_ASSESSED,
        actor=actor,
        unit=inspection.unit,
        target=inspection,
        details={"requirement": requirement.pk, "assessment": assessment},
    )
    return requirement


@transaction.atomic
def record_problem(
    *, actor: User, inspection: SelfInspection, data: ProblemInput
) -> SelfInspectionProblem:
    """A problem found by the self-inspection, put on the ledger in the same step."""
    requirement, village = data.requirement, data.village
    access.require_office(actor, inspection.unit)
    if requirement is not None and requirement.inspection_id != inspection.pk:
        raise ServiceError("要求不属于本次自查", field="requirement")
    item = rectifications.open_item(
        actor=actor,
        unit=inspection.unit,
        source=rectifications.ItemSource(
            kind=SourceKind.SELF_INSPECTION,
            label=f"对照《{inspection.document_title}》自查自纠"[:200],
            url=self_inspection_url(inspection),
        ),
        data=rectifications.ItemInput(
            village=village,
            description=data.description,
            measures=data.measures,
            responsible_leader=data.responsible_leader,
            responsible_unit=village or inspection.unit,
            responsible_person=data.responsible_person,
            due_on=data.due_on,
            working_days=data.working_days,
        ),
    )
    problem = SelfInspectionProblem.objects.create(
        inspection=inspection,
        requirement=requirement,
        description=item.description,
        rectification_item=item,
    )
    record_event(
        action=AuditAction.SELF_INSPECTION_PROBLEM_TO_RECTIFICATION,
        actor=actor,
        unit=inspection.unit,
        target=inspection,
        details={"problem": problem.pk, "item": item.pk},
    )
    return problem
