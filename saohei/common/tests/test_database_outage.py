"""A database outage during a write load (issue 14 "Faults", decision 0049): requests answer
503 in the caller's shape at once, the site recovers by itself once the database is back, and
every write acknowledged before or after the outage is in the database, none of the refused.

gunicorn talks to PostgreSQL through a loopback forwarder that the test cuts (connections
refused, open ones closed), as a restarting server does to its clients."""

import json
import os
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from saohei.api.services import create_api_token
from saohei.leads.models import Lead
from saohei.organisations.models import Unit, User
from saohei.testing.processes import (
    free_port,
    run_manage,
    server_environment,
    start_gunicorn,
    stop_unless,
    wait_for,
)
from saohei.testing.proxy import CuttableProxy

MARK = "停电测试"


def _request(url: str, *, token: str = "", body: Any = None) -> tuple[int, str, dict[str, str]]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method="POST" if data else "GET")  # noqa: S310
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310 (loopback)
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)
    except urllib.error.URLError as error:
        return 0, str(error.reason), {}  # gunicorn not listening yet


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="an outage needs a database server: PostgreSQL only (SQLite is a file)",
)
@pytest.mark.django_db(transaction=True)
def test_writes_during_an_outage_are_refused_cleanly_and_the_site_recovers(
    tmp_path: Path, settings: Any
) -> None:
    from saohei.demo.loader import load_demo_town

    load_demo_town(with_history=False)
    town = Unit.objects.get(name="港西镇")
    _, token = create_api_token(user=User.objects.get(username="banshi"), name="停电测试")
    database = settings.DATABASES["default"]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    acknowledged: list[int] = []
    refused: list[tuple[int, str, dict[str, str]]] = []

    def write(number: int) -> tuple[int, str, dict[str, str]]:
        body = {
            "unit_id": town.pk,
            "received_at": (timezone.localtime() - timedelta(hours=1)).isoformat(),
            "channel": "letter",
            "source": "public_report",
            "summary": f"{MARK}第{number}条",
        }
        answer = _request(f"{base}/api/v1/leads", token=token, body=body)
        if answer[0] == 201:
            acknowledged.append(json.loads(answer[1])["id"])
        else:
            refused.append(answer)
        return answer

    with CuttableProxy(int(database["PORT"] or 5432)) as proxy:
        env = server_environment(
            tmp_path / "var",
            DATABASE_URL=f"postgres://{database['USER']}@127.0.0.1:{proxy.port}/{database['NAME']}",
            SAOHEI_DATA_KEY=",".join(
                f"{key_id}:{key.hex()}" for key_id, key in settings.SAOHEI_DATA_KEYS.items()
            ),
            SAOHEI_INDEX_KEY=settings.SAOHEI_INDEX_KEY.hex(),
            SAOHEI_AUDIT_KEY=settings.SAOHEI_AUDIT_KEY.hex(),
        )
        # The server's cache is the database's table (`make run` creates it; tests use another).
        cache = run_manage(env, "createcachetable")
        assert cache.returncode == 0, cache.stderr
        server = start_gunicorn(env, port)
        try:
            stop_unless(server, lambda: _request(f"{base}/healthz")[0] == 200, 60)
            for number in range(6):
                status, text, _ = write(number)
                assert status == 201, text

            proxy.cut()
            for number in range(6, 10):
                began = time.monotonic()
                status, text, headers = write(number)
                assert status == 503, text
                assert json.loads(text)["error"]["code"] == "database_unavailable"
                assert headers.get("Retry-After") == "5"
                assert time.monotonic() - began < 10
            assert _request(f"{base}/healthz")[0] == 503
            page = _request(f"{base}/jubao/")
            assert page[0] in (200, 503)  # the portal's first page needs no database

            proxy.restore()
            assert wait_for(lambda: write(100)[0] == 201, 30), "the site did not recover"
            for number in range(10, 16):
                assert write(number)[0] == 201
        finally:
            server.terminate()
            server.communicate(timeout=30)

    stored = set(Lead.objects.filter(summary__startswith=MARK).values_list("id", flat=True))
    assert stored == set(acknowledged)
    assert len(acknowledged) >= 13
    assert len(refused) >= 4


@pytest.mark.parametrize(
    ("path", "shape"),
    [("/leads/", "text/html"), ("/api/v1/leads", "application/json"), ("/jubao/", "text/plain")],
)
def test_the_error_handler_answers_a_lost_database_with_503_in_the_callers_shape(
    rf: Any, path: str, shape: str
) -> None:
    from django.db import OperationalError

    from saohei.portal.views import server_error_view

    try:
        raise OperationalError("connection refused")
    except OperationalError:
        response = server_error_view(rf.get(path))
    assert response.status_code == 503
    assert response["Content-Type"].startswith(shape)
    assert response["Retry-After"] == "5"
    text = response.content.decode()
    assert "请稍后" in text
    assert "connection refused" not in text


def test_any_other_failure_is_still_a_500(rf: Any) -> None:
    from saohei.portal.views import server_error_view

    try:
        raise ValueError("boom")
    except ValueError:
        response = server_error_view(rf.get("/leads/"))
    assert response.status_code == 500
