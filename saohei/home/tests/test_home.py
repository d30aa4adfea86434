from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from saohei.backups.models import BackupRun, BackupStatus

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("cun01", "港西村"),
        ("banshi", "港西镇"),
        ("shiban", "督导范围"),
        ("xitong", "系统管理"),
        ("anquan", "安全管理"),
        ("shenji", "审计"),
        ("minjing", "港西派出所"),
    ],
)
def test_each_role_lands_on_a_real_home_page(
    client_as: Callable[[str], Client], username: str, expected: str
) -> None:
    response = client_as(username).get("/")
    assert response.status_code == 200
    assert expected in response.content.decode()


def test_home_shows_the_previous_login(client_as: Callable[[str], Client]) -> None:
    client_as("banshi")
    page = client_as("banshi").get("/").content.decode()
    assert "上次登录" in page


def test_home_warns_of_failed_attempts_since_last_login(client_as: Callable[[str], Client]) -> None:
    client_as("banshi")
    Client().post("/accounts/login/", {"username": "banshi", "password": "bad"})
    page = client_as("banshi").get("/").content.decode()
    assert "1 次失败的登录尝试" in page


def test_home_page_query_count_does_not_grow_with_work(client_as: Callable[[str], Client]) -> None:
    from django.utils import timezone

    from saohei.leads import services
    from saohei.organisations.models import Unit, User

    client = client_as("banshi")
    with CaptureQueriesContext(connection) as empty:
        response = client.get("/")
    assert response.status_code == 200 and 'data-testid="waiting"' in response.content.decode()
    banshi = User.objects.get(username="banshi")
    for n in range(8):
        services.register_lead(
            actor=banshi,
            unit=Unit.objects.get(name="港西镇"),
            data=services.LeadInput(
                received_at=timezone.now(), channel="phone", source="self_found", summary=f"线索{n}"
            ),
        )
    cache.clear()  # count the dashboard again, not from the cache
    with CaptureQueriesContext(connection) as busy:
        response = client.get("/")
    assert response.status_code == 200 and "线索7" in response.content.decode()
    assert len(busy) == len(empty)
    # The page also reads the 待办: one query per kind and the scopes (decision 0015).
    assert len(busy) <= 90


def test_pages_carry_a_strict_content_security_policy(client_as: Callable[[str], Client]) -> None:
    response = client_as("banshi").get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response["Cache-Control"] == "no-store"
    assert response["X-Frame-Options"] == "DENY"


def test_healthz_needs_no_login(db: None) -> None:
    assert Client().get("/healthz").content == b"ok"


def test_csrf_failure_is_explained_in_chinese(demo: None) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "banshi", "password": "x"})
    assert response.status_code == 403
    assert "页面已过期" in response.content.decode()


def test_home_shows_the_leading_groups_leaders_at_a_glance(
    client_as: Callable[[str], Client],
) -> None:
    page = client_as("cun07").get("/").content.decode()
    leaders = page.split('data-testid="group-leaders"')[1].split("</ul>")[0]
    assert "孙志远" in leaders
    assert "曲振华" in leaders
    assert "李晓静" not in leaders


def test_the_system_administrator_sees_the_last_successful_backup_and_its_age(
    client_as: Callable[[str], Client],
) -> None:
    assert "尚无成功备份" in client_as("xitong").get("/").content.decode()
    finished = timezone.now() - timedelta(hours=3)
    BackupRun.objects.create(
        started_at=finished, finished_at=finished, status=BackupStatus.SUCCEEDED, file_name="a.sbk"
    )
    BackupRun.objects.create(status=BackupStatus.FAILED, finished_at=timezone.now())
    page = client_as("xitong").get("/").content.decode()
    assert timezone.localtime(finished).strftime("%Y-%m-%d %H:%M") in page
    assert "3" in page and "小时" in page and "最近一次备份失败" in page
    assert "数据备份" not in client_as("banshi").get("/").content.decode()
