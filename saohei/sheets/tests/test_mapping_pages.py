"""来文表格对照 (decision 0065 addendum): a sender's saved column and value mappings, seen,
corrected and deleted by whoever may import that kind for that town, and nobody else."""

from collections.abc import Callable

import pytest
from django.test import Client

from saohei.assigned_lists.kinds import ASSIGNED_LIST
from saohei.audit.models import AuditAction, AuditEvent
from saohei.cases import services as case_services
from saohei.cases.kinds import CASE_SHEET
from saohei.cases.models import CasePerson, ImportStatus, PersonRole
from saohei.cases.tests.helpers import case_row, person_row, xlsx_file
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.common.roles import Role
from saohei.organisations.models import RoleGrant, Unit, UnitKind, User
from saohei.organisations.services import build_unit
from saohei.sheets import services
from saohei.sheets.models import SenderMapping

pytestmark = pytest.mark.django_db
ClientAs = Callable[[str], Client]
STATION = "港西派出所"


@pytest.fixture
def town(demo: None) -> Unit:
    return Unit.objects.get(name="港西镇")


@pytest.fixture
def other_town(town: Unit) -> Unit:
    """港东镇 beside 港西镇, with its own clerk."""
    other = build_unit(name="港东镇", kind=UnitKind.TOWN, parent=town.parent, code="GD")
    build_unit(name="港东村", kind=UnitKind.VILLAGE, parent=other)
    clerk = User(username="gdbanshi", real_name="港东镇办事员", unit=other)
    clerk.set_password("Saohei@2026")
    clerk.must_change_password = False
    clerk.save()
    RoleGrant.objects.create(user=clerk, role=Role.OFFICE_STAFF, unit=other)
    return other


def _cases_mapping(town: Unit, *, sender: str = STATION) -> SenderMapping:
    return SenderMapping.objects.create(
        unit=town,
        kind=CASE_SHEET.key,
        sender=sender,
        values={"role": {"主犯": PersonRole.PARTICIPANT.value, "从犯": "participant"}},
        updated_by=User.objects.get(username="banshi"),
    )


def _list_mapping(town: Unit) -> SenderMapping:
    return SenderMapping.objects.create(
        unit=town,
        kind=ASSIGNED_LIST.key,
        sender="荣成市扫黑办",
        columns={"线索号": "upstream_reference", "序号": "", "内容": "content"},
        values={"source": {"市交办": "upper_assigned"}},
        updated_by=User.objects.get(username="banshi"),
    )


def _value_form(mapping: SenderMapping) -> dict[str, str]:
    """The form's field for each (field, word), in the order the page lists them (sorted)."""
    words = sorted((key, word) for key, found in mapping.values.items() for word in found)
    return {f"{key}:{word}": f"value_{n}" for n, (key, word) in enumerate(words)}


def test_the_clerk_sees_her_towns_mappings_of_every_kind_and_the_import_pages_link_there(
    town: Unit, other_town: Unit, client_as: ClientAs
) -> None:
    cases, listed = _cases_mapping(town), _list_mapping(town)
    theirs = _cases_mapping(other_town, sender="港东派出所")
    client = client_as("banshi")
    page = client.get("/sheets/mappings/").content.decode()
    assert f"/sheets/mappings/{cases.pk}/" in page and f"/sheets/mappings/{listed.pk}/" in page
    assert f"/sheets/mappings/{theirs.pk}/" not in page and "港东派出所" not in page
    for url in ("/cases/imports/", "/assigned-lists/import/"):
        assert 'href="/sheets/mappings/"' in client.get(url).content.decode()


def test_police_and_leaders_see_the_case_imports_mappings_only(
    town: Unit, client_as: ClientAs
) -> None:
    cases, listed = _cases_mapping(town), _list_mapping(town)
    for username in ("minjing", "shuji"):
        client = client_as(username)
        page = client.get("/sheets/mappings/").content.decode()
        assert f"/sheets/mappings/{cases.pk}/" in page
        assert f"/sheets/mappings/{listed.pk}/" not in page
        # The 交办清单 is the clerk's import: its mapping is not found, nor deleted.
        assert client.get(f"/sheets/mappings/{listed.pk}/").status_code == 404
        assert client.post(f"/sheets/mappings/{listed.pk}/delete/").status_code == 404
    assert SenderMapping.objects.filter(pk=listed.pk).exists()


def test_other_roles_another_town_and_anonymous_are_refused_and_nothing_changes(
    town: Unit, other_town: Unit, client_as: ClientAs
) -> None:
    mapping = _cases_mapping(town)
    detail, delete = f"/sheets/mappings/{mapping.pk}/", f"/sheets/mappings/{mapping.pk}/delete/"
    values = {"action": "values", "value_0": "organiser"}
    for username in ("cun01", "shiban", "xitong"):
        client = client_as(username)
        assert client.get("/sheets/mappings/").status_code == 403
        assert client.post(detail, values).status_code == 403
        assert client.post(delete).status_code == 403
    clerk = client_as("gdbanshi")
    assert clerk.get("/sheets/mappings/").status_code == 200
    assert clerk.get(detail).status_code == 404
    assert clerk.post(detail, values).status_code == 404
    assert clerk.post(delete).status_code == 404
    for response in (Client().get(detail), Client().post(delete)):
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    mapping.refresh_from_db()
    assert mapping.values["role"]["主犯"] == "participant"
    gdbanshi = User.objects.get(username="gdbanshi")
    with pytest.raises(ActionNotAllowed):
        services.correct_values(actor=gdbanshi, mapping=mapping, values={"role": {"主犯": ""}})
    with pytest.raises(ActionNotAllowed):
        services.delete_mapping(actor=gdbanshi, mapping=mapping)
    assert not AuditEvent.objects.filter(
        action__in=[AuditAction.SHEET_MAPPING_CORRECTED, AuditAction.SHEET_MAPPING_DELETED]
    ).exists()


def test_a_corrected_word_is_audited_and_read_by_the_senders_next_import(
    town: Unit, client_as: ClientAs
) -> None:
    mapping = _cases_mapping(town)
    client = client_as("banshi")
    url = f"/sheets/mappings/{mapping.pk}/"
    assert client.get(url).status_code == 200
    fields = _value_form(mapping)
    response = client.post(
        url,
        {
            "action": "values",
            fields["role:主犯"]: PersonRole.ORGANISER.value,
            fields["role:从犯"]: "",
        },
    )
    assert response.status_code == 302
    mapping.refresh_from_db()
    # 从犯 is forgotten: the next import offers it again.
    assert mapping.values == {"role": {"主犯": PersonRole.ORGANISER.value}}
    event = AuditEvent.objects.get(action=AuditAction.SHEET_MAPPING_CORRECTED)
    assert event.details == {"kind": CASE_SHEET.key, "values": 2}
    job = case_services.import_cases_file(
        actor=User.objects.get(username="banshi"),
        unit=town,
        file=xlsx_file(
            cases=[case_row(number="M-1", village="东岛村")],
            persons=[person_row(number="M-1", name="王某", role="主犯")],
        ),
        sender=STATION,
    )
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    assert CasePerson.objects.get(name="王某").role == PersonRole.ORGANISER


def test_a_refused_correction_says_why_and_keeps_every_other_choice(
    town: Unit, client_as: ClientAs
) -> None:
    mapping = _cases_mapping(town)
    client = client_as("banshi")
    url = f"/sheets/mappings/{mapping.pk}/"
    fields = _value_form(mapping)
    response = client.post(
        url,
        {"action": "values", fields["role:主犯"]: "boss", fields["role:从犯"]: "victim"},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "请从列表中选择" in page and "取值对照未保存" in page
    assert '<option value="victim" selected>被害人</option>' in page
    mapping.refresh_from_db()
    assert mapping.values["role"] == {"主犯": "participant", "从犯": "participant"}


def test_columns_are_corrected_left_out_or_forgotten_each_field_to_one_column(
    town: Unit, client_as: ClientAs
) -> None:
    mapping = _list_mapping(town)
    client = client_as("banshi")
    url = f"/sheets/mappings/{mapping.pk}/"
    # Sorted titles: 内容, 序号, 线索号.
    twice = {"action": "columns", "column_0": "content", "column_1": "content"}
    response = client.post(url, {**twice, "column_2": "upstream_reference"})
    page = response.content.decode()
    assert response.status_code == 400 and "“问题内容”只能对应一列" in page
    assert page.count('<option value="content" selected>') == 2
    mapping.refresh_from_db()
    assert mapping.columns["序号"] == ""
    response = client.post(
        url,
        {"action": "columns", "column_0": "ignore", "column_1": "forget", "column_2": "content"},
    )
    assert response.status_code == 302
    mapping.refresh_from_db()
    assert mapping.columns == {"内容": "", "线索号": "content"}


def test_a_column_named_on_the_page_creates_the_senders_mapping(
    town: Unit, client_as: ClientAs
) -> None:
    client = client_as("minjing")
    form = {"unit": town.pk, "sender": STATION, "title": "案件号", "target": "case_table:number"}
    response = client.post("/sheets/mappings/", form)
    assert response.status_code == 302
    mapping = SenderMapping.objects.get(kind="case_table", sender=STATION)
    assert mapping.columns == {"案件号": "number"}
    # The police do not import 交办清单, and the value kind has no columns.
    for target in ("assigned_list:content", "cases:role", "case_table:nope"):
        refused = client.post("/sheets/mappings/", {**form, "target": target})
        assert refused.status_code == 400 and "请从列表中选择" in refused.content.decode()
    with pytest.raises(ServiceError, match="不按列名对照"):
        services.add_column(
            actor=User.objects.get(username="minjing"),
            unit=town,
            kind=CASE_SHEET,
            sender=STATION,
            title="角色",
            field_key="role",
        )


def test_deleting_forgets_the_sender_and_is_audited(town: Unit, client_as: ClientAs) -> None:
    mapping = _list_mapping(town)
    response = client_as("banshi").post(f"/sheets/mappings/{mapping.pk}/delete/")
    assert response.status_code == 302
    assert not SenderMapping.objects.exists()
    event = AuditEvent.objects.get(action=AuditAction.SHEET_MAPPING_DELETED)
    assert event.details == {"kind": ASSIGNED_LIST.key, "columns": 3, "values": 1}
    assert client_as("banshi").get(f"/sheets/mappings/{mapping.pk}/").status_code == 404


def test_a_saved_field_no_longer_declared_is_not_shown_nor_corrected(
    town: Unit, client_as: ClientAs
) -> None:
    mapping = _cases_mapping(town)
    mapping.values = {**mapping.values, "retired_field": {"某词": "x"}}
    mapping.save()
    page = client_as("banshi").get(f"/sheets/mappings/{mapping.pk}/")
    assert page.status_code == 200 and "某词" not in page.content.decode()
    with pytest.raises(ServiceError, match="无法识别的字段"):
        services.correct_values(
            actor=User.objects.get(username="banshi"),
            mapping=mapping,
            values={"retired_field": {"某词": ""}},
        )
