"""A police station's own export imports as it is: the words, villages, phones and ID cells its
system writes are read; bad rows are still refused, listed in full and given back as a
workbook to fix and import again."""

import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from openpyxl import load_workbook

from saohei.analysis.changes import refresh_pending
from saohei.analysis.models import Appearance
from saohei.audit.models import AuditAction, AuditEvent
from saohei.cases import services
from saohei.cases.importing import ERROR_COLUMN
from saohei.cases.models import Case, CasePerson, ImportJob, ImportStatus, PersonRole
from saohei.cases.services import RETRY_WINDOW, expire_interrupted_import_files
from saohei.cases.tests.helpers import (
    CASE_HEADER,
    PERSON_HEADER,
    VALID_ID,
    case_row,
    person_row,
    xlsx_file,
)
from saohei.cases.tests.police_export import police_export
from saohei.cases.views import ERRORS_PER_PAGE
from saohei.common.pii import blind_index
from saohei.organisations.models import Unit

pytestmark = pytest.mark.django_db
ImportFile = Callable[..., ImportJob]
ClientAs = Callable[[str], Client]


def _villages(town: Unit) -> list[str]:
    return list(
        Unit.objects.filter(parent=town)
        .villages()
        .active()
        .order_by("name")
        .values_list("name", flat=True)
    )


def test_a_police_export_imports_with_no_error_and_every_value_lands_right(
    import_file: ImportFile, town: Unit
) -> None:
    export = police_export(cases=240, villages=_villages(town), town=town.name)
    assert export.numeric_ids > 20
    job = import_file(export.file)
    assert job.status == ImportStatus.SUCCEEDED, job.errors[:5]
    assert job.error_count == 0
    assert job.cases_created == 240 and job.persons_written == len(export.persons)

    cases = {case.number: case for case in Case.objects.select_related("village")}
    for number, nature in export.natures.items():
        assert cases[number].nature == nature, number
        village = cases[number].village
        assert village is not None and village.name == export.villages[number], number
    stored = {
        (person.case.number, person.name): person
        for person in CasePerson.objects.select_related("case")
    }
    assert stored.keys() == export.persons.keys()
    seen_roles, two_numbers = set(), 0
    for key, expected in export.persons.items():
        person = stored[key]
        assert person.role == expected.role, key
        seen_roles.add(person.role)
        assert person.unsealed_id_number() == expected.id_number, key
        phones = [person.unsealed_phone(), person.unsealed_second_phone()]
        assert [phone for phone in phones if phone] == expected.phones, key
        # Each number indexed as a phone, so the same number matches wherever it is given.
        indexes = [person.phone_index, person.phone2_index]
        assert [index for index in indexes if index] == [
            blind_index("phone", phone) for phone in expected.phones
        ]
        two_numbers += len(expected.phones) == 2
    assert seen_roles == set(PersonRole.values)
    assert two_numbers > 50
    # A fixed line is masked like a mobile, to the masked column's width.
    landline = CasePerson.objects.filter(phone_masked__startswith="0631").first()
    assert landline is not None and landline.phone_masked.startswith("0631***")


def test_the_registry_matches_a_fixed_line_written_two_ways(
    import_file: ImportFile, town: Unit
) -> None:
    job = import_file(
        xlsx_file(
            cases=[case_row(number="GX-1"), case_row(number="GX-2", occurred="2016-03-01")],
            persons=[
                person_row(number="GX-1", name="刘建华", phone="0631-5200001", role="违法嫌疑人"),
                person_row(number="GX-2", name="刘建华", phone="(0631)5200001", role="受害人"),
                person_row(number="GX-2", name="王某", phone="13912345678、06315200002"),
            ],
        )
    )
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    refresh_pending()
    liu = Appearance.objects.filter(name="刘建华")
    assert liu.count() == 2
    assert len({appearance.person_id for appearance in liu}) == 1
    assert {appearance.phone_masked for appearance in liu} == {"0631***0001"}
    # The registry keeps the first number of a person: the mobile.
    wang = Appearance.objects.get(name="王某")
    assert wang.phone_index == blind_index("phone", "13912345678")


def test_a_case_turned_into_a_lead_carries_the_mobile_not_the_fixed_line(
    import_file: ImportFile, client_as: ClientAs
) -> None:
    job = import_file(
        xlsx_file(
            cases=[case_row(number="GX-1")],
            persons=[
                person_row(number="GX-1", name="甲某", phone="0631-5200001，13912345678"),
                person_row(number="GX-1", name="乙某", phone="0631-5200003", role="犯罪嫌疑人"),
            ],
        )
    )
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    case = Case.objects.get()
    response = client_as("banshi").post(
        f"/cases/{case.pk}/review/",
        {
            "conclusion": "to_lead",
            "reviewed_on": "2020-03-01",
            "notes": "多次纠集他人滋事，需进一步核查",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    lead = case.review.lead
    assert lead is not None
    phones = {subject.name: subject.unsealed_phone() for subject in lead.subjects.all()}
    assert phones == {"甲某": "13912345678", "乙某": ""}


BAD_PERSONS: list[tuple[dict[str, Any], str, str]] = [
    # (cell overrides, column, message part)
    ({"role": "路人"}, "角色", "不是可选值"),
    ({"phone": "0631-52345"}, "手机号", "电话号码应为11位手机号"),
    ({"phone": "0755-5234567"}, "手机号", "区号与号码位数不符"),
    ({"phone": "13912345678、13812345678、13712345678"}, "手机号", "最多填写2个"),
    ({"phone": "13912345678，12345"}, "手机号", "第2个号码"),
    ({"id_number": 3.70282199001011e17}, "身份证号", "被存为数字"),
    ({"id_number": "370282199001011230"}, "身份证号", "校验位不正确"),
]


def test_bad_rows_are_refused_in_full_with_clear_messages_and_nothing_is_written(
    import_file: ImportFile,
) -> None:
    persons = [
        person_row(number=f"GX-{index}", name=f"人员{index}", **overrides)
        for index, (overrides, _, _) in enumerate(BAD_PERSONS)
    ]
    cases = [case_row(number=f"GX-{index}") for index in range(len(BAD_PERSONS))]
    cases += [
        case_row(number="GX-V", village="月亮村"),
        case_row(number="GX-N", nature="民事"),
    ]
    job = import_file(xlsx_file(cases=cases, persons=persons))
    assert job.status == ImportStatus.FAILED
    found = {
        (error["sheet"], error["row"], error["column"]): error["message"] for error in job.errors
    }
    for index, (_, column, part) in enumerate(BAD_PERSONS):
        assert part in found[("涉案人员", index + 2, column)], (index, found)
    assert "不是港西镇的村" in found[("案件", len(BAD_PERSONS) + 2, "所属村")]
    assert "不是可选值" in found[("案件", len(BAD_PERSONS) + 3, "案件性质")]
    # No message repeats a number.
    assert not any("1391234" in message or "37028219" in message for message in found.values())
    assert not Case.objects.exists() and not CasePerson.objects.exists()


def test_every_error_is_kept_and_paged(import_file: ImportFile, client_as: ClientAs) -> None:
    persons = [person_row(number="GX-1", name=f"人员{n}", role="路人") for n in range(700)]
    job = import_file(xlsx_file(cases=[case_row(number="GX-1")], persons=persons))
    assert job.error_count == 700 and len(job.errors) == 700
    client = client_as("banshi")
    last = -(-700 // ERRORS_PER_PAGE)
    page = client.get(f"/cases/imports/{job.pk}/?page={last}").content.decode()
    assert f"第 {last} / {last} 页" in page
    assert "<td>701</td>" in page  # the last person row (row 701 of the sheet)


def _workbook_of(response: Any) -> Any:
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def test_the_refused_rows_come_back_as_a_workbook_that_imports_once_fixed(
    import_file: ImportFile, client_as: ClientAs, town: Unit
) -> None:
    job = import_file(
        xlsx_file(
            cases=[
                case_row(number="GX-1"),
                case_row(number="GX-2", village="月亮村"),
                case_row(number="GX-3"),
            ],
            persons=[
                person_row(number="GX-1", name="甲某", role="路人"),
                person_row(number="GX-1", name="乙某", id_number=VALID_ID),
                person_row(number="GX-2", name="丙某"),
                person_row(number="GX-3", name="丁某"),
            ],
        )
    )
    assert job.status == ImportStatus.FAILED
    response = client_as("banshi").get(f"/cases/imports/{job.pk}/rejected.xlsx")
    assert response.status_code == 200
    workbook = _workbook_of(response)
    assert workbook.sheetnames == ["案件", "涉案人员"]
    cases, persons = workbook["案件"], workbook["涉案人员"]
    # Row 1 the exporter's stamp, row 2 the title, row 3 the header: the file's own columns
    # and the error column.
    assert [cell.value for cell in cases[3]] == [*CASE_HEADER, ERROR_COLUMN]
    assert [cell.value for cell in persons[3]] == [*PERSON_HEADER, ERROR_COLUMN]
    case_rows = [list(row) for row in cases.iter_rows(min_row=4, values_only=True)]
    person_rows = [list(row) for row in persons.iter_rows(min_row=4, values_only=True)]
    # Whole cases come back: GX-1 (a bad person) and GX-2 (a bad village), persons and all.
    assert [row[0] for row in case_rows] == ["GX-1", "GX-2"]
    assert [row[1] for row in person_rows] == ["甲某", "乙某", "丙某"]
    assert "本行无误" in case_rows[0][-1]
    assert case_rows[1][-1].startswith("所属村：")
    assert person_rows[0][-1].startswith("角色：")
    # ID numbers stay text.
    assert person_rows[1][2] == VALID_ID
    event = AuditEvent.objects.filter(action=AuditAction.CASES_EXPORTED).get()
    assert event.details["rejected_rows"] == 5

    # The clerk fixes the two cells in Excel and imports the file as it is.
    cases.cell(5, CASE_HEADER.index("所属村") + 1).value = "东岛村"
    persons.cell(4, PERSON_HEADER.index("角色") + 1).value = "犯罪嫌疑人"
    buffer = io.BytesIO()
    workbook.save(buffer)
    fixed = import_file(ContentFile(buffer.getvalue(), name="未通过校验的行.xlsx"))
    assert fixed.status == ImportStatus.SUCCEEDED, fixed.errors
    assert sorted(Case.objects.values_list("number", flat=True)) == ["GX-1", "GX-2"]
    assert CasePerson.objects.count() == 3


def test_with_skipping_asked_the_good_cases_go_in_and_the_bad_ones_come_back(
    import_file: ImportFile, town: Unit, client_as: ClientAs
) -> None:
    job = services.import_cases_file(
        actor=None,
        unit=town,
        file=xlsx_file(
            cases=[case_row(number="GX-1"), case_row(number="GX-2", nature="民事")],
            persons=[
                person_row(number="GX-1", name="甲某", phone="0631-5200001"),
                person_row(number="GX-2", name="乙某"),
                person_row(number="GX-1", name="丙某", phone="12345"),
                person_row(number="GX-3", name="丁某"),
            ],
        ),
        skip_rejected=True,
    )
    # GX-1 has a bad person, GX-2 a bad nature, GX-3 is unknown: nothing is left to write.
    assert job.status == ImportStatus.FAILED
    assert not Case.objects.exists()

    job = services.import_cases_file(
        actor=None,
        unit=town,
        file=xlsx_file(
            cases=[case_row(number="GX-1"), case_row(number="GX-2", nature="民事")],
            persons=[
                person_row(number="GX-1", name="甲某", phone="0631-5200001"),
                person_row(number="GX-2", name="乙某"),
            ],
        ),
        skip_rejected=True,
    )
    assert job.status == ImportStatus.SUCCEEDED
    assert job.cases_created == 1 and job.persons_written == 1
    assert "有错误的案件未导入（共 2 行）" in job.message
    assert list(Case.objects.values_list("number", flat=True)) == ["GX-1"]
    response = client_as("banshi").get(f"/cases/imports/{job.pk}/rejected.xlsx")
    workbook = _workbook_of(response)
    assert [row[0] for row in workbook["案件"].iter_rows(min_row=4, values_only=True)] == ["GX-2"]
    assert [row[1] for row in workbook["涉案人员"].iter_rows(min_row=4, values_only=True)] == [
        "乙某"
    ]


def test_a_missing_column_is_never_skipped(town: Unit) -> None:
    job = services.import_cases_file(
        actor=None,
        unit=town,
        file=xlsx_file(
            cases=[case_row(number="GX-1")[:2]], persons=None, case_header=CASE_HEADER[:2]
        ),
        skip_rejected=True,
    )
    assert job.status == ImportStatus.FAILED
    assert not job.rejected_rows_sealed and not Case.objects.exists()


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("banshi", 200),
        ("minjing", 200),
        ("cun01", 403),
        ("cun02", 403),
        ("shiban", 403),
        ("baoguan", 403),
    ],
)
def test_the_refused_rows_download_by_role(
    import_file: ImportFile, client_as: ClientAs, username: str, status: int
) -> None:
    job = import_file(xlsx_file(cases=[case_row(nature="民事")], persons=[]))
    response = client_as(username).get(f"/cases/imports/{job.pk}/rejected.xlsx")
    assert response.status_code == status


def test_the_refused_rows_of_another_town_are_404_and_anonymous_visitors_sign_in(
    client_as: ClientAs, other_town: Unit
) -> None:
    job = services.import_cases_file(
        actor=None,
        unit=other_town,
        file=xlsx_file(cases=[case_row(nature="民事", village="柳林村")], persons=[]),
    )
    assert job.rejected_rows_sealed
    assert client_as("banshi").get(f"/cases/imports/{job.pk}/rejected.xlsx").status_code == 404
    response = Client().get(f"/cases/imports/{job.pk}/rejected.xlsx")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_refused_rows_are_sealed_and_dropped_after_a_day(
    import_file: ImportFile, client_as: ClientAs
) -> None:
    job = import_file(
        xlsx_file(cases=[case_row(nature="民事")], persons=[person_row(id_number=VALID_ID)])
    )
    job.refresh_from_db()
    assert job.rejected_rows_sealed and VALID_ID not in job.rejected_rows_sealed
    assert job.finished_at is not None
    expire_interrupted_import_files(now=job.finished_at + RETRY_WINDOW - timedelta(minutes=1))
    job.refresh_from_db()
    assert job.rejected_rows_sealed
    expire_interrupted_import_files(now=job.finished_at + RETRY_WINDOW + timedelta(minutes=1))
    job.refresh_from_db()
    assert not job.rejected_rows_sealed
    assert client_as("banshi").get(f"/cases/imports/{job.pk}/rejected.xlsx").status_code == 404
