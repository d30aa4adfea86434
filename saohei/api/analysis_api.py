"""/api/v1/analysis — 研判. Extraction answers any valid token: it reads nothing stored and
stores nothing; the token's use is audited as every call is (`services.authenticate_token`),
never the text, which may name people."""

from datetime import date as date_type
from datetime import datetime
from typing import Annotated, Any

from django.db.models import QuerySet, prefetch_related_objects
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema
from pydantic import StrictStr

from saohei.analysis import access, queries, services
from saohei.analysis.extraction import extract
from saohei.analysis.models import (
    Appearance,
    MergeRule,
    Person,
    Prompt,
    PromptIncident,
    PromptStatus,
    SplitRule,
)
from saohei.analysis.services import record_prompt_identifiers_revealed
from saohei.api.ids import one_of
from saohei.api.schemas import ErrorResponse, OneOf, Shown
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.common.http import client_ip
from saohei.common.paging import keyset_page
from saohei.meetings.access import visible_meetings
from saohei.meetings.models import Meeting, MeetingKind
from saohei.organisations.access import content_units
from saohei.organisations.models import User

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
