"""Every .xlsx ledger in the tree, fetched as its users fetch it, reads the same way: a title row
with the filters in words, the header frozen under an autofilter, real dates (decision 0017)."""

import datetime
import io
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from saohei.organisations.models import Unit
from saohei.reports.tests.conftest import ClientAs, make_activity, make_item, make_lead

# (URL, who exports it, the ledger's name in its title row, a filter of its list)
LEDGERS = [
    ("/leads/export.xlsx", "banshi", "线索台账", {"date_from": "2026-01-01"}),
    ("/cases/export.xlsx", "shuji", "案件倒查台账", {"reviewed": "yes"}),
    ("/publicity/export/", "banshi", "宣传台账", {"date_from": "2026-01-01"}),
    ("/rectifications/export/", "banshi", "问题整改台账", {"status": "closed"}),
    ("/reports/talks.xlsx", "shuji", "谈心谈话记录", {"date_from": "2026-01-01"}),
    ("/reports/meetings.xlsx", "shuji", "研判会议记录", {"date_from": "2026-01-01"}),
    ("/reports/inspections.xlsx", "shuji", "村级档案检查", {"date_from": "2026-01-01"}),
    ("/audit/export/", "shenji", "审计日志", {"date_from": "2026-01-01"}),
]


def first_sheet(response: Any) -> Worksheet:
    assert response.status_code == 200, response.content[:500]
    streamed = getattr(response, "streaming_content", None)
    body = b"".join(streamed) if streamed is not None else response.content
    return load_workbook(io.BytesIO(body)).worksheets[0]


@pytest.mark.parametrize(("url", "username", "name", "query"), LEDGERS)
def test_every_ledger_has_a_title_row_a_frozen_header_and_an_autofilter(
    client_as: ClientAs, url: str, username: str, name: str, query: dict[str, str]
) -> None:
    sheet = first_sheet(client_as(username).get(url))

    assert str(sheet["A1"].value).startswith("导出人：")
    assert sheet["A2"].value == f"{name}（全部）"
    assert sheet.freeze_panes is not None and sheet.freeze_panes.endswith("4")
    assert sheet.auto_filter.ref is not None and sheet.auto_filter.ref.startswith("A3:")


@pytest.mark.parametrize(("url", "username", "name", "query"), LEDGERS)
def test_every_ledger_titles_the_filters_it_was_exported_with(
    client_as: ClientAs, url: str, username: str, name: str, query: dict[str, str]
) -> None:
    unfiltered = first_sheet(client_as(username).get(url))["A2"].value
    title = first_sheet(client_as(username).get(url, query))["A2"].value

    assert unfiltered == f"{name}（全部）"
    assert title.startswith(f"{name}（筛选：") and title != unfiltered


def test_lead_ledger_title_names_each_filter_by_its_label(client_as: ClientAs) -> None:
    response = client_as("banshi").get(
        "/leads/export.xlsx", {"source": "upper_assigned", "village": "none", "q": "码头"}
    )

    title = first_sheet(response)["A2"].value

    assert title == "线索台账（筛选：来源 上级交办；村 未指定村；搜索 “码头”）"


def test_lead_ledger_dates_are_dates(client_as: ClientAs, town: Unit) -> None:
    make_lead(town, received="2026-03-05")

    sheet = first_sheet(client_as("banshi").get("/leads/export.xlsx"))

    received = sheet["D4"]
    assert sheet["D3"].value == "受理时间"
    assert received.is_date and received.value.date() == datetime.date(2026, 3, 5)


def test_publicity_and_rectification_ledgers_have_real_dates(
    client_as: ClientAs, town: Unit
) -> None:
    make_activity(town, day="2026-03-01", code="slogan", quantity="3")
    make_item(town, created="2026-03-01", due="2026-06-30")

    activity = first_sheet(client_as("banshi").get("/publicity/export/"))["B4"]
    item_sheet = first_sheet(client_as("banshi").get("/rectifications/export/"))
    due_column = [cell.value for cell in item_sheet[3]].index("整改时限")
    due = item_sheet.cell(4, due_column + 1)

    assert activity.is_date and activity.value == datetime.datetime(2026, 3, 1)
    assert due.is_date and due.value == datetime.datetime(2026, 6, 30)
