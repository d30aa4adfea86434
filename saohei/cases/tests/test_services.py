"""倒查 reviews: who may review, the rules, the audit event, and 转为线索."""

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from saohei.audit.models import AuditAction, AuditEvent
from saohei.cases import services
from saohei.cases.models import Case, CaseReview, ReviewConclusion
from saohei.cases.tests.helpers import VALID_ID
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.common.pii import blind_index
from saohei.leads.models import Lead, Source, SubjectRole
from saohei.organisations.models import User

pytestmark = pytest.mark.django_db
UserGetter = Callable[[str], User]
NOTES = "经会同派出所调阅卷宗、走访群众，系个人酒后滋事，排除涉黑涉恶可能"


def _review(actor: User, case: Case, **overrides: Any) -> CaseReview:
    values: dict[str, Any] = {
        "conclusion": ReviewConclusion.EXCLUDED,
        "reviewed_on": date(2020, 3, 1),
        "notes": NOTES,
    }
    values.update(overrides)
    return services.review_case(actor=actor, case=case, **values)


@pytest.mark.parametrize("username", ["banshi", "shuji", "fushuji", "jiaodaoyuan"])
def test_office_and_leaders_review(imported: list[Case], user: UserGetter, username: str) -> None:
    review = _review(user(username), imported[0], is_gang=True, organiser="王某")
    assert review.reviewer == user(username)
    assert (review.conclusion, review.is_gang, review.organiser) == ("excluded", True, "王某")
    event = AuditEvent.objects.get(action=AuditAction.CASE_REVIEWED)
    assert event.actor == user(username)
    assert event.target_id == str(imported[0].pk)
    assert event.details == {"conclusion": "excluded", "is_gang": True, "lead": ""}


@pytest.mark.parametrize(
    "username", ["minjing", "suozhang", "cun02", "shiban", "xitong", "baoguan"]
)
def test_others_may_not_review_and_nothing_is_written(
    imported: list[Case], user: UserGetter, username: str
) -> None:
    with pytest.raises(ActionNotAllowed):
        _review(user(username), imported[0])
    assert not CaseReview.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.CASE_REVIEWED).exists()


def test_office_of_another_town_may_not_review(user: UserGetter, other_towns_case: Case) -> None:
    with pytest.raises(ActionNotAllowed):
        _review(user("banshi"), other_towns_case)
    assert not CaseReview.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"notes": "排除"}, "notes"),
        ({"reviewed_on": "tomorrow"}, "reviewed_on"),
        ({"reviewed_on": date(2011, 1, 1)}, "reviewed_on"),
        ({"organiser": "王某", "is_gang": False}, "organiser"),
        ({"conclusion": "maybe"}, "conclusion"),
    ],
)
def test_bad_review_input_is_refused_and_nothing_written(
    imported: list[Case], user: UserGetter, overrides: dict[str, Any], field: str
) -> None:
    # "Tomorrow" is taken when the test runs: a run may cross midnight after collection.
    if overrides.get("reviewed_on") == "tomorrow":
        overrides = {**overrides, "reviewed_on": timezone.localdate() + timedelta(days=1)}
    with pytest.raises(ServiceError) as refused:
        _review(user("banshi"), imported[0], **overrides)
    assert refused.value.field == field
    assert not CaseReview.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.CASE_REVIEWED).exists()


def test_a_review_can_be_revised_and_each_revision_is_audited(
    imported: list[Case], user: UserGetter
) -> None:
    _review(user("banshi"), imported[0])
    _review(user("shuji"), imported[0], is_gang=True, organiser="王某")
    review = CaseReview.objects.get()
    assert (review.reviewer, review.organiser) == (user("shuji"), "王某")
    assert AuditEvent.objects.filter(action=AuditAction.CASE_REVIEWED).count() == 2


def test_turning_a_case_into_a_lead_registers_it_with_the_perpetrators(
    imported: list[Case], user: UserGetter
) -> None:
    case = imported[0]
    review = _review(
        user("banshi"),
        case,
        conclusion=ReviewConclusion.TO_LEAD,
        is_gang=True,
        organiser="王某",
        notes="王某多次纠集他人在码头滋事，需进一步核查是否为恶势力",
    )
    lead = Lead.objects.get()
    assert review.lead == lead
    assert lead.source == Source.CASE_REVIEW
    assert lead.unit == case.unit and lead.village == case.village
    assert case.number in lead.summary and "纠集者：王某" in lead.narrative
    assert list(lead.offence_types.values_list("name", flat=True)) == ["寻衅滋事"]
    subjects = {subject.name: subject for subject in lead.subjects.all()}
    # The victim is not a subject; the perpetrators are, with their identifiers re-sealed.
    assert set(subjects) == {"王某", "李某", "赵某"}
    assert all(subject.role == SubjectRole.INVOLVED for subject in subjects.values())
    assert subjects["王某"].id_number_index == blind_index("id_number", VALID_ID)
    assert subjects["李某"].phone_masked == "139****5678"
    event = AuditEvent.objects.get(action=AuditAction.CASE_REVIEWED)
    assert event.details["lead"] == lead.number
    assert AuditEvent.objects.filter(action=AuditAction.LEAD_REGISTERED).count() == 1


def test_a_review_that_became_a_lead_is_final(imported: list[Case], user: UserGetter) -> None:
    _review(user("banshi"), imported[0], conclusion=ReviewConclusion.TO_LEAD)
    with pytest.raises(ServiceError, match="已转为线索"):
        _review(user("banshi"), imported[0], conclusion=ReviewConclusion.TO_LEAD)
    assert Lead.objects.count() == 1
    assert CaseReview.objects.get().conclusion == ReviewConclusion.TO_LEAD


def test_ledger_export_is_audited(user: UserGetter, demo: None) -> None:
    from saohei.cases.queries import CaseFilters

    services.record_ledger_export(
        actor=user("banshi"), count=7, filters=CaseFilters(year=2015), ip_address="10.0.0.1"
    )
    event = AuditEvent.objects.get(action=AuditAction.CASES_EXPORTED)
    assert event.details == {"cases": 7, "filters": {"year": 2015}}
    assert event.ip_address == "10.0.0.1"
