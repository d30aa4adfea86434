"""/api/v1/publicity — 宣传台账, with the pages' access rules (`publicity.access`).

The list takes the pages' filter contract (kind=<code>, village=<unit id>, place_type, date_from,
date_to); a bad value is a 400 with a Chinese message. Photos are added to a recorded activity by a
multipart operation of its own, through the page's correction service and upload checks
(decision 0063).
"""

from decimal import Decimal
from typing import IO, Annotated, Literal

from django.http import FileResponse, Http404, HttpRequest
from django.utils import timezone
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from saohei.api.downloads import ANY_FILE, binary_200
from saohei.api.ids import one_of
from saohei.api.schemas import ErrorResponse, EvidenceOut, OneOf, Shown
from saohei.api.uploads import checked_files
from saohei.api.versions import edit_version
from saohei.common.access import user_has_any_role
from saohei.common.dates import DeadlineDay, EventDay, ShownDay, ShownMoment
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.common.http import (
    XLSX_TYPE,
    client_ip,
    stamped_name,
    stored_file_download,
    streamed_download,
)
from saohei.organisations.models import Unit, User
from saohei.organisations.queries import OFFICE_ROLES, list_office_towns
from saohei.publicity import access, queries, services
from saohei.publicity.downloads import (
    activity_filter_form,
    require_ledger_reader,
    write_activity_ledger,
)
from saohei.publicity.forms import FilterForm, schedule_form, schedule_input
from saohei.publicity.models import (
    PublicityActivity,
    PublicityActivityQuerySet,
    PublicityKind,
    PublicitySchedule,
)

router = Router(tags=["宣传发动"])

ERRORS = {
    400: ErrorResponse,
    401: ErrorResponse,
    403: ErrorResponse,
    404: ErrorResponse,
    422: ErrorResponse,
}


class ActivityOut(Schema):
    id: int
    town_id: int
    village_id: int | None
    village: str
    occurred_on: ShownDay
    kind: str
    kind_label: str
    unit_label: str
    place_type: Annotated[str, Shown(PublicityActivity, "place_type")]
    place_type_label: str
    place: str
    quantity: float
    hours: float | None
    reach: int | None
    handler_id: int
    handler: str
    notes: str
    schedule_id: int | None
    photos: int


class KindTotalOut(Schema):
    kind: str
    kind_label: str
    unit_label: str
    quantity: float
    hours: float
    reach: int
    activities: int


class ActivityPageOut(Schema):
    items: list[ActivityOut]
    next_cursor: str
    totals: list[KindTotalOut]


class ActivityFilterQuery(Schema):
    """The pages' filter contract (`downloads.FILTER_NAMES`), checked by the page's form."""

    kind: str = ""
    village: str = ""
    place_type: Annotated[str, OneOf(PublicityActivity, "place_type", also=("",))] = ""
    date_from: str = ""
    date_to: str = ""
    origin: str = ""
    q: str = Field("", max_length=50)


class ActivityListQuery(ActivityFilterQuery):
    after: str = ""


class ActivityIn(Schema):
    occurred_on: EventDay
    kind: str
    village_id: int | None = None
    place_type: Annotated[str, OneOf(PublicityActivity, "place_type")]
    place: str = ""
    quantity: Decimal
    hours: Decimal | None = None
    reach: int | None = None
    # Default: the account itself.
    handler_id: int | None = None
    notes: str = ""


class PhotosIn(Schema):
    reason: str = ""


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,no-any-return]


def _out(activity: PublicityActivity, photos: int) -> ActivityOut:
    return ActivityOut(
        id=activity.pk,
        town_id=activity.town_id,
        village_id=activity.village_id,
        village=activity.village.name if activity.village else "",
        occurred_on=activity.occurred_on,
        kind=activity.kind.code,
        kind_label=activity.kind.name,
        unit_label=activity.kind.unit_label,
        place_type=activity.place_type,
        place_type_label=activity.get_place_type_display(),
        place=activity.place,
        quantity=float(activity.quantity),
        hours=float(activity.hours) if activity.hours is not None else None,
        reach=activity.reach,
        handler_id=activity.handler_id,
        handler=activity.handler.real_name,
        notes=activity.notes,
        schedule_id=activity.schedule_id,
        photos=photos,
    )


def _filters(
    user: User, filters: ActivityFilterQuery
) -> tuple[FilterForm, queries.ActivityFilters]:
    """The page's filter form over the query's values; a bad one is a 400 naming it."""
    data = {name: value for name, value in filters.dict().items() if value not in ("", None)}
    form, chosen = activity_filter_form(user, data, list(PublicityKind.objects.all()))
    if chosen is None:
        raise ServiceError(f"筛选条件有误：{form.error_text()}", field=next(iter(form.errors)))
    return form, chosen


def kind_total_out(total: queries.KindTotal) -> KindTotalOut:
    return KindTotalOut(
        kind=total.kind.code,
        kind_label=total.kind.name,
        unit_label=total.kind.unit_label,
        quantity=float(total.quantity),
        hours=float(total.hours),
        reach=total.reach,
        activities=total.activities,
    )


def _kind_totals(activities: PublicityActivityQuerySet) -> list[KindTotalOut]:
    return [kind_total_out(total) for total in queries.kind_totals(activities)]


@router.get("/activities", response={200: ActivityPageOut, **ERRORS}, summary="宣传活动列表")
def list_activities(request: HttpRequest, filters: Query[ActivityListQuery]) -> ActivityPageOut:
    """Newest first, 50 a page (`after` = the previous page's `next_cursor`), with the totals."""
    user = _user(request)
    activities = queries.filter_activities(user, _filters(user, filters)[1])
    page = queries.page_of_activities(activities, after=filters.after)
    return ActivityPageOut(
        items=[_out(row, row.photo_count) for row in page.rows],  # type: ignore[attr-defined]
        next_cursor=page.next_cursor,
        totals=_kind_totals(activities),
    )


@router.post("/activities", response={201: ActivityOut, **ERRORS}, summary="登记宣传活动")
def create_activity(request: HttpRequest, payload: ActivityIn) -> Status[ActivityOut]:
    """The office records for its town (village optional); a village head for their village."""
    user = _user(request)
    kind = PublicityKind.objects.filter(code=payload.kind, active=True).first()
    if kind is None:
        raise ServiceError(f"没有代码为“{payload.kind}”的启用中的宣传形式", field="kind")
    village = None
    if payload.village_id is not None:
        village = next(
            (v for v in access.recordable_villages(user) if v.pk == payload.village_id), None
        )
        if village is None:
            raise ActionNotAllowed("不能为该村（社区）登记宣传活动", field="village_id")
        town = village.parent
    else:
        towns = list_office_towns(user)
        if not towns:
            raise ActionNotAllowed("村负责人登记时须指定本村（village_id）", field="village_id")
        town = towns[0]
    assert town is not None
    handler = user
    if payload.handler_id is not None:
        handler = one_of(
            User.objects.select_related("unit"),
            payload.handler_id,
            field="handler_id",
            refusal="经办人须为本镇在岗人员",
        )
    activity = services.record_activity(
        actor=user,
        town=town,
        data=services.ActivityInput(
            occurred_on=payload.occurred_on,
            kind=kind,
            village=village,
            place_type=payload.place_type,
            place=payload.place,
            quantity=payload.quantity,
            hours=payload.hours,
            reach=payload.reach,
            handler=handler,
            notes=payload.notes,
        ),
    )
    return Status(201, _out(access.get_activity_for_user(user, activity.pk), 0))


@router.post(
    "/activities/{int:activity_id}/photos",
    response={201: ActivityOut, 413: ErrorResponse, **ERRORS},
    summary="补充宣传活动照片",
)
def add_photos(
    request: HttpRequest,
    activity_id: int,
    payload: Form[PhotosIn],
    photos: File[list[UploadedFile]],
) -> Status[ActivityOut]:
    """multipart/form-data: one or more `photos` (JPG, PNG, GIF or HEIC, read by their content;
    ten an activity at most) and an optional `reason`. The page's 更正 with the values unchanged:
    the office, or the village head for their village's own (not accrued) activity."""
    user = _user(request)
    activity = access.get_activity_for_user(user, activity_id)
    services.correct_activity(
        actor=user,
        activity=activity,
        data=services.ActivityInput(
            occurred_on=activity.occurred_on,
            kind=activity.kind,
            village=activity.village,
            place_type=activity.place_type,
            place=activity.place,
            quantity=activity.quantity,
            hours=activity.hours,
            reach=activity.reach,
            handler=activity.handler,
            notes=activity.notes,
        ),
        photos=checked_files(photos, field="photos"),
        reason=payload.reason,
    )
    return Status(201, _out(activity, activity.photos.count()))


# Parity with the pages, continued (issue 15): an activity's page, its 作废 and its photos.


class ActivityDetailOut(ActivityOut):
    version: int
    is_voided: bool
    voided_at: ShownMoment | None
    void_reason: str
    photo_files: list[EvidenceOut]


class VoidIn(Schema):
    reason: str


def _readable(user: User, activity_id: int) -> PublicityActivity:
    """The page's checks in its order: a reader's role (else 403), the activity in sight (404)."""
    if not user_has_any_role(user, access.READ_ROLES):
        raise ActionNotAllowed("您没有查看宣传活动的权限")
    return access.get_activity_for_user(user, activity_id)


def _detail(activity: PublicityActivity) -> ActivityDetailOut:
    photos = list(activity.photos.order_by("id"))
    return ActivityDetailOut(
        **_out(activity, len(photos)).model_dump(),
        version=activity.version,
        is_voided=activity.is_voided,
        voided_at=activity.voided_at,
        void_reason=activity.void_reason,
        photo_files=[
            EvidenceOut(
                id=photo.pk, original_name=photo.original_name, size=photo.size, sha256=photo.sha256
            )
            for photo in photos
        ],
    )


@router.get(
    "/activities/{int:activity_id}",
    response={200: ActivityDetailOut, **ERRORS},
    summary="宣传活动详情",
)
def get_activity(request: HttpRequest, activity_id: int) -> ActivityDetailOut:
    return _detail(_readable(_user(request), activity_id))


@router.post(
    "/activities/{int:activity_id}/void",
    response={200: ActivityDetailOut, **ERRORS},
    summary="作废宣传活动",
)
def void_activity(request: HttpRequest, activity_id: int, payload: VoidIn) -> ActivityDetailOut:
    """作废 with a reason: the office, or the village head for their village's own (not accrued)
    activity; the row stays on record and leaves every total."""
    user = _user(request)
    activity = access.get_activity_for_user(user, activity_id)
    services.void_activity(actor=user, activity=activity, reason=payload.reason)
    return _detail(access.get_activity_for_user(user, activity_id))


@router.get(
    "/activities/{int:activity_id}/photos/{int:photo_id}",
    response=ERRORS,
    summary="下载宣传活动照片",
    openapi_extra=binary_200(ANY_FILE, "照片文件，类型为上传时按内容识别的类型"),
)
def download_photo(request: HttpRequest, activity_id: int, photo_id: int) -> FileResponse:
    """The page's download: a reader's role, the activity in sight, audited with the digest."""
    user = _user(request)
    activity = _readable(user, activity_id)
    photo = activity.photos.filter(pk=photo_id).first()
    if photo is None:
        raise Http404("照片不存在")
    photo.activity = activity
    services.record_photo_downloaded(actor=user, photo=photo, ip_address=client_ip(request))
    return stored_file_download(
        photo.file, filename=photo.original_name, content_type=photo.content_type
    )


class ActivityEditIn(Schema):
    """更正: the fields sent replace the saved ones (`village_id: null` the town level)."""

    occurred_on: EventDay | None = None
    kind: str | None = None
    village_id: int | None = None
    place_type: Annotated[str, OneOf(PublicityActivity, "place_type")] | None = None
    place: str | None = None
    quantity: Decimal | None = None
    hours: Decimal | None = None
    reach: int | None = None
    handler_id: int | None = None
    notes: str | None = None
    reason: str = ""
    version: int | None = None


@router.patch(
    "/activities/{int:activity_id}",
    response={200: ActivityDetailOut, 409: ErrorResponse, **ERRORS},
    summary="更正宣传活动",
)
def correct_activity(
    request: HttpRequest, activity_id: int, payload: ActivityEditIn
) -> ActivityDetailOut:
    """The page's 更正 (`correct_activity`): the office, or the village head for their own
    village's activity; a stale `version` (or If-Match) is 409. Photos: `…/photos`."""
    user = _user(request)
    version = edit_version(request, payload.version)
    activity = access.get_activity_for_user(user, activity_id)
    sent = payload.model_fields_set
    kind = activity.kind
    if payload.kind is not None and payload.kind != kind.code:
        found = PublicityKind.objects.filter(code=payload.kind, active=True).first()
        if found is None:
            raise ServiceError(f"没有代码为“{payload.kind}”的启用中的宣传形式", field="kind")
        kind = found
    village = activity.village
    if "village_id" in sent:
        village = None
        if payload.village_id is not None:
            village = one_of(
                Unit.objects.filter(parent_id=activity.town_id).villages(),
                payload.village_id,
                field="village_id",
                refusal="所属村不在本镇",
            )
    handler = activity.handler
    if payload.handler_id is not None:
        handler = one_of(
            User.objects.select_related("unit"),
            payload.handler_id,
            field="handler_id",
            refusal="经办人须为本镇在岗人员",
        )

    def kept(name: str) -> object:
        return getattr(payload, name) if name in sent else getattr(activity, name)

    services.correct_activity(
        actor=user,
        activity=activity,
        data=services.ActivityInput(
            occurred_on=payload.occurred_on or activity.occurred_on,
            kind=kind,
            village=village,
            place_type=payload.place_type or activity.place_type,
            place=payload.place if payload.place is not None else activity.place,
            quantity=payload.quantity if payload.quantity is not None else activity.quantity,
            hours=kept("hours"),  # type: ignore[arg-type]
            reach=kept("reach"),  # type: ignore[arg-type]
            handler=handler,
            notes=payload.notes if payload.notes is not None else activity.notes,
        ),
        reason=payload.reason,
        version=version,
    )
    return _detail(access.get_activity_for_user(user, activity_id))


@router.get(
    "/export",
    response=ERRORS,
    summary="导出宣传台账",
    openapi_extra=binary_200(XLSX_TYPE, "宣传台账（.xlsx），与列表页“导出”相同"),
)
def export_activities(request: HttpRequest, filters: Query[ActivityFilterQuery]) -> FileResponse:
    """The page's 宣传台账 of what the account's list shows with the same filters; the pages'
    readers only (else 403); audited."""
    user = _user(request)
    require_ledger_reader(user)
    form, chosen = _filters(user, filters)
    ip_address = client_ip(request)

    def write(output: IO[bytes]) -> None:
        write_activity_ledger(output, actor=user, form=form, filters=chosen, ip_address=ip_address)

    return streamed_download(write, filename=stamped_name("宣传台账"))


class TotalsQuery(ActivityFilterQuery):
    period: Literal["month", "quarter", "year"] = Field("month", description="时段表的粒度")


class TotalsRowOut(Schema):
    label: str
    quantities: list[float] = Field(description="各宣传形式的数量，顺序同 kinds")


class TotalsTableOut(Schema):
    title: str
    kinds: list[str] = Field(description="列：宣传形式的代码")
    rows: list[TotalsRowOut]


class TotalsOut(Schema):
    totals: list[KindTotalOut] = Field(description="截至目前（筛选范围内）各形式的合计")
    tables: list[TotalsTableOut] = Field(description="按时段、按村（社区）、按地点类型")


def _table(title: str, table: queries.TotalsTable) -> TotalsTableOut:
    return TotalsTableOut(
        title=title,
        kinds=[kind.code for kind in table.kinds],
        rows=[
            TotalsRowOut(label=row.label, quantities=[float(cell) for cell in row.cells])
            for row in table.rows
        ],
    )


@router.get("/totals", response={200: TotalsOut, **ERRORS}, summary="宣传统计")
def activity_totals(request: HttpRequest, query: Query[TotalsQuery]) -> TotalsOut:
    """The totals page: per kind, then per period, village and place type, with the list's
    filters; the pages' readers only (else 403)."""
    user = _user(request)
    if not user_has_any_role(user, access.READ_ROLES):
        raise ActionNotAllowed("您没有查看宣传统计的权限")
    activities = queries.filter_activities(user, _filters(user, query)[1])
    totals = queries.kind_totals(activities)
    columns = [row.kind for row in totals]
    return TotalsOut(
        totals=_kind_totals(activities),
        tables=[
            _table(
                queries.PERIODS[query.period][1],
                queries.totals_table(activities, kinds=columns, by=query.period),
            ),
            *(
                _table(title, queries.totals_table(activities, kinds=columns, by=by))
                for by, title in queries.GROUPINGS.items()
            ),
        ],
    )


class KindOut(Schema):
    id: int
    code: str
    name: str
    unit_label: str
    hours_label: str
    reach_label: str
    counted_in_hours: bool
    order: int
    active: bool


class KindIn(Schema):
    name: str = Field(min_length=1, max_length=50)
    unit_label: str = Field(min_length=1, max_length=10, description="如：条、张、次、份")
    hours_label: str = Field("", max_length=10, description="另记时长时填“小时”，否则留空")
    reach_label: str = Field("", max_length=10, description="如：覆盖人数、阅读量、参与人数")
    counted_in_hours: bool = False
    order: int = Field(100, ge=0, le=10_000)
    active: bool = True


def _kind_out(kind: PublicityKind) -> KindOut:
    return KindOut(
        id=kind.pk,
        code=kind.code,
        name=kind.name,
        unit_label=kind.unit_label,
        hours_label=kind.hours_label,
        reach_label=kind.reach_label,
        counted_in_hours=kind.counted_in_hours,
        order=kind.order,
        active=kind.active,
    )


def _kind_input(payload: KindIn) -> services.KindInput:
    return services.KindInput(
        name=payload.name,
        unit_label=payload.unit_label,
        hours_label=payload.hours_label,
        reach_label=payload.reach_label,
        order=payload.order,
        active=payload.active,
        counted_in_hours=payload.counted_in_hours,
    )


@router.get("/kinds", response={200: list[KindOut], **ERRORS}, summary="宣传形式")
def list_kinds(request: HttpRequest) -> list[KindOut]:
    """The kinds page: every kind, retired ones too; the office's (the page's OFFICE_ROLES)."""
    if not user_has_any_role(_user(request), OFFICE_ROLES):
        raise ActionNotAllowed("您没有维护宣传形式的权限")
    return [_kind_out(kind) for kind in PublicityKind.objects.all()]


@router.post("/kinds", response={201: KindOut, **ERRORS}, summary="新增宣传形式")
def create_kind(request: HttpRequest, payload: KindIn) -> Status[KindOut]:
    kind = services.save_kind(actor=_user(request), kind=None, data=_kind_input(payload))
    return Status(201, _kind_out(kind))


@router.put("/kinds/{int:kind_id}", response={200: KindOut, **ERRORS}, summary="修改宣传形式")
def edit_kind(request: HttpRequest, kind_id: int, payload: KindIn) -> KindOut:
    """The kind edit page: every field replaced (`services.save_kind`, audited)."""
    kind = PublicityKind.objects.filter(pk=kind_id).first()
    if kind is None:
        raise Http404("宣传形式不存在")
    return _kind_out(services.save_kind(actor=_user(request), kind=kind, data=_kind_input(payload)))


class PublicityScheduleOut(Schema):
    id: int
    town_id: int
    village_id: int | None
    village: str = Field(description="村（社区）；镇本级为空")
    kind: str
    kind_label: str
    place_type: Annotated[str, Shown(PublicitySchedule, "place_type")]
    place_type_label: str
    place: str
    description: str
    hours_per_day: float
    screens: int
    starts_on: ShownDay
    ends_on: ShownDay | None
    accrued_through: ShownDay | None
    handler: str
    quantity: float = Field(description="已计入台账的数量")
    days: int = Field(description="已计入台账的天数")
    is_running: bool
    can_stop: bool


class PublicityScheduleIn(Schema):
    kind: str = Field(description="宣传形式的代码（按小时计或另记时长的形式）")
    village_id: int | None = Field(None, description="村（社区）；不填为镇本级")
    place_type: Annotated[str, OneOf(PublicitySchedule, "place_type")]
    place: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=200)
    hours_per_day: Decimal = Field(ge=Decimal("0.1"), le=24, decimal_places=1)
    screens: int = Field(1, ge=1, le=1000)
    starts_on: DeadlineDay
    ends_on: DeadlineDay | None = None
    handler_id: int | None = Field(None, description="经办人；不填为本账号")


class ScheduleStopIn(Schema):
    ends_on: DeadlineDay = Field(description="停止日期（最后播放日）")
    reason: str = Field("", max_length=200)


class AccrueOut(Schema):
    days: int = Field(description="本次计入台账的天数")


def _schedule_out(row: queries.ScheduleRow) -> PublicityScheduleOut:
    schedule = row.schedule
    return PublicityScheduleOut(
        id=schedule.pk,
        town_id=schedule.town_id,
        village_id=schedule.village_id,
        village=schedule.village.name if schedule.village else "",
        kind=schedule.kind.code,
        kind_label=schedule.kind.name,
        place_type=schedule.place_type,
        place_type_label=schedule.get_place_type_display(),
        place=schedule.place,
        description=schedule.description,
        hours_per_day=float(schedule.hours_per_day),
        screens=schedule.screens,
        starts_on=schedule.starts_on,
        ends_on=schedule.ends_on,
        accrued_through=schedule.accrued_through,
        handler=schedule.handler.real_name,
        quantity=float(row.quantity),
        days=row.days,
        is_running=row.is_running,
        can_stop=row.can_stop,
    )


def _schedule_row(user: User, schedule_id: int) -> PublicityScheduleOut:
    return next(
        _schedule_out(row) for row in queries.schedule_rows(user) if row.schedule.pk == schedule_id
    )


@router.get(
    "/schedules", response={200: list[PublicityScheduleOut], **ERRORS}, summary="常态化宣传"
)
def list_schedules(request: HttpRequest) -> list[PublicityScheduleOut]:
    """The schedules page: the standing publicity the account reads (its town's as office or
    督导, its village's as village head), each with what it has accrued."""
    user = _user(request)
    if not user_has_any_role(user, access.READ_ROLES):
        raise ActionNotAllowed("您没有查看常态化宣传的权限")
    return [_schedule_out(row) for row in queries.schedule_rows(user)]


def _office_town(user: User) -> Unit:
    # The page's rule: the first town the account is the office of (else 403).
    towns = list_office_towns(user)
    if not towns:
        raise ActionNotAllowed("只有扫黑办可以设置常态化宣传")
    return towns[0]


@router.post("/schedules", response={201: PublicityScheduleOut, **ERRORS}, summary="设置常态化宣传")
def create_schedule(
    request: HttpRequest, payload: PublicityScheduleIn
) -> Status[PublicityScheduleOut]:
    """The page's form (its kinds, the town's villages and handlers, a 400 naming the field
    for another), then `services.create_schedule`; it accrues every day after it ends."""
    user = _user(request)
    town = _office_town(user)
    kind = PublicityKind.objects.filter(code=payload.kind).first()
    form = schedule_form(
        user,
        town,
        {
            "kind": kind.pk if kind else "",
            "village": payload.village_id or "",
            "place_type": payload.place_type,
            "place": payload.place,
            "description": payload.description,
            "hours_per_day": payload.hours_per_day,
            "screens": payload.screens,
            "starts_on": payload.starts_on,
            "ends_on": payload.ends_on or "",
            "handler": payload.handler_id or user.pk,
        },
    )
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        names = {"village": "village_id", "handler": "handler_id"}
        raise ServiceError(str(errors[0]), field=names.get(field, field))
    schedule = services.create_schedule(
        actor=user, town=town, data=schedule_input(form.cleaned_data)
    )
    return Status(201, _schedule_row(user, schedule.pk))


@router.post(
    "/schedules/{int:schedule_id}/stop",
    response={200: PublicityScheduleOut, **ERRORS},
    summary="停止常态化宣传",
)
def stop_schedule(
    request: HttpRequest, schedule_id: int, payload: ScheduleStopIn
) -> PublicityScheduleOut:
    """The page's 停止: the last day it runs (`services.stop_schedule`); the schedule's town's
    office only (else 404)."""
    user = _user(request)
    schedule = access.get_schedule_for_office(user, schedule_id)
    services.stop_schedule(
        actor=user, schedule=schedule, ends_on=payload.ends_on, reason=payload.reason
    )
    return _schedule_row(user, schedule.pk)


@router.post("/schedules/accrue", response={200: AccrueOut, **ERRORS}, summary="立即累计")
def accrue_schedules(request: HttpRequest) -> AccrueOut:
    """立即累计: what the hourly job does, for the account's towns, now (the office's)."""
    user = _user(request)
    towns = list_office_towns(user)
    if not towns:
        raise ActionNotAllowed("只有本镇扫黑办工作人员或领导小组组长、副组长可以立即累计")
    days = sum(
        services.accrue_schedules(today=timezone.localdate(), actor=user, town=town).days
        for town in towns
    )
    return AccrueOut(days=days)
