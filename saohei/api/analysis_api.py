"""/api/v1/analysis — 研判. Extraction answers any valid token: it reads nothing stored and
stores nothing; the token's use is audited as every call is (`services.authenticate_token`),
never the text, which may name people."""

from collections.abc import Callable
from datetime import date as date_type
from datetime import datetime
from typing import IO, Annotated, Any, Literal

from django.db.models import QuerySet, prefetch_related_objects
from django.http import FileResponse, Http404, HttpRequest, QueryDict
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import StrictStr

from saohei.analysis import (
    access,
    list_exports,
    lists,
    queries,
    services,
    suggestions,
    vetting_sheet,
)
from saohei.analysis import chart as link_chart
from saohei.analysis.extraction import extract
from saohei.analysis.forms import (
    ChartWindowForm,
    ExclusionForm,
    OptionalReasonForm,
    ReasonForm,
    SettingsForm,
)
from saohei.analysis.list_forms import CoOffenderFilterForm, KeyPersonFilterForm, with_defaults
from saohei.analysis.lists import PersonShown
from saohei.analysis.models import (
    Appearance,
    IdentifierExclusion,
    IncidentKind,
    MergeRule,
    Person,
    Prompt,
    PromptIncident,
    PromptStatus,
    SamePersonSuggestion,
    SplitRule,
    VettingCandidate,
    VettingRun,
)
from saohei.analysis.registry import current_settings
from saohei.analysis.services import record_prompt_identifiers_revealed
from saohei.api.downloads import binary_200
from saohei.api.ids import one_of
from saohei.api.schemas import ErrorBody, ErrorResponse, OneOf, Shown
from saohei.cases import access as case_access
from saohei.cases.models import Case
from saohei.common.access import user_has_any_role
from saohei.common.dates import HistoryDay, PeriodDay
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.common.forms import StyledForm, describe_filters
from saohei.common.http import XLSX_TYPE, client_ip, stamped_name, streamed_download
from saohei.common.paging import keyset_page
from saohei.common.roles import Role
from saohei.common.validation import text_problem
from saohei.leads import access as lead_access
from saohei.meetings.access import visible_meetings
from saohei.meetings.models import Meeting, MeetingKind
from saohei.organisations.access import content_units
from saohei.organisations.models import User
from saohei.organisations.queries import OFFICE_ROLES
from saohei.tips import access as tip_access

router = Router(tags=["研判"])

# A long 谈话记录 is a few thousand characters; the limit keeps one call to about a second of CPU.
MAX_TEXT_LENGTH = 10_000


class ExtractIn(Schema):
    text: StrictStr = Field(
        max_length=MAX_TEXT_LENGTH, description="案情、线索摘要、举报内容等叙述"
    )


class SpanOut(Schema):
    text: str
    start: int = Field(description="起始字符位置（含），指向所提交的原文")
    end: int = Field(description="结束字符位置（不含）")


class IdNumberOut(SpanOut):
    valid: bool = Field(description="校验码、出生日期和地区码是否有效")


class PlaceOut(SpanOut):
    province: str | None
    city: str | None
    county: str | None


class ExtractionOut(Schema):
    persons: list[SpanOut]
    id_numbers: list[IdNumberOut]
    phones: list[SpanOut]
    plates: list[SpanOut]
    places: list[PlaceOut]


ERRORS = {400: ErrorResponse, 401: ErrorResponse, 422: ErrorResponse}


@router.post(
    "/extract",
    response={200: ExtractionOut, **ERRORS},
    summary="识别叙述中的人名、证件号、手机号、车牌和地名",
)
def extract_from_text(request: HttpRequest, payload: ExtractIn) -> ExtractionOut:
    """Suggestions only. The org tree's unit names the account may see help find local places."""
    user: User = request.auth  # type: ignore[attr-defined]
    local_places = list(content_units(user).values_list("name", flat=True))
    found = extract(payload.text, local_places=local_places)
    return ExtractionOut(
        persons=[SpanOut(**vars(span)) for span in found.persons],
        id_numbers=[IdNumberOut(**vars(span)) for span in found.id_numbers],
        phones=[SpanOut(**vars(span)) for span in found.phones],
        plates=[SpanOut(**vars(span)) for span in found.plates],
        places=[PlaceOut(**vars(span)) for span in found.places],
    )


# ---------------------------------------------------------------------------------------------
# 研判提示


class FlagMemberOut(Schema):
    person_id: int
    name: str
    role: str = Field(description="纠集者、组织者、参与者或被反映人")
    id_number: str = Field(
        description="身份证号：本镇扫黑办、领导小组可见全号（每次记入审计日志），其他人脱敏"
    )


class FlagIncidentOut(Schema):
    kind: Annotated[str, Shown(PromptIncident, "incident_kind")] = Field(
        description='"case"（治安案件）或 "lead"（查实的线索）'
    )
    number: str
    date: date_type


class FlagOut(Schema):
    id: int
    level: str = Field(description="疑似恶势力、疑似恶势力犯罪集团或需研判涉黑")
    status: Annotated[str, Shown(Prompt, "status")] = Field(
        description="open 待研判、confirmed 研判会确认、dismissed 研判会排除"
    )
    members: list[FlagMemberOut]
    incidents: list[FlagIncidentOut]
    window_start: date_type
    window_end: date_type
    criteria: dict[str, Any]
    explanation: str


class FlagPageOut(Schema):
    items: list[FlagOut]
    next: str | None = Field(description="下一页游标，作为 after 参数传回；没有更多时为 null")


class FlagListQuery(Schema):
    level: Annotated[str, OneOf(Prompt, "level", also=("",))] = Field(
        "", description="gang、criminal_group 或 heijie"
    )
    status: Annotated[str, OneOf(Prompt, "status", also=("",))] = Field(
        "", description="open、confirmed 或 dismissed"
    )
    past: bool = Field(False, description="含已不再满足条件的提示（页面的“含已不再满足条件的”）")
    after: str = ""


@router.get("/flags", response={200: FlagPageOut, **ERRORS}, summary="研判提示列表")
def list_flags(request: HttpRequest, filters: Query[FlagListQuery]) -> FlagPageOut:
    """The current prompts the account may see (all of whose incidents it may see), most
    recently updated first, 50 a page. Prompts only: the 研判会 decides."""
    user: User = request.auth  # type: ignore[attr-defined]
    prompts = queries.filter_prompts(
        user,
        queries.PromptFilters(
            level=filters.level, status=filters.status, include_past=filters.past
        ),
    ).select_related("unit")
    page = keyset_page(
        prompts, field="updated_at", parse=datetime.fromisoformat, after=filters.after
    )
    prefetch_related_objects(page.rows, "members__person", "incidents")
    return FlagPageOut(
        items=[_flag_fields(request, user, prompt) for prompt in page.rows],
        next=page.next_cursor or None,
    )


def _flag_fields(request: HttpRequest, user: User, prompt: Prompt) -> FlagOut:
    """One prompt as the list shows it: members' ID numbers in full only for the office of its
    town, each such answer audited per prompt (never the values)."""
    members = list(prompt.members.all())
    full = queries.may_see_full_id_numbers(user, prompt)
    id_numbers = queries.member_id_numbers({m.person_id for m in members}, full=full)
    if full and id_numbers:
        record_prompt_identifiers_revealed(
            actor=user, prompt=prompt, persons=len(id_numbers), ip_address=client_ip(request)
        )
    return FlagOut(
        id=prompt.pk,
        level=prompt.get_level_display(),
        status=prompt.status,
        members=[
            FlagMemberOut(
                person_id=member.person_id,
                name=member.person.name,
                role=member.get_role_display(),
                id_number=id_numbers.get(member.person_id, ""),
            )
            for member in members
        ],
        incidents=[
            FlagIncidentOut(
                kind=incident.incident_kind,
                number=incident.number,
                date=incident.occurred_on,
            )
            for incident in prompt.incidents.all()
        ],
        window_start=prompt.window_start,
        window_end=prompt.window_end,
        criteria=prompt.criteria,
        explanation=prompt.explanation,
    )


class DecisionMeetingOut(Schema):
    id: int
    title: str
    held_on: date_type


class FlagDetailOut(FlagOut):
    is_current: bool = Field(description="当前仍满足条件；否则只作为记录保留")
    reopened_reason: str
    meeting_id: int | None = Field(description="作出决定的研判会")
    lead_id: int | None = Field(description="研判会确认后登记的线索")
    failed_element: Annotated[str, Shown(Prompt, "failed_element")]
    decision_note: str = Field(description="研判意见或排除理由")
    decided_by: str
    decided_at: datetime | None
    created_at: datetime
    updated_at: datetime
    can_decide: bool = Field(description="本账号可在研判会上确认或排除（本镇组长、副组长）")
    decision_meetings: list[DecisionMeetingOut] = Field(
        description="可选的本镇研判会（can_decide 时），作为 meeting_id 传回"
    )


class PromptConfirmIn(Schema):
    meeting_id: int
    note: str = Field(description="研判会的研判意见（至少5个字）")


class PromptDismissIn(Schema):
    meeting_id: int
    failed_element: Annotated[str, OneOf(Prompt, "failed_element")]
    reason: str = Field(description="排除理由（至少5个字）")


DETAIL_ERRORS = {**ERRORS, 403: ErrorResponse, 404: ErrorResponse}


def _decision_meetings(user: User, prompt: Prompt) -> "QuerySet[Meeting]":
    """The page's choice: the town's 研判会 the deciding leader may see."""
    return (
        visible_meetings(user)
        .filter(unit=prompt.unit, kind=MeetingKind.ANALYSIS)
        .order_by("-held_on", "-id")
    )


def _can_decide(user: User, prompt: Prompt) -> bool:
    return (
        prompt.status == PromptStatus.OPEN
        and prompt.is_current
        and access.can_decide_prompt(user, prompt)
    )


def _flag_detail(request: HttpRequest, user: User, prompt_id: int) -> FlagDetailOut:
    prompt = access.get_prompt_for_user(user, prompt_id)
    prefetch_related_objects([prompt], "members__person", "incidents")
    can_decide = _can_decide(user, prompt)
    meetings = list(_decision_meetings(user, prompt)) if can_decide else []
    return FlagDetailOut(
        **_flag_fields(request, user, prompt).model_dump(),
        is_current=prompt.is_current,
        reopened_reason=prompt.reopened_reason,
        meeting_id=prompt.meeting_id,
        lead_id=prompt.lead_id,
        failed_element=prompt.failed_element,
        decision_note=prompt.decision_note,
        decided_by=prompt.decided_by.real_name if prompt.decided_by else "",
        decided_at=prompt.decided_at,
        created_at=prompt.created_at,
        updated_at=prompt.updated_at,
        can_decide=can_decide,
        decision_meetings=[
            DecisionMeetingOut(id=meeting.pk, title=meeting.title, held_on=meeting.held_on)
            for meeting in meetings
        ],
    )


@router.get(
    "/flags/{int:prompt_id}", response={200: FlagDetailOut, **DETAIL_ERRORS}, summary="研判提示详情"
)
def get_flag(request: HttpRequest, prompt_id: int) -> FlagDetailOut:
    """The office and police of the town who may see every incident of the prompt; others 404
    (`analysis.access.get_prompt_for_user`, as the page)."""
    user: User = request.auth  # type: ignore[attr-defined]
    if not access.may_use_registry(user):
        raise ActionNotAllowed("您没有查看研判提示的权限")
    return _flag_detail(request, user, prompt_id)


def _deciding(user: User, prompt_id: int, meeting_id: int) -> tuple[Prompt, Meeting]:
    """The prompt (404 if not seen) and the 研判会 among the town's (400 naming meeting_id);
    a viewer who is not a 组长/副组长 of the town is refused before the meeting is looked at."""
    prompt = access.get_prompt_for_user(user, prompt_id)
    if not access.can_decide_prompt(user, prompt):
        raise ActionNotAllowed("只有本镇领导小组组长、副组长可以在研判会上确认或排除研判提示")
    meeting = one_of(
        _decision_meetings(user, prompt),
        meeting_id,
        field="meeting_id",
        refusal="请选择本镇的研判会",
    )
    return prompt, meeting


@router.post(
    "/flags/{int:prompt_id}/confirm",
    response={200: FlagDetailOut, **DETAIL_ERRORS},
    summary="研判会确认研判提示",
)
def confirm_flag(request: HttpRequest, prompt_id: int, payload: PromptConfirmIn) -> FlagDetailOut:
    """Registers a lead (source 研判发现) with the members as 被反映人 (`confirm_prompt`)."""
    user: User = request.auth  # type: ignore[attr-defined]
    prompt, meeting = _deciding(user, prompt_id, payload.meeting_id)
    services.confirm_prompt(actor=user, prompt=prompt, meeting=meeting, note=payload.note)
    return _flag_detail(request, user, prompt_id)


@router.post(
    "/flags/{int:prompt_id}/dismiss",
    response={200: FlagDetailOut, **DETAIL_ERRORS},
    summary="研判会排除研判提示",
)
def dismiss_flag(request: HttpRequest, prompt_id: int, payload: PromptDismissIn) -> FlagDetailOut:
    user: User = request.auth  # type: ignore[attr-defined]
    prompt, meeting = _deciding(user, prompt_id, payload.meeting_id)
    services.dismiss_prompt(
        actor=user,
        prompt=prompt,
        meeting=meeting,
        reason=payload.reason,
        failed_element=payload.failed_element,
    )
    return _flag_detail(request, user, prompt_id)


# ---------------------------------------------------------------------------------------------
# 人员库: search, a person as the viewer may see them, and the office's merge and split


class RegistryPersonSummaryOut(Schema):
    id: int
    name: str
    village_id: int | None
    village: str
    appearances: int = Field(description="本账号可见的记录数")
    last_seen: date_type


class RegistryPersonPageOut(Schema):
    items: list[RegistryPersonSummaryOut]
    next_cursor: str
    query: str = Field(description="所识别的查询（号码脱敏）；未输入查询时为空")
    truncated: bool = Field(description="匹配的记录过多，只查了一部分：请输入更完整的查询")


class RegistryPersonQuery(Schema):
    q: str = Field(
        "",
        description="姓名（或开头几个字）、完整身份证号或手机号、脱敏身份证号"
        "（如 370982********1234）或后四位、139****1234、车牌号",
    )
    after: str = ""


class RegistryAppearanceOut(Schema):
    id: int
    incident_kind: Annotated[str, Shown(Appearance, "incident_kind")]
    incident_id: int
    incident: str = Field(description="案件、线索或举报的编号")
    role: Annotated[str, Shown(Appearance, "role")]
    role_label: str
    name: str
    occurred_on: date_type
    village_id: int | None
    village: str
    nature_label: str = Field(description="刑事/治安（仅治安案件）")
    means_label: str = Field(description="手段（仅治安案件）")
    motive_label: str = Field(description="起因（仅治安案件）")
    is_split: bool = Field(description="已从原人员拆分出来")


class RegistryIdentifierOut(Schema):
    kind_label: str = Field(description="身份证号、手机号或车牌号")
    masked: str = Field(description="脱敏号码（车牌号原样）；全号只在线索页经审计查看")
    count: int


class CoPersonOut(Schema):
    person_id: int
    name: str
    incidents: int


class PersonRuleOut(Schema):
    id: int
    reason: str
    created_at: datetime


class RegistryPersonOut(Schema):
    id: int
    name: str
    aliases: list[str]
    village_id: int | None
    village: str
    appearances: list[RegistryAppearanceOut]
    truncated: bool = Field(description="记录过多，只列出最近的部分")
    identifiers: list[RegistryIdentifierOut]
    co_persons: list[CoPersonOut]
    merges: list[PersonRuleOut] = Field(description="生效中的合并（可在页面撤销）")
    split: PersonRuleOut | None = Field(description="该人员由拆分而来时的拆分记录")


class PersonMergeIn(Schema):
    other_id: int = Field(description="合并对象（人员 id）")
    reason: str


class AppearanceSplitIn(Schema):
    reason: str


def _require_registry(user: User) -> None:
    if not access.may_use_registry(user):
        raise ActionNotAllowed("您没有查看人员库的权限")


@router.get("/persons", response={200: RegistryPersonPageOut, **DETAIL_ERRORS}, summary="查找人员")
def search_persons(
    request: HttpRequest, filters: Query[RegistryPersonQuery]
) -> RegistryPersonPageOut:
    """As the page `/analysis/persons/?q=`: office roles and police; persons matched through
    records the account may see, most recently seen first, 50 a page; no query, no rows."""
    user: User = request.auth  # type: ignore[attr-defined]
    _require_registry(user)
    query = queries.parse_person_query(filters.q)
    if query is None:
        return RegistryPersonPageOut(items=[], next_cursor="", query="", truncated=False)
    result = queries.search_persons(user, query, after=filters.after)
    return RegistryPersonPageOut(
        items=[
            RegistryPersonSummaryOut(
                id=row.person.pk,
                name=row.name,
                village_id=row.village.pk if row.village else None,
                village=row.village.name if row.village else "",
                appearances=row.appearances,
                last_seen=row.last_seen,
            )
            for row in queries.person_rows(user, result.page.rows)
        ],
        next_cursor=result.page.next_cursor,
        query=query.shown,
        truncated=result.truncated,
    )


def _rule(rule: MergeRule | SplitRule) -> PersonRuleOut:
    return PersonRuleOut(id=rule.pk, reason=rule.reason, created_at=rule.created_at)


def _person_out(request: HttpRequest, user: User, person: Person) -> RegistryPersonOut:
    """What the page shows, identifiers masked; every answer audited as an opening of the page
    is (`record_person_viewed`, the person by number)."""
    view = queries.person_view(user, person)
    if view is None:
        raise Http404("人员不存在或您无权查看")
    services.record_person_viewed(
        actor=user, person=person, ip_address=client_ip(request), via="api"
    )
    return RegistryPersonOut(
        id=person.pk,
        name=view.name,
        aliases=view.aliases,
        village_id=view.village.pk if view.village else None,
        village=view.village.name if view.village else "",
        appearances=[
            RegistryAppearanceOut(
                id=row.appearance.pk,
                incident_kind=row.appearance.incident_kind,
                incident_id=row.appearance.incident_id,
                incident=row.incident.label,
                role=row.appearance.role,
                role_label=row.appearance.get_role_display(),
                name=row.appearance.name,
                occurred_on=row.appearance.occurred_on,
                village_id=row.appearance.village_id,
                village=row.appearance.village.name if row.appearance.village else "",
                nature_label=row.nature,
                means_label=row.means,
                motive_label=row.motive,
                is_split=row.is_split,
            )
            for row in view.appearances
        ],
        truncated=view.truncated,
        identifiers=[
            RegistryIdentifierOut(kind_label=row.kind_label, masked=row.masked, count=row.count)
            for row in view.identifiers
        ],
        co_persons=[
            CoPersonOut(person_id=co.person_id, name=co.name, incidents=co.incidents)
            for co in view.co_persons
        ],
        merges=[_rule(rule) for rule in view.merges],
        split=_rule(view.split) if view.split else None,
    )


@router.get(
    "/persons/{int:person_id}",
    response={200: RegistryPersonOut, **DETAIL_ERRORS},
    summary="人员档案",
)
def get_person(request: HttpRequest, person_id: int) -> RegistryPersonOut:
    """From the records the account may see only; ID numbers and mobiles masked."""
    user: User = request.auth  # type: ignore[attr-defined]
    _require_registry(user)
    return _person_out(request, user, access.get_person_for_user(user, person_id))


@router.post(
    "/persons/{int:person_id}/merge",
    response={200: RegistryPersonOut, **DETAIL_ERRORS},
    summary="与另一人员合并",
)
def merge_person(request: HttpRequest, person_id: int, payload: PersonMergeIn) -> RegistryPersonOut:
    """The office of the town (`merge_persons`); answers the merged person."""
    user: User = request.auth  # type: ignore[attr-defined]
    person = access.get_person_for_user(user, person_id)
    try:
        other = access.get_person_for_user(user, payload.other_id)
    except Http404 as error:
        raise ServiceError("请选择要合并的人员", field="other_id") from error
    merged = services.merge_persons(actor=user, person=person, other=other, reason=payload.reason)
    return _person_out(request, user, merged)


@router.post(
    "/persons/{int:person_id}/appearances/{int:appearance_id}/split",
    response={200: RegistryPersonOut, **DETAIL_ERRORS},
    summary="拆分为单独的人员",
)
def split_person(
    request: HttpRequest, person_id: int, appearance_id: int, payload: AppearanceSplitIn
) -> RegistryPersonOut:
    """The office of the town (`split_appearance`); answers the person the record now is."""
    user: User = request.auth  # type: ignore[attr-defined]
    person = access.get_person_for_user(user, person_id)
    appearance = access.get_appearance_for_user(user, person, appearance_id)
    alone = services.split_appearance(actor=user, appearance=appearance, reason=payload.reason)
    return _person_out(request, user, alone)


def _require(user: User, roles: "frozenset[Role]", message: str) -> None:
    """The page's `role_required`, as a 403 in the error shape."""
    if not user_has_any_role(user, roles):
        raise ActionNotAllowed(message)


# ---------------------------------------------------------------------------------------------
# 识别建议 of a lead, tip or case (`analysis.suggestions`, as the pages): nothing is written


class SuggestionOut(Schema):
    kind: Literal["persons", "id_numbers", "phones", "plates", "places"]
    kind_label: str
    text: str
    source: str = Field(description="出处字段：summary、narrative、content")
    source_label: str
    start: int = Field(description="在出处原文中的起始字符位置（含）")
    end: int = Field(description="结束字符位置（不含）")
    field: str = Field(description="可填入的表单字段：name、id_number、phone、plates；地名为空")
    is_valid: bool | None = Field(description="身份证号的校验结果；其他类别为 null")
    add_to: Literal["", "lead_subject", "tip_person", "case_person", "lead_suggestions"] = Field(
        description="本账号可加入到：线索的被反映人、待受理举报的被举报人（仅人名）、案件的涉案人员，"
        "或（已受理的举报）到线索的识别建议中加入；空为不可加入"
    )
    note: str = Field(description="不可加入时说明可在哪里加入")


class SuggestionsOut(Schema):
    record: str
    add_label: str
    explanation: str
    lead_id: int | None = Field(description="已受理举报的线索")
    items: list[SuggestionOut]


def _suggestions_out(shown: suggestions.RecordSuggestions) -> SuggestionsOut:
    return SuggestionsOut(
        record=shown.record,
        add_label=shown.add_label,
        explanation=shown.explanation,
        lead_id=shown.lead_id,
        items=[
            SuggestionOut(
                kind=found.kind,  # type: ignore[arg-type]
                kind_label=found.kind_label,
                text=found.text,
                source=found.source,
                source_label=found.source_label,
                start=found.start,
                end=found.end,
                field=found.field,
                is_valid=found.is_valid,
                add_to=found.add_to,  # type: ignore[arg-type]
                note=found.note,
            )
            for found in shown.suggestions
        ],
    )


@router.get(
    "/leads/{int:lead_id}/suggestions",
    response={200: SuggestionsOut, **DETAIL_ERRORS},
    summary="线索的识别建议",
)
def lead_suggestions(request: HttpRequest, lead_id: int) -> SuggestionsOut:
    """The office of the lead's town (`can_manage_lead`, else 403); never the reporter."""
    user: User = request.auth  # type: ignore[attr-defined]
    _require(user, OFFICE_ROLES, "您没有使用识别建议的权限")
    lead = lead_access.get_lead_for_user(user, lead_id)
    if not lead_access.can_manage_lead(user, lead):
        raise ActionNotAllowed("只有本镇扫黑办工作人员或领导小组组长、副组长可以使用识别建议")
    return _suggestions_out(suggestions.lead_suggestions(user, lead))


@router.get(
    "/tips/{int:tip_id}/suggestions",
    response={200: SuggestionsOut, **DETAIL_ERRORS},
    summary="群众举报的识别建议",
)
def tip_suggestions(request: HttpRequest, tip_id: int) -> SuggestionsOut:
    """The intake roles, the tips they may open (`tips.access`); never the reporter."""
    user: User = request.auth  # type: ignore[attr-defined]
    _require(user, tip_access.INTAKE_ROLES, "您没有查看群众举报的权限")
    return _suggestions_out(
        suggestions.tip_suggestions(user, tip_access.get_tip_for_user(user, tip_id))
    )


@router.get(
    "/cases/{int:case_id}/suggestions",
    response={200: SuggestionsOut, **DETAIL_ERRORS},
    summary="治安案件的识别建议",
)
def case_suggestions(request: HttpRequest, case_id: int) -> SuggestionsOut:
    """Office and police of the case's town; adding is the office's (`add_to`)."""
    user: User = request.auth  # type: ignore[attr-defined]
    _require(user, case_access.CASE_ROLES, "您没有查看治安案件的权限")
    return _suggestions_out(
        suggestions.case_suggestions(user, case_access.get_case_for_user(user, case_id))
    )


# ---------------------------------------------------------------------------------------------
# "also appears in" under a lead, case or tip (`queries.related_for_incident`, as the pages)


class RelatedIncidentOut(Schema):
    incident_kind: Annotated[str, Shown(Appearance, "incident_kind")]
    incident_id: int
    label: str


class RelatedPersonOut(Schema):
    person_id: int | None = Field(description="人员库的人员（仅扫黑办、派出所可见）")
    name: str
    incidents: list[RelatedIncidentOut] = Field(description="本账号可查看的其他记录（最近的）")
    more_visible: int = Field(description="另有可查看的记录数")
    hidden: int = Field(description="无权查看的记录数（仅扫黑办、派出所可见，其他人为 0）")


def _related(user: User, kind: str, incident_id: int) -> list[RelatedPersonOut]:
    for_registry = access.may_use_registry(user)
    return [
        RelatedPersonOut(
            person_id=row.person_id if for_registry else None,
            name=row.name,
            incidents=[
                RelatedIncidentOut(
                    incident_kind=incident.kind,
                    incident_id=incident.incident_id,
                    label=incident.label,
                )
                for incident in row.incidents
            ],
            more_visible=row.more_visible,
            hidden=row.hidden,
        )
        for row in queries.related_for_incident(user, kind, incident_id, for_registry=for_registry)
    ]


@router.get(
    "/leads/{int:lead_id}/related",
    response={200: list[RelatedPersonOut], **DETAIL_ERRORS},
    summary="线索人员的其他记录",
)
def lead_related(request: HttpRequest, lead_id: int) -> list[RelatedPersonOut]:
    """Whoever may open the lead (`leads.access`); others 404."""
    user: User = request.auth  # type: ignore[attr-defined]
    lead = lead_access.get_lead_for_user(user, lead_id)
    return _related(user, IncidentKind.LEAD, lead.pk)


@router.get(
    "/cases/{int:case_id}/related",
    response={200: list[RelatedPersonOut], **DETAIL_ERRORS},
    summary="案件人员的其他记录",
)
def case_related(request: HttpRequest, case_id: int) -> list[RelatedPersonOut]:
    user: User = request.auth  # type: ignore[attr-defined]
    _require(user, case_access.CASE_ROLES, "您没有查看治安案件的权限")
    case = case_access.get_case_for_user(user, case_id)
    return _related(user, IncidentKind.CASE, case.pk)


@router.get(
    "/tips/{int:tip_id}/related",
    response={200: list[RelatedPersonOut], **DETAIL_ERRORS},
    summary="举报人员的其他记录",
)
def tip_related(request: HttpRequest, tip_id: int) -> list[RelatedPersonOut]:
    user: User = request.auth  # type: ignore[attr-defined]
    _require(user, tip_access.INTAKE_ROLES, "您没有查看群众举报的权限")
    tip = tip_access.get_tip_for_user(user, tip_id)
    return _related(user, IncidentKind.TIP, tip.pk)


# ---------------------------------------------------------------------------------------------
# 关系图: the nodes and links the page's script draws (`chart.chart_for` → `Chart.as_data`)


class ChartCategoryOut(Schema):
    key: str
    name: str


class ChartNodeOut(Schema):
    id: str = Field(description="节点名，如 person-12、case-3、phone-1（不含号码）")
    name: str
    detail: str
    category: str = Field(description="categories 中的 key")
    url: str = Field(description="页面地址")
    seed: bool = Field(description="起点")
    degree: int


class ChartLinkOut(Schema):
    source: str
    target: str
    label: str
    category: str


class ChartOut(Schema):
    categories: list[ChartCategoryOut]
    nodes: list[ChartNodeOut]
    links: list[ChartLinkOut]
    notes: list[str] = Field(description="页面在图下的说明（截断、未画出的共用号码、正在更新）")
    found: int
    limit: int
    is_cut: bool


class ChartWindowQuery(Schema):
    date_from: PeriodDay | None = Field(None, description="起始日期（含）")
    date_to: PeriodDay | None = Field(None, description="截止日期（含）")


def _chart(
    user: User,
    window: ChartWindowQuery,
    *,
    person: int | None = None,
    incidents: list[tuple[str, int]] | None = None,
) -> ChartOut:
    """The page's window form checks the dates (a 400 naming the field), then the page's chart."""
    form = ChartWindowForm(
        {
            "from": window.date_from.isoformat() if window.date_from else "",
            "to": window.date_to.isoformat() if window.date_to else "",
        }
    )
    if not form.is_valid():
        field, messages = next(iter(form.errors.items()))
        raise ServiceError(str(messages[0]), field={"from": "date_from"}.get(field, "date_to"))
    chart = link_chart.chart_for(
        user,
        person=person,
        incidents=incidents,
        start=form.cleaned_data.get("from"),
        end=form.cleaned_data.get("to"),
    )
    return ChartOut.model_validate(
        {
            **chart.as_data(),
            "notes": chart.notes,
            "found": chart.found,
            "limit": chart.limit,
            "is_cut": chart.is_cut,
        }
    )


@router.get(
    "/persons/{int:person_id}/chart",
    response={200: ChartOut, **DETAIL_ERRORS},
    summary="人员的关系图",
)
def person_chart(request: HttpRequest, person_id: int, window: Query[ChartWindowQuery]) -> ChartOut:
    """Audited as an opening of the person (`record_person_viewed`, via chart), as the page."""
    user: User = request.auth  # type: ignore[attr-defined]
    _require_registry(user)
    person = access.get_person_for_user(user, person_id)
    services.record_person_viewed(
        actor=user, person=person, ip_address=client_ip(request), via="chart"
    )
    return _chart(user, window, person=person.pk)


@router.get(
    "/leads/{int:lead_id}/chart", response={200: ChartOut, **DETAIL_ERRORS}, summary="线索的关系图"
)
def lead_chart(request: HttpRequest, lead_id: int, window: Query[ChartWindowQuery]) -> ChartOut:
    user: User = request.auth  # type: ignore[attr-defined]
    _require_registry(user)
    lead = lead_access.get_lead_for_user(user, lead_id)
    return _chart(user, window, incidents=[(IncidentKind.LEAD, lead.pk)])


@router.get(
    "/cases/{int:case_id}/chart", response={200: ChartOut, **DETAIL_ERRORS}, summary="案件的关系图"
)
def case_chart(request: HttpRequest, case_id: int, window: Query[ChartWindowQuery]) -> ChartOut:
    user: User = request.auth  # type: ignore[attr-defined]
    _require_registry(user)
    case = case_access.get_case_for_user(user, case_id)
    return _chart(user, window, incidents=[(IncidentKind.CASE, case.pk)])


@router.get(
    "/flags/{int:prompt_id}/chart",
    response={200: ChartOut, **DETAIL_ERRORS},
    summary="研判提示的关系图",
)
def prompt_chart(request: HttpRequest, prompt_id: int, window: Query[ChartWindowQuery]) -> ChartOut:
    """The prompt's incidents are the seeds (a prompt is seen only by whom every one is)."""
    user: User = request.auth  # type: ignore[attr-defined]
    _require_registry(user)
    prompt = access.get_prompt_for_user(user, prompt_id)
    incidents = list(prompt.incidents.values_list("incident_kind", "incident_id"))
    return _chart(user, window, incidents=incidents)


# ---------------------------------------------------------------------------------------------
# The office's corrections (decision 0030): undo, 疑似同一人, the exclusion list, shared mobiles


class UndoneOut(Schema):
    person_id: int | None = Field(description="撤销后记录所属的人员（页面随后打开的人员页）")


@router.post(
    "/merges/{int:merge_id}/undo",
    response={200: UndoneOut, **DETAIL_ERRORS},
    summary="撤销合并",
)
def undo_merge(request: HttpRequest, merge_id: int) -> UndoneOut:
    """The office; a merge of persons the account may not see is 404 (`get_merge_rule_for_user`)."""
    user: User = request.auth  # type: ignore[attr-defined]
    _require(user, OFFICE_ROLES, "只有扫黑办工作人员或领导小组组长、副组长可以撤销合并")
    rule = access.get_merge_rule_for_user(user, merge_id)
    services.undo_merge(actor=user, rule=rule)
    return UndoneOut(person_id=services.merged_person(rule).pk)


@router.post(
    "/splits/{int:split_id}/undo",
    response={200: UndoneOut, **DETAIL_ERRORS},
    summary="撤销拆分",
)
def undo_split(request: HttpRequest, split_id: int) -> UndoneOut:
    user: User = request.auth  # type: ignore[attr-defined]
    _require(user, OFFICE_ROLES, "只有扫黑办工作人员或领导小组组长、副组长可以撤销拆分")
    rule = access.get_split_rule_for_user(user, split_id)
    person = services.undo_split(actor=user, rule=rule)
    return UndoneOut(person_id=person.pk if person else None)


class SamePersonOut(Schema):
    id: int
    name: str
    village: str
    created_at: datetime
    first: RegistryPersonSummaryOut
    second: RegistryPersonSummaryOut


class SamePersonPageOut(Schema):
    items: list[SamePersonOut]
    next_cursor: str


class AfterQuery(Schema):
    after: str = Field("", description="上一页的 next_cursor")


def _person_summary(row: queries.PersonRow) -> RegistryPersonSummaryOut:
    return RegistryPersonSummaryOut(
        id=row.person.pk,
        name=row.name,
        village_id=row.village.pk if row.village else None,
        village=row.village.name if row.village else "",
        appearances=row.appearances,
        last_seen=row.last_seen,
    )


def _require_office(user: User) -> None:
    _require(user, OFFICE_ROLES, "只有扫黑办工作人员或领导小组组长、副组长可以进行人员库更正")


@router.get(
    "/same-person",
    response={200: SamePersonPageOut, **DETAIL_ERRORS},
    summary="疑似同一人",
)
def list_same_person(request: HttpRequest, filters: Query[AfterQuery]) -> SamePersonPageOut:
    """Open suggestions in the villages of the account's office towns whose two persons it may
    both see (`queries.same_person_pairs`), newest first, 50 suggestions a page (a page may
    show fewer: those with a person out of sight are left out)."""
    user: User = request.auth  # type: ignore[attr-defined]
    _require_office(user)
    page = keyset_page(
        queries.open_same_person_suggestions(user),
        field="created_at",
        parse=datetime.fromisoformat,
        after=filters.after,
    )
    return SamePersonPageOut(
        items=[
            SamePersonOut(
                id=suggestion.pk,
                name=suggestion.name,
                village=suggestion.village.name if suggestion.village else "",
                created_at=suggestion.created_at,
                first=_person_summary(first),
                second=_person_summary(second),
            )
            for suggestion, first, second in queries.same_person_pairs(user, page.rows)
        ],
        next_cursor=page.next_cursor,
    )


class OptionalReasonIn(Schema):
    reason: str = Field("", description="理由（可不填）")


class ReasonIn(Schema):
    reason: str


def _reason(form_class: type[StyledForm], payload: Schema) -> str:
    """The page's reason form (required or not, its length): a 400 naming `reason`."""
    form = form_class(data=payload.dict())
    if not form.is_valid():
        field, messages = next(iter(form.errors.items()))
        raise ServiceError(str(messages[0]), field=field)
    return str(form.cleaned_data["reason"])


@router.post(
    "/same-person/{int:suggestion_id}/confirm",
    response={200: RegistryPersonOut, **DETAIL_ERRORS},
    summary="确认为同一人（合并）",
)
def confirm_same_person(
    request: HttpRequest, suggestion_id: int, payload: OptionalReasonIn
) -> RegistryPersonOut:
    """Merges the two (`confirm_same_person`); answers the merged person, audited as opened."""
    user: User = request.auth  # type: ignore[attr-defined]
    _require_office(user)
    suggestion = access.get_suggestion_for_user(user, suggestion_id)
    reason = _reason(OptionalReasonForm, payload)
    merged = services.confirm_same_person(actor=user, suggestion=suggestion, reason=reason)
    return _person_out(request, user, merged)


class SamePersonDecisionOut(Schema):
    id: int
    status: Annotated[str, Shown(SamePersonSuggestion, "status")]
    reason: str


@router.post(
    "/same-person/{int:suggestion_id}/reject",
    response={200: SamePersonDecisionOut, **DETAIL_ERRORS},
    summary="否定：不是同一人",
)
def reject_same_person(
    request: HttpRequest, suggestion_id: int, payload: ReasonIn
) -> SamePersonDecisionOut:
    """`reject_same_person`: the two stay apart and the pair is not suggested again."""
    user: User = request.auth  # type: ignore[attr-defined]
    _require_office(user)
    suggestion = access.get_suggestion_for_user(user, suggestion_id)
    reason = _reason(ReasonForm, payload)
    services.reject_same_person(actor=user, suggestion=suggestion, reason=reason)
    suggestion.refresh_from_db()
    return SamePersonDecisionOut(
        id=suggestion.pk, status=suggestion.status, reason=suggestion.reason
    )


class ExclusionOut(Schema):
    id: int
    kind: Annotated[str, Shown(IdentifierExclusion, "kind")]
    masked: str = Field(description="脱敏号码")
    reason: str
    created_by: str
    created_at: datetime


class ExclusionPageOut(Schema):
    items: list[ExclusionOut]
    next_cursor: str


def _exclusion(exclusion: IdentifierExclusion) -> ExclusionOut:
    return ExclusionOut(
        id=exclusion.pk,
        kind=exclusion.kind,
        masked=exclusion.masked,
        reason=exclusion.reason,
        created_by=exclusion.created_by.real_name,
        created_at=exclusion.created_at,
    )


@router.get("/exclusions", response={200: ExclusionPageOut, **DETAIL_ERRORS}, summary="排除清单")
def list_exclusions(request: HttpRequest, filters: Query[AfterQuery]) -> ExclusionPageOut:
    """The deployment's list, kept by any town's office (decision 0030), newest first."""
    user: User = request.auth  # type: ignore[attr-defined]
    _require_office(user)
    page = keyset_page(
        queries.exclusion_list(),
        field="created_at",
        parse=datetime.fromisoformat,
        after=filters.after,
    )
    return ExclusionPageOut(
        items=[_exclusion(row) for row in page.rows], next_cursor=page.next_cursor
    )


class ExclusionIn(Schema):
    mobile: str = Field(description="手机号（以1开头的11位数字）")
    reason: str


@router.post(
    "/exclusions",
    response={201: ExclusionOut, **DETAIL_ERRORS},
    summary="列入排除清单",
)
def add_exclusion(request: HttpRequest, payload: ExclusionIn) -> Status[ExclusionOut]:
    """The page's form (a 400 naming `mobile` or `reason`), then `exclude_mobile`."""
    user: User = request.auth  # type: ignore[attr-defined]
    _require_office(user)
    form = ExclusionForm(data=payload.dict())
    if not form.is_valid():
        field, messages = next(iter(form.errors.items()))
        raise ServiceError(str(messages[0]), field=field)
    created = services.exclude_mobile(
        actor=user, mobile=form.cleaned_data["mobile"], reason=form.cleaned_data["reason"]
    )
    return Status(201, _exclusion(created))


@router.post(
    "/exclusions/{int:exclusion_id}/remove",
    response={200: ExclusionOut, **DETAIL_ERRORS},
    summary="移出排除清单",
)
def remove_exclusion(request: HttpRequest, exclusion_id: int) -> ExclusionOut:
    """Answers the entry as it was; the mobile links people again."""
    user: User = request.auth  # type: ignore[attr-defined]
    _require_office(user)
    exclusion = access.get_exclusion_for_user(user, exclusion_id)
    removed = _exclusion(exclusion)
    services.remove_exclusion(actor=user, exclusion=exclusion)
    return removed


class SharedMobileOut(Schema):
    id: int
    masked: str = Field(description="脱敏手机号")
    distinct_names: int = Field(description="登记在该号码下的不同姓名数")
    seen: int = Field(description="本账号可查看的记录中出现的次数")
    is_excluded: bool


@router.get(
    "/shared",
    response={200: list[SharedMobileOut], **DETAIL_ERRORS},
    summary="多人共用的手机号",
)
def list_shared(request: HttpRequest) -> list[SharedMobileOut]:
    """Over-shared mobiles given in records the account may see, as the page lists them (the
    500 shared by the most names, `queries.shared_mobiles_seen`): one answer, no pages."""
    user: User = request.auth  # type: ignore[attr-defined]
    _require_office(user)
    return [
        SharedMobileOut(
            id=shared.pk,
            masked=shared.masked,
            distinct_names=shared.distinct_names,
            seen=seen,
            is_excluded=excluded,
        )
        for shared, seen, excluded in queries.shared_mobiles_seen(user)
    ]


@router.post(
    "/shared/{int:shared_id}/exclude",
    response={201: ExclusionOut, **DETAIL_ERRORS},
    summary="将共用手机号列入排除清单",
)
def exclude_shared(request: HttpRequest, shared_id: int, payload: ReasonIn) -> Status[ExclusionOut]:
    user: User = request.auth  # type: ignore[attr-defined]
    _require_office(user)
    shared = access.get_shared_for_user(user, shared_id)
    reason = _reason(ReasonForm, payload)
    created = services.exclude_mobile(actor=user, shared=shared, reason=reason)
    return Status(201, _exclusion(created))


# ---------------------------------------------------------------------------------------------
# 村"两委"候选人资格联审 (decision 0033): the 组长/副组长 and the office of the run's town


class VettingRunOut(Schema):
    id: int
    unit_id: int
    unit: str
    file_name: str
    uploaded_by: str
    uploaded_at: datetime
    candidate_count: int
    review_count: int
    covers_officials_leads: bool = Field(
        description="由组长、副组长联审，涉及公职人员的线索参与了比对"
    )


class VettingRunPageOut(Schema):
    items: list[VettingRunOut]
    next_cursor: str


class VettingFindingOut(Schema):
    kind: Literal["case", "lead", "prompt", "namesake"] = Field(
        description="原因类别（FindingKind）：治安案件、线索、研判提示、同名"
    )
    record: str = Field(description="case、lead 或 prompt")
    record_id: int
    number: str
    text: str
    on: date_type | None


class VettingCandidateOut(Schema):
    row_number: int
    village_id: int
    village: str
    name: str
    id_number_masked: str
    position: str
    result: Annotated[str, Shown(VettingCandidate, "result")]
    result_label: str
    findings: list[VettingFindingOut] = Field(description="本账号可查看的记录上的原因")
    hidden: int = Field(description="无权查看的记录上的原因数")


class VettingSheetOut(VettingRunOut):
    candidates: list[VettingCandidateOut]


def _require_vetting(user: User) -> None:
    """The page's gate: a vetting role, and a town to vet (else 403)."""
    _require(user, access.VETTING_ROLES, "您没有候选人资格联审的权限")
    if not access.vetting_towns(user).exists():
        raise ActionNotAllowed("您没有可联审的镇（街道）")


def _run(run: VettingRun) -> VettingRunOut:
    return VettingRunOut(
        id=run.pk,
        unit_id=run.unit_id,
        unit=run.unit.name,
        file_name=run.file_name,
        uploaded_by=run.uploaded_by.real_name,
        uploaded_at=run.uploaded_at,
        candidate_count=run.candidate_count,
        review_count=run.review_count,
        covers_officials_leads=run.covers_officials_leads,
    )


@router.get(
    "/vetting", response={200: VettingRunPageOut, **DETAIL_ERRORS}, summary="候选人资格联审记录"
)
def list_vetting_runs(request: HttpRequest, filters: Query[AfterQuery]) -> VettingRunPageOut:
    """The runs of the account's towns (`visible_vetting_runs`), newest first, 50 a page."""
    user: User = request.auth  # type: ignore[attr-defined]
    _require_vetting(user)
    page = keyset_page(
        access.visible_vetting_runs(user).select_related("unit", "uploaded_by"),
        field="uploaded_at",
        parse=datetime.fromisoformat,
        after=filters.after,
    )
    return VettingRunPageOut(items=[_run(run) for run in page.rows], next_cursor=page.next_cursor)


def _sheet_out(user: User, run: VettingRun) -> VettingSheetOut:
    return VettingSheetOut(
        **_run(run).model_dump(),
        candidates=[
            VettingCandidateOut(
                row_number=row.candidate.row_number,
                village_id=row.candidate.village_id,
                village=row.candidate.village.name,
                name=row.candidate.name,
                id_number_masked=row.candidate.id_number_masked,
                position=row.candidate.position,
                result=row.candidate.result,
                result_label=row.candidate.get_result_display(),
                findings=[
                    VettingFindingOut(
                        kind=finding.kind,  # type: ignore[arg-type]
                        record=finding.record,
                        record_id=finding.record_id,
                        number=finding.number,
                        text=finding.text,
                        on=finding.on,
                    )
                    for finding in row.findings
                ],
                hidden=row.hidden,
            )
            for row in vetting_sheet.sheet(user, run)
        ],
    )


class VettingIn(Schema):
    unit_id: int = Field(description="联审的镇（街道）")


# A refused list's rows are named in `fields.file`, at most this many (as the page lists them).
VETTING_ERRORS_SHOWN = 500


@router.post(
    "/vetting",
    response={201: VettingSheetOut, 413: ErrorResponse, **DETAIL_ERRORS},
    summary="上传候选人名单进行联审",
)
def run_vetting(
    request: HttpRequest, payload: Form[VettingIn], file: File[UploadedFile]
) -> Status[Any]:
    """multipart/form-data: `unit_id` (a town the account vets, else 403) and `file` (.xlsx or
    CSV: 村、姓名、身份证号、拟任职务). Any bad row refuses the whole list: a 400 whose
    `fields.file` names each row, nothing stored. Answers the sheet as `GET …/{run_id}`."""
    user: User = request.auth  # type: ignore[attr-defined]
    _require_vetting(user)
    town = access.vetting_towns(user).filter(pk=payload.unit_id).first()
    if town is None:
        raise ActionNotAllowed("您不能为该镇（街道）联审", field="unit_id")
    problem = text_problem(file.name or "", multiline=False)
    if problem:
        raise ServiceError(f"文件名{problem}", field="file")
    try:
        run = services.run_vetting(actor=user, unit=town, file=file, ip_address=client_ip(request))
    except services.CandidateListRefused as refused:
        # Every refused row is named, as the page lists them: a ServiceError carries one message.
        rows = [
            f"第{error.row}行 {error.column}：{error.message}"
            for error in refused.errors[:VETTING_ERRORS_SHOWN]
        ]
        body = ErrorBody(
            code="invalid", message=refused.message, fields={"file": [refused.message, *rows]}
        )
        return Status(400, ErrorResponse(error=body))
    return Status(201, _sheet_out(user, access.get_vetting_run_for_user(user, run.pk)))


@router.get(
    "/vetting/{int:run_id}",
    response={200: VettingSheetOut, **DETAIL_ERRORS},
    summary="候选人资格联审表",
)
def get_vetting_run(request: HttpRequest, run_id: int) -> VettingSheetOut:
    """A run of another town is 404; each reason only if its record is in sight now."""
    user: User = request.auth  # type: ignore[attr-defined]
    _require(user, access.VETTING_ROLES, "您没有候选人资格联审的权限")
    return _sheet_out(user, access.get_vetting_run_for_user(user, run_id))


@router.get(
    "/vetting/{int:run_id}/export.xlsx",
    response=DETAIL_ERRORS,
    summary="导出候选人资格联审表",
    openapi_extra=binary_200(XLSX_TYPE, "候选人资格联审表（身份证号脱敏）"),
)
def export_vetting_run(request: HttpRequest, run_id: int) -> FileResponse:
    """The page's ledger, audited as the page's (`record_vetting_export`)."""
    user: User = request.auth  # type: ignore[attr-defined]
    _require(user, access.VETTING_ROLES, "您没有导出联审表的权限")
    run = access.get_vetting_run_for_user(user, run_id)
    rows = vetting_sheet.sheet(user, run)
    ip_address = client_ip(request)

    def write(target: IO[bytes]) -> None:
        count = vetting_sheet.write_sheet(target, user=user, run=run, rows=rows)
        services.record_vetting_export(actor=user, run=run, count=count, ip_address=ip_address)

    return streamed_download(write, filename=stamped_name("候选人资格联审表"))


# ---------------------------------------------------------------------------------------------
# 研判设置: read by the office, changed by an office over every town (`can_change_settings`)


class AnalysisSettingsIn(Schema):
    window_days: int
    min_members: int
    min_incidents: int
    min_criminal: int
    min_recurring_members: int
    group_min_criminal: int
    heijie_min_members: int
    heijie_note_members: int
    identifier_share_cap: int
    common_names: str = Field("", description="常见姓名，每行一个或以顿号分隔")


class AnalysisSettingsOut(AnalysisSettingsIn):
    can_change: bool = Field(description="本账号可修改（管辖全部镇、街道的扫黑办、领导小组）")


def _settings_out(user: User) -> AnalysisSettingsOut:
    current = current_settings()
    return AnalysisSettingsOut(
        window_days=current.window_days,
        min_members=current.min_members,
        min_incidents=current.min_incidents,
        min_criminal=current.min_criminal,
        min_recurring_members=current.min_recurring_members,
        group_min_criminal=current.group_min_criminal,
        heijie_min_members=current.heijie_min_members,
        heijie_note_members=current.heijie_note_members,
        identifier_share_cap=current.identifier_share_cap,
        common_names=current.common_names,
        can_change=services.can_change_settings(user),
    )


@router.get("/settings", response={200: AnalysisSettingsOut, **DETAIL_ERRORS}, summary="研判设置")
def get_settings(request: HttpRequest) -> AnalysisSettingsOut:
    user: User = request.auth  # type: ignore[attr-defined]
    _require(user, OFFICE_ROLES, "您没有查看研判设置的权限")
    return _settings_out(user)


@router.put(
    "/settings", response={200: AnalysisSettingsOut, **DETAIL_ERRORS}, summary="修改研判设置"
)
def update_settings(request: HttpRequest, payload: AnalysisSettingsIn) -> AnalysisSettingsOut:
    """One set for every town: an office whose scope does not cover every town is 403 whatever
    it sends; the page's bounds (a 400 naming the field); everything is then recomputed."""
    user: User = request.auth  # type: ignore[attr-defined]
    _require(user, OFFICE_ROLES, "您没有修改研判设置的权限")
    if not services.can_change_settings(user):
        raise ActionNotAllowed(services.SETTINGS_FOR_EVERY_TOWN)
    form = SettingsForm(data=payload.dict())
    if not form.is_valid():
        field, messages = next(iter(form.errors.items()))
        raise ServiceError(str(messages[0]), field=field)
    services.update_settings(actor=user, data=form.settings_input())
    return _settings_out(user)


# ---------------------------------------------------------------------------------------------
# 重点人员 and 同案人员 (decision 0031): the office and police, the towns whose cases they see


class PersonListQuery(Schema):
    date_from: HistoryDay | None = Field(None, description="起始日期；不填为三年前的今天")
    date_to: HistoryDay | None = Field(None, description="截止日期；不填为今天")
    town_id: int | None = Field(None, description="镇（街道）")
    village_id: int | None = Field(None, description="村")
    nature: Annotated[str, OneOf(Case, "nature", also=("",))] = Field(
        "", description="刑事或治安；不填为两者"
    )
    offence: str = Field("", description="案由中含有此词")
    after: str = Field("", description="上一页的 next_cursor")


class CoOffenderQuery(PersonListQuery):
    min_together: int | None = Field(None, description="共同作案至少（次），2—50；不填为页面默认")


def _list_form(
    user: User, form_class: type[KeyPersonFilterForm], query: PersonListQuery
) -> KeyPersonFilterForm:
    """The page's filter form with its defaults (the last three years), so the checks, the
    scope of town and village and the ledger's title are the page's; a 400 names the field."""
    values = {
        "date_from": query.date_from.isoformat() if query.date_from else "",
        "date_to": query.date_to.isoformat() if query.date_to else "",
        "town": str(query.town_id or ""),
        "village": str(query.village_id or ""),
        "nature": query.nature,
        "offence": query.offence,
        "min_together": str(getattr(query, "min_together", None) or ""),
    }
    data = QueryDict(mutable=True)
    data.update(values)
    form = form_class(with_defaults(data), user=user)
    if not form.is_valid():
        field, messages = next(iter(form.errors.items()))
        named = {"town": "town_id", "village": "village_id"}.get(field, field)
        raise ServiceError(str(messages[0]), field=named)
    return form


def _require_lists(user: User) -> None:
    _require(user, access.REGISTRY_ROLES, "您没有查看研判名单的权限")


class ListedPersonOut(Schema):
    person_id: int
    name: str
    village: str
    id_number_masked: str


def _listed(person: PersonShown) -> ListedPersonOut:
    return ListedPersonOut(
        person_id=person.person_id,
        name=person.name,
        village=person.village,
        id_number_masked=person.id_number_masked,
    )


class KeyPersonOut(Schema):
    person: ListedPersonOut
    incidents: int = Field(description="作案次数")
    criminal: int = Field(description="其中刑事")
    as_ringleader: int = Field(description="任纠集者/组织者")
    first_on: date_type
    last_on: date_type


class KeyPersonPageOut(Schema):
    items: list[KeyPersonOut]
    next_cursor: str


@router.get("/key-persons", response={200: KeyPersonPageOut, **DETAIL_ERRORS}, summary="重点人员")
def key_persons(request: HttpRequest, filters: Query[PersonListQuery]) -> KeyPersonPageOut:
    """Persons ranked by incidents as perpetrator (`lists.rank_key_persons`), 50 a page."""
    user: User = request.auth  # type: ignore[attr-defined]
    _require_lists(user)
    form = _list_form(user, KeyPersonFilterForm, filters)
    page = lists.rank_key_persons(user, form.filters(), after=filters.after)
    return KeyPersonPageOut(
        items=[
            KeyPersonOut(
                person=_listed(row.person),
                incidents=row.incidents,
                criminal=row.criminal,
                as_ringleader=row.as_ringleader,
                first_on=row.first_on,
                last_on=row.last_on,
            )
            for row in page.rows
        ],
        next_cursor=page.next_cursor,
    )


class CoIncidentOut(Schema):
    incident_kind: Annotated[str, Shown(Appearance, "incident_kind")]
    incident_id: int
    occurred_on: date_type
    label: str
    is_criminal: bool


class PairOut(Schema):
    first: ListedPersonOut
    second: ListedPersonOut
    together: int = Field(description="共同作案次数")
    criminal: int
    first_on: date_type
    last_on: date_type
    incidents: list[CoIncidentOut]


class CoOffenderGroupOut(Schema):
    members: list[ListedPersonOut]
    incidents: int
    criminal: int
    first_on: date_type
    last_on: date_type


class CoOffendersOut(Schema):
    pairs: list[PairOut]
    groups: list[CoOffenderGroupOut] = Field(description="全部同案人员组成的关联团伙（不分页）")
    total_pairs: int
    next_cursor: str


@router.get("/co-offenders", response={200: CoOffendersOut, **DETAIL_ERRORS}, summary="同案人员")
def co_offenders(request: HttpRequest, filters: Query[CoOffenderQuery]) -> CoOffendersOut:
    """Pairs perpetrators together at least `min_together` times (`lists.find_co_offenders`),
    50 pairs a page, and the groups all the pairs form."""
    user: User = request.auth  # type: ignore[attr-defined]
    _require_lists(user)
    form = _list_form(user, CoOffenderFilterForm, filters)
    found = lists.find_co_offenders(user, form.filters(), after=filters.after)
    return CoOffendersOut(
        pairs=[
            PairOut(
                first=_listed(pair.first),
                second=_listed(pair.second),
                together=pair.together,
                criminal=pair.criminal,
                first_on=pair.first_on,
                last_on=pair.last_on,
                incidents=[
                    CoIncidentOut(
                        incident_kind=incident.kind,
                        incident_id=incident.incident_id,
                        occurred_on=incident.occurred_on,
                        label=incident.label,
                        is_criminal=incident.is_criminal,
                    )
                    for incident in pair.incidents
                ],
            )
            for pair in found.pairs
        ],
        groups=[
            CoOffenderGroupOut(
                members=[_listed(person) for person in group.members],
                incidents=group.incidents,
                criminal=group.criminal,
                first_on=group.first_on,
                last_on=group.last_on,
            )
            for group in found.groups
        ],
        total_pairs=found.total_pairs,
        next_cursor=found.next_cursor,
    )


def _list_export(
    request: HttpRequest,
    form_class: type[KeyPersonFilterForm],
    query: PersonListQuery,
    person_list: services.PersonList,
    filename: str,
    write: Callable[[User, lists.ListFilters, str, IO[bytes]], int],
) -> FileResponse:
    """The page's ledger with the page's title, audited as the page's (`record_list_export`)."""
    user: User = request.auth  # type: ignore[attr-defined]
    _require(user, access.REGISTRY_ROLES, "您没有导出研判名单的权限")
    form = _list_form(user, form_class, query)
    filters = form.filters()
    described = describe_filters(form)
    ip_address = client_ip(request)

    def write_and_audit(output: IO[bytes]) -> None:
        rows = write(user, filters, described, output)
        services.record_list_export(
            actor=user,
            person_list=person_list,
            rows=rows,
            filters=filters.as_details(),
            ip_address=ip_address,
        )

    return streamed_download(write_and_audit, filename=stamped_name(filename))


@router.get(
    "/key-persons/export.xlsx",
    response=DETAIL_ERRORS,
    summary="导出重点人员",
    openapi_extra=binary_200(XLSX_TYPE, "重点人员（身份证号脱敏）"),
)
def export_key_persons(request: HttpRequest, filters: Query[PersonListQuery]) -> FileResponse:
    return _list_export(
        request,
        KeyPersonFilterForm,
        filters,
        services.PersonList.KEY_PERSONS,
        "重点人员",
        list_exports.export_key_persons,
    )


@router.get(
    "/co-offenders/export.xlsx",
    response=DETAIL_ERRORS,
    summary="导出同案人员",
    openapi_extra=binary_200(XLSX_TYPE, "同案人员与关联团伙（身份证号脱敏）"),
)
def export_co_offenders(request: HttpRequest, filters: Query[CoOffenderQuery]) -> FileResponse:
    return _list_export(
        request,
        CoOffenderFilterForm,
        filters,
        services.PersonList.CO_OFFENDERS,
        "同案人员",
        list_exports.export_co_offenders,
    )
