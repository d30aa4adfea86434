"""The case import reads its columns as every sheet import does (decision 0065 addendum): the
header and the columns found by `sheets.headers`, a sender's saved column mapping for each table
first. A station that writes 案件号 and 人员身份 is read once the office names those columns."""

import pytest
from django.core.files.base import ContentFile

from saohei.audit.models import AuditAction, AuditEvent
from saohei.cases import services
from saohei.cases.kinds import TABLE_KINDS
from saohei.cases.models import Case, CasePerson, ImportJob, ImportStatus
from saohei.cases.tests.helpers import CASE_HEADER, PERSON_HEADER, case_row, person_row, xlsx_file
from saohei.common.errors import ActionNotAllowed
from saohei.organisations.models import Unit, User
from saohei.sheets import services as sheet_services
from saohei.sheets.models import SenderMapping

pytestmark = pytest.mark.django_db
STATION = "港西派出所"


def _renamed(header: list[str], **renames: str) -> list[str]:
    return [renames.get(title, title) for title in header]


def _station_file() -> ContentFile:
    """The station's own titles: 案件号 in both tables, 人员身份 for the role."""
    return xlsx_file(
        cases=[case_row(number="C-001", village="东岛村")],
        persons=[person_row(number="C-001", name="王某", role="参与者")],
        case_header=_renamed(CASE_HEADER, 案件编号="案件号"),
        person_header=_renamed(PERSON_HEADER, 案件编号="案件号", 角色="人员身份"),
    )


def _import(town: Unit, *, sender: str = STATION) -> ImportJob:
    return services.import_cases_file(
        actor=User.objects.get(username="banshi"), unit=town, file=_station_file(), sender=sender
    )


def _name_columns(town: Unit, *, sender: str = STATION) -> None:
    banshi = User.objects.get(username="banshi")
    for table, title, key in (
        ("案件", "案件号", "number"),
        ("涉案人员", "案件号", "case_number"),
        ("涉案人员", "人员身份", "role"),
    ):
        sheet_services.add_column(
            actor=banshi,
            unit=town,
            kind=TABLE_KINDS[table],
            sender=sender,
            title=title,
            field_key=key,
        )


def test_a_column_the_import_cannot_guess_is_refused_and_says_where_to_name_it(
    town: Unit,
) -> None:
    job = _import(town)
    assert job.status == ImportStatus.FAILED and not Case.objects.exists()
    messages = [error["message"] for error in job.errors]
    assert any(m.startswith("缺少必填列“案件编号”") and "来文表格对照" in m for m in messages)


def test_the_senders_saved_columns_are_read_in_both_tables(town: Unit) -> None:
    _name_columns(town)
    job = _import(town)
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    assert list(CasePerson.objects.values_list("case__number", "name")) == [("C-001", "王某")]
    saved = SenderMapping.objects.get(unit=town, kind="case_person_table", sender=STATION)
    assert saved.columns == {"案件号": "case_number", "人员身份": "role"}
    assert AuditEvent.objects.filter(action=AuditAction.SHEET_MAPPING_CORRECTED).count() == 3


def test_another_senders_or_another_towns_columns_are_not_read(
    town: Unit, other_town: Unit
) -> None:
    _name_columns(town, sender="别的派出所")
    assert _import(town).status == ImportStatus.FAILED
    SenderMapping.objects.all().delete()
    # banshi is the clerk of 港西镇, not of 柳林镇.
    with pytest.raises(ActionNotAllowed):
        sheet_services.add_column(
            actor=User.objects.get(username="banshi"),
            unit=other_town,
            kind=TABLE_KINDS["案件"],
            sender=STATION,
            title="案件号",
            field_key="number",
        )
    assert not SenderMapping.objects.exists()


def test_a_title_containing_a_columns_name_is_guessed_without_a_mapping(town: Unit) -> None:
    file = xlsx_file(
        cases=[case_row(number="C-002", village="东岛村")],
        persons=[person_row(number="C-002", name="李某", role="参与者")],
        case_header=_renamed(CASE_HEADER, 手段="作案手段"),
        person_header=_renamed(PERSON_HEADER, 住址="现住址"),
    )
    job = services.import_cases_file(actor=None, unit=town, file=file)
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    case = Case.objects.get(number="C-002")
    assert case.means and CasePerson.objects.get(case=case).address


def test_the_refused_jobs_page_links_to_naming_the_column_for_its_sender(
    town: Unit,
    client_as,  # type: ignore[no-untyped-def]
) -> None:
    job = _import(town)
    client = client_as("minjing")
    page = client.get(f"/cases/imports/{job.pk}/").content.decode()
    assert 'data-testid="name-columns"' in page
    link = (
        f"/sheets/mappings/?unit={town.pk}&amp;sender=%E6%B8%AF%E8%A5%BF%E6%B4%BE%E5%87%BA%E6%89%80"
    )
    assert link in page
    form = client.get(link.replace("&amp;", "&")).content.decode()
    assert f'value="{STATION}"' in form and f'<option value="{town.pk}" selected>' in form
