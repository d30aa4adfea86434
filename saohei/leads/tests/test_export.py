"""线索台账 export: columns, watermark, filters, access, audit."""

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from saohei.audit.models import AuditAction, AuditEvent
from saohei.leads import services
from saohei.leads.exports import COLUMNS
from saohei.leads.models import Lead, Source
from saohei.leads.tests.conftest import advance
from saohei.organisations.models import Unit, User

pytestmark = pytest.mark.django_db
Register = Callable[..., Lead]
ClientAs = Callable[[str], Client]
ID_NUMBER = "11010519491231002X"
PHONE = "13912345678"


def _rows(response: Any) -> list[tuple[str, ...]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    content = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    return [
        tuple("" if cell is None else str(cell) for cell in row)
        for row in sheet.iter_rows(values_only=True)
    ]


def _numbers(rows: list[tuple[str, ...]]) -> list[str]:
    return [row[1] for row in rows[3:]]


def _subject(**overrides: Any) -> services.SubjectInput:
    values: dict[str, Any] = {
        "name": "张三",
        "alias": "三哥",
        "id_number": ID_NUMBER,
        "phone": PHONE,
    }
    values.update(overrides)
    return services.SubjectInput(**values)


def test_ledger_has_the_watermark_the_columns_and_a_row_per_lead(
    client_as: ClientAs, register: Register, village: Unit
) -> None:
    first = register(village=village, subjects=[_subject()])
    second = advance(register(summary="第二条线索：渔船被砸"), "concluded")

    rows = _rows(client_as("banshi").get("/leads/export.xlsx"))

    assert rows[0][0].startswith("导出人：李晓静（banshi） 导出时间：")
    assert rows[1][0] == "线索台账（全部）"
    assert list(rows[2][: len(COLUMNS)]) == COLUMNS
    assert _numbers(rows) == [second.number, first.number]  # newest first, like the list
    by_number = {row[1]: dict(zip(COLUMNS, row, strict=False)) for row in rows[3:]}
    assert by_number[first.number]["序号"] == "2"
    assert by_number[first.number]["被反映人(绰号)"] == "张三（三哥）"
    assert by_number[first.number]["所属村"] == "东岛村"
    assert by_number[first.number]["来源"] == "群众举报"
    assert by_number[second.number]["核查结论"] == "查否-排除涉黑涉恶"
    assert by_number[second.number]["承办单位/人"] == "港西镇 / 李晓静"
    assert by_number[second.number]["办结时间"].startswith(f"{timezone.localdate():%Y-%m-%d}")
    assert by_number[second.number]["办理时限"] != ""


def test_ledger_never_carries_identifiers_or_the_reporter(
    client_as: ClientAs, register: Register
) -> None:
    lead = register(
        subjects=[_subject()],
        reporter=services.ReporterInput(name="举报人王秀兰", phone="13800001111"),
    )
    assert lead.reporter_reference

    cells = "\n".join("|".join(row) for row in _rows(client_as("banshi").get("/leads/export.xlsx")))

    assert "张三" in cells
    for secret in (ID_NUMBER, "110105", PHONE, "5678", "王秀兰", "13800001111"):
        assert secret not in cells
    assert lead.reporter_reference not in cells


def test_follow_up_and_feedback_times_are_in_the_ledger(
    client_as: ClientAs, register: Register
) -> None:
    lead = advance(
        register(
            source=Source.UPPER_ASSIGNED,
            upstream_office="荣成市扫黑办",
            reporter=services.ReporterInput(name="实名举报人", phone="13800001111"),
        ),
        "concluded",
    )
    office = User.objects.get(username="banshi")
    today = timezone.localdate()
    services.record_feedback(
        actor=office, lead=lead, fed_back_on=today, recipient="荣成市扫黑办", content="已排除"
    )
    services.record_follow_up(
        actor=office,
        lead=lead,
        data=services.FollowUpInput(
            contacted_on=today,
            method="电话",
            satisfaction="satisfied",
        ),
    )

    row = dict(zip(COLUMNS, _rows(client_as("banshi").get("/leads/export.xlsx"))[3], strict=False))

    assert row["反馈上级时间"].startswith(f"{today:%Y-%m-%d}")
    assert row["反馈举报人时间"].startswith(f"{today:%Y-%m-%d}")
    assert row["回访结果"] == f"满意（电话，{today:%Y-%m-%d}）"
    assert "交办单位：荣成市扫黑办" in row["备注"]


def test_the_list_filters_apply_to_the_export(client_as: ClientAs, register: Register) -> None:
    upper = register(source=Source.UPPER_ASSIGNED, upstream_office="荣成市扫黑办")
    public = register(summary="渔船被砸的线索")
    concluded = advance(register(summary="已办结的渔船被砸线索"), "concluded")
    client = client_as("banshi")

    assert _numbers(_rows(client.get("/leads/export.xlsx", {"source": "upper_assigned"}))) == [
        upper.number
    ]
    assert _numbers(_rows(client.get("/leads/export.xlsx", {"q": "被砸", "status": "open"}))) == [
        public.number
    ]
    assert _numbers(_rows(client.get("/leads/export.xlsx", {"status": "concluded"}))) == [
        concluded.number
    ]


def test_village_head_exports_only_own_villages_leads(
    client_as: ClientAs, register: Register, village: Unit
) -> None:
    office = User.objects.get(username="banshi")
    own = register(summary="东岛村的线索")
    services.assign_lead(actor=office, lead=own, handling_unit=village)
    other_village = Unit.objects.get(name="港西村")
    other = register(summary="港西村的线索")
    services.assign_lead(actor=office, lead=other, handling_unit=other_village)
    register(summary="未交办的线索")
    head = User.objects.get(unit=village, role_grants__role="village_head").username

    rows = _rows(client_as(head).get("/leads/export.xlsx"))

    assert _numbers(rows) == [own.number]
    assert len(_numbers(_rows(client_as("banshi").get("/leads/export.xlsx")))) == 3


def test_anonymous_visitor_is_sent_to_login(demo: None) -> None:
    response = Client().get("/leads/export.xlsx")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert not AuditEvent.objects.filter(action=AuditAction.LEAD_EXPORTED).exists()


def test_every_export_is_audited_with_the_filters_but_no_search_text(
    client_as: ClientAs, register: Register
) -> None:
    register(subjects=[_subject()])
    client_as("banshi").get("/leads/export.xlsx", {"q": "张三", "source": "public_report"})

    event = AuditEvent.objects.get(action=AuditAction.LEAD_EXPORTED)
    assert event.actor_username == "banshi"
    assert event.details == {
        "document": "ledger",
        "rows": 1,
        "filters": {"source": "public_report", "text_search": True},
    }
    assert "张三" not in str(event.details)


def test_bad_filters_export_nothing_and_say_why(client_as: ClientAs, register: Register) -> None:
    register()
    response = client_as("banshi").get(
        "/leads/export.xlsx", {"date_from": "2026-99-01"}, follow=True
    )
    body = response.content.decode()
    assert "筛选条件有误，未导出" in body
    assert "有效的日期" in body
    assert not AuditEvent.objects.filter(action=AuditAction.LEAD_EXPORTED).exists()


def test_list_page_offers_the_export_with_its_filters(client_as: ClientAs) -> None:
    page = client_as("banshi").get("/leads/").content.decode()
    button = page.split('data-testid="export"')[0].rsplit("<button", 1)[1]
    assert 'formaction="/leads/export.xlsx"' in button


def test_export_query_count_does_not_grow_with_rows(
    client_as: ClientAs, register: Register
) -> None:
    client = client_as("banshi")
    for n in range(3):
        register(summary=f"线索{n}", subjects=[_subject(id_number="", phone="")])
    with CaptureQueriesContext(connection) as few:
        assert len(_rows(client.get("/leads/export.xlsx"))) == 3 + 3
    for n in range(20):
        register(summary=f"更多线索{n}", subjects=[_subject(id_number="", phone="")])
    with CaptureQueriesContext(connection) as many:
        rows = _rows(client.get("/leads/export.xlsx"))
    assert len(rows) == 3 + 23
    assert len(many) == len(few)


def test_export_searched_by_an_id_number_masks_it_in_the_title_row(
    client_as: ClientAs, register: Register
) -> None:
    wanted = register(summary="被反映人有身份证号", subjects=[_subject()])
    register(summary="另一条线索")
    rows = _rows(
        client_as("banshi").get("/leads/export.xlsx", {"q": f"+86 {PHONE[:3]} {PHONE[3:]}"})
    )
    assert _numbers(rows) == [wanted.number]
    rows = _rows(client_as("banshi").get("/leads/export.xlsx", {"q": ID_NUMBER}))
    assert _numbers(rows) == [wanted.number]
    assert "搜索 “110105********002X”" in rows[1][0]
    assert not any(ID_NUMBER in cell or PHONE in cell for row in rows for cell in row)
