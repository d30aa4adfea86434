"""/api/v1/tips — 群众网络举报, the office's intake queue, with the pages' access rules
(`tips.access`: the town's office; a tip concerning officials the leaders only) and services.

The reporter's identity is never in an answer: it lives in the vault, which has no API here;
a tip's vault reference and receipt digest are left out too, since either leads to it. A tip the
account may not handle is 404, a role outside intake 403, a refused input 400.
"""

from datetime import datetime
from typing import Annotated

from django.http import FileResponse, Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status

from saohei.api.downloads import ANY_FILE, binary_200
from saohei.api.ids import one_of
from saohei.api.schemas import ErrorResponse, OneOf, Shown
from saohei.common.errors import ActionNotAllowed
from saohei.common.http import client_ip, stored_file_download
from saohei.common.search import MAX_QUERY_LENGTH
from saohei.leads.models import DictionaryEntry, DictionaryKind
from saohei.organisations.models import Unit, User
from saohei.tips import access, queries, services
from saohei.tips.models import Tip, TipAttachment, TipMessage, TipPerson, TipStatus

router = Router(tags=["群众举报"])

ERRORS = {
    400: ErrorResponse,
    401: ErrorResponse,
    403: ErrorResponse,
    404: ErrorResponse,
    422: ErrorResponse,
}


class TipSummaryOut(Schema):
    id: int
    unit_id: int
    status: Annotated[str, Shown(Tip, "status")]
    status_label: str
    submitted_at: datetime
    category: str
    village_id: int | None
    village: str
    content: str
    concerns_officials: bool = Field(description="涉及干部或公职人员：仅组长、副组长可见可办")
    lead_id: int | None
    awaits_office_reply: bool = Field(description="举报人在扫黑办最近一次留言后又有补充")


class TipStatusCountOut(Schema):
    status: Annotated[str, Shown(Tip, "status")]
    label: str
    count: str = Field(description="数量；很多时为“1000+”之类的上限")


class TipPageOut(Schema):
    items: list[TipSummaryOut]
    next_cursor: str
    counts: list[TipStatusCountOut]


class TipListQuery(Schema):
    status: Annotated[str, OneOf(Tip, "status")] = TipStatus.PENDING
    q: str = Field("", max_length=MAX_QUERY_LENGTH, description="主要问题、地点、被举报人")
    after: str = ""


class TipPersonOut(Schema):
    id: int
    name: str
    alias: str
    village_id: int | None
    village: str
    role: Annotated[str, Shown(TipPerson, "role")]
    role_label: str
    position: str
    description: str


class TipAttachmentOut(Schema):
    id: int
    name: str = Field(description="附件编号名；举报人的原文件名不保存")
    content_type: str
    size: int
    sha256: str


class TipMessageOut(Schema):
    id: int
    direction: Annotated[str, Shown(TipMessage, "direction")]
    direction_label: str
    body: str
    author: str = Field(description="扫黑办留言的留言人；举报人补充为空")
    created_at: datetime
    attachments: list[TipAttachmentOut]


class TipDetailOut(TipSummaryOut):
    occurred_when: str
    place: str
    victims: str
    witnesses: str
    involves_official: bool = Field(description="举报人认为涉及公职人员（保护伞）")
    is_real_name: bool = Field(description="实名举报（身份只在保管库，本接口不提供）")
    decided_by: str
    decided_at: datetime | None
    spam_reason: str
    last_reporter_message_at: datetime | None
    last_office_message_at: datetime | None
    persons: list[TipPersonOut]
    attachments: list[TipAttachmentOut]
    conversation: list[TipMessageOut]


class TipAcceptIn(Schema):
    summary: str = Field("", max_length=500, description="登记为线索时的简要内容；空则取主要问题")
    target_category_id: int | None = None
    village_id: int | None = None


class TipSpamIn(Schema):
    reason: str = Field(max_length=200)


class TipMessageIn(Schema):
    body: str = Field(
        max_length=2000,
        description="举报人凭查询码可见；不要写入承办人姓名、被举报人信息或内部意见",
    )


class TipPersonIn(Schema):
    name: str = Field("", max_length=50)
    alias: str = Field("", max_length=50)
    village_id: int | None = None
    role: Annotated[str, OneOf(TipPerson, "role")] = Field(
        "reported", description="选村干部或公职人员后，该举报仅限组长、副组长处理"
    )


def _intake_user(request: HttpRequest) -> User:
    """The token's account, when it holds an intake role (as `role_required` on the pages)."""
    user: User = request.auth  # type: ignore[attr-defined]
    if not user.has_any_role(access.INTAKE_ROLES):
        raise ActionNotAllowed("只有扫黑办工作人员或领导小组组长、副组长可以处理群众举报")
    return user


def _attachment(row: TipAttachment) -> TipAttachmentOut:
    return TipAttachmentOut(
        id=row.pk,
        name=row.display_name,
        content_type=row.content_type,
        size=row.size,
        sha256=row.sha256,
    )


def _summary_fields(tip: Tip) -> dict[str, object]:
    return {
        "id": tip.pk,
        "unit_id": tip.unit_id,
        "status": tip.status,
        "status_label": tip.get_status_display(),
        "submitted_at": tip.submitted_at,
        "category": tip.category.name if tip.category else "",
        "village_id": tip.village_id,
        "village": tip.village.name if tip.village else "",
        "content": tip.content,
        "concerns_officials": tip.concerns_officials,
        "lead_id": tip.lead_id,
        "awaits_office_reply": tip.awaits_office_reply,
    }


def _detail(tip: Tip) -> TipDetailOut:
    return TipDetailOut(
        **_summary_fields(tip),  # type: ignore[arg-type]
        occurred_when=tip.occurred_when,
        place=tip.place,
        victims=tip.victims,
        witnesses=tip.witnesses,
        involves_official=tip.involves_official,
        is_real_name=tip.is_real_name,
        decided_by=tip.decided_by.real_name if tip.decided_by else "",
        decided_at=tip.decided_at,
        spam_reason=tip.spam_reason,
        last_reporter_message_at=tip.last_reporter_message_at,
        last_office_message_at=tip.last_office_message_at,
        persons=[
            TipPersonOut(
                id=person.pk,
                name=person.name,
                alias=person.alias,
                village_id=person.village_id,
                village=person.village.name if person.village else "",
                role=person.role,
                role_label=person.get_role_display(),
                position=person.position,
                description=person.description,
            )
            for person in tip.persons.select_related("village")
        ],
        attachments=[_attachment(row) for row in tip.attachments.filter(message__isnull=True)],
        conversation=[
            TipMessageOut(
                id=message.pk,
                direction=message.direction,
                direction_label=message.get_direction_display(),
                body=message.body,
                author=message.author.real_name if message.author else "",
                created_at=message.created_at,
                attachments=[_attachment(row) for row in message.attachments.all()],
            )
            for message in queries.list_conversation(tip)
        ],
    )


def _fresh(user: User, tip: Tip) -> TipDetailOut:
    """The tip as it is after an action, if the account may still handle it."""
    return _detail(access.get_tip_for_user(user, tip.pk))


@router.get("", response={200: TipPageOut, **ERRORS}, summary="群众举报受理列表")
def list_tips(request: HttpRequest, filters: Query[TipListQuery]) -> TipPageOut:
    """As the page `/tips/`: one status at a time (待受理 by default), newest first, 50 a page."""
    user = _intake_user(request)
    if not access.intake_towns(user):
        raise ActionNotAllowed("您没有负责受理群众举报的镇（街道）")
    page = queries.page_of_tips(
        queries.filter_tips(user, filters.status, filters.q), after=filters.after
    )
    counts = queries.count_by_status(user)
    return TipPageOut(
        items=[TipSummaryOut(**_summary_fields(tip)) for tip in page.rows],  # type: ignore[arg-type]
        next_cursor=page.next_cursor,
        counts=[
            TipStatusCountOut(status=value, label=label, count=counts[value])
            for value, label in TipStatus.choices
        ],
    )


@router.get("/{int:tip_id}", response={200: TipDetailOut, **ERRORS}, summary="群众举报详情")
def get_tip(request: HttpRequest, tip_id: int) -> TipDetailOut:
    """Every opening is audited, as the page's (`record_tip_viewed`)."""
    user = _intake_user(request)
    tip = access.get_tip_for_user(user, tip_id)
    services.record_tip_viewed(actor=user, tip=tip, ip_address=client_ip(request))
    return _detail(tip)


@router.post("/{int:tip_id}/accept", response={200: TipDetailOut, **ERRORS}, summary="受理")
def accept_tip(request: HttpRequest, tip_id: int, payload: TipAcceptIn) -> TipDetailOut:
    """Registers a lead with the named people as 被反映人 and the tip's files (`accept_tip`)."""
    user = _intake_user(request)
    tip = access.get_tip_for_user(user, tip_id)
    category = None
    if payload.target_category_id is not None:
        category = one_of(
            DictionaryEntry.objects.filter(kind=DictionaryKind.TARGET_CATEGORY, is_active=True),
            payload.target_category_id,
            field="target_category_id",
            refusal="请选择有效的线索类别",
        )
    village = None
    if payload.village_id is not None:
        village = one_of(
            Unit.objects.filter(parent=tip.unit).villages().active(),
            payload.village_id,
            field="village_id",
            refusal="所属村须为本镇的村（社区）",
        )
    services.accept_tip(
        actor=user, tip=tip, summary=payload.summary, target_category=category, village=village
    )
    return _fresh(user, tip)


@router.post("/{int:tip_id}/spam", response={200: TipDetailOut, **ERRORS}, summary="列为垃圾信息")
def mark_spam(request: HttpRequest, tip_id: int, payload: TipSpamIn) -> TipDetailOut:
    user = _intake_user(request)
    tip = access.get_tip_for_user(user, tip_id)
    services.mark_spam(actor=user, tip=tip, reason=payload.reason)
    return _fresh(user, tip)


@router.post(
    "/{int:tip_id}/restore", response={200: TipDetailOut, **ERRORS}, summary="从垃圾信息恢复"
)
def restore_tip(request: HttpRequest, tip_id: int) -> TipDetailOut:
    user = _intake_user(request)
    tip = access.get_tip_for_user(user, tip_id)
    services.restore_from_spam(actor=user, tip=tip)
    return _fresh(user, tip)


@router.post(
    "/{int:tip_id}/messages", response={201: TipDetailOut, **ERRORS}, summary="给举报人留言"
)
def send_message(request: HttpRequest, tip_id: int, payload: TipMessageIn) -> Status[TipDetailOut]:
    """The reporter reads it with their receipt and sees “扫黑办”, never the writer's name."""
    user = _intake_user(request)
    tip = access.get_tip_for_user(user, tip_id)
    services.send_message_to_reporter(actor=user, tip=tip, body=payload.body)
    return Status(201, _fresh(user, tip))


@router.post(
    "/{int:tip_id}/persons", response={201: TipPersonOut, **ERRORS}, summary="添加被举报人"
)
def add_person(request: HttpRequest, tip_id: int, payload: TipPersonIn) -> Status[TipPersonOut]:
    """To a pending tip; answers the person added. Naming a cadre or an official puts the tip
    with the leaders: office staff then get 404 for it, as the page sends them to the queue."""
    user = _intake_user(request)
    tip = access.get_tip_for_user(user, tip_id)
    village = None
    if payload.village_id is not None:
        village = one_of(
            Unit.objects.filter(parent=tip.unit).villages().active(),
            payload.village_id,
            field="village_id",
            refusal="所在村须为本镇的村（社区）",
        )
    added = services.add_tip_person(
        actor=user,
        tip=tip,
        person=services.PersonInput(
            name=payload.name, alias=payload.alias, village=village, role=payload.role
        ),
    )
    return Status(
        201,
        TipPersonOut(
            id=added.pk,
            name=added.name,
            alias=added.alias,
            village_id=added.village_id,
            village=added.village.name if added.village else "",
            role=added.role,
            role_label=added.get_role_display(),
            position=added.position,
            description=added.description,
        ),
    )


@router.get(
    "/{int:tip_id}/attachments/{int:attachment_id}",
    response=ERRORS,
    summary="下载举报附件",
    openapi_extra=binary_200(ANY_FILE, "举报附件，类型为上传时按内容识别的类型"),
)
def download_attachment(request: HttpRequest, tip_id: int, attachment_id: int) -> FileResponse:
    """A reporter's file (of the tip or of a later message), as the page sends it: always a
    download, named by its number (`display_name`: the reporter's own file name is never kept,
    so neither it nor anything of the reporter is in a header); audited with its digest."""
    user = _intake_user(request)
    tip = access.get_tip_for_user(user, tip_id)
    attachment = tip.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404("附件不存在")
    services.record_attachment_downloaded(
        actor=user,
        tip=tip,
        attachment_id=attachment.pk,
        sha256=attachment.sha256,
        ip_address=client_ip(request),
    )
    return stored_file_download(
        attachment.file, filename=attachment.display_name, content_type=attachment.content_type
    )
