"""schemathesis against the live API (issue 15, decision 0063): the project's gunicorn on
127.0.0.1 with a database of its own (a SQLite file, or a PostgreSQL database created for the run
and dropped after it), the demo town with its history, and a read-write token of the town's
办事员. Every operation of `/api/v1/openapi.json`, as the server publishes it, gets a fixed number
of generated requests (valid and invalid ones, derandomized so a run repeats the last), first
with ids drawn by the generator, then with real ids of the demo town in the path so actions
reach real records. Every answer must pass schemathesis' checks: no server error, a documented
status code, the documented content type and headers, and a body of the documented shape.

Bounded on purpose: `SAOHEI_FUZZ_EXAMPLES` (default 5) examples per operation and variant; no
shrinking (every failure is collected, none replayed), a 30 s timeout per request and gunicorn's
own worker timeout. Run deeper by hand with e.g. `SAOHEI_FUZZ_EXAMPLES=100`."""

import json
import os
import re
import subprocess
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from saohei.testing.processes import (
    free_port,
    run_manage,
    server_environment,
    start_gunicorn,
    stop_unless,
)

_POSTGRES_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = _POSTGRES_URL.startswith("postgres")
EXAMPLES = int(os.environ.get("SAOHEI_FUZZ_EXAMPLES", "5"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

# The demo town with its history (the second town included), the 办事员's read-write token, and
# one real id of the town for every path parameter: printed as one JSON line.
_SETUP = """
import json
from datetime import timedelta
from django.utils import timezone
from saohei.accountability.models import Talk
from saohei.api.services import create_api_token
from saohei.cases.models import Case, ImportJob, ImportStatus
from saohei.city_assignments.services import AssignmentInput, assign_to_towns
from saohei.demo.loader import load_demo_town
from saohei.inspections.models import Finding
from saohei.leads.models import Source, Subject
from saohei.meetings.models import MeetingDecision, Task
from saohei.organisations.models import Unit, User
from saohei.publicity.models import PublicityActivity
from saohei.rectifications.models import RectificationItem
load_demo_town(with_history=True)
town = Unit.objects.get(name="港西镇")
banshi = User.objects.get(username="banshi")
subject = Subject.objects.filter(lead__unit=town).order_by("id").first()
finding = Finding.objects.filter(round__unit=town).order_by("id").first()
decision = MeetingDecision.objects.filter(meeting__unit=town).order_by("id").first()
job = ImportJob.objects.create(
    unit=town, created_by=banshi, status=ImportStatus.FAILED, file="cases/imports/fuzz.csv",
    file_name="案件.csv", file_sha256="0" * 64,
)
# The city's assignment to the town (decision 0062), and its town's row.
assignment = assign_to_towns(
    actor=User.objects.get(username="shiban"),
    city=town.parent,
    data=AssignmentInput(
        towns=[town], deadline=timezone.localdate() + timedelta(days=10), instruction="模糊测试",
        summary="模糊测试市级交办", source=Source.UPPER_ASSIGNED,
    ),
)
# A file registered with the lead, a meeting's material, and a 交办清单 staged and imported.
from hashlib import sha256
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from saohei.assigned_lists import services as list_services
from saohei.common.uploads import check_uploads
from saohei.leads.models import Attachment
from saohei.meetings import services as meeting_services
pdf = b"%PDF-1.4\\n1 0 obj<<>>endobj\\ntrailer<<>>\\n%%EOF\\n"
attachment = Attachment(
    lead_id=subject.lead_id, original_name="模糊测试.pdf", content_type="application/pdf",
    size=len(pdf), sha256=sha256(pdf).hexdigest(), uploaded_by=banshi,
)
attachment.file.save("fuzz.pdf", ContentFile(pdf))
meeting_services.add_materials(
    actor=banshi, meeting=decision.meeting, materials=[meeting_services.MaterialIn(
        "document", "模糊测试材料", check_uploads([SimpleUploadedFile("材料.pdf", pdf)])[0],
    )],
)
sheet = "交办编号,交办日期,问题内容\\r\\nFZ-001,{},模糊测试交办内容\\r\\n".format(
    timezone.localdate() - timedelta(days=2)
).encode()
staged = list_services.stage_list(
    actor=banshi, unit=town, sender="模糊测试交办单位", source=Source.UPPER_ASSIGNED,
    file=ContentFile(sheet, name="清单.csv"), file_name="清单.csv",
)
assigned_list = list_services.import_list(actor=banshi, staged=staged)
ids = {
    "attachment_id": attachment.pk,
    "material_id": decision.meeting.materials.exclude(file="").order_by("id").first().pk,
    "list_id": assigned_list.pk,
    "staged_id": staged.pk,
    "assignment_id": assignment.pk,
    "town_row_id": assignment.towns.get().pk,
    "lead_id": subject.lead_id,
    "subject_id": subject.pk,
    "case_id": Case.objects.filter(unit=town).order_by("id").first().pk,
    "job_id": job.pk,
    "item_id": RectificationItem.objects.filter(unit=town).order_by("id").first().pk,
    "talk_id": Talk.objects.filter(unit=town).order_by("id").first().pk,
    "round_id": finding.round_id,
    "finding_id": finding.pk,
    "meeting_id": decision.meeting_id,
    "decision_id": decision.pk,
    "task_id": Task.objects.filter(unit=town).order_by("id").first().pk,
    "activity_id": PublicityActivity.objects.filter(town=town).order_by("id").first().pk,
}
# The registry, a prompt, a tip and a briefing draft of the town (decision 0067).
from saohei.analysis.models import Person
from saohei.analysis.tests.prompt_helpers import prompt_on_first_case
from saohei.briefings.services import create_draft
from saohei.tips.models import Tip
prompt = prompt_on_first_case()
person = Person.objects.filter(unit=town).order_by("id").first()
ids.update(
    person_id=person.pk,
    appearance_id=person.appearances.order_by("id").first().pk,
    prompt_id=prompt.pk,
    tip_id=Tip.objects.filter(unit=town).order_by("id").first().pk,
    draft_id=create_draft(actor=banshi, unit=town, date_from=None, date_to=None).pk,
)
# A 自查自纠 of the town (decision 0066).
from saohei.meetings.models import SelfInspection
ids.update(inspection_id=SelfInspection.objects.filter(unit=town).order_by("id").first().pk)
# A finding's photo and its village (decision 0066).
import io
from PIL import Image
from saohei.inspections.services import edit_finding
picture = io.BytesIO()
Image.new("RGB", (8, 8), "red").save(picture, "PNG")
edit_finding(
    actor=banshi, finding=finding, result=finding.result, note=finding.note,
    photos=check_uploads([SimpleUploadedFile("现场.png", picture.getvalue())]),
)
ids.update(village_id=finding.village_id, photo_id=finding.photos.order_by("id").first().pk)
# A 佐证材料 file of the item (issue 15: its download).
from saohei.rectifications.models import Evidence, RectificationProgress
progress = RectificationProgress.objects.create(
    item_id=ids["item_id"], occurred_on=timezone.localdate(), content="模糊测试进展", author=banshi,
)
evidence = Evidence(
    item_id=ids["item_id"], progress=progress, original_name="模糊测试.pdf",
    content_type="application/pdf", size=len(pdf), sha256=sha256(pdf).hexdigest(),
    uploaded_by=banshi,
)
evidence.file.save("fuzz.pdf", ContentFile(pdf))
ids.update(evidence_id=evidence.pk)
# A photo of the activity, for its download (issue 15).
from saohei.publicity.models import PublicityPhoto
photo = PublicityPhoto(
    activity_id=ids["activity_id"], original_name="模糊测试.pdf", content_type="application/pdf",
    size=len(pdf), sha256=sha256(pdf).hexdigest(), uploaded_by=banshi,
)
photo.file.save("fuzz.pdf", ContentFile(pdf))
ids.update(photo_id=photo.pk)
# A 批示 on the lead, for its answer (issue 15).
from saohei.leads import services as lead_services
ids.update(instruction_id=lead_services.give_instruction(
    actor=User.objects.get(username="shuji"), lead=subject.lead, content="模糊测试批示",
).pk)
# The office's registry corrections and a 联审 run (0067 addendum: their operations).
from saohei.analysis import services as analysis_services
from saohei.analysis.generator import reserved_identity
from saohei.analysis.tests.registry_helpers import plant_corrections
second = Person.objects.filter(unit=town).exclude(pk=person.pk).order_by("id").first()
corrections = plant_corrections(person, second, banshi)
corrections.pop("appearance_id")
ids.update(corrections)
village = Unit.objects.filter(parent=town).order_by("path").first()
candidate = reserved_identity(7, seed=2026, village=village.name, name="郑模糊", male=True)
listed = io.BytesIO(
    f"村,姓名,身份证号,拟任职务\\r\\n{village.name},{candidate.name},{candidate.id_number},"
    "村委会委员\\r\\n".encode()
)
listed.name = "候选人名单.csv"
ids.update(run_id=analysis_services.run_vetting(actor=banshi, unit=town, file=listed).pk)
# The records of the pages' remaining routes (0068 addendum): a dictionary entry, a lead's
# 反馈, a figure of the briefing, a publicity kind and schedule, a failed long-list job, a
# member of the leading group, a calendar override, and the town itself.
from saohei.assigned_lists.models import ListImportJob
from saohei.briefings.figures import FIGURES
from saohei.leads.models import DictionaryEntry, Feedback
from saohei.organisations.models import GroupMembership
from saohei.publicity.models import PublicityKind, PublicitySchedule
from saohei.workdays.models import CalendarOverride
long_staged = list_services.stage_list(
    actor=banshi, unit=town, sender="模糊测试交办单位", source=Source.UPPER_ASSIGNED,
    file=ContentFile(sheet.replace(b"FZ-001", b"FZ-002"), name="清单.csv"),
    file_name="清单.csv",
)
feedback = Feedback.objects.filter(lead__unit=town).order_by("id").first()
ids.update(
    entry_id=DictionaryEntry.objects.order_by("id").first().pk,
    feedback_id=feedback.pk,
    key=sorted(FIGURES)[0],
    kind_id=PublicityKind.objects.order_by("id").first().pk,
    list_job_id=ListImportJob.objects.create(
        unit=town, staged=long_staged, created_by=banshi, file_name="清单.csv",
        status="failed", message="模糊测试",
    ).pk,
    membership_id=GroupMembership.objects.filter(group__unit=town).order_by("-id").first().pk,
    override_id=CalendarOverride.objects.create(
        day=timezone.localdate() + timedelta(days=40), is_working_day=True, reason="模糊测试",
        created_by=banshi,
    ).pk,
    schedule_id=PublicitySchedule.objects.filter(town=town).order_by("id").first().pk,
    unit_id=town.pk,
)
token = create_api_token(user=banshi, name="模糊测试")[1]
print(json.dumps({"ids": ids, "token": token}))
"""


@dataclass(frozen=True)
class LiveApi:
    base: str
    token: str
    ids: dict[str, int | str]
    # The server stopped and what it wrote to stderr (a 500's traceback), for a failure's report.
    server_log: Callable[[], str]


def _stopped_log(server: "subprocess.Popen[str] | None") -> str:
    if server is None or server.stderr is None:
        return ""
    server.terminate()
    server.wait(timeout=30)
    return server.stderr.read()[-6000:]


def _postgres_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{_POSTGRES_URL.rsplit('/', 1)[0]}/postgres", autocommit=True) as admin:
        admin.execute(sql)  # type: ignore[arg-type]


def _serving(base: str) -> bool:
    try:
        return requests.get(f"{base}/healthz", timeout=5).status_code == 200
    except requests.RequestException:
        return False


@pytest.fixture(scope="module")
def live_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApi]:
    var_dir = tmp_path_factory.mktemp("schema-fuzz")
    # The test run's limit is raised in conftest; a separate server reads the environment.
    server_settings = {"SAOHEI_API_TOKEN_REQUESTS_PER_MINUTE": "1000000"}
    database = ""
    if ON_POSTGRES:
        database = f"saohei_fuzz_{uuid.uuid4().hex[:12]}"
        _postgres_admin(
            f"CREATE DATABASE \"{database}\" TEMPLATE template0 ENCODING 'UTF8' "
            "LC_CTYPE 'C.UTF-8' LC_COLLATE 'C.UTF-8'"
        )
        server_settings["DATABASE_URL"] = f"{_POSTGRES_URL.rsplit('/', 1)[0]}/{database}"
    env = server_environment(var_dir, **server_settings)
    port = free_port()
    server: subprocess.Popen[str] | None = None
    try:
        for command in (("migrate", "--verbosity", "0"), ("createcachetable",)):
            result = run_manage(env, *command)
            assert result.returncode == 0, result.stderr[-3000:]
        setup = run_manage(env, "shell", "-c", _SETUP)
        assert setup.returncode == 0, setup.stderr[-3000:]
        made = json.loads(setup.stdout.strip().splitlines()[-1])
        server = start_gunicorn(env, port, workers=2, options=("--timeout", "60"))
        base = f"http://127.0.0.1:{port}"
        stop_unless(server, lambda: _serving(base), 60)
        yield LiveApi(base, made["token"], made["ids"], lambda: _stopped_log(server))
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if database:
            # FORCE: a connection the server left behind cannot keep the database alive.
            _postgres_admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _variants(
    path: str, ids: dict[str, int | str]
) -> list[tuple[GenerationMode, dict[str, int | str] | None]]:
    """Valid and invalid requests with generated ids; again with the town's real ids in the path,
    so that actions meet real records in their real states."""
    modes = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    variants: list[tuple[GenerationMode, dict[str, int | str] | None]] = [
        (mode, None) for mode in modes
    ]
    params = re.findall(r"{(\w+)}", path)
    if params:
        real = {param: ids[param] for param in params}
        variants += [(mode, real) for mode in modes]
    return variants


def test_every_operation_answers_as_its_schema_says(live_api: LiveApi) -> None:
    headers = {"Authorization": f"Bearer {live_api.token}"}
    schema = schemathesis.openapi.from_url(
        f"{live_api.base}/api/v1/openapi.json", headers=headers, timeout=30
    )
    session = requests.Session()
    failures: dict[str, list[str]] = {}
    sent = 0
    operations, unreadable = [], []
    for result in schema.get_all_operations():
        if isinstance(result, Ok):
            operations.append(result.ok())
        else:
            unreadable.append(str(result.err()))
    assert not unreadable, unreadable
    unknown = {
        param
        for operation in operations
        for param in re.findall(r"{(\w+)}", operation.path)
        if param not in live_api.ids
    }
    assert not unknown, f"no real id for {sorted(unknown)}: add one to _SETUP"

    for operation in operations:
        for mode, path_ids in _variants(operation.path, live_api.ids):
            strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_ids)

            # Failures are collected, never raised to hypothesis: no shrinking, every finding
            # of every operation in one report, and the number of requests stays fixed.
            @settings(
                max_examples=EXAMPLES,
                derandomize=True,
                deadline=None,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=strategy)
            def send(case: Any) -> None:
                nonlocal sent
                sent += 1
                try:
                    case.call_and_validate(
                        base_url=live_api.base,
                        session=session,
                        headers=headers,
                        checks=CHECKS,
                        timeout=30,
                    )
                # schemathesis' FailureGroup is a BaseExceptionGroup; a transport error an
                # Exception: both are findings.
                except (Exception, BaseExceptionGroup) as error:
                    failures.setdefault(case.operation.label, []).append(str(error)[:2000])

            send()

    assert len(operations) > 50 and sent > len(operations) * 2, (len(operations), sent)
    report = [
        f"{label} ({len(found)}):\n" + "\n".join(dict.fromkeys(found))
        for label, found in failures.items()
    ]
    if failures:
        report.append("server stderr (last 6,000 characters):\n" + live_api.server_log())
    assert not failures, "\n\n".join(report)
