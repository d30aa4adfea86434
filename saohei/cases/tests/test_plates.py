"""Vehicle plates of 涉案人员 (issue 12, decision 0027): the optional 车牌号 column of the
import, the case page, the ledger, the API, search, and 转为线索 carrying them to the lead."""

import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from saohei.api.services import create_api_token
from saohei.audit.models import AuditAction, AuditEvent
from saohei.cases import services
from saohei.cases.exports import import_template
from saohei.cases.models import Case, CasePerson, CasePersonPlate, ImportJob, ImportStatus
from saohei.cases.tests.helpers import CASE_HEADER, PERSON_HEADER, case_row, csv_file, xlsx_file
from saohei.organisations.models import User

pytestmark = pytest.mark.django_db
ImportFile = Callable[..., ImportJob]
HEADER = [*PERSON_HEADER, "车牌号"]


def _person(number: str = "GX-1", name: str = "王某", plates: str = "", **extra: Any) -> list[Any]:
    return [number, name, "", "", "港西镇", extra.get("role", "纠集者"), plates]


def _plates(name: str) -> list[str]:
    return list(
        CasePersonPlate.objects.filter(person__name=name)
        .order_by("id")
        .values_list("number", flat=True)
    )


@pytest.fixture
def with_plates(import_file: ImportFile) -> ImportJob:
    job = import_file(
        xlsx_file(
            cases=[case_row(number="GX-1"), case_row(number="GX-2", cause="故意伤害")],
            persons=[
                _person(plates="鲁K·12345、鲁kd12345，鲁K1234挂"),
                _person(name="李某", plates=""),
                _person(number="GX-2", name="赵某", plates="粤B12345D"),
            ],
            person_header=HEADER,
        )
    )
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    return job


def test_the_plates_column_is_imported_in_normal_form_and_audited_as_a_count(
    with_plates: ImportJob,
) -> None:
    assert _plates("王某") == ["鲁K12345", "鲁KD12345", "鲁K1234挂"]
    assert _plates("李某") == []
    assert _plates("赵某") == ["粤B12345D"]
    event = AuditEvent.objects.get(action=AuditAction.CASES_IMPORTED)
    assert event.details["plates"] == 4
    assert "12345" not in json.dumps(event.details, ensure_ascii=False)


def test_a_file_without_the_plates_column_still_imports(import_file: ImportFile) -> None:
    job = import_file(
        xlsx_file(
            cases=[case_row(number="GX-1")],
            persons=[_person()[:-1]],
            person_header=PERSON_HEADER,
        )
    )
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    assert not CasePersonPlate.objects.exists()


def test_every_bad_plate_is_listed_by_row_and_column_and_nothing_is_written(
    import_file: ImportFile,
) -> None:
    job = import_file(
        xlsx_file(
            cases=[case_row(number="GX-1")],
            persons=[
                _person(plates="鲁K12345"),
                _person(name="李某", plates="鲁K12345、鲁K1234"),
                _person(name="赵某", plates="鲁K1234港"),
            ],
            person_header=HEADER,
        )
    )
    assert job.status == ImportStatus.FAILED
    errors = {(e["sheet"], e["row"], e["column"]): e["message"] for e in job.errors}
    assert set(errors) == {("涉案人员", 3, "车牌号"), ("涉案人员", 4, "车牌号")}
    assert "第2个车牌“鲁K1234”" in errors[("涉案人员", 3, "车牌号")]
    assert "只用于粤Z" in errors[("涉案人员", 4, "车牌号")]
    assert not Case.objects.exists()
    assert not CasePerson.objects.exists()
    assert not CasePersonPlate.objects.exists()


def test_gbk_csv_plates_import(import_file: ImportFile) -> None:
    cases = csv_file([CASE_HEADER, case_row(number="GX-9")], encoding="gbk")
    persons = csv_file(
        [HEADER, _person(number="GX-9", plates="鲁K12345，鲁KF12345")],
        encoding="gbk",
        name="涉案人员.csv",
    )
    job = import_file(cases, persons)
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    assert _plates("王某") == ["鲁K12345", "鲁KF12345"]


def test_reimporting_replaces_the_plates_with_the_persons(
    import_file: ImportFile, with_plates: ImportJob
) -> None:
    job = import_file(
        xlsx_file(
            cases=[case_row(number="GX-1")],
            persons=[_person(plates="鲁K54321")],
            person_header=HEADER,
        )
    )
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    assert _plates("王某") == ["鲁K54321"]
    assert _plates("赵某") == ["粤B12345D"]  # GX-2 was not in this import


def test_the_template_has_the_optional_plates_column() -> None:
    workbook = load_workbook(io.BytesIO(import_template(villages=["东岛村"])))
    header = [cell.value for cell in workbook["涉案人员"][1]]
    column = header.index("车牌号") + 1
    assert workbook["涉案人员"].cell(2, column).value == "鲁K12345、鲁KD12345"


def test_the_case_page_and_the_ledger_show_plates(
    client_as: Callable[[str], Client], with_plates: ImportJob
) -> None:
    office = client_as("banshi")
    case = Case.objects.get(number="GX-1")
    page = office.get(f"/cases/{case.pk}/").content.decode()
    assert "鲁K12345、鲁KD12345、鲁K1234挂" in page
    download = office.get("/cases/export.xlsx")
    ledger = load_workbook(io.BytesIO(b"".join(download.streaming_content)))  # type: ignore[attr-defined]
    text = " ".join(str(cell) for row in ledger.active.iter_rows(values_only=True) for cell in row)
    assert "鲁KD12345" in text


def test_the_case_list_finds_a_plate_typed_with_or_without_spaces(
    client_as: Callable[[str], Client], with_plates: ImportJob
) -> None:
    office = client_as("banshi")
    for typed in ("鲁KD12345", "鲁kd 123 45", "鲁K·D12345", "粤B 12345D"):
        page = office.get("/cases/", {"q": typed}).content.decode()
        expected, other = ("GX-2", "GX-1") if typed.startswith("粤") else ("GX-1", "GX-2")
        assert f">{expected}<" in page, typed
        assert f">{other}<" not in page, typed


def test_the_api_shows_plates(with_plates: ImportJob) -> None:
    _, token = create_api_token(user=User.objects.get(username="banshi"), name="测试")
    case = Case.objects.get(number="GX-2")
    body = Client().get(f"/api/v1/cases/{case.pk}", headers={"Authorization": f"Bearer {token}"})
    assert body.status_code == 200, body.content.decode()
    assert body.json()["persons"][0]["plates"] == ["粤B12345D"]


def test_a_case_turned_into_a_lead_keeps_its_perpetrators_plates(with_plates: ImportJob) -> None:
    case = Case.objects.get(number="GX-1")
    review = services.review_case(
        actor=User.objects.get(username="banshi"),
        case=case,
        conclusion="to_lead",
        reviewed_on=case.occurred_on,
        notes="多次在码头纠集他人滋事，需进一步核查",
        is_gang=False,
        organiser="",
    )
    assert review.lead is not None
    subject = review.lead.subjects.get(name="王某")
    assert list(subject.plates.values_list("number", flat=True)) == [
        "鲁K12345",
        "鲁KD12345",
        "鲁K1234挂",
    ]
