"""Concurrency through a live server (issue 14, "No lost updates"): the races of decision 0044
again, but as people make them — HTTP requests at the same moment to gunicorn's separate worker
processes, each with its own database connection — on a SQLite file or a PostgreSQL database of
its own, never the test run's:

- 50 parallel lead registrations: 50 leads, numbers unique and without gaps;
- two leaders signing off one lead at once, one approving and one returning: one counts;
- two office members saving one rectification item's measures from the same version: one saved,
  the other refused with the form kept, nothing overwritten;
- parallel password guesses under several spellings of one username: exactly the policy's
  number of password checks before the lock, then the right password refused.

The audit chain verifies after each."""

import http.cookiejar
import json
import os
import re
import subprocess
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from threading import Barrier
from typing import Any

import pytest
from django.utils import timezone

from saohei.demo.town import DEMO_PASSWORD
from saohei.testing.processes import (
    free_port,
    run_manage,
    server_environment,
    start_gunicorn,
    stop_unless,
)

_POSTGRES_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = _POSTGRES_URL.startswith("postgres")
WORKERS = 4
REGISTRATIONS = 50

# The demo town without history, API tokens for the office and two leaders, and the ids the
# races need: printed as one JSON line.
_SETUP = """
import json
from saohei.api.services import create_api_token
from saohei.demo.loader import load_demo_town
from saohei.organisations.models import Unit, User
from saohei.rectifications.models import SourceKind
from saohei.rectifications.services import ItemInput, ItemSource, open_item
load_demo_town(with_history=False)
town = Unit.objects.get(name="港西镇")
village = Unit.objects.get(name="港西村")
item = open_item(
    actor=User.objects.get(username="banshi"),
    unit=town,
    source=ItemSource(kind=SourceKind.SELF_INSPECTION, label="并发测试"),
    data=ItemInput(
        description="档案缺少研判会记录",
        measures="补齐研判会记录",
        responsible_leader=User.objects.get(username="shuji"),
        responsible_unit=village,
        responsible_person=User.objects.filter(unit=village).order_by("pk").first(),
        village=village,
    ),
)
tokens = {
    name: create_api_token(user=User.objects.get(username=name), name="并发测试")[1]
    for name in ("banshi", "shuji", "zhenzhang")
}
print(json.dumps({"town": town.pk, "item": item.pk, "version": item.version, "tokens": tokens}))
"""


@dataclass
class Site:
    base: str
    env: dict[str, str]
    town: int
    item: int
    item_version: int
    tokens: dict[str, str]

    def manage(self, *args: str) -> str:
        result = run_manage(self.env, *args)
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout

    def shell(self, code: str) -> Any:
        return json.loads(self.manage("shell", "-c", code).strip().splitlines()[-1])

    def audit_events(self, **filters: Any) -> int:
        code = (
            "import json\nfrom saohei.audit.models import AuditEvent\n"
            f"print(AuditEvent.objects.filter(**json.loads({json.dumps(json.dumps(filters))})).count())"
        )
        return int(self.shell(code))

    def chain_is_intact(self) -> bool:
        return "审计日志完整" in self.manage("verify_audit")


def _api(
    site: Site, path: str, *, user: str, body: Any = None
) -> tuple[int, dict[str, Any] | list[Any]]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(  # noqa: S310 (loopback)
        f"{site.base}/api/v1{path}", data=data, method="POST" if data else "GET"
    )
    request.add_header("Content-Type", "application/json")
    request.add_header("Authorization", f"Bearer {site.tokens[user]}")
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


class _Visitor:
    """One browser: its own cookies, forms posted with the CSRF token of the page they are on."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
            _NoRedirect(),
        )

    def get(self, path: str) -> tuple[int, str]:
        return self._open(urllib.request.Request(f"{self.base}{path}"))  # noqa: S310

    def post(
        self, path: str, fields: dict[str, str], *, form_page: str | None = None
    ) -> tuple[int, str]:
        _, page = self.get(form_page or path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, f"no CSRF token on {form_page or path}"
        return self.send(path, {**fields, "csrfmiddlewaretoken": token.group(1)})

    def send(self, path: str, fields: dict[str, str]) -> tuple[int, str]:
        body = urllib.parse.urlencode(fields).encode()
        return self._open(urllib.request.Request(f"{self.base}{path}", data=body))  # noqa: S310

    def _open(self, request: urllib.request.Request) -> tuple[int, str]:
        try:
            with self.opener.open(request, timeout=120) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            if 300 <= error.code < 400:
                return error.code, error.headers.get("Location", "")
            return error.code, error.read().decode()
        except urllib.error.URLError as error:
            return 0, str(error.reason)  # gunicorn not listening yet


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _sign_in(site: Site, visitor: _Visitor, username: str) -> None:
    """The password, then the TOTP step where the account has one (its token read from the
    site's database as the person's phone would show it)."""
    status, location = visitor.post(
        "/accounts/login/", {"username": username, "password": DEMO_PASSWORD}
    )
    assert status == 302, location
    if location.endswith("/accounts/login/otp/"):
        token = site.shell(
            "import json\nfrom saohei.organisations.models import User\n"
            "from saohei.testing.totp import current_totp\n"
            f"print(json.dumps(current_totp(User.objects.get(username={username!r}))))"
        )
        status, location = visitor.post("/accounts/login/otp/", {"token": token})
        assert status == 302 and not location.startswith("/accounts/login"), location


def _postgres_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{_POSTGRES_URL.rsplit('/', 1)[0]}/postgres", autocommit=True) as admin:
        admin.execute(sql)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    var_dir = tmp_path_factory.mktemp("live-concurrency")
    settings: dict[str, str] = {}
    database = ""
    if ON_POSTGRES:
        database = f"saohei_live_{uuid.uuid4().hex[:12]}"
        _postgres_admin(
            f"CREATE DATABASE \"{database}\" TEMPLATE template0 ENCODING 'UTF8' "
            "LC_CTYPE 'C.UTF-8' LC_COLLATE 'C.UTF-8'"
        )
        settings["DATABASE_URL"] = f"{_POSTGRES_URL.rsplit('/', 1)[0]}/{database}"
    env = server_environment(var_dir, **settings)
    port = free_port()
    server: subprocess.Popen[str] | None = None
    try:
        for command in (("migrate", "--verbosity", "0"), ("createcachetable",)):
            result = run_manage(env, *command)
            assert result.returncode == 0, result.stderr[-3000:]
        setup = run_manage(env, "shell", "-c", _SETUP)
        assert setup.returncode == 0, setup.stderr[-3000:]
        made = json.loads(setup.stdout.strip().splitlines()[-1])
        server = start_gunicorn(env, port, workers=WORKERS, options=("--timeout", "120"))
        base = f"http://127.0.0.1:{port}"
        stop_unless(server, lambda: _Visitor(base).get("/healthz")[0] == 200, 60)
        yield Site(base, env, made["town"], made["item"], made["version"], made["tokens"])
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if database:
            _postgres_admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _at_once(count: int, call: Callable[[int], Any]) -> list[Any]:
    """`count` calls released together, each on its own thread."""
    start = Barrier(count)

    def run(index: int) -> Any:
        start.wait()
        return call(index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def _lead(site: Site, summary: str) -> dict[str, Any]:
    status, lead = _api(
        site,
        "/leads",
        user="banshi",
        body={
            "unit_id": site.town,
            "received_at": (timezone.localtime() - timedelta(hours=1)).isoformat(),
            "channel": "letter",
            "source": "public_report",
            "summary": summary,
        },
    )
    assert status == 201, lead
    assert isinstance(lead, dict)
    return lead


def _serial(number: str) -> int:
    found = re.search(r"(\d+)\D*$", number)
    assert found, number
    return int(found.group(1))


def test_fifty_parallel_registrations_get_unique_numbers_without_gaps(site: Site) -> None:
    leads = _at_once(REGISTRATIONS, lambda index: _lead(site, f"并发登记第{index}条"))

    numbers = [lead["number"] for lead in leads]
    assert len(set(numbers)) == REGISTRATIONS
    serials = sorted(_serial(number) for number in numbers)
    assert serials == list(range(serials[0], serials[0] + REGISTRATIONS)), serials
    assert site.audit_events(action="lead_registered") >= REGISTRATIONS
    assert site.chain_is_intact()


def test_two_leaders_signing_off_one_lead_at_once_one_approving_one_returning(
    site: Site,
) -> None:
    lead = _lead(site, "并发审核")
    path = f"/leads/{lead['id']}"
    for step, body in (
        ("/assign", {"handling_unit_id": site.town}),
        ("/investigations", {"occurred_on": str(timezone.localdate()), "content": "走访核实"}),
        ("/propose", {"conclusion": "excluded", "basis": "经走访核实排除涉黑涉恶可能"}),
    ):
        status, answer = _api(site, path + step, user="banshi", body=body)
        assert status in (200, 201), answer

    answers = _at_once(
        2,
        lambda index: _api(
            site,
            f"{path}/sign-off",
            user=("shuji", "zhenzhang")[index],
            body={"approve": index == 0, "note": "" if index == 0 else "证据不足，补充走访"},
        ),
    )

    statuses = sorted(status for status, _ in answers)
    assert statuses[0] == 200 and statuses[1] in (400, 409), answers
    refused = next(answer for status, answer in answers if status != 200)
    # Which words depends on when the second request read the lead: under the first one's lock
    # (moved on since loaded) or after its commit (the status no longer allows it).
    message = json.dumps(refused, ensure_ascii=False)
    assert "已被他人处理" in message or "当前状态为" in message, message
    signed = site.audit_events(
        action__in=["lead_signed_off", "lead_returned"], target_id=str(lead["id"])
    )
    assert signed == 1
    _, now = _api(site, path, user="banshi")
    assert isinstance(now, dict)
    approved = answers[0][0] == 200
    assert now["status"] == ("concluded" if approved else "investigating")
    assert site.chain_is_intact()


def test_two_office_members_saving_one_item_from_the_same_version_lose_nothing(
    site: Site,
) -> None:
    page = f"/rectifications/{site.item}/"
    visitors = [_Visitor(site.base), _Visitor(site.base)]
    for visitor, username in zip(visitors, ("banshi", "zhenzhang"), strict=True):
        _sign_in(site, visitor, username)
    tokens = []
    for visitor in visitors:
        status, html = visitor.get(page)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        assert status == 200 and token, (status, html[:2000])
        tokens.append(token.group(1))
    typed = ["周一前清理占道摊点并建立巡查台账", "由村两委每周巡查一次并报扫黑办"]

    answers = _at_once(
        2,
        lambda index: visitors[index].send(
            f"{page}measures/",
            {
                "measures": typed[index],
                "version": str(site.item_version),
                "csrfmiddlewaretoken": tokens[index],
            },
        ),
    )

    # One saved (redirected to the item); the other's form re-rendered as refused (400).
    assert sorted(status for status, _ in answers) == [302, 400], answers
    kept, refused = (answers[0], answers[1]) if answers[0][0] == 302 else (answers[1], answers[0])
    saved_text, lost_text = (typed[0], typed[1]) if kept is answers[0] else (typed[1], typed[0])
    # The refused person sees the form again with what they typed, not a success.
    assert lost_text in refused[1] and "没有保存" in refused[1]
    found = site.shell(
        "import json\nfrom saohei.rectifications.models import RectificationItem\n"
        f"item = RectificationItem.objects.get(pk={site.item})\n"
        "print(json.dumps([item.measures, item.version]))"
    )
    assert found == [saved_text, site.item_version + 1]
    edits = site.audit_events(action="rectification_measures_edited", target_id=str(site.item))
    assert edits == 1
    assert site.chain_is_intact()


def test_parallel_guesses_under_several_spellings_lock_the_account_after_the_policy_count(
    site: Site,
) -> None:
    spellings = ["fushuji", "FuShuji", " fushuji ", "ＦＵＳＨＵＪＩ"]
    guesses = 12
    visitors = [_Visitor(site.base) for _ in range(guesses)]
    tokens = []
    for visitor in visitors:
        _, html = visitor.get("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        assert token
        tokens.append(token.group(1))

    answers = _at_once(
        guesses,
        lambda index: visitors[index].send(
            "/accounts/login/",
            {
                "username": spellings[index % len(spellings)],
                "password": f"Wrong#{index}guess",
                "csrfmiddlewaretoken": tokens[index],
            },
        ),
    )

    assert all(status == 200 for status, _ in answers), [status for status, _ in answers]
    assert any("锁定" in html for _, html in answers)
    password_checks = site.audit_events(
        action="login_failed", actor__username="fushuji", details__reason="bad_password"
    )
    assert password_checks == 5  # the demo's policy: five failures lock the account
    assert site.audit_events(action="account_locked", actor__username="fushuji") == 1
    assert site.audit_events(details__reason="unknown_user") == 0
    status, html = _Visitor(site.base).post(
        "/accounts/login/", {"username": "fushuji", "password": DEMO_PASSWORD}
    )
    assert status == 200 and "锁定" in html
    assert site.chain_is_intact()
