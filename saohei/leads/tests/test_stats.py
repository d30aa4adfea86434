"""线索统计 and the 清仓见底 report: numbers against hand-built leads, scope, access, bad input."""

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from saohei.leads import services
from saohei.leads.access import visible_leads
from saohei.leads.models import OPEN_STATUSES, Lead, Source
from saohei.leads.stats import get_lead_statistics, period_presets
from saohei.leads.tests.conftest import advance
from saohei.organisations.models import Unit, UnitKind, User
from saohei.organisations.services import build_unit
from saohei.workdays.calendar import working_days_between

pytestmark = pytest.mark.django_db
Register = Callable[..., Lead]
ClientAs = Callable[[str], Client]


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _period(days_back: int = 30) -> dict[str, str]:
    """A period ending today that holds every lead registered by the fixture (an hour ago)."""
    today = timezone.localdate()
    return {
        "date_from": (today - timedelta(days=days_back)).isoformat(),
        "date_to": today.isoformat(),
    }


def _conclude(lead: Lead, conclusion: str) -> Lead:
    advance(lead, "investigating")
    services.propose_conclusion(
        actor=_user("banshi"), lead=lead, conclusion=conclusion, basis="经核查，依据充分，结论如上"
    )
    services.sign_off(actor=_user("shuji"), lead=lead, approve=True)
    return lead


@pytest.fixture
def ledger(register: Register) -> dict[str, Lead]:
    """4 received this period (3 closed, 1 of them substantiated) and 1 open from last year."""
    excluded = advance(register(summary="排除的线索"), "concluded")
    substantiated = _conclude(register(summary="查实的线索"), "confirmed_filed")
    merged = register(summary="重复的线索")
    services.merge_lead(actor=_user("banshi"), lead=merged, into=excluded)
    overdue = register(
        summary="逾期未办的线索", source=Source.UPPER_ASSIGNED, upstream_office="荣成市扫黑办"
    )
    Lead.objects.filter(pk=overdue.pk).update(due_on=timezone.localdate() - timedelta(days=10))
    old = register(summary="去年的积案", received_at=timezone.now() - timedelta(days=400))
    return {
        "excluded": excluded,
        "substantiated": substantiated,
        "merged": merged,
        "overdue": overdue,
        "old": old,
    }


def test_rates_follow_the_written_definitions(client_as: ClientAs, ledger: dict[str, Lead]) -> None:
    response = client_as("banshi").get("/leads/stats/", _period())

    assert response.status_code == 200
    statistics = response.context["statistics"]
    (town,) = statistics.by_town
    assert (town.label, town.received, town.closed, town.substantiated) == ("港西镇", 4, 3, 1)
    assert (town.open, town.overdue, town.backlog) == (1, 1, 2)
    assert town.clearance_rate == "75.0%"
    assert town.substantiation_rate == "33.3%"
    by_source = {row.label: row for row in statistics.by_source}
    assert (by_source["群众举报"].received, by_source["群众举报"].closed) == (3, 3)
    assert by_source["群众举报"].clearance_rate == "100.0%"
    assert (by_source["上级交办"].received, by_source["上级交办"].overdue) == (1, 1)
    assert by_source["上级交办"].substantiation_rate == "—"
    assert by_source["谈心谈话"].received == 0
    body = response.content.decode()
    assert "75.0%" in body and "33.3%" in body
    assert "查结率 = 办结 ÷ 受理" in body
    assert "查实率 = 查实 ÷ 办结" in body


def test_open_list_names_every_lead_still_open_with_days_overdue(
    client_as: ClientAs, ledger: dict[str, Lead]
) -> None:
    response = client_as("banshi").get("/leads/stats/", _period())

    statistics = response.context["statistics"]
    listed = [item.lead.number for item in statistics.open_leads]
    # Earliest time limit first: last year's lead has long been due.
    assert listed == [ledger["old"].number, ledger["overdue"].number]
    overdue = statistics.open_leads[1]
    today = timezone.localdate()
    assert overdue.overdue_working_days == working_days_between(today - timedelta(days=10), today)
    assert overdue.overdue_working_days > 0
    body = response.content.decode()
    report = body.split('data-testid="clearance"')[1].split("</section>")[0]
    assert f"截至{today.month}月{today.day}日，尚有 2 条线索未办结" in report
    assert ledger["overdue"].number in report and ledger["old"].number in report
    assert ledger["excluded"].number not in report
    assert "实现清仓见底" not in report


def test_nothing_open_says_so_plainly(client_as: ClientAs, register: Register) -> None:
    advance(register(), "concluded")
    today = timezone.localdate()

    response = client_as("shuji").get("/leads/stats/", _period())

    assert response.context["statistics"].is_cleared
    assert f"截至{today.month}月{today.day}日，线索已全部办结，实现清仓见底" in (
        response.content.decode()
    )


def test_a_past_period_counts_leads_closed_later_as_open(register: Register, town: Unit) -> None:
    lead = advance(register(), "concluded")
    received_on = timezone.localdate(lead.received_at)
    Lead.objects.filter(pk=lead.pk).update(concluded_at=lead.received_at + timedelta(days=3))

    # Seen from a week later: concluded on day 3 of a period that ended on day 0 or day 5.
    later = received_on + timedelta(days=7)
    leader_list = visible_leads(_user("shuji"))
    before = get_lead_statistics(
        towns=[town], date_from=received_on, date_to=received_on, today=later, listable=leader_list
    )
    after = get_lead_statistics(
        towns=[town],
        date_from=received_on,
        date_to=received_on + timedelta(days=5),
        today=later,
        listable=leader_list,
    )

    assert (before.total.received, before.total.closed, before.total.open) == (1, 0, 1)
    assert [item.lead.pk for item in before.open_leads] == [lead.pk]
    assert (after.total.received, after.total.closed) == (1, 1)
    assert after.is_cleared


def test_a_reopened_lead_is_open_again(register: Register, town: Unit) -> None:
    lead = advance(register(), "concluded")
    services.reopen_lead(actor=_user("shuji"), lead=lead, reason="出现新的举报材料")
    today = timezone.localdate()

    statistics = get_lead_statistics(
        towns=[town],
        date_from=today - timedelta(days=1),
        date_to=today,
        listable=visible_leads(_user("shuji")),
    )

    assert (statistics.total.received, statistics.total.closed) == (1, 0)
    assert not statistics.is_cleared


@pytest.fixture
def second_town(demo: None) -> Unit:
    city = Unit.objects.get(name="荣成市扫黑办")
    return build_unit(name="港东镇", kind=UnitKind.TOWN, parent=city, code="GD", sort_order=20)


def test_supervisor_sees_a_row_per_town(
    client_as: ClientAs, register: Register, second_town: Unit
) -> None:
    town_lead = register()
    advance(register(), "concluded")
    other = services.register_lead(
        actor=_user("shiban"),
        unit=second_town,
        data=services.LeadInput(
            received_at=timezone.now() - timedelta(hours=1),
            channel="letter",
            source=Source.UPPER_ASSIGNED,
            upstream_office="荣成市扫黑办",
            summary="港东镇的交办线索",
        ),
    )

    response = client_as("shiban").get("/leads/stats/", _period())

    statistics = response.context["statistics"]
    assert [(row.label, row.received, row.closed) for row in statistics.by_town] == [
        ("港西镇", 2, 1),
        ("港东镇", 1, 0),
    ]
    assert (statistics.total.received, statistics.total.closed) == (3, 1)
    assert statistics.total.clearance_rate == "33.3%"
    body = response.content.decode()
    by_town = body.split('data-testid="by-town"')[1].split("</table>")[0]
    assert "港东镇" in by_town and "合计" in by_town
    # The open list is the supervisor's own lead list: the lead it registered, linked; the
    # town's other open lead only as a count.
    assert f'/leads/{other.pk}/"' in body
    assert town_lead.number not in body
    assert statistics.hidden_open == 1
    assert "另有 1 条受限记录" in body

    one_town = client_as("shiban").get("/leads/stats/", {**_period(), "town": str(second_town.pk)})
    assert [row.label for row in one_town.context["statistics"].by_town] == ["港东镇"]


def test_town_office_sees_only_its_own_town(
    client_as: ClientAs, register: Register, second_town: Unit
) -> None:
    register()
    response = client_as("banshi").get("/leads/stats/", _period())
    assert [row.label for row in response.context["statistics"].by_town] == ["港西镇"]
    refused = client_as("banshi").get("/leads/stats/", {**_period(), "town": str(second_town.pk)})
    assert refused.status_code == 400
    assert refused.context["statistics"] is None


def test_supervisor_statistics_do_not_name_a_lead_about_an_official(
    client_as: ClientAs, register: Register
) -> None:
    protected = register("shuji", summary="反映某站所工作人员充当保护伞", involves_official=True)

    response = client_as("shiban").get("/leads/stats/", _period())

    assert response.context["statistics"].total.backlog == 1
    body = response.content.decode()
    assert protected.number not in body
    assert response.context["statistics"].open_leads == []
    assert "另有 1 条受限记录" in body


@pytest.mark.parametrize("username", ["shuji", "fushuji", "jiaodaoyuan", "banshi", "shiban"])
def test_open_list_is_each_roles_own_lead_list_and_the_rest_a_count(
    client_as: ClientAs, register: Register, username: str
) -> None:
    register()
    register("shuji", summary="反映某站所工作人员充当保护伞", involves_official=True)
    register("shiban", source=Source.UPPER_ASSIGNED, upstream_office="荣成市扫黑办")
    client = client_as(username)

    statistics = client.get("/leads/stats/", _period()).context["statistics"]

    listed = {item.lead.pk for item in statistics.open_leads}
    own_list = set(
        visible_leads(_user(username)).filter(status__in=OPEN_STATUSES).values_list("pk", flat=True)
    )
    assert listed == own_list
    assert statistics.total.backlog == 3
    assert statistics.hidden_open == 3 - len(listed)


@pytest.mark.parametrize(
    "username", ["cun01", "minjing", "suozhang", "anquan", "shenji", "baoguan"]
)
def test_other_roles_are_refused(client_as: ClientAs, username: str) -> None:
    assert client_as(username).get("/leads/stats/").status_code == 403


@pytest.mark.parametrize("username", ["shuji", "fushuji", "jiaodaoyuan", "banshi", "shiban"])
def test_office_leaders_and_supervisors_may_open_the_page(
    client_as: ClientAs, username: str
) -> None:
    assert client_as(username).get("/leads/stats/").status_code == 200


def test_anonymous_visitor_is_sent_to_login(demo: None) -> None:
    response = Client().get("/leads/stats/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"date_from": "2026-99-01", "date_to": "2026-12-31"}, "有效的日期"),
        ({"date_from": "2026-06-01", "date_to": "2026-01-01"}, "截止日期不能早于起始日期"),
        ({"date_from": "1900-01-01", "date_to": "2026-01-01"}, "不能早于2000年"),
        ({"date_from": "9999-12-31", "date_to": "9999-12-31"}, "不能晚于今天"),
        ({"date_from": "", "date_to": ""}, "必填"),
        ({"date_from": "2026-01-01", "date_to": "2026-12-31", "town": "abc"}, "有效的选项"),
    ],
)
def test_bad_period_input_gets_a_chinese_message(
    client_as: ClientAs, params: dict[str, Any], message: str
) -> None:
    response = client_as("banshi").get("/leads/stats/", params)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_default_period_is_this_year_with_quick_links(client_as: ClientAs) -> None:
    today = timezone.localdate()
    response = client_as("banshi").get("/leads/stats/")
    statistics = response.context["statistics"]
    assert (statistics.date_from, statistics.date_to) == (
        date(today.year, 1, 1),
        date(today.year, 12, 31),
    )
    assert statistics.as_of == today
    body = response.content.decode()
    for label in ("本月", "本季度", "本年"):
        assert f">{label}</a>" in body
    assert f"date_from={today.year}-01-01&amp;date_to={today.year}-12-31" in body


def test_period_presets_cover_whole_month_quarter_and_year() -> None:
    month, quarter, year = period_presets(date(2026, 11, 15))
    assert (month.date_from, month.date_to) == (date(2026, 11, 1), date(2026, 11, 30))
    assert (quarter.date_from, quarter.date_to) == (date(2026, 10, 1), date(2026, 12, 31))
    assert (year.date_from, year.date_to) == (date(2026, 1, 1), date(2026, 12, 31))
    _, february_quarter, _ = period_presets(date(2028, 2, 29))
    assert (february_quarter.date_from, february_quarter.date_to) == (
        date(2028, 1, 1),
        date(2028, 3, 31),
    )


def test_page_query_count_does_not_grow_with_leads(client_as: ClientAs, register: Register) -> None:
    client = client_as("banshi")
    past_due = timezone.localdate() - timedelta(days=5)
    for n in range(3):
        lead = register(summary=f"线索{n}")
        Lead.objects.filter(pk=lead.pk).update(due_on=past_due)
    with CaptureQueriesContext(connection) as few:
        response = client.get("/leads/stats/", _period())
    assert response.status_code == 200 and lead.number in response.content.decode()
    assert len(response.context["statistics"].open_leads) == 3
    for n in range(20):
        lead = register(summary=f"更多线索{n}")
        Lead.objects.filter(pk=lead.pk).update(due_on=past_due - timedelta(days=n))
    with CaptureQueriesContext(connection) as many:
        response = client.get("/leads/stats/", _period())
    assert response.status_code == 200 and lead.number in response.content.decode()
    assert len(response.context["statistics"].open_leads) == 23
    assert len(many) == len(few)


def test_page_prints_without_navigation_or_filters(client_as: ClientAs) -> None:
    body = client_as("banshi").get("/leads/stats/").content.decode()
    assert 'href="/static/saohei/print.css" media="print"' in body
    assert 'class="row g-2 mb-2 align-items-end d-print-none"' in body
    assert " style=" not in body
