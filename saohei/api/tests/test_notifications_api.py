"""/api/v1/notifications: one's own inbox and channels through `notifications.queries` and
`notifications.services` — another account's notices never answered or changed, keyset pages,
the preferences stored and audited as on the page, anonymous refused."""

import json
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from saohei.api.services import create_api_token
from saohei.audit.models import AuditAction, AuditEvent
from saohei.common.roles import Role
from saohei.meetings.tests.conftest import make_account
from saohei.notifications import queries, services
from saohei.notifications.models import Notification, NotificationKind, NotificationPreference
from saohei.organisations.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _isolated() -> None:
    cache.clear()


@pytest.fixture
def clerk(demo: None) -> User:
    return User.objects.get(username="banshi")


@pytest.fixture
def other(clerk: User) -> User:
    """Another account of the same office: even a colleague's inbox is not one's own."""
    assert clerk.unit is not None
    return make_account("tongshi", "同事", clerk.unit, Role.OFFICE_STAFF)


def _headers(user: User | None) -> dict[str, str]:
    if user is None:
        return {}
    _, token = create_api_token(user=user, name="通知")
    return {"Authorization": f"Bearer {token}"}


def _send(user: User, count: int, title: str = "请处理") -> None:
    for number in range(count):
        services.notify(recipients=[user], title=f"{title}{number}", kind=NotificationKind.REMINDER)


def test_list_is_the_accounts_own_keyset_paged(clerk: User, other: User) -> None:
    _send(clerk, 55)
    _send(other, 1, "别人的")
    headers = _headers(clerk)
    first = Client().get("/api/v1/notifications", headers=headers).json()
    assert len(first["items"]) == 50 and first["unread_count"] == 55
    assert first["next_cursor"]
    second = (
        Client().get(f"/api/v1/notifications?after={first['next_cursor']}", headers=headers).json()
    )
    assert len(second["items"]) == 5 and second["next_cursor"] == ""
    seen = {row["id"] for row in first["items"] + second["items"]}
    assert seen == set(Notification.objects.filter(recipient=clerk).values_list("pk", flat=True))
    assert "别人的" not in json.dumps(first | second, ensure_ascii=False)


def test_unread_filter_and_mark_all_read_touch_only_ones_own(clerk: User, other: User) -> None:
    _send(clerk, 3)
    _send(other, 2)
    services.mark_read(user=clerk, notification=Notification.objects.filter(recipient=clerk)[0])
    headers = _headers(clerk)
    unread = Client().get("/api/v1/notifications?unread=true", headers=headers).json()
    assert len(unread["items"]) == 2
    answer = Client().post("/api/v1/notifications/read-all", headers=headers)
    assert answer.status_code == 200 and answer.json() == {"count": 2}
    assert queries.count_unread(clerk) == 0
    assert queries.count_unread(other) == 2
    again = Client().post("/api/v1/notifications/read-all", headers=headers)
    assert again.json() == {"count": 0}


def test_preferences_read_and_replaced_and_audited(clerk: User, other: User) -> None:
    headers = _headers(clerk)
    before = Client().get("/api/v1/notifications/preferences", headers=headers).json()
    assert [row["kind"] for row in before["kinds"]] == NotificationKind.values
    body = {"kinds": [{"kind": "overdue", "sms": True, "email": True}]}
    answer = Client().put(
        "/api/v1/notifications/preferences",
        json.dumps(body),
        content_type="application/json",
        headers=headers,
    )
    assert answer.status_code == 200, answer.content
    rows = {row["kind"]: row for row in answer.json()["kinds"]}
    assert rows["overdue"]["sms"] and rows["overdue"]["email"]
    assert not any(row["sms"] or row["email"] for kind, row in rows.items() if kind != "overdue")
    assert queries.effective_preferences(user=clerk)["overdue"] == {"sms", "email"}
    assert not NotificationPreference.objects.filter(user=other).exists()
    assert AuditEvent.objects.filter(
        action=AuditAction.NOTIFICATION_PREFERENCES_CHANGED, actor=clerk
    ).exists()


@pytest.mark.parametrize(
    "body",
    [
        {"kinds": [{"kind": "nonsense"}]},
        {"kinds": [{"kind": "overdue"}, {"kind": "overdue", "sms": True}]},
    ],
)
def test_preferences_refuse_unknown_or_repeated_kinds(clerk: User, body: dict[str, Any]) -> None:
    answer = Client().put(
        "/api/v1/notifications/preferences",
        json.dumps(body),
        content_type="application/json",
        headers=_headers(clerk),
    )
    assert answer.status_code in (400, 422)
    error = answer.json()["error"]
    assert set(error) == {"code", "message", "fields"}
    assert not NotificationPreference.objects.filter(user=clerk).exists()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/notifications"),
        ("post", "/api/v1/notifications/read-all"),
        ("get", "/api/v1/notifications/preferences"),
        ("put", "/api/v1/notifications/preferences"),
    ],
)
def test_anonymous_is_refused(clerk: User, method: str, path: str) -> None:
    _send(clerk, 1)
    answer = getattr(Client(), method)(path, content_type="application/json")
    assert answer.status_code == 401
    assert set(answer.json()["error"]) == {"code", "message", "fields"}
    assert queries.count_unread(clerk) == 1
