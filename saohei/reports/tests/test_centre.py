"""台账中心: which ledgers each role gets, the filters carried into every export link."""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from openpyxl import load_workbook

from saohei.common.ledgers import LedgerSheet, write_ledger, write_tables
from saohei.organisations.models import Unit
from saohei.reports.tests.conftest import ClientAs

ALL = ["leads", "cases", "rectifications", "publicity", "talks", "meetings", "inspections"]


def _keys(response: object) -> list[str]:
    return [ledger.key for ledger in response.context["ledgers"]]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("username", "keys"),
    [
        ("banshi", ALL),
        ("shuji", ALL),
        ("shiban", ["leads", "rectifications", "publicity", "talks", "meetings", "inspections"]),
        ("cun02", ["leads", "rectifications", "publicity", "talks", "inspections"]),
        ("minjing", ["leads", "cases", "talks"]),
    ],
)
def test_each_role_sees_the_ledgers_it_may_export(
    client_as: ClientAs, username: str, keys: list[str]
) -> None:
    response = client_as(username).get("/reports/")
    assert response.status_code == 200
    assert _keys(response) == keys
    body = response.content.decode()
    for key in keys:
        assert f'data-testid="export-{key}"' in body


@pytest.mark.parametrize("username", ["shenji", "xitong", "anquan", "baoguan"])
def test_roles_without_content_are_refused(client_as: ClientAs, username: str) -> None:
    assert client_as(username).get("/reports/").status_code == 403


def test_anonymous_visitor_is_sent_to_login(demo: None) -> None:
    response = Client().get("/reports/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_filters_are_carried_into_every_export_link_that_applies(
    client_as: ClientAs, demo: None
) -> None:
    village = Unit.objects.get(name="东岛村")
    response = client_as("banshi").get(
        "/reports/",
        {
            "date_from": "2025-01-01",
            "date_to": "2025-03-31",
            "village": str(village.pk),
            "kind": "analysis",
        },
    )
    links = {ledger.key: ledger.export_url for ledger in response.context["ledgers"]}
    period = "date_from=2025-01-01&date_to=2025-03-31"
    assert links["leads"] == f"/leads/export.xlsx?{period}&village={village.pk}"
    assert links["cases"] == f"/cases/export.xlsx?village={village.pk}&year=2025"
    assert links["rectifications"] == f"/rectifications/export/?village={village.pk}"
    assert links["publicity"] == f"/publicity/export/?{period}&village={village.pk}"
    assert links["talks"] == f"/reports/talks.xlsx?{period}&village={village.pk}"
    assert links["meetings"] == f"/reports/meetings.xlsx?{period}&kind=analysis"
    assert links["inspections"] == f"/reports/inspections.xlsx?{period}&village={village.pk}"


def test_bad_filters_get_a_chinese_message_and_no_export_buttons(
    client_as: ClientAs, demo: None
) -> None:
    response = client_as("banshi").get("/reports/", {"date_from": "2025-02-30"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "有效的日期" in body
    assert 'data-testid="export-' not in body
    assert "请先修正筛选条件" in body


def test_village_head_may_filter_only_on_their_own_village(client_as: ClientAs, demo: None) -> None:
    response = client_as("cun02").get("/reports/")
    villages = list(response.context["form"].fields["village"].queryset)
    assert [village.name for village in villages] == ["东岛村"]
    other = Unit.objects.get(name="港西村")
    assert client_as("cun02").get("/reports/", {"village": other.pk}).status_code == 400


def test_centre_query_count(
    client_as: ClientAs, demo: None, django_assert_max_num_queries: object
) -> None:
    client = client_as("banshi")
    client.get("/reports/")
    with django_assert_max_num_queries(16):  # type: ignore[operator]
        response = client.get("/reports/")
    assert (
        response.status_code == 200 and 'data-testid="ledger-filters"' in response.content.decode()
    )


def test_menu_has_the_ledger_centre_for_content_roles_only(client_as: ClientAs) -> None:
    assert 'href="/reports/"' in client_as("cun02").get("/").content.decode()
    assert 'href="/reports/"' not in client_as("shenji").get("/").content.decode()


# --- the one ledger writer -------------------------------------------------------------------


def test_write_ledger_says_when_it_stopped_at_the_limit() -> None:
    output = io.BytesIO()
    written = write_ledger(
        output,
        sheet_name="测试",
        columns=["序号", "身份证号"],
        rows=([f"11010519491231002{index}"] for index in range(5)),
        exported_by="测试员（test）",
        filters="",
        noun="记录",
        limit=3,
    )
    sheet = load_workbook(io.BytesIO(output.getvalue())).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert written == 3
    assert rows[1][0] == "测试（全部）"
    assert rows[3] == [1, "110105194912310020"]
    assert sheet.cell(4, 2).data_type == "s"  # an ID number stays text
    assert "超过 3 条，仅导出前 3 条" in rows[6][0]


def test_write_tables_writes_every_sheet_with_the_stamp_and_numbers_as_numbers() -> None:
    output = io.BytesIO()
    counts = write_tables(
        output,
        sheets=[
            LedgerSheet(
                name="甲",
                columns=["单位", "受理"],
                rows=[["港西镇", 4]],
                numbered=False,
                title="月报",
            ),
            LedgerSheet(name="乙", columns=["序号", "名称"], rows=[["会议"], ["学习"]]),
        ],
        exported_by="测试员（test）",
    )
    workbook = load_workbook(io.BytesIO(output.getvalue()))
    assert counts == [1, 2]
    first, second = workbook["甲"], workbook["乙"]
    assert "导出人：测试员（test）" in first.cell(1, 1).value
    assert first.cell(2, 1).value == "月报"
    assert [first.cell(4, 1).value, first.cell(4, 2).value] == ["港西镇", 4]
    assert first.cell(4, 2).data_type == "n"
    assert "导出人：测试员（test）" in second.cell(1, 1).value
    assert [second.cell(4, 1).value, second.cell(4, 2).value] == [2, "学习"]


def test_print_stylesheet_has_the_watermark_rule() -> None:
    css = (Path(settings.BASE_DIR) / "static" / "saohei" / "watermark.css").read_text()
    rule = css.split("@media print")[1]
    assert ".print-watermark" in rule and "position: fixed" in rule and "color: #b4b4b4" in rule
