"""The lead list's filters the home page's charts link to: time-limit states, leads without a
village, a village head's own village; bad values explained in Chinese, never a 500."""

import re
from collections.abc import Callable
from datetime import datetime, time, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from saohei.leads.models import Lead, Status
from saohei.organisations.models import Unit

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]
Register = Callable[..., Lead]


def numbers(page: str) -> set[str]:
    return set(re.findall(r'<a href="/leads/\d+/">([^<]+)</a>', page))


@pytest.fixture
def three_limits(register: Register, village: Unit) -> dict[str, Lead]:
    today = timezone.localdate()
    leads = {
        "ok": register(summary="时限充裕"),
        "none": register(summary="尚未设定时限"),
        "overdue": register(summary="已经逾期"),
    }
    Lead.objects.filter(pk=leads["ok"].pk).update(due_on=today + timedelta(days=60))
    Lead.objects.filter(pk=leads["none"].pk).update(due_on=None)
    Lead.objects.filter(pk=leads["overdue"].pk).update(
        due_on=today - timedelta(days=1), village=village
    )
    return leads


@pytest.mark.parametrize("due", ["ok", "none", "overdue"])
def test_list_filters_each_time_limit_state(
    client_as: ClientAs, three_limits: dict[str, Lead], due: str
) -> None:
    page = client_as("banshi").get("/leads/", {"due": due}).content.decode()
    assert numbers(page) == {three_limits[due].number}


def test_closed_leads_have_no_time_limit_state(
    client_as: ClientAs, three_limits: dict[str, Lead]
) -> None:
    Lead.objects.filter(pk=three_limits["none"].pk).update(status=Status.CONCLUDED)
    page = client_as("banshi").get("/leads/", {"due": "none"}).content.decode()
    assert numbers(page) == set()


def test_list_filters_leads_tied_to_no_village(
    client_as: ClientAs, three_limits: dict[str, Lead]
) -> None:
    page = client_as("banshi").get("/leads/", {"village": "none"}).content.decode()
    assert numbers(page) == {three_limits["ok"].number, three_limits["none"].number}
    assert '<option value="none" selected>未指定村</option>' in page


def test_village_head_filters_by_their_own_village(
    client_as: ClientAs, three_limits: dict[str, Lead], village: Unit
) -> None:
    Lead.objects.filter(pk=three_limits["overdue"].pk).update(
        handling_unit=village, status=Status.ASSIGNED
    )
    client = client_as("cun02")  # head of 东岛村
    page = client.get("/leads/", {"village": str(village.pk), "due": "overdue"}).content.decode()
    assert numbers(page) == {three_limits["overdue"].number}
    other = Unit.objects.get(name="北港村")
    refused = client.get("/leads/", {"village": other.pk}).content.decode()
    assert "选择一个有效的选项" in refused
    assert numbers(refused) == set()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"due": "late"}, "选择一个有效的选项"),
        ({"village": "abc"}, "选择一个有效的选项"),
        ({"village": "999999"}, "选择一个有效的选项"),
        ({"status": "bogus"}, "选择一个有效的选项"),
        ({"date_from": "2026-13-01"}, "有效的日期"),
        ({"date_from": "2026-05-01", "date_to": "2026-04-01"}, "截止日期不能早于起始日期"),
    ],
)
def test_bad_filter_values_are_explained_in_chinese(
    client_as: ClientAs, three_limits: dict[str, Lead], params: dict[str, str], message: str
) -> None:
    response = client_as("banshi").get("/leads/", params)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert numbers(page) == set()


def test_month_filter_lists_the_leads_received_that_month(
    client_as: ClientAs, register: Register
) -> None:
    today = timezone.localdate()
    last_month = today.replace(day=1) - timedelta(days=3)
    old = register(summary="上月受理")
    Lead.objects.filter(pk=old.pk).update(
        received_at=timezone.make_aware(datetime.combine(last_month, time.min))
    )
    register(summary="本月受理", received_at=timezone.now() - timedelta(minutes=1))
    page = (
        client_as("banshi")
        .get(
            "/leads/",
            {"date_from": last_month.replace(day=1).isoformat(), "date_to": last_month.isoformat()},
        )
        .content.decode()
    )
    assert numbers(page) == {old.number}
