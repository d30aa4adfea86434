"""统计月报/季报 on a known data set: March 2025 and the first quarter of 2025, two towns."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.utils import timezone

from saohei.audit.models import AuditAction, AuditEvent
from saohei.common.roles import Role
from saohei.leads.models import Conclusion, Source, Status
from saohei.organisations.models import Unit
from saohei.rectifications.models import Status as ItemStatus
from saohei.reports.statistics import Period, PeriodKind, get_period_report, period_containing
from saohei.reports.tests.conftest import (
    ClientAs,
    make_activity,
    make_item,
    make_lead,
    move_grant,
    person,
    workbook_of,
)

MARCH = {"period_kind": "month", "year": "2025", "month": "3"}
FIRST_QUARTER = {"period_kind": "quarter", "year": "2025", "quarter": "1"}


@pytest.fixture
def data(town: Unit, second_town: Unit) -> None:
    # 港西镇 leads.
    make_lead(
        town,
        received="2025-03-03",
        status=Status.CONCLUDED,
        concluded="2025-03-20",
        conclusion=Conclusion.CONFIRMED_FILED,
    )
    make_lead(
        town,
        received="2025-03-05",
        status=Status.CONCLUDED,
        concluded="2025-03-25",
        conclusion=Conclusion.EXCLUDED,
    )
    # Open at the month's end and past its time limit: 逾期.
    make_lead(town, received="2025-03-10", source=Source.UPPER_ASSIGNED, due="2025-03-20")
    # Concluded only in April: open at the end of March, not yet due.
    make_lead(
        town,
        received="2025-03-12",
        source=Source.UPPER_ASSIGNED,
        status=Status.CONCLUDED,
        concluded="2025-04-05",
        conclusion=Conclusion.PARTLY_CONFIRMED,
        due="2025-04-10",
    )
    # February: only in the quarter (and in March's 期末积存).
    make_lead(town, received="2025-02-10", due="2025-02-28")
    # April: in neither.
    make_lead(town, received="2025-04-02")
    # 港东镇.
    make_lead(
        second_town,
        received="2025-03-15",
        source=Source.SELF_FOUND,
        status=Status.CONCLUDED,
        concluded="2025-03-28",
        conclusion=Conclusion.CONFIRMED_PUNISHED,
    )

    # 港西镇 rectification items.
    make_item(
        town, created="2025-02-01", due="2025-02-20", status=ItemStatus.CLOSED, closed="2025-03-10"
    )
    make_item(town, created="2025-03-05", due="2025-03-25")  # overdue at the end
    make_item(town, created="2025-03-06", due="2025-04-30")  # not yet due
    # Awaiting 销号 审核 at the end: not late, whatever its deadline.
    make_item(
        town,
        created="2025-03-07",
        due="2025-03-15",
        status=ItemStatus.REQUESTED,
        requested="2025-03-14",
    )
    # Closed in April, asked for only in April: still overdue at the end of March.
    make_item(
        town,
        created="2025-03-08",
        due="2025-03-20",
        status=ItemStatus.CLOSED,
        requested="2025-04-01",
        closed="2025-04-03",
    )
    make_item(town, created="2025-04-02", due="2025-04-20")
    make_item(
        second_town,
        created="2025-03-10",
        due="2025-03-30",
        status=ItemStatus.CLOSED,
        closed="2025-03-20",
    )

    # Publicity.
    make_activity(town, day="2025-03-02", code="slogan", quantity="10")
    make_activity(town, day="2025-03-20", code="slogan", quantity="5")
    make_activity(town, day="2025-03-21", code="leaflet", quantity="200", reach=150)
    make_activity(
        town,
        day="2025-03-22",
        code="slogan",
        quantity="100",
        voided_at=timezone.now(),
        voided_by=person("banshi"),
        void_reason="重复登记",
    )
    make_activity(town, day="2025-04-01", code="slogan", quantity="7")
    make_activity(second_town, day="2025-03-03", code="slogan", quantity="3")


def _figures(tally: object, *names: str) -> tuple:
    return tuple(getattr(tally, name) for name in names)


LEAD_FIGURES = (
    "received",
    "closed",
    "substantiated",
    "clearance_rate",
    "substantiation_rate",
    "overdue",
    "backlog",
)
ITEM_FIGURES = ("opened", "closed", "total", "closed_total", "open", "overdue", "completion_rate")


def test_monthly_figures_per_town_and_total(data: None, town: Unit, second_town: Unit) -> None:
    report = get_period_report(
        user=person("shiban"),
        towns=[town, second_town],
        period=Period(PeriodKind.MONTH, 2025, 3),
        today=datetime.date(2026, 1, 1),
    )

    assert report.as_of == datetime.date(2025, 3, 31)
    west, east, total = report.rows
    assert (west.label, east.label, total.label) == ("港西镇", "港东镇", "合计")
    assert _figures(west.leads, *LEAD_FIGURES) == (4, 2, 1, "50.0%", "50.0%", 1, 3)
    assert _figures(east.leads, *LEAD_FIGURES) == (1, 1, 1, "100.0%", "100.0%", 0, 0)
    assert _figures(total.leads, *LEAD_FIGURES) == (5, 3, 2, "60.0%", "66.7%", 1, 3)

    by_source = {tally.label: tally for tally in west.leads_by_source}
    assert _figures(by_source["群众举报"], "received", "closed", "substantiated", "overdue") == (
        2,
        2,
        1,
        0,
    )
    assert _figures(by_source["上级交办"], "received", "closed", "clearance_rate", "overdue") == (
        2,
        0,
        "0.0%",
        1,
    )
    assert by_source["自行摸排"].received == 0
    total_by_source = {tally.label: tally.received for tally in total.leads_by_source}
    assert total_by_source["自行摸排"] == 1 and total_by_source["群众举报"] == 2

    assert _figures(west.rectifications, *ITEM_FIGURES) == (4, 1, 5, 1, 4, 2, "20.0%")
    assert _figures(east.rectifications, *ITEM_FIGURES) == (1, 1, 1, 1, 0, 0, "100.0%")
    assert _figures(total.rectifications, *ITEM_FIGURES) == (5, 2, 6, 2, 4, 2, "33.3%")

    slogans = {entry.kind.code: entry for entry in west.publicity}
    assert slogans["slogan"].quantity == 15 and slogans["slogan"].activities == 2
    assert (slogans["leaflet"].quantity, slogans["leaflet"].reach) == (200, 150)
    total_slogans = {entry.kind.code: entry for entry in total.publicity}["slogan"]
    assert (total_slogans.quantity, total_slogans.activities) == (18, 3)


def test_quarterly_figures_include_the_whole_quarter(data: None, town: Unit) -> None:
    report = get_period_report(
        user=person("banshi"),
        towns=[town],
        period=Period(PeriodKind.QUARTER, 2025, 1),
        today=datetime.date(2026, 1, 1),
    )

    (west,) = report.rows  # one town: no total row
    assert (report.period.date_from, report.period.date_to) == (
        datetime.date(2025, 1, 1),
        datetime.date(2025, 3, 31),
    )
    assert _figures(west.leads, "received", "closed", "overdue", "backlog") == (5, 2, 2, 3)
    assert _figures(west.rectifications, "opened", "closed", "total") == (5, 1, 5)


def test_a_period_running_today_counts_up_to_today(town: Unit) -> None:
    make_item(town, created="2025-11-03", due="2025-11-10")
    report = get_period_report(
        user=person("banshi"),
        towns=[town],
        period=Period(PeriodKind.MONTH, 2025, 11),
        today=datetime.date(2025, 11, 10),
    )
    # Due today is not yet late; the 统计截止日 is today, not the month's end.
    assert report.as_of == datetime.date(2025, 11, 10)
    assert report.rows[0].rectifications.overdue == 0


def test_periods_know_their_days_and_neighbours() -> None:
    december = Period(PeriodKind.MONTH, 2024, 12)
    assert (december.date_from, december.date_to) == (
        datetime.date(2024, 12, 1),
        datetime.date(2024, 12, 31),
    )
    assert december.previous().previous() == Period(PeriodKind.MONTH, 2024, 10)
    assert Period(PeriodKind.MONTH, 2025, 1).previous() == Period(PeriodKind.MONTH, 2024, 12)
    fourth = Period(PeriodKind.QUARTER, 2024, 4)
    assert (fourth.date_from, fourth.date_to, fourth.label) == (
        datetime.date(2024, 10, 1),
        datetime.date(2024, 12, 31),
        "2024年第四季度",
    )
    assert fourth.previous().label == "2024年第三季度"
    assert Period(PeriodKind.QUARTER, 2025, 1).previous() == fourth
    assert Period(PeriodKind.MONTH, 2024, 2).date_to == datetime.date(2024, 2, 29)
    assert period_containing(PeriodKind.QUARTER, datetime.date(2025, 8, 15)).number == 3


# --- the page and the export ----------------------------------------------------------------


def test_supervisor_page_shows_a_row_per_town_and_the_total(
    client_as: ClientAs, data: None
) -> None:
    response = client_as("shiban").get("/reports/statistics/", MARCH)

    assert response.status_code == 200
    body = response.content.decode()
    leads_table = body.split('data-testid="leads-table"')[1].split("</table>")[0]
    assert "港西镇" in leads_table and "港东镇" in leads_table and "合计" in leads_table
    assert "66.7%" in leads_table
    items_table = body.split('data-testid="rectifications-table"')[1].split("</table>")[0]
    assert "33.3%" in items_table
    assert "2025年3月" in body


def test_supervisor_of_one_town_sees_only_that_town(
    client_as: ClientAs, data: None, second_town: Unit
) -> None:
    move_grant("shiban", Role.SUPERVISOR, second_town)
    report = client_as("shiban").get("/reports/statistics/", MARCH).context["report"]
    assert [row.label for row in report.rows] == ["港东镇"]


def test_town_office_sees_its_own_town_only(client_as: ClientAs, data: None) -> None:
    report = client_as("banshi").get("/reports/statistics/", MARCH).context["report"]
    assert [row.label for row in report.rows] == ["港西镇"]
    assert report.rows[0].leads.received == 4


def test_export_has_four_watermarked_sheets_with_the_figures_and_is_audited(
    client_as: ClientAs, data: None
) -> None:
    response = client_as("shiban").get("/reports/statistics/export.xlsx", MARCH)
    workbook = workbook_of(response)

    assert workbook.sheetnames == ["线索办理", "线索来源", "问题整改", "宣传发动"]
    for sheet in workbook.worksheets:
        assert "导出人：赵建民（shiban）" in sheet.cell(1, 1).value
        assert "2025年3月扫黑除恶工作统计月报" in sheet.cell(2, 1).value
    leads = [list(row) for row in workbook["线索办理"].iter_rows(min_row=3, values_only=True)]
    assert leads[0][:4] == ["单位", "受理", "办结", "查结率"]
    assert leads[1] == ["港西镇", 4, 2, "50.0%", 1, "50.0%", 2, 1, 3]
    assert leads[3] == ["合计", 5, 3, "60.0%", 2, "66.7%", 2, 1, 3]
    items = [list(row) for row in workbook["问题整改"].iter_rows(min_row=4, values_only=True)]
    assert items[0] == ["港西镇", 4, 1, 5, 1, 4, 2, "20.0%"]
    sources = [list(row) for row in workbook["线索来源"].iter_rows(min_row=4, values_only=True)]
    assert ["港东镇", "自行摸排", 1, 1, "100.0%", 1, "100.0%", 0] in sources
    publicity = [list(row) for row in workbook["宣传发动"].iter_rows(min_row=4, values_only=True)]
    assert ["合计", "宣传标语", "条", 18, "", "", 3] in publicity

    event = AuditEvent.objects.get(action=AuditAction.STATISTICS_EXPORTED)
    assert event.actor_username == "shiban"
    assert event.details["period"] == "2025-03"
    assert response["Content-Disposition"].startswith("attachment")


def test_quarterly_export_is_named_for_the_quarter(client_as: ClientAs, data: None) -> None:
    response = client_as("banshi").get("/reports/statistics/export.xlsx", FIRST_QUARTER)
    workbook = workbook_of(response)
    assert "统计季报" in workbook["线索办理"].cell(2, 1).value
    assert "2025-Q1" in response["Content-Disposition"] or "2025-Q1" in response.get(
        "Content-Disposition", ""
    )


def test_default_is_last_month(client_as: ClientAs) -> None:
    response = client_as("banshi").get("/reports/statistics/")
    today = timezone.localdate()
    expected = period_containing(PeriodKind.MONTH, today).previous()
    assert response.status_code == 200
    assert response.context["report"].period == expected


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"period_kind": "month", "year": "2025"}, "请选择月份"),
        ({"period_kind": "quarter", "year": "2025", "quarter": "5"}, "选择一个有效的选项"),
        ({"period_kind": "month", "year": "abc", "month": "1"}, "输入整数"),
        ({"period_kind": "month", "year": "1999", "month": "1"}, "2000"),
        ({"period_kind": "month", "year": "2100", "month": "1"}, "尚未开始"),
        ({"period_kind": "week", "year": "2025", "month": "1"}, "选择一个有效的选项"),
    ],
)
def test_bad_period_gets_a_chinese_message_not_a_500(
    client_as: ClientAs, params: dict[str, str], message: str
) -> None:
    client = client_as("banshi")
    for url in ("/reports/statistics/", "/reports/statistics/export.xlsx"):
        response = client.get(url, params)
        assert response.status_code == 400
        assert message in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.STATISTICS_EXPORTED).exists()


@pytest.mark.parametrize("username", ["cun02", "minjing", "baoguan", "shenji", "xitong"])
def test_other_roles_are_refused(client_as: ClientAs, username: str) -> None:
    client = client_as(username)
    assert client.get("/reports/statistics/", MARCH).status_code == 403
    assert client.get("/reports/statistics/export.xlsx", MARCH).status_code == 403


def test_anonymous_visitor_is_sent_to_login(demo: None) -> None:
    for url in ("/reports/statistics/", "/reports/statistics/export.xlsx"):
        response = Client().get(url, MARCH)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_supervisor_without_any_town_is_refused(client_as: ClientAs, demo: None) -> None:
    village = Unit.objects.get(name="东岛村")
    move_grant("shiban", Role.SUPERVISOR, village)
    assert client_as("shiban").get("/reports/statistics/", MARCH).status_code == 403


def test_page_query_count_does_not_grow_with_records(
    client_as: ClientAs, data: None, town: Unit, django_assert_max_num_queries: object
) -> None:
    client = client_as("shiban")
    client.get("/reports/statistics/", MARCH)  # warm the session and caches
    with django_assert_max_num_queries(20):  # type: ignore[operator]
        response = client.get("/reports/statistics/", MARCH)
    assert response.status_code == 200 and 'data-testid="leads-table"' in response.content.decode()
    for day in range(1, 20):
        make_lead(town, received=f"2025-03-{day:02d}")
        make_item(town, created=f"2025-03-{day:02d}", due="2025-03-31")
        make_activity(town, day=f"2025-03-{day:02d}", code="banner", quantity="1")
    with django_assert_max_num_queries(20):  # type: ignore[operator]
        response = client.get("/reports/statistics/", MARCH)
    assert response.status_code == 200 and 'data-testid="leads-table"' in response.content.decode()


def test_anonymous_user_gets_no_rows(town: Unit) -> None:
    # The scoped reads behind the report never leak to a caller without a user.
    report = get_period_report(
        user=AnonymousUser(),  # type: ignore[arg-type]
        towns=[town],
        period=Period(PeriodKind.MONTH, 2025, 3),
    )
    assert report.rows[0].rectifications.total == 0
