"""/api/v1/analysis — 研判. Extraction answers any valid token: it reads nothing stored and
stores nothing; the token's use is audited as every call is (`services.authenticate_token`),
never the text, which may name people."""

from datetime import date as date_type
from datetime import datetime
from typing import Annotated, Any

from django.db.models import prefetch_related_objects
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from pydantic import StrictStr

from saohei.analysis import queries
from saohei.analysis.extraction import extract
from saohei.analysis.models import Prompt, PromptIncident
from saohei.analysis.services import record_prompt_identifiers_revealed
from saohei.api.schemas import ErrorResponse, OneOf, Shown
from saohei.common.http import client_ip
from saohei.common.paging import keyset_page
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
    after: str = ""


@router.get("/flags", response={200: FlagPageOut, **ERRORS}, summary="研判提示列表")
def list_flags(request: HttpRequest, filters: Query[FlagListQuery]) -> FlagPageOut:
    """The current prompts the account may see (all of whose incidents it may see), most
    recently updated first, 50 a page. Prompts only: the 研判会 decides."""
    user: User = request.auth  # type: ignore[attr-defined]
    prompts = queries.filter_prompts(
        user, queries.PromptFilters(level=filters.level, status=filters.status)
    ).select_related("unit")
    page = keyset_page(
        prompts, field="updated_at", parse=datetime.fromisoformat, after=filters.after
    )
    prefetch_related_objects(page.rows, "members__person", "incidents")
    items = []
    for prompt in page.rows:
        members = list(prompt.members.all())
        full = queries.may_see_full_id_numbers(user, prompt)
        id_numbers = queries.member_id_numbers({m.person_id for m in members}, full=full)
        if full and id_numbers:
            record_prompt_identifiers_revealed(
                actor=user, prompt=prompt, persons=len(id_numbers), ip_address=client_ip(request)
            )
        items.append(
            FlagOut(
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
        )
    return FlagPageOut(items=items, next=page.next_cursor or None)
