import datetime
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from saohei.audit.models import AuditAction, AuditEvent
from saohei.organisations.models import User
from saohei.testing.forms import refused_field
from saohei.workdays import services
from saohei.workdays.models import CalendarOverride

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]
UserGetter = Callable[[str], User]
ALL_USERS = [
    "shuji",
    "fushuji",
    "banshi",
    "cun01",
    "minjing",
    "shiban",
    "baoguan",
    "xitong",
    "anquan",
    "shenji",
]
EDITORS = {"banshi", "xitong"}


def _add(user: UserGetter, day: datetime.date, *, working: bool = False) -> CalendarOverride:
    return services.add_override(
        actor=user("banshi"), day=day, is_working_day=working, reason="2027年春节"
    )


def test_anonymous_visitors_are_sent_to_the_login_page(demo: None) -> None:
    response = Client().get("/workdays/?month=2026-02")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("username", ALL_USERS)
def test_every_signed_in_user_sees_the_calendar_but_only_editors_the_form(
    client_as: ClientFor, username: str
) -> None:
    response = client_as(username).get("/workdays/")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="month-grid"' in page
    assert timezone.localdate().strftime("%Y年") in page
    assert ('data-testid="override-form"' in page) is (username in EDITORS)


def test_spring_festival_2026_is_marked_on_the_grid(client_as: ClientFor) -> None:
    page = client_as("cun01").get("/workdays/?month=2026-02").content.decode()
    assert "2026年2月" in page
    assert 'data-day="2026-02-14" data-kind="makeup_workday"' in page
    assert 'data-day="2026-02-16" data-kind="holiday"' in page
    assert 'data-day="2026-02-24" data-kind="workday"' in page
    assert 'data-day="2026-02-28" data-kind="makeup_workday"' in page
    assert "春节" in page
    assert 'data-testid="year-warning"' not in page


def test_an_unknown_year_warns_and_tells_editors_to_enter_it(client_as: ClientFor) -> None:
    viewer = client_as("cun01").get("/workdays/?month=2027-02").content.decode()
    editor = client_as("banshi").get("/workdays/?month=2027-02").content.decode()
    assert "2027年的法定节假日尚未录入，期限按周一至周五推算，请核对" in viewer
    assert "由扫黑办工作人员录入" in viewer
    assert "请按国务院办公厅发布的放假安排" in editor


@pytest.mark.parametrize(
    ("month", "message"),
    [
        ("abc", "月份格式不正确"),
        ("2026-13", "1至12之间"),
        ("2026-00", "1至12之间"),
        ("1999-12", "2000年至2099年"),
        ("2100-01", "2000年至2099年"),
        ("2026-02-01", "月份格式不正确"),
        ("99999999-01", "月份格式不正确"),
        ("2026-02<script>", "月份格式不正确"),
    ],
)
def test_a_bad_month_explains_itself_and_shows_the_current_month(
    client_as: ClientFor, month: str, message: str
) -> None:
    response = client_as("cun01").get("/workdays/", {"month": month})
    page = response.content.decode()
    assert response.status_code == 200
    assert message in page
    assert timezone.localdate().strftime("%Y年%-m月") in page
    assert "<script>" not in page.split('data-testid="month-error"')[1].split("</div>")[0]


def test_an_empty_month_is_the_current_month(client_as: ClientFor) -> None:
    page = client_as("cun01").get("/workdays/", {"month": " "}).content.decode()
    assert timezone.localdate().strftime("%Y年%-m月") in page
    assert 'data-testid="month-error"' not in page


def test_the_first_and_last_months_have_no_link_beyond_them(client_as: ClientFor) -> None:
    client = client_as("cun01")
    first = client.get("/workdays/?month=2000-01").content.decode()
    last = client.get("/workdays/?month=2099-12").content.decode()
    assert 'data-testid="previous-month"' not in first
    assert 'data-testid="next-month"' in first
    assert 'data-testid="next-month"' not in last


@pytest.mark.parametrize("username", sorted(EDITORS))
def test_editors_add_an_override_and_see_it(client_as: ClientFor, username: str) -> None:
    client = client_as(username)
    response = client.post(
        "/workdays/overrides/add/",
        {"day": "2027-02-08", "is_working_day": "0", "reason": "2027年春节"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/workdays/?month=2027-02"
    override = CalendarOverride.objects.get(day=datetime.date(2027, 2, 8))
    assert override.is_working_day is False
    page = client.get(response["Location"]).content.decode()
    assert "已将 2027-02-08 调整为放假" in page
    assert 'data-testid="override-row"' in page
    assert 'data-day="2027-02-08" data-kind="holiday"' in page
    assert 'data-testid="year-warning"' not in page
    assert "2027年的放假安排由本办录入（1 条）" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"day": "2027-02-30", "is_working_day": "0", "reason": "x"}, "请输入有效的日期"),
        ({"day": "", "is_working_day": "0", "reason": "x"}, "这个字段是必填项"),
        ({"day": "2027-02-08", "is_working_day": "maybe", "reason": "x"}, "有效的选项"),
        ({"day": "2027-02-08", "is_working_day": "0", "reason": ""}, "这个字段是必填项"),
        ({"day": "2027-02-08", "is_working_day": "0", "reason": "长" * 101}, "100"),
        ({"day": "1999-02-08", "is_working_day": "0", "reason": "x"}, "日期不能早于2000年1月1日"),
        ({"day": "2026-02-16", "is_working_day": "0", "reason": "x"}, "无需调整"),
    ],
)
def test_bad_input_is_shown_beside_the_form_and_nothing_is_written(
    client_as: ClientFor, data: dict[str, str], message: str
) -> None:
    response = client_as("banshi").post("/workdays/overrides/add/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not CalendarOverride.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.CALENDAR_CHANGED).exists()


def test_a_duplicate_day_is_refused_beside_the_date_field(
    client_as: ClientFor, user: UserGetter
) -> None:
    _add(user, datetime.date(2027, 2, 8))
    response = client_as("xitong").post(
        "/workdays/overrides/add/",
        {"day": "2027-02-08", "is_working_day": "1", "reason": "改"},
    )
    page = response.content.decode()
    assert response.status_code == 400
    day, error = refused_field(response, "id_day")
    assert day.get("value") == "2027-02-08"
    assert "已有调整记录" in error
    assert 'value="改"' in page
    assert "2027年2月" in page  # the month of the refused day stays on screen
    assert CalendarOverride.objects.count() == 1


@pytest.mark.parametrize("username", sorted(set(ALL_USERS) - EDITORS))
def test_other_roles_get_403_when_posting(
    client_as: ClientFor, user: UserGetter, username: str
) -> None:
    override = _add(user, datetime.date(2027, 2, 8))
    client = client_as(username)
    added = client.post(
        "/workdays/overrides/add/",
        {"day": "2027-02-09", "is_working_day": "0", "reason": "2027年春节"},
    )
    removed = client.post(f"/workdays/overrides/{override.pk}/remove/")
    assert (added.status_code, removed.status_code) == (403, 403)
    assert list(CalendarOverride.objects.values_list("day", flat=True)) == [
        datetime.date(2027, 2, 8)
    ]


def test_anonymous_posts_go_to_the_login_page_and_write_nothing(user: UserGetter) -> None:
    override = _add(user, datetime.date(2027, 2, 8))
    client = Client()
    added = client.post(
        "/workdays/overrides/add/", {"day": "2027-02-09", "is_working_day": "0", "reason": "x"}
    )
    removed = client.post(f"/workdays/overrides/{override.pk}/remove/")
    assert added.status_code == removed.status_code == 302
    assert added["Location"].startswith("/accounts/login/")
    assert CalendarOverride.objects.count() == 1


def test_an_editor_removes_an_override(client_as: ClientFor, user: UserGetter) -> None:
    override = _add(user, datetime.date(2027, 2, 8))
    client = client_as("xitong")
    response = client.post(f"/workdays/overrides/{override.pk}/remove/")
    assert response.status_code == 302
    assert response["Location"] == "/workdays/?month=2027-02"
    assert not CalendarOverride.objects.exists()
    assert "已删除 2027-02-08 的调整" in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize("override_id", ["999999", "99999999999999999999999"])
def test_removing_a_missing_override_is_404(client_as: ClientFor, override_id: str) -> None:
    response = client_as("banshi").post(f"/workdays/overrides/{override_id}/remove/")
    assert response.status_code == 404


def test_the_change_endpoints_accept_only_post(client_as: ClientFor, user: UserGetter) -> None:
    override = _add(user, datetime.date(2027, 2, 8))
    client = client_as("banshi")
    assert client.get("/workdays/overrides/add/").status_code == 405
    assert client.get(f"/workdays/overrides/{override.pk}/remove/").status_code == 405
    assert CalendarOverride.objects.count() == 1


def test_the_calendar_page_query_count_does_not_grow_with_overrides(
    client_as: ClientFor, user: UserGetter
) -> None:
    client = client_as("banshi")
    with CaptureQueriesContext(connection) as few:
        response = client.get("/workdays/?month=2027-02")
    assert response.status_code == 200
    assert 'data-testid="override-row"' not in response.content.decode()
    for day in range(1, 29):
        if datetime.date(2027, 2, day).weekday() < 5:
            _add(user, datetime.date(2027, 2, day))
    with CaptureQueriesContext(connection) as many:
        response = client.get("/workdays/?month=2027-02")
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="override-row"') == 20
    assert len(many) <= len(few)
    assert len(many) <= 20


def test_the_menu_offers_the_calendar_to_everyone(client_as: ClientFor) -> None:
    assert 'href="/workdays/"' in client_as("cun01").get("/").content.decode()
    assert 'href="/workdays/"' in client_as("shenji").get("/").content.decode()
