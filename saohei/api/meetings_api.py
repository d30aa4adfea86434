"""/api/v1/meetings — 会议记录, with the pages' access rules (`meetings.access`).

A meeting the account may not see is 404, a refused action 403, a refused input 400. Village
heads and police officers get the title, date, kind and place of meetings they attended only.
Attachments are uploaded through the pages.
"""

from datetime import date

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from saohei.api.schemas import ErrorResponse
from saohei.common.errors import ServiceError
from saohei.meetings import access, services
from saohei.meetings.models import Meeting, MeetingKind
from saohei.organisations.models import Unit, UnitKind, User

router = Router(tags=["会议与自查"])

ERRORS = {
    400: ErrorResponse,
    401: ErrorResponse,
    403: ErrorResponse,
    404: ErrorResponse,
    422: ErrorResponse,
}


class MeetingSummaryOut(Schema):
    id: int
    unit_id: int
    kind: str
    kind_label: str
    title: str
    held_on: date
    place: str


class DecisionOut(Schema):
    id: int
    text: str
    owner: str
    due_on: date
    rectification_item_id: int | None


class MeetingDetailOut(MeetingSummaryOut):
    # Empty for attendees outside the office: they see date, kind and place only.
    chair: str
    recorder: str
    attendees: list[str]
    topics: str
    reported: str
    minutes: str
    decisions: list[DecisionOut]


class MeetingListQuery(Schema):
    kind: str = ""


class MeetingIn(Schema):
    unit_id: int
    kind: str
    title: str
    held_on: date
    place: str
    chair_id: int
    recorder_id: int
    attendee_ids: list[int]
    topics: str
    reported: str = ""
    minutes: str = ""


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,no-any-return]


def _summary(meeting: Meeting) -> MeetingSummaryOut:
    return MeetingSummaryOut(
        id=meeting.pk,
        unit_id=meeting.unit_id,
        kind=meeting.kind,
        kind_label=meeting.get_kind_display(),
        title=meeting.title,
        held_on=meeting.held_on,
        place=meeting.place,
    )


def _detail(user: User, meeting: Meeting) -> MeetingDetailOut:
    base = _summary(meeting).dict()
    if not access.is_office_member(user, meeting.unit):
        return MeetingDetailOut(
            **base,
            chair="",
            recorder="",
            attendees=[],
            topics="",
            reported="",
            minutes="",
            decisions=[],
        )
    return MeetingDetailOut(
        **base,
        chair=meeting.chair.real_name,
        recorder=meeting.recorder.real_name,
        attendees=[person.real_name for person in meeting.attendees.order_by("username")],
        topics=meeting.topics,
        reported=meeting.reported,
        minutes=meeting.minutes,
        decisions=[
            DecisionOut(
                id=decision.pk,
                text=decision.text,
                owner=decision.owner.real_name,
                due_on=decision.due_on,
                rectification_item_id=decision.rectification_item_id,
            )
            for decision in meeting.decisions.select_related("owner")
        ],
    )


@router.get("", response={200: list[MeetingSummaryOut], **ERRORS}, summary="会议列表")
def list_meetings(
    request: HttpRequest, filters: Query[MeetingListQuery]
) -> list[MeetingSummaryOut]:
    meetings = access.visible_meetings(_user(request))
    if filters.kind in MeetingKind.values:
        meetings = meetings.filter(kind=filters.kind)
    return [_summary(meeting) for meeting in meetings[:200]]


@router.get("/{int:meeting_id}", response={200: MeetingDetailOut, **ERRORS}, summary="会议详情")
def get_meeting(request: HttpRequest, meeting_id: int) -> MeetingDetailOut:
    user = _user(request)
    return _detail(user, access.get_meeting_for_user(user, meeting_id))


@router.post("", response={201: MeetingDetailOut, **ERRORS}, summary="登记会议")
def create_meeting(request: HttpRequest, payload: MeetingIn) -> Status[MeetingDetailOut]:
    """People are looked up within the town only; the service checks the actor."""
    user = _user(request)
    town = Unit.objects.filter(pk=payload.unit_id, kind=UnitKind.TOWN).first()
    if town is None or not access.is_office_member(user, town):
        raise ServiceError("只能为本镇登记会议", field="unit_id")
    people = User.objects.filter(unit__in=Unit.objects.subtree_of(town))
    chair = people.filter(pk=payload.chair_id).first()
    if chair is None:
        raise ServiceError("主持人须为本镇人员", field="chair_id")
    recorder = people.filter(pk=payload.recorder_id).first()
    if recorder is None:
        raise ServiceError("记录人须为本镇人员", field="recorder_id")
    attendees = list(people.filter(pk__in=payload.attendee_ids))
    if len(attendees) != len(set(payload.attendee_ids)):
        raise ServiceError("参会人须为本镇人员", field="attendee_ids")
    meeting = services.record_meeting(
        actor=user,
        unit=town,
        kind=payload.kind,
        title=payload.title,
        held_on=payload.held_on,
        place=payload.place,
        chair=chair,
        recorder=recorder,
        attendees=attendees,
        topics=payload.topics,
        reported=payload.reported,
        minutes=payload.minutes,
    )
    return Status(201, _detail(user, access.get_meeting_for_user(user, meeting.pk)))
