"""Generated: every state-changing page and API operation × every demo role that may not perform
it is refused (403/404, or the login page) and writes nothing.

The URL patterns come from the resolver and the API operations from the ninja routers, so a new
view or operation is in the matrix without touching this file; one this file cannot classify
fails the test until its rule is named below. Who may not perform an action comes from the
access rules, never from a list of expected answers:

- a view's `role_required` declaration (`allowed_roles`): accounts with none of those roles;
- an object in the path: accounts whose own access helper (`visible_leads`, `visible_cases`, …)
  does not return it — they must not even learn it exists;
- the few self-service pages (sign-in, one's own password, notifications and tokens, the public
  reporting site) are every account's own and stay out of the matrix.

One demo town with history and its matrix built once per worker (a shared layer,
saohei/testing/town.py), one test per account, each attempt rolled back.
"""

import inspect
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.http import Http404
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from PIL import Image

from saohei.accountability.access import visible_talks
from saohei.accountability.models import Talk
from saohei.accounts.models import UserSession
from saohei.accounts.services import request_password_reset
from saohei.analysis import access as analysis_access
from saohei.analysis.access import visible_prompts
from saohei.analysis.changes import refresh_pending
from saohei.analysis.models import (
    Person,
)
from saohei.analysis.tests.prompt_helpers import prompt_on_first_case
from saohei.analysis.tests.registry_helpers import plant_corrections
from saohei.api.access import visible_tokens
from saohei.api.api import api
from saohei.api.services import create_api_token
from saohei.assigned_lists.access import import_towns
from saohei.assigned_lists.kinds import ASSIGNED_LIST
from saohei.assigned_lists.models import ListImportJob
from saohei.briefings import services as briefing_services
from saohei.briefings.access import get_draft_for_user
from saohei.cases.access import can_import, visible_cases
from saohei.cases.kinds import CASE_SHEET
from saohei.cases.models import Case, ImportJob, ImportStatus
from saohei.city_assignments import services as city_services
from saohei.city_assignments.access import supervised_cities, visible_assignments
from saohei.common.roles import Role
from saohei.conftest import sign_in
from saohei.custody.access import visible_reward_cases
from saohei.custody.models import RewardCase
from saohei.demo.loader import load_demo_town
from saohei.health.jobs import JobStatus
from saohei.inspections.access import visible_rounds, visible_villages
from saohei.inspections.models import Finding
from saohei.leads import access as lead_access
from saohei.leads import services as lead_services
from saohei.leads.models import DictionaryEntry, Lead, Source, Status, Subject
from saohei.meetings.access import visible_meetings, visible_self_inspections, visible_tasks
from saohei.meetings.models import MeetingDecision, Requirement, Task
from saohei.organisations.access import can_edit_group, get_group_for_user
from saohei.organisations.models import GroupMembership, Unit, UnitKind, User
from saohei.organisations.queries import is_office_member
from saohei.publicity.access import visible_activities
from saohei.publicity.models import PublicityActivity, PublicityKind
from saohei.rectifications.access import visible_items
from saohei.rectifications.models import RectificationItem
from saohei.sheets.access import manageable_kinds, visible_mappings
from saohei.sheets.models import SenderMapping, StagedSheet
from saohei.testing.town import SharedTown, shared_layer
from saohei.tips.access import visible_tips
from saohei.tips.models import Tip
from saohei.workdays.access import can_change_calendar
from saohei.workdays.models import CalendarOverride

pytestmark = pytest.mark.django_db

# One account per distinct set of grants in the demo town.
ACCOUNTS = (
    "shuji",
    "fushuji",
    "jiaodaoyuan",
    "banshi",
    "suozhang",
    "baoguan",
    "shiban",
    "xitong",
    "anquan",
    "shenji",
    "cun01",
    "cun02",
)
# Each account's own business or nobody's: signing in and out, one's own password and TOTP,
# one's own session, notifications and API tokens, and the public reporting site (no account at all).
SELF_SERVICE = {
    "accounts:login",
    "accounts:otp_verify",
    "accounts:otp_setup",
    "accounts:logout",
    "accounts:password_change",
    "accounts:keepalive",  # renews one's own session (decision 0019)
    "notifications:mark_all_read",
    "notifications:preferences",  # one's own channels (decision 0060)
    "api_tokens:create",  # a token for oneself, with one's own rights (decision 0059)
    "portal:submit",
    "portal:check",
    "portal:reply",
}
# Tables a refusal may legitimately write: the audit log (the refusal itself), sessions and
# sign-in bookkeeping.
MAY_CHANGE = {
    "audit.auditevent",
    "audit.auditcheckpoint",
    "sessions.session",
    "accounts.usersession",
    "axes.accessattempt",
    "axes.accesslog",
    "axes.accessfailurelog",
}
REFUSED = {403, 404}


@dataclass(frozen=True)
class Objects:
    """Real ids from the demo town for the path parameters."""

    ids: dict[str, int]
    # Path parameter → who may reach the object: the owning context's own access helper.
    reachable: dict[str, Callable[[User], bool]]


def _build_objects() -> Objects:
    town = Unit.objects.get(name="港西镇")
    shuji = User.objects.get(username="shuji")
    lead = (
        Lead.objects.filter(unit=town, status=Status.ASSIGNED, handling_unit__parent=town)
        .order_by("id")
        .first()
    )
    assert lead is not None, "the demo has an open lead assigned to a village"
    subject = Subject.objects.filter(lead=lead).first()
    assert subject is not None
    instruction = lead_services.give_instruction(actor=shuji, lead=lead, content="请加快核查")
    decision = MeetingDecision.objects.order_by("id").first()
    task = Task.objects.order_by("id").first()
    requirement = Requirement.objects.order_by("id").first()
    finding = Finding.objects.order_by("id").first()
    draft = briefing_services.create_draft(
        actor=User.objects.get(username="banshi"), unit=town, date_from=None, date_to=None
    )
    token, _ = create_api_token(user=shuji, name="矩阵测试")
    membership = GroupMembership.objects.filter(group__unit=town).order_by("-id").first()
    activity = PublicityActivity.objects.filter(town=town).order_by("id").first()
    assert decision and requirement and finding and membership and activity
    from saohei.notifications.models import Notification

    notification = Notification.objects.filter(recipient=shuji).first() or (
        Notification.objects.create(recipient=shuji, title="矩阵测试", kind="info")
    )
    from saohei.publicity.models import PublicitySchedule

    schedule = PublicitySchedule.objects.order_by("id").first()
    session = UserSession.objects.create(
        user=shuji, session_key="matrix-session", last_seen_at=timezone.now()
    )
    override = CalendarOverride.objects.create(
        day=date(2026, 10, 10), is_working_day=True, reason="矩阵测试", created_by=shuji
    )
    closed = Lead.objects.filter(unit=town, status=Status.ARCHIVED).order_by("id").first()
    assert closed is not None
    reward = RewardCase.objects.create(
        lead=closed,
        is_eligible=True,
        eligibility_reason="矩阵测试",
        amount=Decimal("500"),
        proposed_by=User.objects.get(username="banshi"),
        proposed_at=timezone.now(),
    )

    # A leader's reset waits for the 安全管理员's approval: an object for the decide page.
    reset = request_password_reset(
        actor=User.objects.get(username="xitong"), user=shuji, reason="矩阵测试"
    ).reset

    def sees(queryset: Callable[[User], Any], pk: int) -> Callable[[User], bool]:
        return lambda user: queryset(user).filter(pk=pk).exists()

    def draft_reader(user: User) -> bool:
        try:
            get_draft_for_user(user, draft.pk)
        except Exception:
            return False
        return True

    # The demo yields no 研判提示 (issue 12): one is written as the registry would, on a case.
    prompt = prompt_on_first_case()
    # An import its worker left interrupted (decision 0048): the retry page's object. Only the
    # refused post to it, so no file is needed behind the name.
    interrupted = ImportJob.objects.create(
        unit=town,
        created_by=User.objects.get(username="banshi"),
        status=ImportStatus.FAILED,
        interrupted_at=timezone.now(),
        file="cases/imports/matrix.csv",
        file_name="案件.csv",
        file_sha256="0" * 64,
    )

    # A 交办清单 uploaded and waiting for its preview: the import page's object.
    staged = StagedSheet.objects.create(
        unit=town,
        kind=ASSIGNED_LIST.key,
        sender="矩阵测试",
        file_name="交办清单.csv",
        sha256="0" * 64,
        rows=[["交办编号", "交办日期", "问题内容"], ["JZ-1", "2026-01-05", "矩阵测试"]],
        created_by=User.objects.get(username="banshi"),
    )

    # A long 交办清单's failed import job: the retry's object.
    list_job = ListImportJob.objects.create(
        unit=town,
        staged=StagedSheet.objects.create(
            unit=town,
            kind=ASSIGNED_LIST.key,
            sender="矩阵测试",
            file_name="长清单.csv",
            sha256="0" * 64,
            rows=[["交办编号", "交办日期", "问题内容"], ["JZ-2", "2026-01-05", "矩阵测试"]],
            created_by=User.objects.get(username="banshi"),
        ),
        created_by=User.objects.get(username="banshi"),
        file_name="长清单.csv",
        status=JobStatus.FAILED,
    )

    # A station's saved words for the town's case import (来文表格对照): the mapping pages' object.
    mapping = SenderMapping.objects.create(
        unit=town,
        kind=CASE_SHEET.key,
        sender="矩阵派出所",
        values={"role": {"主犯": "organiser"}},
        updated_by=User.objects.get(username="banshi"),
    )

    # The city office's assignment to the town (decision 0062), with its town's row.
    assignment = city_services.assign_to_towns(
        actor=User.objects.get(username="shiban"),
        city=Unit.objects.get(kind=UnitKind.CITY_OFFICE),
        data=city_services.AssignmentInput(
            towns=[town],
            deadline=timezone.localdate() + timedelta(days=10),
            instruction="矩阵测试交办意见",
            summary="矩阵测试市级交办",
            source=Source.UPPER_ASSIGNED,
        ),
    )

    ids = {
        "staged_id": staged.pk,
        "list_job_id": list_job.pk,
        "assignment_id": assignment.pk,
        "town_row_id": assignment.towns.values_list("pk", flat=True)[0],
        "prompt_id": prompt.pk,
        "lead_id": lead.pk,
        "subject_id": subject.pk,
        "instruction_id": instruction.pk,
        "case_id": Case.objects.filter(unit=town).order_by("id").values_list("pk", flat=True)[0],
        "tip_id": Tip.objects.order_by("id").values_list("pk", flat=True)[0],
        "item_id": RectificationItem.objects.order_by("id").values_list("pk", flat=True)[0],
        "talk_id": Talk.objects.order_by("id").values_list("pk", flat=True)[0],
        "round_id": finding.round_id,
        "village_id": finding.village_id,
        "finding_id": finding.pk,
        "meeting_id": decision.meeting_id,
        "decision_id": decision.pk,
        "inspection_id": requirement.inspection_id,
        "requirement_id": requirement.pk,
        "activity_id": activity.pk,
        "kind_id": PublicityKind.objects.order_by("id").values_list("pk", flat=True)[0],
        "draft_id": draft.pk,
        "membership_id": membership.pk,
        "notification_id": notification.pk,
        "token_id": token.pk,
        "unit_id": town.pk,
        "user_id": User.objects.get(username="cun03").pk,
        "entry_id": DictionaryEntry.objects.order_by("id").values_list("pk", flat=True)[0],
        "session_id": session.pk,
        "override_id": override.pk,
        "reward_id": reward.pk,
        "reset_id": reset.pk,
        "job_id": interrupted.pk,
        "mapping_id": mapping.pk,
        "decision": "approve",
    }
    reachable: dict[str, Callable[[User], bool]] = {
        "assignment_id": sees(visible_assignments, assignment.pk),
        "prompt_id": sees(visible_prompts, prompt.pk),
        "lead_id": sees(lead_access.visible_leads, lead.pk),
        "case_id": sees(visible_cases, ids["case_id"]),
        "tip_id": sees(visible_tips, ids["tip_id"]),
        "item_id": sees(visible_items, ids["item_id"]),
        "talk_id": sees(visible_talks, ids["talk_id"]),
        "round_id": sees(visible_rounds, ids["round_id"]),
        "village_id": lambda user: (
            visible_villages(user, finding.round).filter(pk=finding.village_id).exists()
        ),
        "meeting_id": sees(visible_meetings, ids["meeting_id"]),
        "inspection_id": sees(visible_self_inspections, ids["inspection_id"]),
        "activity_id": sees(visible_activities, ids["activity_id"]),
        "draft_id": draft_reader,
        "membership_id": group_editor,
        "notification_id": lambda user: user.pk == shuji.pk,
        "token_id": sees(visible_tokens, token.pk),
        "reward_id": sees(visible_reward_cases, reward.pk),
        "job_id": lambda user: can_import(user, town),
        "staged_id": lambda user: import_towns(user).filter(pk=town.pk).exists(),
        "list_job_id": lambda user: import_towns(user).filter(pk=town.pk).exists(),
        "mapping_id": sees(visible_mappings, mapping.pk),
        "sheets:mappings": lambda user: bool(manageable_kinds(user)),
        # Pages without an object in the path, refused by the rule the view itself applies.
        "leads:create": lambda user: bool(lead_access.registrable_towns(user)),
        "organisations:group_member_add": group_editor,
    }
    ids_of_registry, reachable_in_registry = _registry_objects()
    ids.update(ids_of_registry)
    reachable.update(reachable_in_registry)
    if task is not None:
        ids["task_id"] = task.pk
        reachable["task_id"] = sees(visible_tasks, task.pk)
    if schedule is not None:
        ids["schedule_id"] = schedule.pk
        reachable["schedule_id"] = lambda user: is_office_member(user, schedule.town)
    return Objects(ids=ids, reachable=reachable)


def group_editor(user: User) -> bool:
    """Whether the account keeps its own 领导小组 (the page's and the API's rule)."""
    try:
        return can_edit_group(user, get_group_for_user(user))
    except Exception:
        return False


def _registry_objects() -> tuple[dict[str, int], dict[str, Callable[[User], bool]]]:
    """Two persons of the demo town's cases, and one of each office correction."""
    refresh_pending()
    person, other = (
        Person.objects.filter(appearances__incident_kind="case").distinct().order_by("id")[:2]
    )
    corrections = plant_corrections(person, other, User.objects.get(username="banshi"))

    def finds(get: Callable[[User, int], Any], pk: int) -> Callable[[User], bool]:
        def reach(user: User) -> bool:
            try:
                get(user, pk)
            except Http404:
                return False
            return True

        return reach

    ids = {"person_id": person.pk, **corrections}
    reachable = {
        "person_id": finds(analysis_access.get_person_for_user, person.pk),
        "merge_id": finds(analysis_access.get_merge_rule_for_user, ids["merge_id"]),
        "split_id": finds(analysis_access.get_split_rule_for_user, ids["split_id"]),
        "suggestion_id": finds(analysis_access.get_suggestion_for_user, ids["suggestion_id"]),
        "shared_id": finds(analysis_access.get_shared_for_user, ids["shared_id"]),
    }
    return ids, reachable


def _page_patterns(
    patterns: list[Any], prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str, Any]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or ""
            full = f"{namespace}:{inner}" if namespace and inner else (inner or namespace)
            yield from _page_patterns(pattern.url_patterns, prefix + str(pattern.pattern), full)
        elif isinstance(pattern, URLPattern) and pattern.name:
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield prefix + str(pattern.pattern), name, pattern.callback


def _declared_roles(view: Any) -> frozenset[Role] | None:
    while view is not None:
        if hasattr(view, "allowed_roles"):
            return frozenset(view.allowed_roles)
        view = getattr(view, "__wrapped__", None)
    return None


def _accepts_post(view: Any) -> bool:
    """A view that reads a POST: its source says so (require_POST, request.method, request.POST)."""
    try:
        source = inspect.getsource(inspect.unwrap(view))
    except (OSError, TypeError):
        return True
    return "POST" in source


def _row_counts() -> tuple[int, ...]:
    """Every project table's row count in one query."""
    tables = [
        model._meta.db_table
        for model in apps.get_models()
        if model._meta.label_lower not in MAY_CHANGE and model._meta.managed
    ]
    quote = connection.ops.quote_name
    sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(table)})" for table in tables)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return tuple(cursor.fetchone())


@dataclass(frozen=True)
class Attempt:
    label: str
    refused_for: Callable[[User], bool]
    method: str
    url: str
    body: dict[str, Any] | None = None  # None: a page's form POST; else the API's JSON body
    multipart: bool = False  # the API's body as multipart/form-data, files as `bytes`


def _refused(
    declared: frozenset[Role] | None, scoped: list[Callable[[User], bool]], user: User
) -> bool:
    """Refused by the view's declared roles, or by the rule of an object it acts on."""
    if declared is not None and not user.has_any_role(declared):
        return True
    return any(not reach(user) for reach in scoped)


def _page_attempts(objects: Objects) -> tuple[list[Attempt], list[str]]:
    attempts, unclassified = [], []
    for route, name, view in _page_patterns(get_resolver().url_patterns):
        if name in SELF_SERVICE or route.startswith("api/") or not _accepts_post(view):
            continue
        params = re.findall(r"<(?:\w+:)?(\w+)>", route)
        if any(param not in objects.ids for param in params):
            unclassified.append(f"{name}: no demo object for {params}")
            continue
        url = reverse(name, kwargs={param: objects.ids[param] for param in params})
        declared = _declared_roles(view)
        scoped = [objects.reachable[key] for key in [*params, name] if key in objects.reachable]
        if declared is None and not scoped:
            unclassified.append(f"{name}: neither role_required nor an object in its path")
            continue

        attempts.append(
            Attempt(f"POST {url} ({name})", partial(_refused, declared, scoped), "post", url)
        )
    return attempts, unclassified


# API operations: the path parameter names the object; a create names its town in the body.
def _api_attempts(objects: Objects) -> tuple[list[Attempt], list[str]]:
    attempts, unclassified = [], []
    schema = api.get_openapi_schema()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method not in {"post", "put", "patch", "delete"}:
                continue
            params = re.findall(r"{(\w+)}", path)
            if any(param not in objects.ids for param in params):
                unclassified.append(f"{method.upper()} {path}: no demo object for {params}")
                continue
            scoped = [objects.reachable[param] for param in params if param in objects.reachable]
            url = path.format(**{param: objects.ids[param] for param in params})
            if not scoped:
                # A create: refused for accounts that reach no town through the context's rule,
                # named by the operation's own context (the path's first segment).
                context = path.removeprefix("/api/v1/").split("/")[0]
                rule = API_CREATE_RULES.get(context)
                if rule is None:
                    unclassified.append(f"{method.upper()} {path}: no rule for {context}")
                    continue
                scoped = [rule]
            body_schema, multipart = request_body_schema(operation)
            body = _example(body_schema, schema["components"]["schemas"], "", objects.ids)
            attempts.append(
                Attempt(
                    f"{method.upper()} {url}",
                    partial(_refused, None, scoped),
                    method,
                    url,
                    body,
                    multipart,
                )
            )
    return attempts, unclassified


def _towns_of(roles: frozenset[Role]) -> Callable[[User], bool]:
    from saohei.organisations.access import grant_paths, units_within

    return lambda user: units_within(grant_paths(user, roles)).filter(kind="town").exists()


OFFICE = frozenset({Role.LEADER, Role.DEPUTY_LEADER, Role.OFFICE_STAFF})
API_CREATE_RULES: dict[str, Callable[[User], bool]] = {
    "leads": lambda user: bool(lead_access.registrable_towns(user)),
    "talks": _towns_of(OFFICE),
    "meetings": _towns_of(OFFICE),
    "inspections": _towns_of(OFFICE),
    "rectifications": lambda user: _towns_of(OFFICE)(user) or user.has_role(Role.VILLAGE_HEAD),
    "publicity": lambda user: _towns_of(OFFICE)(user) or user.has_role(Role.VILLAGE_HEAD),
    "cases": lambda user: user.has_any_role(OFFICE | {Role.POLICE_OFFICER}),
    # Extraction is a POST that writes nothing: every account's token may call it.
    "analysis": lambda user: True,
    # 市级交办 (decision 0062): a supervisor of a city office, in that city only.
    "city": lambda user: bool(supervised_cities(user)),
    # 交办清单 (decision 0066): a town's 扫黑办工作人员 stage lists for that town only.
    "assigned-lists": lambda user: import_towns(user).exists(),
    # 工作简报 drafts are saved by a town's office and leaders.
    "briefings": _towns_of(OFFICE),
    # One's own notices and channels (decision 0068): every account, on its own only.
    "notifications": lambda user: True,
    # The working-day calendar (decision 0068 addendum): the page's editors, no unit scope.
    "workdays": can_change_calendar,
    # The 领导小组 (decision 0068 addendum): the members of one's own group, by its office.
    "group": group_editor,
}

_TOKENS: dict[int, str] = {}
# Reference values the API checks against the configuration before it asks about access.
FIELD_VALUES = {"kind": "board"}


def request_body_schema(operation: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """An API operation's body schema, and whether it is sent as multipart/form-data (uploads)."""
    content = operation.get("requestBody", {}).get("content", {})
    multipart = "multipart/form-data" in content
    kind = "multipart/form-data" if multipart else "application/json"
    return content.get(kind, {}).get("schema", {"type": "object"}), multipart


def as_form(body: dict[str, Any]) -> dict[str, Any]:
    """A multipart body with fresh files: each `bytes` value becomes an upload (a file object
    is read once, and an attempt is sent by several accounts)."""

    def upload(value: Any) -> Any:
        if isinstance(value, bytes):
            return SimpleUploadedFile("矩阵测试.png", value)
        return [upload(one) for one in value] if isinstance(value, list) else value

    return {key: upload(value) for key, value in body.items()}


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return buffer.getvalue()


def _send(client: Client, user: User, attempt: Attempt) -> Any:
    if attempt.body is None:
        return client.post(attempt.url)
    if attempt.multipart:
        headers = {"Authorization": f"Bearer {_TOKENS[user.pk]}"}
        return client.post(attempt.url, as_form(attempt.body), headers=headers)
    return getattr(client, attempt.method)(
        attempt.url,
        attempt.body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {_TOKENS[user.pk]}"},
    )


def _example(
    schema: dict[str, Any], components: dict[str, Any], name: str, ids: dict[str, int]
) -> Any:
    """A value of the schema's shape, so the request passes validation (422) and reaches the
    access check; ids by field name from the demo town."""
    if "$ref" in schema:
        return _example(components[schema["$ref"].split("/")[-1]], components, name, ids)
    for combined in ("anyOf", "oneOf", "allOf"):
        if combined in schema:
            options = [option for option in schema[combined] if option.get("type") != "null"]
            return _example(options[0], components, name, ids)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        required = set(schema.get("required", []))
        return {
            key: _example(value, components, key, ids)
            for key, value in schema.get("properties", {}).items()
            if key in required
        }
    if kind == "array":
        return [_example(schema.get("items", {}), components, name, ids)] * schema.get(
            "minItems", 1
        )
    if name in FIELD_VALUES:
        return FIELD_VALUES[name]
    if schema.get("format") == "binary":
        return _png()  # a real image, so an upload passes its checks and access decides
    if kind == "integer":
        return ids.get(name, ids["unit_id"] if name.endswith("unit_id") else 1)
    if kind == "number":
        return 1
    if kind == "boolean":
        return False
    if schema.get("format") == "date":
        return timezone.localdate().isoformat()
    if schema.get("format") == "date-time":
        return (timezone.now() - timedelta(hours=1)).isoformat()
    return "矩阵测试"


@dataclass(frozen=True)
class Matrix:
    page_attempts: list[Attempt]
    api_attempts: list[Attempt]
    unclassified: list[str]
    refused: dict[str, list[Attempt]]  # account → the attempts refused to it


@shared_layer("refusal_matrix")
def _matrix() -> Matrix:
    """The demo town with history, its objects and the matrix: once per worker for every
    account's test (saohei/testing/town.py)."""
    load_demo_town(with_history=True)
    objects = _build_objects()
    page_attempts, page_unclassified = _page_attempts(objects)
    api_attempts, api_unclassified = _api_attempts(objects)
    refused = {}
    for username in ACCOUNTS:
        user = User.objects.get(username=username)
        refused[username] = [
            attempt for attempt in page_attempts + api_attempts if attempt.refused_for(user)
        ]
    return Matrix(page_attempts, api_attempts, page_unclassified + api_unclassified, refused)


@pytest.fixture
def refusal_matrix(demo: None, shared_town: SharedTown) -> Matrix:
    """Shared by the tests of a worker where it can be, built in the test where it cannot."""
    shared = shared_town.layer_value("refusal_matrix")
    return shared if isinstance(shared, Matrix) else _matrix()


def test_every_write_is_in_the_matrix(refusal_matrix: Matrix) -> None:
    assert not refusal_matrix.unclassified, refusal_matrix.unclassified
    assert len(refusal_matrix.page_attempts) > 60 and len(refusal_matrix.api_attempts) > 20
    assert sum(len(attempts) for attempts in refusal_matrix.refused.values()) > 300


@pytest.mark.parametrize("username", ACCOUNTS)
def test_every_write_is_refused_to_every_role_that_may_not_perform_it(
    refusal_matrix: Matrix, username: str
) -> None:
    """One test per account, so that the workers share the accounts."""
    failures: list[str] = []
    user = User.objects.get(username=username)
    client = sign_in(Client(), username)
    _TOKENS[user.pk] = create_api_token(user=user, name="矩阵测试")[1]
    for attempt in refusal_matrix.refused[username]:
        with transaction.atomic():
            before = _row_counts()
            response = _send(client, user, attempt)
            after = _row_counts()
            transaction.set_rollback(True)
        if response.status_code not in REFUSED:
            failures.append(
                f"{username} {attempt.label}: {response.status_code} "
                f"{response.content.decode()[:160]}"
            )
        elif after != before:
            failures.append(f"{username} {attempt.label}: wrote rows")
    assert not failures, "\n".join(failures)
