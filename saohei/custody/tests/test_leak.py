"""The leak test (issue #4, DOMAIN.md §4.6).

A distinctive reporter identity is planted through `register_lead(reporter=...)`, the lead is
walked through the whole workflow (with notifications, a 批示, police feedback, the custodian's
回访 and a reward), and then every page, export, API response and notification reachable by
every non-custodian role is fetched and searched for it, together with the captured log output
(SQL included), the audit table and every other table. Only the custodian's reveal shows it.

The walk is done once per worker (a shared layer, saohei/testing/town.py) and each role is a test
of its own, so that the two workers share the roles; every role's test checks the log, the
audit table and every table after its own walk of the pages.
"""

import html
import io
import json
import logging
import re
import zipfile
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from saohei.api.services import create_api_token
from saohei.audit.models import AuditEvent
from saohei.custody import services as custody_services
from saohei.custody.tests.conftest import PLANTED, planted_reporter, user
from saohei.leads import services
from saohei.leads.models import Conclusion, Lead, Satisfaction, Source
from saohei.leads.tests.conftest import registrar
from saohei.organisations.models import Unit
from saohei.testing.town import SharedTown, shared_layer

pytestmark = pytest.mark.django_db

# Every role but the 举报信息保管员: office, leaders, the 教导员 (leader and police), police,
# a village head, the upper supervisor and the 三员.
NON_CUSTODIANS = [
    "banshi",
    "shuji",
    "zhenzhang",
    "fushuji",
    "jiaodaoyuan",
    "suozhang",
    "minjing",
    "cun02",
    "shiban",
    "xitong",
    "anquan",
    "shenji",
]
LINK = re.compile(r'(?:href|hx-get)="([^"]*)"')
SKIPPED = ("/static/", "/accounts/logout/", "/accounts/login/")
MAX_PAGES = 250
# Pages fetched at least (more than), where the role reaches the lead, the ledger and the API.
MIN_FETCHED = {"banshi": 20, "shuji": 20}
# As pytest's `caplog.text`.
LOG_FORMAT = "%(levelname)-8s %(name)s:%(filename)s:%(lineno)d %(message)s"
# Calendars and pagers link onwards forever; a few variants of one route are enough.
MAX_VARIANTS_PER_ROUTE = 3
UNICODE_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


def _readable_forms(data: bytes) -> Iterable[str]:
    """The text as any reader would see it: raw, HTML- and URL-decoded, JSON-unescaped, and
    each member of a zip (.xlsx / .docx)."""
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name in archive.namelist():
                yield from _readable_forms(archive.read(name))
        return
    text = data.decode("utf-8", errors="replace")
    yield text
    yield html.unescape(text)
    yield unquote(text)
    yield UNICODE_ESCAPE.sub(lambda match: chr(int(match.group(1), 16)), text)


def _found(data: bytes | str) -> set[str]:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return {planted for text in _readable_forms(raw) for planted in PLANTED if planted in text}


def _body(response: Any) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return bytes(response.content)


def _crawl(
    client: Client,
    start: list[str],
    headers: dict[str, dict[str, str]] | None = None,
    max_pages: int = MAX_PAGES,
) -> dict[str, bytes]:
    """Every internal page reachable by following links (and redirects) from `start`; each
    answer's headers into `headers` when given."""
    bodies: dict[str, bytes] = {}
    variants: Counter[str] = Counter()
    queue = deque(start)
    while queue and len(bodies) < max_pages:
        path = queue.popleft()
        route = urlsplit(path).path
        if path in bodies or variants[route] >= MAX_VARIANTS_PER_ROUTE:
            continue
        variants[route] += 1
        response = client.get(path)
        bodies[path] = body = _body(response)
        if headers is not None:
            headers[path] = dict(response.headers)
        links = [response["Location"]] if response.status_code in (301, 302) else []
        if "text/html" in response.get("Content-Type", ""):
            links += [html.unescape(link) for link in LINK.findall(body.decode())]
        for link in links:
            link = link.split("#")[0]
            if link.startswith("?"):
                link = route + link
            if link.startswith("/") and not link.startswith("//") and not link.startswith(SKIPPED):
                queue.append(link)
    return bodies


def _api_bodies(username: str, lead: Lead) -> dict[str, bytes]:
    """Every GET endpoint in the OpenAPI schema, with this account's token."""
    _, token = create_api_token(user=user(username), name="泄露测试")
    client = Client(headers={"Authorization": f"Bearer {token}"})
    schema = client.get("/api/v1/openapi.json")
    bodies = {"/api/v1/openapi.json": _body(schema)}
    for path, operations in json.loads(bodies["/api/v1/openapi.json"])["paths"].items():
        if "get" not in operations:
            continue
        concrete = re.sub(r"\{lead_id\}", str(lead.pk), path)
        concrete = re.sub(r"\{[a-z_]+\}", "1", concrete)
        bodies[concrete] = _body(client.get(concrete))
    bodies["/api/v1/leads?status=archived"] = _body(client.get("/api/v1/leads?status=archived"))
    return bodies


def _walk_the_workflow(register: Callable[..., Lead], village: Unit, reporter: Any) -> Lead:
    office, leader, deputy = user("banshi"), user("shuji"), user("fushuji")
    head, police, custodian = user("cun02"), user("minjing"), user("baoguan")
    station = Unit.objects.get(name="港西派出所")
    lead = register(
        village=village,
        reporter=reporter,
        subjects=[services.SubjectInput(name="赵某", alias="赵老大", village=village)],
    )
    services.triage_lead(actor=office, lead=lead, opinion="涉嫌强迫交易，交村核查并推送派出所")
    services.assign_lead(
        actor=office, lead=lead, handling_unit=village, handler=head, police_unit=station
    )
    instruction = services.give_instruction(actor=leader, lead=lead, content="请尽快核实")
    services.record_investigation(
        actor=head, lead=lead, occurred_on=timezone.localdate(), content="走访码头经营户"
    )
    services.record_police_feedback(actor=police, lead=lead, content="已调取码头监控")
    services.answer_instruction(actor=head, instruction=instruction, answer="已走访核实")
    services.propose_conclusion(
        actor=office,
        lead=lead,
        conclusion=Conclusion.CONFIRMED_PUNISHED,
        basis="经核查，赵某强收停靠费属实，已予治安处罚",
    )
    services.sign_off(actor=deputy, lead=lead, approve=True)
    services.record_feedback(
        actor=office,
        lead=lead,
        fed_back_on=timezone.localdate(),
        recipient="荣成市扫黑办",
        content="已办结，查实并处理",
    )
    services.record_follow_up(
        actor=custodian,
        lead=lead,
        data=services.FollowUpInput(
            contacted_on=timezone.localdate(),
            method="电话",
            satisfaction=Satisfaction.SATISFIED,
        ),
    )
    lead.refresh_from_db()
    reward = custody_services.propose_reward(
        actor=custodian,
        lead=lead,
        is_eligible=True,
        reason="举报属实，查处了强收费用的违法行为",
        amount=Decimal("2000"),
    )
    custody_services.decide_reward(actor=leader, reward=reward, approve=True)
    services.archive_lead(actor=office, lead=lead)

    # A second report by the same person, left overdue, so reminders and 催办 go out too.
    overdue = register(reporter=reporter, source=Source.PUBLIC_REPORT, summary="码头又有人收费")
    services.assign_lead(actor=office, lead=overdue, handling_unit=overdue.unit, handler=office)
    Lead.objects.filter(pk=overdue.pk).update(due_on=timezone.localdate() - timedelta(days=14))
    call_command("daily_jobs", stdout=io.StringIO())
    return lead


@dataclass(frozen=True)
class PlantedWorkflow:
    lead_id: int
    feedback_id: int
    log: str  # the walk's log output at DEBUG, SQL and its parameters included
    logged_lead_table: bool


class _Capture(logging.StreamHandler[io.StringIO]):
    """The records and their text, as `caplog` keeps them."""

    def __init__(self) -> None:
        super().__init__(io.StringIO())
        self.setFormatter(logging.Formatter(LOG_FORMAT))
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        super().emit(record)


@shared_layer("planted_workflow")
def _plant() -> PlantedWorkflow:
    """The walk, once per worker for all the roles' tests (saohei/testing/town.py), its log
    output captured as `caplog` captures a test's."""
    capture = _Capture()
    root, django_logger = logging.getLogger(), logging.getLogger("django")
    levels = root.level, django_logger.level
    root.addHandler(capture)
    root.setLevel(logging.DEBUG)
    django_logger.setLevel(logging.DEBUG)
    connection.force_debug_cursor = True
    try:
        town, village = Unit.objects.get(name="港西镇"), Unit.objects.get(name="东岛村")
        lead = _walk_the_workflow(registrar(town), village, planted_reporter())
    finally:
        connection.force_debug_cursor = False
        root.removeHandler(capture)
        root.setLevel(levels[0])
        django_logger.setLevel(levels[1])
    return PlantedWorkflow(
        lead_id=lead.pk,
        feedback_id=lead.feedbacks.get().pk,
        log=capture.stream.getvalue(),
        logged_lead_table=any("leads_lead" in record.getMessage() for record in capture.records),
    )


@pytest.fixture
def planted_workflow(demo: None, shared_town: SharedTown) -> PlantedWorkflow:
    """The planted identity walked through the whole workflow: shared by the tests of a worker
    where it can be, walked in the test where it cannot."""
    shared = shared_town.layer_value("planted_workflow")
    return shared if isinstance(shared, PlantedWorkflow) else _plant()


@pytest.fixture
def traced(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """The test's log output at DEBUG, SQL and its parameters included."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django")
    connection.force_debug_cursor = True
    try:
        yield caplog
    finally:
        connection.force_debug_cursor = False


def _assert_no_trace_in_the_log_or_any_table(caplog: pytest.LogCaptureFixture) -> None:
    assert _found(caplog.text) == set()
    assert any("leads_lead" in record.getMessage() for record in caplog.records)
    for event in AuditEvent.objects.all():
        row = json.dumps(
            [event.target_label, event.details, event.actor_display], ensure_ascii=False
        )
        assert _found(row) == set(), event.action
    for model in apps.get_models():
        for row in model._default_manager.values_list():
            assert _found(repr(row)) == set(), model._meta.label


def test_the_walk_logs_no_trace_of_the_planted_identity(
    planted_workflow: PlantedWorkflow,
) -> None:
    assert _found(planted_workflow.log) == set()
    assert planted_workflow.logged_lead_table


@pytest.mark.parametrize("username", NON_CUSTODIANS)
def test_planted_identity_reaches_no_one_but_the_custodian(
    planted_workflow: PlantedWorkflow,
    username: str,
    client_as: Callable[[str], Client],
    traced: pytest.LogCaptureFixture,
) -> None:
    """Every page, export, API response and notification this role reaches (one test per role
    so that the workers share the roles)."""
    lead = Lead.objects.get(pk=planted_workflow.lead_id)
    exports = [
        "/leads/export.xlsx",
        "/leads/export.xlsx?status=archived",
        f"/leads/{lead.pk}/feedback/{planted_workflow.feedback_id}.docx",
        "/audit/export/",
        "/cases/export.xlsx",
        f"/vault/leads/{lead.pk}/",
        "/vault/rewards/",
    ]
    client = client_as(username)
    bodies = _crawl(client, ["/", f"/leads/{lead.pk}/", *exports])
    bodies |= _api_bodies(username, lead)
    leaks = {
        f"{username} {path}": found for path, body in bodies.items() if (found := _found(body))
    }

    assert leaks == {}
    # The walk really covered the lead's pages, the ledger, the Word report and the API.
    assert len(bodies) > MIN_FETCHED.get(username, 0)
    _assert_no_trace_in_the_log_or_any_table(traced)


def test_the_custodians_reveal_is_the_one_place_the_identity_appears(
    planted_workflow: PlantedWorkflow,
    client_as: Callable[[str], Client],
    traced: pytest.LogCaptureFixture,
) -> None:
    custodian = client_as("baoguan")
    reveal = custodian.post(
        f"/vault/leads/{planted_workflow.lead_id}/reveal/",
        {"category": "follow_up", "note": "核对联系方式"},
    )

    assert _found(_body(reveal)) == set(PLANTED)
    _assert_no_trace_in_the_log_or_any_table(traced)
