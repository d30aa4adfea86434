"""The leaders' dashboard: figures on a known data set, scope, drill-down, query counts, cache."""

import datetime
import json
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any, cast

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from saohei.home.dashboard import Chart, Dashboard, TownCoverage, get_dashboard
from saohei.home.tests.conftest import KnownData, make_activity, make_item, make_lead
from saohei.leads.models import Status
from saohei.organisations.models import RoleGrant, Unit, UnitKind, User
from saohei.organisations.services import build_unit
from saohei.publicity.models import (
    PlaceType,
    PublicityActivity,
    PublicityKind,
    PublicitySchedule,
)

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]


def chart_data(page: str) -> dict[str, Any]:
    found = re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>', page)
    assert found, "no chart data on the page"
    return json.loads(found.group(1))


def values(chart: Chart, series: str) -> dict[str, Any]:
    entry = next(entry for entry in chart["series"] if entry["name"] == series)
    return {
        category: point["value"]
        for category, point in zip(chart["categories"], entry["data"], strict=True)
    }


def dashboard_of(username: str) -> Dashboard:
    board = get_dashboard(User.objects.get(username=username))
    assert board is not None
    return board


def chart(board: Dashboard, chart_id: str) -> Chart:
    return next(chart for chart in board["charts"] if chart["id"] == chart_id)


def listed(client: Client, url: str) -> int:
    """The count a list page prints in its heading (共 N 条 / 共 N 项)."""
    response = client.get(url)
    assert response.status_code == 200, url
    found = re.search(r"共 (\d+) [条项]", response.content.decode())
    assert found, url
    return int(found.group(1))


# Figures on the known data set


def test_leader_sees_open_leads_by_state_and_time_limit(known: KnownData) -> None:
    states = chart(dashboard_of("shuji"), "lead-states")
    assert values(states, "已逾期") == {
        "已登记": 0,
        "已研判": 0,
        "已交办": 2,  # L1 and L9 (about an official: the leaders count it)
        "核查中": 0,
        "待审核": 1,
    }
    assert values(states, "即将到期")["核查中"] == 1
    assert values(states, "未到期")["已交办"] == 1
    assert values(states, "未设时限") == {
        "已登记": 1,
        "已研判": 1,
        "已交办": 0,
        "核查中": 0,
        "待审核": 0,
    }


def test_leader_sees_overdue_leads_and_items_per_village(known: KnownData) -> None:
    by_village = chart(dashboard_of("shuji"), "overdue-by-village")
    assert values(by_village, "逾期线索") == {"东岛村": 2, "北港村": 1, "镇本级/未指定村": 0}
    # I6 awaits verification (已申请销号): not late; I4 is closed.
    assert values(by_village, "逾期整改事项") == {"东岛村": 1, "北港村": 1, "镇本级/未指定村": 1}


def test_ledger_states_and_kpis(known: KnownData) -> None:
    board = dashboard_of("shuji")
    assert values(chart(board, "rectification-states"), "整改事项") == {
        "整改中": 4,
        "其中已逾期": 3,
        "已申请销号": 1,
        "已销号": 1,
    }
    kpis = {kpi["label"]: kpi["value"] for kpi in board["kpis"]}
    assert kpis["未办结线索"] == 7
    assert kpis["逾期线索"] == 3
    assert kpis["即将到期"] == 1
    assert kpis["逾期整改事项"] == 3


def test_trend_uses_the_statistics_definitions(known: KnownData) -> None:
    trend = chart(dashboard_of("shuji"), "trend")
    last, this = f"{known.last_month:%Y-%m}", f"{known.today:%Y-%m}"
    assert values(trend, "受理")[last] == 3
    assert values(trend, "受理")[this] == 6
    # Two of last month's three concluded, one of those two substantiated.
    assert values(trend, "查结率")[last] == 66.7
    assert values(trend, "查实率")[last] == 50.0
    assert values(trend, "查结率")[this] == 0.0
    assert values(trend, "查实率")[this] is None
    assert len(trend["categories"]) == 12


def test_trend_rate_matches_the_statistics_page(client_as: ClientAs, known: KnownData) -> None:
    trend = chart(dashboard_of("shuji"), "trend")
    entry = next(entry for entry in trend["series"] if entry["name"] == "查结率")
    url = entry["data"][trend["categories"].index(f"{known.last_month:%Y-%m}")]["url"]
    assert url.startswith(reverse("leads:stats"))
    page = client_as("shuji").get(url).content.decode()
    assert "66.7%" in page
    assert "50.0%" in page


def test_publicity_per_month_and_running_totals(known: KnownData) -> None:
    board = dashboard_of("shuji")
    publicity = chart(board, "publicity")
    this = f"{known.today:%Y-%m}"
    assert values(publicity, "宣传标语")[this] == 2
    assert values(publicity, "宣传横幅")[this] == 1
    assert values(publicity, "宣传车")[f"{known.last_month:%Y-%m}"] == 1
    totals = {row["name"]: row for row in board["publicity_totals"]}
    assert totals["宣传标语"]["quantity"] == "20"
    assert totals["宣传标语"]["unit_label"] == "条"
    assert totals["宣传标语"]["activities"] == 2


def test_accrued_schedule_days_stay_out_of_the_monthly_chart_but_in_the_totals(
    client_as: ClientAs, known: KnownData
) -> None:
    town = Unit.objects.get(name="港西镇")
    office = User.objects.get(username="banshi")
    schedule = PublicitySchedule.objects.create(
        town=town,
        kind=PublicityKind.objects.get(code="led"),
        place_type=PlaceType.TOWN_CENTRE,
        place="镇政府广场 LED 屏",
        hours_per_day=Decimal(10),
        starts_on=known.today,
        handler=office,
        created_by=office,
    )
    accrued = make_activity(town, None, "led", known.today)
    PublicityActivity.objects.filter(pk=accrued.pk).update(schedule=schedule)

    board = dashboard_of("shuji")
    assert "LED 屏滚动播放" not in [entry["name"] for entry in chart(board, "publicity")["series"]]
    totals = {row["name"]: row for row in board["publicity_totals"]}
    assert totals["LED 屏滚动播放"]["activities"] == 1
    # The bars' drill-down keeps matching what they count: hand-recorded rows only.
    slogans = next(e for e in chart(board, "publicity")["series"] if e["key"] == "slogan")
    point = slogans["data"][chart(board, "publicity")["categories"].index(f"{known.today:%Y-%m}")]
    assert "origin=manual" in point["url"]
    assert listed(client_as("shuji"), point["url"]) == point["value"] == 2


def test_talk_coverage_counts_the_towns_villages(known: KnownData) -> None:
    board = dashboard_of("shuji")
    coverage = chart(board, "coverage")
    assert values(coverage, "已谈")["村（社区）负责人"] == 0
    assert values(coverage, "未谈")["村（社区）负责人"] == 21
    assert board["coverage"] is not None
    assert "东岛村" in cast(TownCoverage, board["coverage"])["missing"]


# Scope


def test_office_clerk_does_not_count_a_lead_about_an_official(known: KnownData) -> None:
    states = chart(dashboard_of("banshi"), "lead-states")
    assert values(states, "已逾期")["已交办"] == 1


def test_village_head_sees_only_their_village(client_as: ClientAs, known: KnownData) -> None:
    board = dashboard_of("cun02")
    assert board["kind"] == "village"
    assert [c["id"] for c in board["charts"]] == [
        "lead-states",
        "rectification-states",
        "trend",
        "publicity",
    ]
    states = chart(board, "lead-states")
    # L1 and L2 only: not 北港村's, not L9 (about an official).
    assert values(states, "已逾期")["已交办"] == 1
    assert values(states, "即将到期")["核查中"] == 1
    assert values(states, "已逾期")["待审核"] == 0
    assert values(chart(board, "rectification-states"), "整改事项") == {
        "整改中": 2,
        "其中已逾期": 1,
        "已申请销号": 0,
        "已销号": 1,
    }
    assert values(chart(board, "publicity"), "宣传标语")[f"{known.today:%Y-%m}"] == 1
    assert [row["name"] for row in board["publicity_totals"]] == ["宣传标语", "宣传横幅"]
    page = client_as("cun02").get("/").content.decode()
    assert "北港村" not in page.split('data-testid="dashboard"')[1]
    assert 'data-testid="ranking"' not in page


def test_village_head_never_sees_another_villages_numbers(known: KnownData) -> None:
    before = dashboard_of("cun02")
    cache.clear()
    make_lead(
        known.town,
        "T-10",
        village=known.beigang,
        handling_unit=known.beigang,
        status=Status.ASSIGNED,
        due_on=known.last_month,
    )
    make_item(known.town, known.beigang, known.last_month)
    make_activity(known.town, known.beigang, "slogan", known.today)
    after = dashboard_of("cun02")
    assert after == {**before, "generated_at": after["generated_at"]}
    # The leaders' figures did move.
    assert chart(dashboard_of("shuji"), "lead-states")["series"][0]["data"][2]["value"] == 3


def _second_town_and_a_foreign_one() -> tuple[Unit, Unit]:
    city = Unit.objects.get(kind=UnitKind.CITY_OFFICE)
    second = build_unit(name="港东镇", kind=UnitKind.TOWN, parent=city, code="GD")
    village = build_unit(name="港东村", kind=UnitKind.VILLAGE, parent=second)
    elsewhere = build_unit(name="外市扫黑办", kind=UnitKind.CITY_OFFICE, parent=None)
    foreign = build_unit(name="外市某镇", kind=UnitKind.TOWN, parent=elsewhere, code="WS")
    make_lead(second, "D-1", village=village, status=Status.ASSIGNED, due_on=None)
    make_lead(foreign, "W-1", status=Status.ASSIGNED, due_on=None)
    make_item(second, None, timezone.localdate() - datetime.timedelta(days=5))
    return second, foreign


def test_supervisor_ranks_the_towns_of_their_subtree(client_as: ClientAs, known: KnownData) -> None:
    _second_town_and_a_foreign_one()
    board = dashboard_of("shiban")
    assert board["kind"] == "supervisor"
    ranking = {row["town"]: row for row in board["ranking"]}
    assert set(ranking) == {"港西镇", "港东镇"}
    assert ranking["港西镇"]["overdue_leads"] == 3
    assert ranking["港西镇"]["overdue_items"] == 3
    assert ranking["港东镇"]["received"] == 1
    assert ranking["港东镇"]["clearance_rate"] == "0.0%"
    # The ranking counts both towns below (statistics); the lead cards only its own list.
    kpis = {kpi["label"]: kpi["value"] for kpi in board["kpis"]}
    assert kpis["未办结线索"] == 0
    page = client_as("shiban").get("/").content.decode()
    assert 'data-testid="ranking"' in page
    assert "外市某镇" not in page


def test_supervisor_ranking_links_open_the_towns_statistics_and_ledger(
    client_as: ClientAs, known: KnownData
) -> None:
    _second_town_and_a_foreign_one()
    client = client_as("shiban")
    rows = {row["town"]: row for row in dashboard_of("shiban")["ranking"]}
    assert client.get(rows["港西镇"]["stats_url"]).status_code == 200
    assert listed(client, rows["港西镇"]["items_url"]) == 3
    assert listed(client, rows["港东镇"]["items_url"]) == 1


@pytest.mark.parametrize("username", ["xitong", "anquan", "shenji", "baoguan", "minjing"])
def test_roles_without_content_keep_the_plain_home_page(
    client_as: ClientAs, known: KnownData, username: str
) -> None:
    page = client_as(username).get("/").content.decode()
    assert 'data-testid="dashboard"' not in page
    assert "echarts" not in page


def test_anonymous_visitor_is_sent_to_sign_in(known: KnownData) -> None:
    response = Client().get("/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# Drill-down: every bar opens exactly the records it counted


def _drill_down(client: Client, board: Dashboard, chart_ids: list[str]) -> int:
    checked = 0
    for chart_id in chart_ids:
        figure = chart(board, chart_id)
        for entry in figure["series"]:
            if entry.get("line"):
                continue
            for point in entry["data"]:
                if not point["url"] or point["url"].startswith(reverse("leads:stats")):
                    continue
                assert listed(client, point["url"]) == point["value"], (chart_id, point)
                checked += 1
    return checked


@pytest.mark.parametrize("username", ["shuji", "banshi", "cun02", "cun04"])
def test_every_bar_opens_exactly_the_records_it_counted(
    client_as: ClientAs, known: KnownData, username: str
) -> None:
    board = dashboard_of(username)
    ids = [c["id"] for c in board["charts"] if c["id"] != "coverage"]
    assert "publicity" in ids
    assert _drill_down(client_as(username), board, ids) >= 5


def test_drill_down_lists_the_very_leads_counted(client_as: ClientAs, known: KnownData) -> None:
    states = chart(dashboard_of("shuji"), "lead-states")
    overdue = next(entry for entry in states["series"] if entry["key"] == "overdue")
    url = overdue["data"][states["categories"].index("已交办")]["url"]
    page = client_as("shuji").get(url).content.decode()
    numbers = set(re.findall(r">(T-\d+)</a>", page))
    assert numbers == {"T-1", "T-9"}


def test_publicity_bars_link_to_the_publicity_list(client_as: ClientAs, known: KnownData) -> None:
    publicity = chart(dashboard_of("shuji"), "publicity")
    entry = next(entry for entry in publicity["series"] if entry["key"] == "slogan")
    point = entry["data"][publicity["categories"].index(f"{known.today:%Y-%m}")]
    assert point["url"].startswith(reverse("publicity:list") + "?kind=slogan&date_from=")
    assert listed(client_as("shuji"), point["url"]) == 2


def test_page_carries_the_chart_data_for_the_script(client_as: ClientAs, known: KnownData) -> None:
    page = client_as("shuji").get("/").content.decode()
    data = chart_data(page)
    assert set(data) >= {"lead-states", "overdue-by-village", "trend", "rectification-states"}
    assert 'src="/static/saohei/dashboard.js"' in page
    assert "echarts-5.6.0/echarts.min.js" in page
    # Without JavaScript the same figures and links are in tables.
    assert 'data-testid="table-lead-states"' in page


# Speed: a bounded number of queries, and the cache


@pytest.mark.parametrize("username", ["shuji", "cun02", "shiban"])
def test_dashboard_queries_do_not_grow_with_data(
    client_as: ClientAs, known: KnownData, username: str
) -> None:
    client = client_as(username)
    cache.clear()
    with CaptureQueriesContext(connection) as small:
        response = client.get("/")
    assert response.status_code == 200 and 'data-testid="dashboard"' in response.content.decode()
    for n in range(12):
        village = known.dongdao if n % 2 else known.beigang
        make_lead(
            known.town,
            f"X-{n}",
            village=village,
            handling_unit=village,
            status=Status.ASSIGNED,
            due_on=known.today,
        )
        make_item(known.town, village, known.last_month)
        make_activity(known.town, village, "board", known.today)
    cache.clear()
    with CaptureQueriesContext(connection) as large:
        response = client.get("/")
    assert response.status_code == 200 and 'data-testid="dashboard"' in response.content.decode()
    assert len(large) == len(small), [q["sql"][:120] for q in large.captured_queries]
    # The page also reads the 待办: one query per kind and the scopes (decision 0015).
    assert len(large) <= 90


@pytest.mark.parametrize("username", ["shuji", "cun02", "shiban"])
def test_a_second_view_is_served_from_the_cache(
    client_as: ClientAs, known: KnownData, username: str, django_assert_max_num_queries: Any
) -> None:
    client = client_as(username)
    with CaptureQueriesContext(connection) as cold:
        first = client.get("/")
    with django_assert_max_num_queries(len(cold) - 20):
        second = client.get("/")
    for response in (first, second):
        assert response.status_code == 200
        assert 'data-testid="dashboard"' in response.content.decode()


def test_cache_is_per_user_and_follows_role_grants(client_as: ClientAs, known: KnownData) -> None:
    cun02 = User.objects.get(username="cun02")
    assert dashboard_of("cun02")["kind"] == "village"
    RoleGrant.objects.filter(user=cun02).delete()
    assert get_dashboard(User.objects.get(username="cun02")) is None


@pytest.mark.parametrize("username", ["shuji", "banshi", "cun02", "shiban"])
def test_kpis_and_publicity_totals_open_their_lists(
    client_as: ClientAs, known: KnownData, username: str
) -> None:
    board = dashboard_of(username)
    client = client_as(username)
    checked = 0
    for kpi in board["kpis"]:
        if kpi["url"] and not kpi["url"].startswith(reverse("leads:stats")):
            assert listed(client, kpi["url"]) == kpi["value"], kpi
            checked += 1
    for row in board["publicity_totals"]:
        assert listed(client, row["url"]) == row["activities"], row
        checked += 1
    assert checked >= 6


def test_supervisor_lead_cards_count_what_its_lead_list_shows(
    client_as: ClientAs, known: KnownData
) -> None:
    shiban = User.objects.get(username="shiban")
    make_lead(known.town, "GX-SB-1", source="upper_assigned", created_by=shiban, due_on=None)
    client = client_as("shiban")
    board = dashboard_of("shiban")
    kpis = {kpi["label"]: kpi for kpi in board["kpis"]}
    assert kpis["未办结线索"]["value"] == 1
    assert listed(client, kpis["未办结线索"]["url"]) == 1
    assert listed(client, reverse("leads:list")) == 1
    states = chart(board, "lead-states")
    assert values(states, "未设时限")["已登记"] == 1
    point = next(entry for entry in states["series"] if entry["key"] == "none")["data"][0]
    assert listed(client, point["url"]) == 1


def test_supervisor_statistics_open_the_statistics(client_as: ClientAs, known: KnownData) -> None:
    board = dashboard_of("shiban")
    client = client_as("shiban")
    urls = {
        point["url"]
        for chart_id in ("trend",)
        for entry in chart(board, chart_id)["series"]
        for point in entry["data"]
        if point["url"]
    }
    assert urls
    assert all(url.startswith(reverse("leads:stats")) for url in urls)
    for url in urls:
        assert client.get(url).status_code == 200, url
    trend = chart(board, "trend")
    received = trend["series"][0]["data"][trend["categories"].index(f"{known.last_month:%Y-%m}")]
    assert received["value"] == 3
    page = client.get(received["url"]).content.decode()
    assert "66.7%" in page


def test_a_town_with_leads_and_none_closed_is_a_zero_bar_not_no_data(known: KnownData) -> None:
    _, foreign = _second_town_and_a_foreign_one()
    # A supervisor over the foreign city only: one town, one lead received, none closed.
    RoleGrant.objects.filter(user__username="shiban").update(unit=foreign.parent)
    cache.clear()
    ranking_chart = chart(dashboard_of("shiban"), "ranking")
    assert not ranking_chart["empty"]
    assert values(ranking_chart, "查结率") == {"外市某镇": 0}
