"""The keepalive behind 继续工作 and the timed-out page the idle warning leads to (decision 0019)."""

import re
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from saohei.accounts.models import UserSession
from saohei.audit.models import AuditAction, AuditEvent
from saohei.conftest import sign_in

pytestmark = pytest.mark.django_db


def _idle_for(client: Client, seconds: int) -> None:
    session = client.session
    session["last_activity"] = int((timezone.now() - timedelta(seconds=seconds)).timestamp())
    session.save()


def test_anonymous_keepalive_is_refused_with_401(demo: None) -> None:
    response = Client().post("/accounts/keepalive/")
    assert response.status_code == 401
    assert "登录" in response.json()["detail"]


def test_keepalive_refuses_get(demo: None) -> None:
    client = sign_in(Client(), "banshi")
    assert client.get("/accounts/keepalive/").status_code == 405


def test_keepalive_needs_the_csrf_token(demo: None) -> None:
    signed_in = sign_in(Client(), "banshi")
    client = Client(enforce_csrf_checks=True)
    client.cookies = signed_in.cookies
    assert client.post("/accounts/keepalive/").status_code == 403


def test_keepalive_moves_the_expiry_and_answers_the_full_timeout(demo: None) -> None:
    client = sign_in(Client(), "banshi")
    _idle_for(client, 25 * 60)
    events_before = AuditEvent.objects.count()

    response = client.post("/accounts/keepalive/")

    assert response.status_code == 200
    assert response.json() == {"seconds_left": 30 * 60}
    last_activity = client.session["last_activity"]
    assert timezone.now().timestamp() - last_activity < 5
    record = UserSession.objects.get(session_key=client.session.session_key)
    assert (timezone.now() - record.last_seen_at).total_seconds() < 5
    # Too frequent to be worth a row each: a renewal writes no audit event.
    assert AuditEvent.objects.count() == events_before
    # Ten minutes on, the session would have been idle without the renewal; now it is not.
    session = client.session
    session["last_activity"] = last_activity - 10 * 60
    session.save()
    assert client.get("/").status_code == 200


def test_keepalive_after_the_timeout_ends_the_session(demo: None) -> None:
    client = sign_in(Client(), "banshi")
    key = client.session.session_key
    _idle_for(client, 31 * 60)

    response = client.post("/accounts/keepalive/")

    assert response.status_code == 401
    assert not Session.objects.filter(session_key=key).exists()
    assert AuditEvent.objects.filter(action=AuditAction.SESSION_EXPIRED).exists()


def test_signed_in_page_tells_the_script_the_seconds_left(demo: None, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SAOHEI_IDLE_WARNING_SECONDS = 45
    client = sign_in(Client(), "banshi")
    _idle_for(client, 20)  # under 30 s: the page load does not restart the clock

    html = client.get("/").content.decode()

    assert 'data-idle-warning-seconds="45"' in html
    seconds_left = re.search(r'data-idle-seconds-left="(\d+)"', html)
    assert seconds_left is not None
    assert 30 * 60 - 25 <= int(seconds_left.group(1)) <= 30 * 60 - 20
    assert "saohei/idle.js" in html
    assert 'role="alertdialog"' in html


def test_timed_out_page_ends_an_idle_session_and_keeps_the_page_to_return_to(demo: None) -> None:
    client = sign_in(Client(), "banshi")
    key = client.session.session_key
    _idle_for(client, 31 * 60)

    response = client.get("/accounts/timed-out/", {"next": "/leads/new/?town=3", "draft": "1"})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fleads%2Fnew%2F%3Ftown%3D3"
    assert not Session.objects.filter(session_key=key).exists()
    assert AuditEvent.objects.filter(action=AuditAction.SESSION_EXPIRED).exists()
    login_page = client.get(response["Location"]).content.decode()
    assert "因长时间未操作已退出，您填写的内容已保存在本机草稿中" in login_page
    assert 'value="/leads/new/?town=3"' in login_page


def test_timed_out_page_does_not_end_a_session_still_in_use(demo: None) -> None:
    client = sign_in(Client(), "banshi")
    key = client.session.session_key
    _idle_for(client, 10 * 60)  # another tab renewed it ten minutes ago

    response = client.get("/accounts/timed-out/", {"next": "/leads/"})

    assert response["Location"] == "/leads/"
    assert Session.objects.filter(session_key=key).exists()
    assert not AuditEvent.objects.filter(action=AuditAction.SESSION_EXPIRED).exists()


def test_timed_out_page_never_sends_to_another_site(demo: None) -> None:
    response = Client().get("/accounts/timed-out/", {"next": "https://evil.example/"})
    assert response["Location"] == "/accounts/login/?next=%2F"


def test_timed_out_without_a_draft_says_so_plainly(demo: None) -> None:
    client = Client()
    response = client.get("/accounts/timed-out/", {"next": "/"}, follow=True)
    html = response.content.decode()
    assert "因长时间未操作已退出，请重新登录。" in html
    assert "草稿" not in html


def test_public_portal_loads_no_draft_script_even_for_a_signed_in_clerk(demo: None) -> None:
    client = sign_in(Client(), "banshi")
    pages = [client.get(url).content.decode() for url in ("/jubao/", "/jubao/new/")]
    html = "".join(pages)
    assert "举报" in html
    assert "idle.js" not in html
    assert "data-draft" not in html
