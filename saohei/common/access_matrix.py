"""Who may read what: the access matrix as one table (decision 0054).

This is the specification, written apart from the access helpers: the generated read matrix
(`demo/tests/test_read_access_matrix.py`) opens every page and API read operation as every demo
role and holds the code to this table — 200 exactly where it allows, 403/404 (the login page,
the API's 401) everywhere else. A page or API operation missing here fails that test.

Two parts:
- `PAGES` and `API_READS`: per page (URL name) or API read, the roles that may open it at all;
- `OBJECTS`: per kind of object in the path (its parameter name), how far each role reaches.

A role's reach is one or more `Scope`s, measured from the unit the role is granted on. An
account may open a page with objects if one of its roles is allowed on the page and reaches
every object in the path. Roles not named for an object reach none of it.
"""

from dataclasses import dataclass
from enum import StrEnum

from saohei.common.roles import Role


class Scope(StrEnum):
    # Every record of the towns at or under the granted unit (a city grant: all its towns), or
    # of the town the granted unit belongs to (a police station, a village).
    TOWN = "town"
    # Records of the granted village.
    VILLAGE = "village"
    # Records handed to the granted unit to handle (a lead to a village or a police station).
    HANDLED = "handled"
    # Records naming the account: interviewee, attendee, assignee, responsible person.
    TAKING_PART = "taking_part"
    # Records the account itself registered.
    OWN = "own"
    # Records of the office at or under the granted unit, never of the unit above the grant
    # (a city office's assignments: its supervisors, not its towns; decision 0062).
    OFFICE = "office"


class Audience(StrEnum):
    ANYONE = "anyone"  # no account needed
    SIGNED_IN = "signed_in"  # every account, its own data only


OFFICE = frozenset({Role.LEADER, Role.DEPUTY_LEADER, Role.OFFICE_STAFF})
LEADERS = frozenset({Role.LEADER, Role.DEPUTY_LEADER})
TOWN_READERS = OFFICE | {Role.SUPERVISOR}
CASE_WORKERS = OFFICE | {Role.POLICE_OFFICER}
VILLAGE_READERS = TOWN_READERS | {Role.VILLAGE_HEAD}
CONTENT = VILLAGE_READERS | {Role.POLICE_OFFICER}

Roles = frozenset[Role] | Audience

# Pages the matrix does not open, and why.
NOT_WALKED = {
    "home:healthz_full": "answers on the system's state (worker, backups), not on who asks",
    "accounts:timed_out": "the idle timeout's landing page: sends everyone to the sign-in page",
}

# Parameters that name a part of another object in the same path (an attachment of a lead, a
# village of a round): the owning object's reach decides; the part only needs a real id.
PARTS = {
    "feedback_id": "lead_id",
    "town_row_id": "assignment_id",
    "attachment_id": "lead_id | tip_id",
    "evidence_id": "item_id",
    "photo_id": "round_id | activity_id",
    "material_id": "meeting_id",
    "decision_id": "meeting_id",
    "finding_id": "round_id",
    "file_format": "the download's format",
    "key": "a figure of the briefing",
    "kind_id": "a publicity kind: configuration shared by every town",
    "entry_id": "a lead dictionary entry: configuration shared by every town",
    "override_id": "a working-day calendar override: national, no town owns it",
    "appearance_id": "person_id",
    # The deployment's one exclusion list, kept by any town's office (decision 0030).
    "exclusion_id": "an entry of the exclusion list: shared by every town's office",
}


def _on(scopes: dict[frozenset[Role], tuple[Scope, ...]]) -> dict[Role, tuple[Scope, ...]]:
    return {role: reach for roles, reach in scopes.items() for role in roles}


_T = (Scope.TOWN,)
OBJECTS: dict[str, dict[Role, tuple[Scope, ...]]] = {
    # Leads about an official (保护伞) and leads naming a cadre of one's own village narrow this
    # further; leads/tests/test_access.py holds those.
    "lead_id": _on(
        {
            OFFICE: _T,
            frozenset({Role.VILLAGE_HEAD, Role.POLICE_OFFICER}): (Scope.HANDLED,),
            frozenset({Role.SUPERVISOR}): (Scope.OWN,),
        }
    ),
    "case_id": _on({CASE_WORKERS: _T}),
    # A town's 常态化宣传: stopped by that town's office.
    "schedule_id": _on({OFFICE: _T}),
    # A member of a town's 领导小组: kept by that town's office (GROUP_EDITOR_ROLES).
    "membership_id": _on({OFFICE: _T}),
    "job_id": _on({CASE_WORKERS: _T}),
    # 交办清单: uploaded sheets are the clerk's work in progress; imported lists the office's.
    "staged_id": _on({frozenset({Role.OFFICE_STAFF}): _T}),
    # A long list's import job (its progress bar), the clerk's as the upload is.
    "list_job_id": _on({frozenset({Role.OFFICE_STAFF}): _T}),
    "list_id": _on({OFFICE: _T}),
    # A sender's saved mapping: the matrix's is the case import's (the office and the police);
    # a 交办清单's reaches the office staff only (sheets/tests/test_mapping_pages.py).
    "mapping_id": _on({CASE_WORKERS: _T}),
    "tip_id": _on({OFFICE: _T}),
    "item_id": _on(
        {
            TOWN_READERS: _T,
            frozenset({Role.VILLAGE_HEAD}): (Scope.VILLAGE, Scope.TAKING_PART),
        }
    ),
    "talk_id": _on(
        {
            TOWN_READERS: _T,
            frozenset({Role.VILLAGE_HEAD, Role.POLICE_OFFICER}): (Scope.TAKING_PART,),
        }
    ),
    "round_id": _on({TOWN_READERS: _T, frozenset({Role.VILLAGE_HEAD}): (Scope.VILLAGE,)}),
    "village_id": _on({TOWN_READERS: _T, frozenset({Role.VILLAGE_HEAD}): (Scope.VILLAGE,)}),
    # Police officers attend joint meetings only (联席会议); the matrix's meeting is one.
    "meeting_id": _on(
        {
            TOWN_READERS: _T,
            frozenset({Role.VILLAGE_HEAD, Role.POLICE_OFFICER}): (Scope.TAKING_PART,),
        }
    ),
    "task_id": _on(
        {
            TOWN_READERS: _T,
            frozenset({Role.VILLAGE_HEAD, Role.POLICE_OFFICER}): (Scope.TAKING_PART,),
        }
    ),
    "inspection_id": _on({TOWN_READERS: _T}),
    "activity_id": _on({TOWN_READERS: _T, frozenset({Role.VILLAGE_HEAD}): (Scope.VILLAGE,)}),
    "draft_id": _on({TOWN_READERS: _T}),
    "reward_id": _on({LEADERS | {Role.IDENTITY_CUSTODIAN}: _T}),
    "person_id": _on({CASE_WORKERS: _T}),
    "prompt_id": _on({CASE_WORKERS: _T}),
    # The registry's corrections (decision 0030): reached through the persons' records, as a
    # person is; each correction is the office's (API_WRITES).
    "merge_id": _on({CASE_WORKERS: _T}),
    "split_id": _on({CASE_WORKERS: _T}),
    "suggestion_id": _on({CASE_WORKERS: _T}),
    "shared_id": _on({CASE_WORKERS: _T}),
    "run_id": _on({OFFICE: _T}),
    "user_id": _on({frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN}): _T}),
    # A city office's assignment to its towns (town_path: the city office's path).
    "assignment_id": _on({frozenset({Role.SUPERVISOR}): (Scope.OFFICE,)}),
    # A town itself: its administration, its briefing and the briefing's masthead.
    "unit_id": _on({TOWN_READERS | {Role.SYSTEM_ADMIN}: _T}),
}

# Pages that take their object in the query string: parameter → object kind.
QUERY_OBJECTS = {
    "briefings:index": {"unit": "unit_id"},
    "briefings:export": {"unit": "unit_id"},
    "briefings:figure": {"unit": "unit_id"},
}

PAGES: dict[str, Roles] = {
    "home:index": Audience.SIGNED_IN,
    "home:healthz": Audience.ANYONE,
    "accounts:password_change": Audience.SIGNED_IN,
    "notifications:list": Audience.SIGNED_IN,
    "notifications:preferences": Audience.SIGNED_IN,  # one's own channels (decision 0060)
    "api_tokens:list": Audience.SIGNED_IN,
    "api_tokens:create": Audience.SIGNED_IN,  # one's own tokens only (decision 0059)
    "workdays:index": Audience.SIGNED_IN,
    "portal:notice": Audience.ANYONE,
    # 三员
    "accounts:security_policy": frozenset({Role.SECURITY_ADMIN}),
    "accounts:sessions": frozenset({Role.SECURITY_ADMIN}),
    "accounts:login_log": frozenset({Role.SECURITY_ADMIN}),
    "accounts:password_resets": frozenset({Role.SECURITY_ADMIN, Role.SYSTEM_ADMIN}),
    "organisations:unit_list": frozenset({Role.SYSTEM_ADMIN}),
    "organisations:unit_create": frozenset({Role.SYSTEM_ADMIN}),
    "organisations:unit_edit": frozenset({Role.SYSTEM_ADMIN}),
    "organisations:account_list": frozenset({Role.SECURITY_ADMIN, Role.SYSTEM_ADMIN}),
    "organisations:account_create": frozenset({Role.SYSTEM_ADMIN}),
    "organisations:account_detail": frozenset({Role.SECURITY_ADMIN, Role.SYSTEM_ADMIN}),
    "organisations:account_edit": frozenset({Role.SYSTEM_ADMIN}),
    "audit:event_list": frozenset({Role.AUDIT_ADMIN}),
    "audit:event_export": frozenset({Role.AUDIT_ADMIN}),
    "audit:chain": frozenset({Role.AUDIT_ADMIN}),
    # 领导小组
    "organisations:group": Audience.SIGNED_IN,
    # 线索
    # Every account: one with no lead in reach gets an empty list (the 三员: decision 0004).
    "leads:list": Audience.SIGNED_IN,
    "leads:create": TOWN_READERS,
    "leads:export": Audience.SIGNED_IN,
    "leads:stats": TOWN_READERS,
    "leads:settings": OFFICE,
    "leads:detail": CONTENT,
    # The 反馈报告 is the office's document, not the handlers'.
    "leads:feedback_docx": OFFICE,
    "leads:add_subject": OFFICE,
    "leads:edit_subject": OFFICE,
    "leads:remove_subject": OFFICE,
    "leads:correct": OFFICE,
    "leads:attachment": CONTENT,
    # 市级交办 (decision 0062): the city office's supervisors only.
    "city_assignments:list": frozenset({Role.SUPERVISOR}),
    "city_assignments:create": frozenset({Role.SUPERVISOR}),
    "city_assignments:export": frozenset({Role.SUPERVISOR}),
    "city_assignments:detail": frozenset({Role.SUPERVISOR}),
    # 治安案件
    "cases:list": CASE_WORKERS,
    "cases:export": CASE_WORKERS,
    "cases:import": CASE_WORKERS,
    "cases:template": CASE_WORKERS,
    "cases:import_job": CASE_WORKERS,
    "cases:import_rejected": CASE_WORKERS,
    "cases:detail": CASE_WORKERS,
    "cases:add_person": OFFICE,
    "assigned_lists:list": OFFICE,
    "assigned_lists:import": frozenset({Role.OFFICE_STAFF}),
    "assigned_lists:staged": frozenset({Role.OFFICE_STAFF}),
    "assigned_lists:rejected": frozenset({Role.OFFICE_STAFF}),
    "assigned_lists:job": frozenset({Role.OFFICE_STAFF}),
    "assigned_lists:detail": OFFICE,
    "assigned_lists:feedback": OFFICE,
    "assigned_lists:reports": OFFICE,
    # 来文表格对照: whoever imports some sheet; which mappings is the object's rule below.
    "sheets:mappings": CASE_WORKERS,
    "sheets:mapping": CASE_WORKERS,
    # 群众举报
    "tips:queue": OFFICE,
    "tips:detail": OFFICE,
    "tips:attachment": OFFICE,
    "tips:add_person": OFFICE,
    # 整改
    "rectifications:list": VILLAGE_READERS,
    "rectifications:summary": VILLAGE_READERS,
    "rectifications:create": OFFICE,
    "rectifications:export": VILLAGE_READERS,
    "rectifications:detail": VILLAGE_READERS,
    "rectifications:evidence": VILLAGE_READERS,
    # 谈心谈话
    "accountability:list": CONTENT,
    "accountability:create": OFFICE,
    "accountability:coverage": TOWN_READERS,
    "accountability:review": LEADERS | {Role.SUPERVISOR},
    "accountability:detail": CONTENT,
    "accountability:edit": OFFICE,
    # 档案检查
    "inspections:list": VILLAGE_READERS,
    "inspections:create": OFFICE,
    "inspections:folders": OFFICE,
    "inspections:detail": VILLAGE_READERS,
    "inspections:finding_edit": OFFICE,
    "inspections:checklist": OFFICE,
    "inspections:photo": VILLAGE_READERS,
    "inspections:onsite": VILLAGE_READERS,
    "inspections:onsite_download": VILLAGE_READERS,
    "inspections:village": VILLAGE_READERS,
    # 会议、督办、自查
    "meetings:list": CONTENT,
    "meetings:create": OFFICE,
    "meetings:schedules": OFFICE,
    "meetings:detail": CONTENT,
    "meetings:edit": OFFICE,
    "meetings:decision": OFFICE,
    "meetings:material": TOWN_READERS,
    "meetings:tasks": CONTENT,
    "meetings:task": CONTENT,
    "meetings:self_inspection_list": TOWN_READERS,
    "meetings:self_inspection_create": OFFICE,
    "meetings:self_inspection": TOWN_READERS,
    # 宣传
    "publicity:list": VILLAGE_READERS,
    "publicity:totals": VILLAGE_READERS,
    "publicity:create": OFFICE | {Role.VILLAGE_HEAD},
    "publicity:export": VILLAGE_READERS,
    "publicity:schedules": VILLAGE_READERS,
    "publicity:kinds": OFFICE,
    "publicity:kind_edit": OFFICE,
    "publicity:detail": VILLAGE_READERS,
    "publicity:edit": OFFICE | {Role.VILLAGE_HEAD},
    "publicity:photo": VILLAGE_READERS,
    # 村月报 (decision 0069): the heads their village, the office its villages, the city its towns.
    "village_reports:index": VILLAGE_READERS,
    "village_reports:submit": frozenset({Role.VILLAGE_HEAD}),
    # 简报、报表
    "briefings:index": TOWN_READERS,
    "briefings:export": TOWN_READERS,
    "briefings:figure": TOWN_READERS,
    "briefings:settings": frozenset({Role.LEADER, Role.OFFICE_STAFF}),
    "briefings:draft": TOWN_READERS,
    "briefings:draft_export": TOWN_READERS,
    "reports:centre": CONTENT,
    "reports:talks_export": CONTENT,
    "reports:meetings_export": TOWN_READERS,
    "reports:inspections_export": VILLAGE_READERS,
    "reports:statistics": TOWN_READERS,
    "reports:statistics_export": TOWN_READERS,
    # 研判
    "analysis:lead_suggestions": OFFICE,
    "analysis:tip_suggestions": OFFICE,
    "analysis:case_suggestions": CASE_WORKERS,
    "analysis:person_search": CASE_WORKERS,
    "analysis:person": CASE_WORKERS,
    "analysis:person_merge": OFFICE,
    "analysis:same_person": OFFICE,
    "analysis:exclusions": OFFICE,
    "analysis:shared": OFFICE,
    # The lead page's "also appears in": every reader of the lead, each record checked again.
    "analysis:lead_related": CONTENT,
    "analysis:case_related": CASE_WORKERS,
    "analysis:tip_related": OFFICE,
    "analysis:person_chart": CASE_WORKERS,
    "analysis:lead_chart": CASE_WORKERS,
    "analysis:case_chart": CASE_WORKERS,
    "analysis:prompt_chart": CASE_WORKERS,
    "analysis:vetting": OFFICE,
    "analysis:vetting_run": OFFICE,
    "analysis:vetting_export": OFFICE,
    "analysis:prompts": CASE_WORKERS,
    "analysis:prompt": CASE_WORKERS,
    "analysis:settings": OFFICE,
    "analysis:key_persons": CASE_WORKERS,
    "analysis:key_persons_export": CASE_WORKERS,
    "analysis:co_offenders": CASE_WORKERS,
    "analysis:co_offenders_export": CASE_WORKERS,
    # 举报人信息保管
    "vault:index": frozenset({Role.IDENTITY_CUSTODIAN}),
    "vault:lead": frozenset({Role.IDENTITY_CUSTODIAN}),
    "vault:rewards": LEADERS | {Role.IDENTITY_CUSTODIAN},
}

# The API's read operations, by method and path as the OpenAPI schema names them. Lists answer
# every token holder with what its account may see (possibly nothing).
API_READS: dict[str, Roles] = {
    "GET /api/v1/me": Audience.SIGNED_IN,
    "GET /api/v1/units": Audience.SIGNED_IN,
    "GET /api/v1/leads": Audience.SIGNED_IN,
    "GET /api/v1/leads/{lead_id}": CONTENT,
    "GET /api/v1/cases": CASE_WORKERS,
    "GET /api/v1/cases/imports/{job_id}": CASE_WORKERS,
    "GET /api/v1/cases/{case_id}": CASE_WORKERS,
    "GET /api/v1/rectifications": Audience.SIGNED_IN,
    "GET /api/v1/rectifications/{item_id}": VILLAGE_READERS,
    "GET /api/v1/talks": Audience.SIGNED_IN,
    "GET /api/v1/talks/{talk_id}": CONTENT,
    "GET /api/v1/inspections": Audience.SIGNED_IN,
    "GET /api/v1/inspections/{round_id}": VILLAGE_READERS,
    "GET /api/v1/meetings": Audience.SIGNED_IN,
    "GET /api/v1/meetings/{meeting_id}": CONTENT,
    "GET /api/v1/meetings/tasks": Audience.SIGNED_IN,
    "GET /api/v1/meetings/tasks/{task_id}": CONTENT,
    "GET /api/v1/publicity/activities": Audience.SIGNED_IN,
    "GET /api/v1/analysis/flags": Audience.SIGNED_IN,
    # 市级交办 (decision 0062): the list is every token's (empty but for a city's supervisors),
    # the detail the city office's supervisors' only, as on the pages.
    "GET /api/v1/city/assignments": Audience.SIGNED_IN,
    "GET /api/v1/city/assignments/{assignment_id}": frozenset({Role.SUPERVISOR}),
    # 人员库 and 研判提示 (issue 15): the registry's roles, as the pages (`analysis.access`).
    "GET /api/v1/analysis/persons": CASE_WORKERS,
    "GET /api/v1/analysis/persons/{person_id}": CASE_WORKERS,
    "GET /api/v1/analysis/flags/{prompt_id}": CASE_WORKERS,
    # 群众举报 (issue 15): the intake roles, as the pages (`tips.access`).
    "GET /api/v1/tips": OFFICE,
    "GET /api/v1/tips/{tip_id}": OFFICE,
    # 工作简报 drafts: the towns' office and leaders, and a 上级督导 reading (`briefings.access`).
    "GET /api/v1/briefings/drafts": TOWN_READERS,
    "GET /api/v1/briefings/drafts/{draft_id}": TOWN_READERS,
    "GET /api/v1/briefings/drafts/{draft_id}/export": TOWN_READERS,
}

# API operations that change something (decision 0063): the roles that may perform each one on
# objects they reach — the path's objects by `OBJECTS`, and for a create the town or village its
# body names (`API_CREATED_IN`). People a record names (a lead's handler, a task's assignee, an
# item's responsible person) act through their role's HANDLED / TAKING_PART reach. The generated
# walk (`demo/tests/test_read_access_matrix.py`) holds every operation, reads from `API_READS`
# included, to the refusals this implies for a village head of another village and the other
# town's office: an operation of the schema without a row here fails it. Finer rules among those
# who reach (a proposer may not sign off their own conclusion, a lead's state) are the owning
# context's service tests'.
HANDLERS = OFFICE | {Role.VILLAGE_HEAD, Role.POLICE_OFFICER}
API_WRITES: dict[str, Roles] = {
    # A supervisor registers 上级交办 leads only (decision 0002).
    "POST /api/v1/leads": TOWN_READERS,
    "POST /api/v1/leads/{lead_id}/triage": OFFICE,
    "POST /api/v1/leads/{lead_id}/assign": OFFICE,
    "POST /api/v1/leads/{lead_id}/investigations": HANDLERS,
    "POST /api/v1/leads/{lead_id}/investigations/evidence": HANDLERS,
    "POST /api/v1/leads/{lead_id}/propose": HANDLERS,  # the office or the lead's handler
    "POST /api/v1/leads/{lead_id}/sign-off": LEADERS,
    "POST /api/v1/leads/{lead_id}/feedback": OFFICE,
    "POST /api/v1/leads/{lead_id}/follow-up": OFFICE | {Role.IDENTITY_CUSTODIAN},
    "POST /api/v1/leads/{lead_id}/archive": OFFICE,
    "POST /api/v1/leads/{lead_id}/reopen": LEADERS,
    "POST /api/v1/leads/{lead_id}/instructions": LEADERS,
    "POST /api/v1/leads/{lead_id}/subjects": OFFICE,
    "PATCH /api/v1/leads/{lead_id}/subjects/{subject_id}": OFFICE,
    "POST /api/v1/leads/{lead_id}/subjects/{subject_id}/remove": OFFICE,
    "POST /api/v1/cases/{case_id}/review": OFFICE,
    "POST /api/v1/rectifications": OFFICE,
    # The office, the item's village head, its responsible person.
    "POST /api/v1/rectifications/{item_id}/progress": OFFICE | {Role.VILLAGE_HEAD},
    "POST /api/v1/rectifications/{item_id}/progress/evidence": OFFICE | {Role.VILLAGE_HEAD},
    "POST /api/v1/rectifications/{item_id}/request-closure": OFFICE | {Role.VILLAGE_HEAD},
    "POST /api/v1/rectifications/{item_id}/verify": OFFICE,
    "POST /api/v1/talks": OFFICE,
    "PATCH /api/v1/talks/{talk_id}": OFFICE,
    "POST /api/v1/talks/{talk_id}/problems": OFFICE,
    "POST /api/v1/talks/{talk_id}/leads": OFFICE,
    "POST /api/v1/inspections": OFFICE,
    "POST /api/v1/inspections/{round_id}/findings": OFFICE,
    "PATCH /api/v1/inspections/{round_id}/findings/{finding_id}": OFFICE,
    "POST /api/v1/inspections/{round_id}/findings/{finding_id}/photos": OFFICE,
    "POST /api/v1/meetings": OFFICE,
    "POST /api/v1/meetings/{meeting_id}/decisions": OFFICE,
    "PUT /api/v1/meetings/{meeting_id}/decisions/{decision_id}": OFFICE,
    "POST /api/v1/meetings/{meeting_id}/decisions/{decision_id}/task": OFFICE,
    "POST /api/v1/meetings/{meeting_id}/decisions/{decision_id}/rectification": OFFICE,
    # The assignee reports the work done; the office may close it for them.
    "POST /api/v1/meetings/tasks/{task_id}/complete": HANDLERS,
    # The office anywhere in its town; a village head for their village only.
    "POST /api/v1/publicity/activities": OFFICE | {Role.VILLAGE_HEAD},
    "POST /api/v1/publicity/activities/{activity_id}/photos": OFFICE | {Role.VILLAGE_HEAD},
    # Suggests names and numbers found in a text; writes nothing (decision 0059).
    "POST /api/v1/analysis/extract": Audience.SIGNED_IN,
    # 市级交办 (decision 0062): made in the supervisor's own city, its towns named by a list
    # (`town_ids`), so not in API_CREATED_IN: the role alone is the table's rule, the towns
    # outside the city are the service's refusal (city_api tests).
    "POST /api/v1/city/assignments": frozenset({Role.SUPERVISOR}),
    "POST /api/v1/city/assignments/{assignment_id}/towns/{town_row_id}/accept": frozenset(
        {Role.SUPERVISOR}
    ),
    "POST /api/v1/city/assignments/{assignment_id}/towns/{town_row_id}/return": frozenset(
        {Role.SUPERVISOR}
    ),
    # The 研判会's decision is a 组长/副组长's; the registry's corrections the office's.
    "POST /api/v1/analysis/flags/{prompt_id}/confirm": LEADERS,
    "POST /api/v1/analysis/flags/{prompt_id}/dismiss": LEADERS,
    "POST /api/v1/analysis/persons/{person_id}/merge": OFFICE,
    "POST /api/v1/analysis/persons/{person_id}/appearances/{appearance_id}/split": OFFICE,
    "POST /api/v1/tips/{tip_id}/accept": OFFICE,
    "POST /api/v1/tips/{tip_id}/spam": OFFICE,
    "POST /api/v1/tips/{tip_id}/restore": OFFICE,
    "POST /api/v1/tips/{tip_id}/messages": OFFICE,
    "POST /api/v1/tips/{tip_id}/persons": OFFICE,
    "POST /api/v1/briefings/drafts": OFFICE,
    "PATCH /api/v1/briefings/drafts/{draft_id}": OFFICE,
    "POST /api/v1/briefings/drafts/{draft_id}/regenerate": OFFICE,
}

# Creates: the body field naming where the record is made, and the kind of object it names.
API_CREATED_IN: dict[str, str] = {
    "POST /api/v1/leads": "unit_id",
    "POST /api/v1/rectifications": "unit_id",
    "POST /api/v1/talks": "unit_id",
    "POST /api/v1/inspections": "unit_id",
    "POST /api/v1/meetings": "unit_id",
    "POST /api/v1/publicity/activities": "village_id",
    "POST /api/v1/briefings/drafts": "unit_id",
}


@dataclass(frozen=True)
class Grant:
    """One role of an account and the unit it is granted on."""

    role: Role
    unit_id: int
    unit_path: str  # e.g. /1/4/17/


@dataclass(frozen=True)
class Record:
    """What the table needs to know of one object to say who reaches it."""

    town_path: str
    villages: frozenset[int] = frozenset()
    handled_by: frozenset[int] = frozenset()  # units it is handed to (a village, a station)
    taking_part: frozenset[int] = frozenset()  # accounts it names
    created_by: int | None = None


def reaches(scope: Scope, grant: Grant, user_id: int, record: Record) -> bool:
    if scope == Scope.TOWN:
        # At or under the grant (a city's towns), or the town above it (a station's town).
        return record.town_path.startswith(grant.unit_path) or grant.unit_path.startswith(
            record.town_path
        )
    if scope == Scope.VILLAGE:
        return grant.unit_id in record.villages
    if scope == Scope.HANDLED:
        return grant.unit_id in record.handled_by
    if scope == Scope.TAKING_PART:
        return user_id in record.taking_part
    if scope == Scope.OFFICE:
        return record.town_path.startswith(grant.unit_path)
    return record.created_by == user_id


def may_read(
    roles: Roles, grants: list[Grant], user_id: int | None, records: dict[str, Record]
) -> bool:
    """Whether an account (None: anonymous) may open a page on these objects by the table."""
    if roles == Audience.ANYONE:
        return True
    if user_id is None:
        return False
    if roles == Audience.SIGNED_IN and not records:
        return True
    for grant in grants:
        if isinstance(roles, frozenset) and grant.role not in roles:
            continue
        if all(
            any(
                reaches(scope, grant, user_id, record)
                for scope in OBJECTS[kind].get(grant.role, ())
            )
            for kind, record in records.items()
        ):
            return True
    return False


# API parity with the pages (decision 0066): the operations added for 交办清单, a meeting's 学习材料
# and a lead's attachments, with the roles of the pages they mirror.
CLERKS = frozenset({Role.OFFICE_STAFF})
API_READS |= {
    "GET /api/v1/leads/{lead_id}/attachments": CONTENT,
    "GET /api/v1/leads/{lead_id}/attachments/{attachment_id}": CONTENT,
    "GET /api/v1/meetings/{meeting_id}/materials/{material_id}": TOWN_READERS,
    "GET /api/v1/assigned-lists": Audience.SIGNED_IN,
    "GET /api/v1/assigned-lists/{list_id}": OFFICE,
    "GET /api/v1/assigned-lists/{list_id}/feedback.xlsx": OFFICE,
    "GET /api/v1/assigned-lists/{list_id}/reports.zip": OFFICE,
    "GET /api/v1/assigned-lists/imports/{staged_id}": CLERKS,
    "GET /api/v1/assigned-lists/imports/{staged_id}/rejected.xlsx": CLERKS,
}
API_WRITES |= {
    "POST /api/v1/leads/registrations": TOWN_READERS,
    "POST /api/v1/meetings/{meeting_id}/materials": OFFICE,
    "POST /api/v1/assigned-lists/imports": CLERKS,
    "PUT /api/v1/assigned-lists/imports/{staged_id}/mapping": CLERKS,
    "POST /api/v1/assigned-lists/imports/{staged_id}/import": CLERKS,
}
API_CREATED_IN |= {
    "POST /api/v1/leads/registrations": "unit_id",
    "POST /api/v1/assigned-lists/imports": "unit_id",
}

# The token's account's own notices and channels (decision 0066): no object of anyone else.
API_READS |= {
    "GET /api/v1/notifications": Audience.SIGNED_IN,
    "GET /api/v1/notifications/preferences": Audience.SIGNED_IN,
}
API_WRITES |= {
    "POST /api/v1/notifications/read-all": Audience.SIGNED_IN,
    "PUT /api/v1/notifications/preferences": Audience.SIGNED_IN,
}

# A meeting's record edited, 研判意见 and 自查自纠 (decision 0066), the pages' roles.
API_READS |= {
    "GET /api/v1/meetings/self-inspections": TOWN_READERS,
    "GET /api/v1/meetings/self-inspections/{inspection_id}": TOWN_READERS,
}
API_WRITES |= {
    "PUT /api/v1/meetings/{meeting_id}": OFFICE,
    "POST /api/v1/meetings/{meeting_id}/opinions": OFFICE,
    "POST /api/v1/meetings/self-inspections": OFFICE,
    "POST /api/v1/meetings/self-inspections/{inspection_id}/assessments": OFFICE,
    "POST /api/v1/meetings/self-inspections/{inspection_id}/problems": OFFICE,
}
API_CREATED_IN |= {
    "POST /api/v1/meetings/self-inspections": "unit_id",
}

# 档案检查 (decision 0066): a finding's photo, the on-site list, a village's status, the pages'
# `READ_ROLES` (the office, its 督导, village heads); the checklist the office's.
API_READS |= {
    "GET /api/v1/inspections/{round_id}/photos/{photo_id}": VILLAGE_READERS,
    "GET /api/v1/inspections/{round_id}/villages/{village_id}/onsite": VILLAGE_READERS,
    "GET /api/v1/inspections/{round_id}/villages/{village_id}/onsite/export": VILLAGE_READERS,
    "GET /api/v1/inspections/villages/{village_id}": VILLAGE_READERS,
}
API_WRITES |= {
    "POST /api/v1/inspections/{round_id}/villages/{village_id}/checklist": OFFICE,
}

# 治安案件 (decision 0066): 加入涉案人员 the office's; the import, its retry and refused rows for
# whoever imports the town's cases, as on the pages.
API_READS |= {
    "GET /api/v1/cases/imports/{job_id}/rejected.xlsx": CASE_WORKERS,
}
API_WRITES |= {
    "POST /api/v1/cases/{case_id}/persons": OFFICE,
    "POST /api/v1/cases/imports": CASE_WORKERS,
    "POST /api/v1/cases/imports/{job_id}/retry": CASE_WORKERS,
}
API_CREATED_IN |= {
    "POST /api/v1/cases/imports": "unit_id",
}

# A tip's attachment (the intake roles, as the tip) and the working-day calendar (everyone
# signed in, as the page; decision 0066).
API_READS |= {
    "GET /api/v1/tips/{tip_id}/attachments/{attachment_id}": OFFICE,
    "GET /api/v1/workdays": Audience.SIGNED_IN,
}
# Parity with the pages, continued (issue 15): 问题整改's 对照清单, 佐证材料 download, 修改整改措施
# and 复查, with the pages' roles.
API_READS |= {
    "GET /api/v1/rectifications/summary": Audience.SIGNED_IN,
    "GET /api/v1/rectifications/{item_id}/evidence/{evidence_id}": VILLAGE_READERS,
}
API_WRITES |= {
    "POST /api/v1/rectifications/{item_id}/measures": OFFICE,
    "POST /api/v1/rectifications/{item_id}/recheck": OFFICE,
}
API_WRITES |= {
    "POST /api/v1/leads/{lead_id}/extend": LEADERS,
    "POST /api/v1/leads/{lead_id}/police-feedback": frozenset({Role.POLICE_OFFICER}),
    # The lead's handler (a village, a station) or the office.
    "POST /api/v1/leads/{lead_id}/instructions/{instruction_id}/answer": HANDLERS,
    "POST /api/v1/leads/{lead_id}/merge": OFFICE,
    "POST /api/v1/leads/{lead_id}/link": OFFICE,
    "POST /api/v1/leads/{lead_id}/correct": OFFICE,
    "PUT /api/v1/leads/{lead_id}/subjects/{subject_id}/plates": OFFICE,
}
API_READS |= {
    "GET /api/v1/leads/stats": TOWN_READERS,
}
API_READS |= {
    "GET /api/v1/publicity/activities/{activity_id}": VILLAGE_READERS,
    "GET /api/v1/publicity/activities/{activity_id}/photos/{photo_id}": VILLAGE_READERS,
}
API_WRITES |= {
    "POST /api/v1/publicity/activities/{activity_id}/void": OFFICE | {Role.VILLAGE_HEAD},
    "PATCH /api/v1/publicity/activities/{activity_id}": OFFICE | {Role.VILLAGE_HEAD},
}

# 研判 (issue 15, decision 0067 addendum): the pages' roles (`analysis.access`, the records'
# own `access`): 识别建议 and "also appears in" as each record's page, the link chart, lists and
# their ledgers for the registry's roles, 联审 and the office's corrections for the office.
API_READS |= {
    "GET /api/v1/analysis/leads/{lead_id}/suggestions": OFFICE,
    "GET /api/v1/analysis/tips/{tip_id}/suggestions": OFFICE,
    "GET /api/v1/analysis/cases/{case_id}/suggestions": CASE_WORKERS,
    "GET /api/v1/analysis/leads/{lead_id}/related": CONTENT,
    "GET /api/v1/analysis/cases/{case_id}/related": CASE_WORKERS,
    "GET /api/v1/analysis/tips/{tip_id}/related": OFFICE,
    "GET /api/v1/analysis/persons/{person_id}/chart": CASE_WORKERS,
    "GET /api/v1/analysis/leads/{lead_id}/chart": CASE_WORKERS,
    "GET /api/v1/analysis/cases/{case_id}/chart": CASE_WORKERS,
    "GET /api/v1/analysis/flags/{prompt_id}/chart": CASE_WORKERS,
    "GET /api/v1/analysis/same-person": OFFICE,
    "GET /api/v1/analysis/exclusions": OFFICE,
    "GET /api/v1/analysis/shared": OFFICE,
    "GET /api/v1/analysis/vetting": OFFICE,
    "GET /api/v1/analysis/vetting/{run_id}": OFFICE,
    "GET /api/v1/analysis/vetting/{run_id}/export.xlsx": OFFICE,
    "GET /api/v1/analysis/settings": OFFICE,
    "GET /api/v1/analysis/key-persons": CASE_WORKERS,
    "GET /api/v1/analysis/key-persons/export.xlsx": CASE_WORKERS,
    "GET /api/v1/analysis/co-offenders": CASE_WORKERS,
    "GET /api/v1/analysis/co-offenders/export.xlsx": CASE_WORKERS,
}
API_WRITES |= {
    "POST /api/v1/analysis/merges/{merge_id}/undo": OFFICE,
    "POST /api/v1/analysis/splits/{split_id}/undo": OFFICE,
    "POST /api/v1/analysis/same-person/{suggestion_id}/confirm": OFFICE,
    "POST /api/v1/analysis/same-person/{suggestion_id}/reject": OFFICE,
    "POST /api/v1/analysis/exclusions": OFFICE,
    "POST /api/v1/analysis/exclusions/{exclusion_id}/remove": OFFICE,
    "POST /api/v1/analysis/shared/{shared_id}/exclude": OFFICE,
    # Changed only by an office over every town (`can_change_settings`): the service's 403.
    "PUT /api/v1/analysis/settings": OFFICE,
    "POST /api/v1/analysis/vetting": OFFICE,
}
API_CREATED_IN |= {
    "POST /api/v1/analysis/vetting": "unit_id",
}

# 线索台账 and a 反馈报告 as the pages hand them out; the dictionaries and time limits the office's
# (issue 15, decision 0068 addendum).
API_READS |= {
    "GET /api/v1/leads/export": Audience.SIGNED_IN,
    "GET /api/v1/leads/{lead_id}/feedback/{feedback_id}.docx": OFFICE,
    "GET /api/v1/leads/settings": OFFICE,
}
API_WRITES |= {
    "POST /api/v1/leads/settings/entries": OFFICE,
    "PATCH /api/v1/leads/settings/entries/{entry_id}": OFFICE,
    "PUT /api/v1/leads/settings/time-limits": OFFICE,
}

# The working-day calendar's overrides: the page's editors (the office's clerks, the system
# administrator), no unit scope (decision 0068 addendum).
CALENDAR_EDITORS = frozenset({Role.OFFICE_STAFF, Role.SYSTEM_ADMIN})
API_WRITES |= {
    "POST /api/v1/workdays/overrides": CALENDAR_EDITORS,
    "POST /api/v1/workdays/overrides/{override_id}/remove": CALENDAR_EDITORS,
}

# The 领导小组 roster as the page shows it (every account: its own group, or those it oversees)
# and its members kept by the group's office (decision 0068 addendum).
API_READS |= {
    "GET /api/v1/group": Audience.SIGNED_IN,
}
API_WRITES |= {
    "POST /api/v1/group/members": OFFICE,
    "POST /api/v1/group/members/{membership_id}/remove": OFFICE,
}

# A long 交办清单's import job, its progress and retry: the clerk's, as the upload (decision 0068
# addendum).
API_READS |= {
    "GET /api/v1/assigned-lists/jobs/{list_job_id}": CLERKS,
}
API_WRITES |= {
    "POST /api/v1/assigned-lists/jobs/{list_job_id}/retry": CLERKS,
}

# 市级交办's 反馈表 as the list page exports it: the city's 上级督导 (decision 0068 addendum).
API_READS |= {
    "GET /api/v1/city/assignments/export": frozenset({Role.SUPERVISOR}),
}

# 案件倒查台账, the import template and the 取值对照 of a refused import: whoever reads and imports
# the town's cases, as on the pages (decision 0068 addendum).
API_READS |= {
    "GET /api/v1/cases/export": CASE_WORKERS,
    "GET /api/v1/cases/imports/template.xlsx": CASE_WORKERS,
}
API_WRITES |= {
    "POST /api/v1/cases/imports/{job_id}/values": CASE_WORKERS,
}

# 问题整改台账 as the list page exports it, the page's readers (decision 0068 addendum).
API_READS |= {
    "GET /api/v1/rectifications/export": VILLAGE_READERS,
}

# 例会安排 (the office town's) and the 档案检查项目 checklist (any town's office keeps it), as on
# the pages (decision 0068 addendum).
API_READS |= {
    "GET /api/v1/meetings/schedules": OFFICE,
    "GET /api/v1/inspections/folders": OFFICE,
}
API_WRITES |= {
    "PUT /api/v1/meetings/schedules": OFFICE,
    "POST /api/v1/inspections/folders": OFFICE,
}

# 谈话覆盖情况 (the town's readers) and 定期梳理 (its leaders sign off, its 督导 read), as on the
# pages (decision 0068 addendum).
API_READS |= {
    "GET /api/v1/talks/coverage": TOWN_READERS,
    "GET /api/v1/talks/review": LEADERS | {Role.SUPERVISOR},
}
API_WRITES |= {
    "POST /api/v1/talks/review": LEADERS,
}

# 宣传台账's export and totals (the pages' readers) and the 宣传形式 (the office's), as on the
# pages (decision 0068 addendum).
API_READS |= {
    "GET /api/v1/publicity/export": VILLAGE_READERS,
    "GET /api/v1/publicity/totals": VILLAGE_READERS,
    "GET /api/v1/publicity/kinds": OFFICE,
}
API_WRITES |= {
    "POST /api/v1/publicity/kinds": OFFICE,
    "PUT /api/v1/publicity/kinds/{kind_id}": OFFICE,
}

# 常态化宣传: read as the schedules page (its readers), set, stopped and accrued by the town's
# office (decision 0068 addendum).
API_READS |= {
    "GET /api/v1/publicity/schedules": VILLAGE_READERS,
}
API_WRITES |= {
    "POST /api/v1/publicity/schedules": OFFICE,
    "POST /api/v1/publicity/schedules/{schedule_id}/stop": OFFICE,
    "POST /api/v1/publicity/schedules/accrue": OFFICE,
}

# 台账中心's ledgers and the 统计月报/季报, the pages' roles (decision 0068 addendum).
API_READS |= {
    "GET /api/v1/reports/talks.xlsx": CONTENT,
    "GET /api/v1/reports/meetings.xlsx": TOWN_READERS,
    "GET /api/v1/reports/inspections.xlsx": VILLAGE_READERS,
    "GET /api/v1/reports/statistics": TOWN_READERS,
    "GET /api/v1/reports/statistics/export.xlsx": TOWN_READERS,
}

# 工作简报 generated, exported and drilled into (the pages' readers), and the town's 版头版记 (its
# office and 组长), as on the pages (decision 0068 addendum).
BRIEFING_READERS = TOWN_READERS
API_READS |= {
    "GET /api/v1/briefings": BRIEFING_READERS,
    "GET /api/v1/briefings/export": BRIEFING_READERS,
    "GET /api/v1/briefings/figures/{key}": BRIEFING_READERS,
    "GET /api/v1/briefings/settings/{unit_id}": frozenset({Role.LEADER, Role.OFFICE_STAFF}),
}
API_WRITES |= {
    "PUT /api/v1/briefings/settings/{unit_id}": frozenset({Role.LEADER, Role.OFFICE_STAFF}),
}
