"""No stored date breaks a page: one row of every dated table in the demo town, written past
validation with a date Python cannot show in Beijing time, and every list, dashboard, ledger and
API list still answers (the bad cell is marked 日期异常)."""

import datetime
from collections.abc import Iterator

import pytest
from django.apps import apps
from django.db import models
from django.test import Client

from saohei.api.services import create_api_token
from saohei.organisations.models import Unit, User

pytestmark = pytest.mark.django_db

# Contexts holding the records the office keeps (not accounts, sessions, tokens or the audit log).
PLANTED_APPS = [
    "leads",
    "cases",
    "tips",
    "custody",
    "rectifications",
    "accountability",
    "inspections",
    "meetings",
    "publicity",
    "briefings",
]
# (date, moment) written into every dated field. Beijing is ahead of UTC: 9999-12-31 23:00 UTC
# has no local time Python can hold; year 1 is shown nowhere; date.max breaks date arithmetic.
IMPOSSIBLE = {
    "year_one_days": (
        datetime.date(1, 1, 1),
        datetime.datetime(9999, 12, 31, 23, tzinfo=datetime.UTC),
    ),
    "year_9999_days": (
        datetime.date(9999, 12, 31),
        datetime.datetime(1, 1, 1, tzinfo=datetime.UTC),
    ),
}

PAGES = [
    "/",
    "/leads/",
    "/leads/export.xlsx",
    "/leads/stats/",
    "/cases/",
    "/cases/export.xlsx",
    "/tips/",
    "/rectifications/",
    "/rectifications/summary/",
    "/rectifications/export/",
    "/talks/",
    "/talks/coverage/",
    "/inspections/",
    "/meetings/",
    "/meetings/tasks/",
    "/meetings/schedules/",
    "/meetings/self-inspections/",
    "/publicity/",
    "/publicity/totals/",
    "/publicity/export/",
    "/publicity/schedules/",
    "/briefings/",
    "/reports/",
    "/reports/talks.xlsx",
    "/reports/meetings.xlsx",
    "/reports/inspections.xlsx",
    "/reports/statistics/",
    "/reports/statistics/export.xlsx",
    "/notifications/",
]
API_LISTS = [
    "/api/v1/leads",
    "/api/v1/cases",
    "/api/v1/rectifications",
    "/api/v1/talks",
    "/api/v1/inspections",
    "/api/v1/meetings",
    "/api/v1/meetings/tasks",
    "/api/v1/publicity/activities",
]


def _dated_fields(
    day: datetime.date, moment: datetime.datetime
) -> Iterator[tuple[type[models.Model], str, object]]:
    for label in PLANTED_APPS:
        for model in apps.get_app_config(label).get_models():
            for field in model._meta.concrete_fields:
                if isinstance(field, models.DateTimeField):
                    yield model, field.name, moment
                elif isinstance(field, models.DateField):
                    yield model, field.name, day


@pytest.fixture(params=sorted(IMPOSSIBLE))
def planted(request: pytest.FixtureRequest, demo_history: Unit) -> list[str]:
    """The demo town with history (shared per worker, saohei/testing/town.py), one row of each
    table given impossible dates; the test's own rollback takes them out again."""
    planted_fields = []
    for model, name, value in _dated_fields(*IMPOSSIBLE[request.param]):
        row = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
        if row is not None:
            model._default_manager.filter(pk=row).update(**{name: value})
            planted_fields.append(f"{model._meta.label}.{name}")
    return planted_fields


def test_dates_were_planted_in_every_context(planted: list[str]) -> None:
    planted_apps = {field.split(".")[0] for field in planted}
    assert {"leads", "rectifications", "meetings", "publicity", "accountability"} <= planted_apps


@pytest.mark.parametrize("path", PAGES)
def test_every_list_dashboard_and_ledger_answers(planted: list[str], path: str) -> None:
    from saohei.conftest import sign_in

    response = sign_in(Client(), "banshi").get(path)

    assert response.status_code == 200, path


@pytest.mark.parametrize("path", API_LISTS)
def test_every_api_list_answers(planted: list[str], path: str) -> None:
    _, token = create_api_token(user=User.objects.get(username="banshi"), name="测试")

    response = Client().get(path, headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 200, response.content.decode()[:500]


@pytest.mark.parametrize(
    ("username", "path"),
    [("shuji", "/"), ("shiban", "/"), ("baoguan", "/vault/"), ("minjing", "/leads/")],
)
def test_other_roles_pages_answer(planted: list[str], username: str, path: str) -> None:
    from saohei.conftest import sign_in

    response = sign_in(Client(), username).get(path)

    assert response.status_code == 200, path
