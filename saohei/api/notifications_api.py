"""/api/v1/notifications — the token's account's own inbox and channels, as the pages
`/notifications/` and `/notifications/preferences/` (decision 0066).

Nothing here reaches another account's notices: every query is `for_recipient` the token's
account, so there is no object id to refuse. The page lists unread first on numbered pages;
this list is keyset-paged newest first, with `unread=true` for the unread ones only.
"""

from datetime import datetime
from typing import Annotated

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from saohei.api.schemas import ErrorResponse, OneOf, Shown
from saohei.common.errors import ServiceError
from saohei.common.http import client_ip
from saohei.common.paging import keyset_page
from saohei.notifications import channels, queries, services
from saohei.notifications.models import (
    Channel,
    Notification,
    NotificationKind,
    NotificationPreference,
)
from saohei.organisations.models import User

router = Router(tags=["通知"])

ERRORS = {401: ErrorResponse, 403: ErrorResponse, 422: ErrorResponse}


class NotificationOut(Schema):
    id: int
    kind: Annotated[str, Shown(Notification, "kind")]
    kind_label: str
    title: str
    body: str
    url: str = Field(description="站内页面的路径（/开头），可为空")
    created_at: datetime
    read_at: datetime | None


class NotificationPageOut(Schema):
    items: list[NotificationOut]
    next_cursor: str
    unread_count: int


class NotificationListQuery(Schema):
    unread: bool = Field(False, description="只看未读")
    after: str = ""


class NotificationReadAllOut(Schema):
    count: int = Field(description="这次标为已读的条数")


class NotificationKindChannelsOut(Schema):
    kind: Annotated[str, Shown(NotificationPreference, "kind")]
    label: str
    sms: bool
    email: bool


class NotificationPreferencesOut(Schema):
    kinds: list[NotificationKindChannelsOut]
    sms_available: bool = Field(description="本系统是否配置了短信网关")
    email_available: bool = Field(description="本系统是否配置了邮件服务器")
    masked_mobile: str
    masked_email: str


class NotificationKindChannelsIn(Schema):
    kind: Annotated[str, OneOf(NotificationPreference, "kind")]
    sms: bool = False
    email: bool = False


class NotificationPreferencesIn(Schema):
    kinds: list[NotificationKindChannelsIn] = Field(
        max_length=len(NotificationKind.values),
        description="每类通知的短信、邮件；未列出的类型只在站内通知",
    )


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,no-any-return]


def _notification(row: Notification) -> NotificationOut:
    return NotificationOut(
        id=row.pk,
        kind=row.kind,
        kind_label=row.get_kind_display(),
        title=row.title,
        body=row.body,
        url=row.url,
        created_at=row.created_at,
        read_at=row.read_at,
    )


def _preferences(user: User) -> NotificationPreferencesOut:
    chosen = queries.effective_preferences(user=user)
    available = channels.configured_channels()
    mobile = channels.address_for(user, Channel.SMS)
    email = channels.address_for(user, Channel.EMAIL)
    return NotificationPreferencesOut(
        kinds=[
            NotificationKindChannelsOut(
                kind=kind,
                label=label,
                sms=Channel.SMS in chosen[kind],
                email=Channel.EMAIL in chosen[kind],
            )
            for kind, label in NotificationKind.choices
        ],
        sms_available=Channel.SMS in available,
        email_available=Channel.EMAIL in available,
        masked_mobile=channels.mask_address(Channel.SMS, mobile) if mobile else "",
        masked_email=channels.mask_address(Channel.EMAIL, email) if email else "",
    )


@router.get("", response={200: NotificationPageOut, **ERRORS}, summary="我的通知")
def list_notifications(
    request: HttpRequest, filters: Query[NotificationListQuery]
) -> NotificationPageOut:
    """Newest first, 50 a page; follow `next_cursor` with `after`."""
    user = _user(request)
    rows = Notification.objects.for_recipient(user)
    if filters.unread:
        rows = rows.unread()
    page = keyset_page(rows, field="created_at", parse=datetime.fromisoformat, after=filters.after)
    return NotificationPageOut(
        items=[_notification(row) for row in page.rows],
        next_cursor=page.next_cursor,
        unread_count=queries.count_unread(user),
    )


@router.post("/read-all", response={200: NotificationReadAllOut, **ERRORS}, summary="全部标为已读")
def mark_all_read(request: HttpRequest) -> NotificationReadAllOut:
    return NotificationReadAllOut(count=services.mark_all_read(user=_user(request)))


@router.get(
    "/preferences",
    response={200: NotificationPreferencesOut, **ERRORS},
    summary="我的通知方式",
)
def get_preferences(request: HttpRequest) -> NotificationPreferencesOut:
    return _preferences(_user(request))


@router.put(
    "/preferences",
    response={200: NotificationPreferencesOut, 400: ErrorResponse, **ERRORS},
    summary="设置我的通知方式",
)
def set_preferences(
    request: HttpRequest, payload: NotificationPreferencesIn
) -> NotificationPreferencesOut:
    """Replaces the account's choices, as the page's form does (`set_preferences`, audited when
    anything changed); 站内 is always on."""
    user = _user(request)
    kinds = [row.kind for row in payload.kinds]
    if len(set(kinds)) != len(kinds):
        raise ServiceError("每类通知只能列一次", field="kinds")
    services.set_preferences(
        user=user,
        enabled={
            row.kind: [
                channel
                for channel, wanted in ((Channel.SMS, row.sms), (Channel.EMAIL, row.email))
                if wanted
            ]
            for row in payload.kinds
        },
        ip_address=client_ip(request),
    )
    return _preferences(user)
