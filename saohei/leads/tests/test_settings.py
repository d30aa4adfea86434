from collections.abc import Callable

import pytest
from django.test import Client

from saohei.audit.models import AuditAction, AuditEvent
from saohei.leads.defaults import seed_defaults
from saohei.leads.models import DictionaryEntry, SourceTimeLimit
from saohei.leads.queries import time_limit_for
from saohei.testing.forms import refused_field

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _defaults(demo: None) -> None:
    seed_defaults(DictionaryEntry, SourceTimeLimit)


def test_office_adds_and_retires_a_category(client_as: Callable[[str], Client]) -> None:
    client = client_as("banshi")
    client.post("/leads/settings/entries/", {"kind": "target_category", "name": "非法采砂"})
    entry = DictionaryEntry.objects.get(name="非法采砂")
    client.post(f"/leads/settings/entries/{entry.pk}/toggle/")
    entry.refresh_from_db()
    assert not entry.is_active
    assert AuditEvent.objects.filter(action=AuditAction.DICTIONARY_CHANGED).count() == 2


def test_duplicate_and_empty_names_are_refused(client_as: Callable[[str], Client]) -> None:
    client = client_as("banshi")
    before = DictionaryEntry.objects.count()
    assert (
        "已有同名"
        in client.post(
            "/leads/settings/entries/", {"kind": "offence_type", "name": "寻衅滋事"}, follow=True
        ).content.decode()
    )
    assert (
        "必填"
        in client.post(
            "/leads/settings/entries/", {"kind": "offence_type", "name": ""}, follow=True
        ).content.decode()
    )
    assert DictionaryEntry.objects.count() == before


def test_time_limit_is_configurable(client_as: Callable[[str], Client]) -> None:
    client = client_as("shuji")
    client.post("/leads/settings/time-limits/", {"source": "public_report", "working_days": 20})
    assert time_limit_for("public_report") == 20
    response = client.post(
        "/leads/settings/time-limits/", {"source": "public_report", "working_days": 0}, follow=True
    )
    assert "大于或等于1" in response.content.decode()
    assert time_limit_for("public_report") == 20


@pytest.mark.parametrize("username", ["cun01", "minjing", "xitong", "shiban"])
def test_other_roles_cannot_edit(client_as: Callable[[str], Client], username: str) -> None:
    client = client_as(username)
    assert client.get("/leads/settings/").status_code == 403
    assert (
        client.post(
            "/leads/settings/entries/", {"kind": "offence_type", "name": "新类型"}
        ).status_code
        == 403
    )
    assert not DictionaryEntry.objects.filter(name="新类型").exists()


def test_anonymous_is_sent_to_login(db: None) -> None:
    assert Client().get("/leads/settings/")["Location"].startswith("/accounts/login/")


def test_refused_entry_keeps_the_typed_name_beside_its_error(
    client_as: Callable[[str], Client],
) -> None:
    client = client_as("banshi")
    before = (DictionaryEntry.objects.count(), AuditEvent.objects.count())
    response = client.post("/leads/settings/entries/", {"kind": "offence_type", "name": "寻衅滋事"})
    assert response.status_code == 400
    name, error = refused_field(response, "id_name")
    assert name.get("value") == "寻衅滋事"
    assert "已有同名" in error
    assert (DictionaryEntry.objects.count(), AuditEvent.objects.count()) == before


def test_refused_time_limit_keeps_the_typed_days_in_its_row(
    client_as: Callable[[str], Client],
) -> None:
    before = time_limit_for("talk")
    response = client_as("banshi").post(
        "/leads/settings/time-limits/", {"source": "talk", "working_days": "400"}
    )
    assert response.status_code == 400
    days, error = refused_field(response, "id_working_days")
    assert days.get("value") == "400"
    assert "小于或等于365" in error
    # Only the row of the source that was refused holds the typed value.
    row = days.getparent().getparent()
    assert row.xpath(".//input[@name='source']")[0].get("value") == "talk"
    assert time_limit_for("talk") == before
