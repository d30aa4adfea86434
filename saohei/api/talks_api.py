"""/api/v1/talks — 谈心谈话, with the pages' access rules (`accountability.access`).

A talk the account may not see is 404, a refused action 403, a refused input 400.
"""

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from saohei.accountability import access, services
from saohei.accountability.models import Talk
from saohei.api.schemas import ErrorResponse
from saohei.common.errors import ServiceError
from saohei.organisations.models import Unit, UnitKind, User

router = Router(tags=["谈心谈话"])

ERRORS = {
    400: ErrorResponse,
    401: ErrorResponse,
    403: ErrorResponse,
    404: ErrorResponse,
    422: ErrorResponse,
}


class TalkSummaryOut(Schema):
    id: int
    unit_id: int
    talked_on: date
    kind: str
    kind_label: str
    interviewer_id: int
    interviewer: str
    interviewee_ids: list[int]
    topics: list[str]
    is_reviewed: bool


class TalkDetailOut(TalkSummaryOut):
    place: str
    recorder: str
    other_topics: str
    content: str
    follow_up: str
    rectification_item_ids: list[int]
    lead_ids: list[int]
    review_opinion: str


class TalkIn(Schema):
    unit_id: int
    talked_on: date
    place: str
    interviewer_id: int
    interviewee_ids: list[int]
    recorder_id: int | None = None
    kind: str
    topics: list[str] = []
    other_topics: str = ""
    content: str
    follow_up: str = ""


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,no-any-return]


def _summary(talk: Talk) -> dict[str, Any]:
    return {
        "id": talk.pk,
        "unit_id": talk.unit_id,
        "talked_on": talk.talked_on,
        "kind": talk.kind,
        "kind_label": talk.get_kind_display(),
        "interviewer_id": talk.interviewer_id,
        "interviewer": talk.interviewer.real_name,
        "interviewee_ids": [person.pk for person in talk.interviewees.all()],
        "topics": talk.topic_labels,
        "is_reviewed": talk.review_id is not None,
    }


def _detail(talk: Talk) -> TalkDetailOut:
    return TalkDetailOut(
        **_summary(talk),
        place=talk.place,
        recorder=talk.recorder.real_name if talk.recorder else "",
        other_topics=talk.other_topics,
        content=talk.content,
        follow_up=talk.follow_up,
        rectification_item_ids=[item.pk for item in talk.rectification_items.all()],
        lead_ids=[lead.pk for lead in talk.leads.all()],
        review_opinion=talk.review.opinion if talk.review else "",
    )


@router.get("", response={200: list[TalkSummaryOut], **ERRORS}, summary="谈话记录列表")
def list_talks(request: HttpRequest, unreviewed: bool = False) -> list[TalkSummaryOut]:
    talks = access.visible_talks(_user(request)).select_related("interviewer")
    if unreviewed:
        talks = talks.unreviewed()
    return [
        TalkSummaryOut(**_summary(talk)) for talk in talks.prefetch_related("interviewees")[:500]
    ]


@router.post("", response={201: TalkDetailOut, **ERRORS}, summary="登记谈心谈话")
def create_talk(request: HttpRequest, payload: TalkIn) -> Status[TalkDetailOut]:
    """People are looked up within the town only; the service checks the actor."""
    user = _user(request)
    town = Unit.objects.filter(pk=payload.unit_id, kind=UnitKind.TOWN).first()
    if town is None or not access.can_record(user, town):
        raise ServiceError("只能为本镇登记谈心谈话", field="unit_id")
    people = User.objects.filter(is_active=True, unit__path__startswith=town.path)
    interviewer = people.filter(pk=payload.interviewer_id).first()
    if interviewer is None:
        raise ServiceError("谈话人须为本镇人员", field="interviewer_id")
    interviewees = list(people.filter(pk__in=payload.interviewee_ids))
    if len(interviewees) != len(set(payload.interviewee_ids)):
        raise ServiceError("谈话对象须为本镇人员", field="interviewee_ids")
    recorder = None
    if payload.recorder_id is not None:
        recorder = people.filter(pk=payload.recorder_id).first()
        if recorder is None:
            raise ServiceError("记录人须为本镇人员", field="recorder_id")
    talk = services.record_talk(
        actor=user,
        unit=town,
        data=services.TalkInput(
            talked_on=payload.talked_on,
            place=payload.place,
            interviewer=interviewer,
            interviewees=interviewees,
            recorder=recorder,
            kind=payload.kind,
            topics=payload.topics,
            other_topics=payload.other_topics,
            content=payload.content,
            follow_up=payload.follow_up,
        ),
    )
    return Status(201, _detail(access.get_talk_for_user(user, talk.pk)))


@router.get("/{int:talk_id}", response={200: TalkDetailOut, **ERRORS}, summary="谈话记录详情")
def get_talk(request: HttpRequest, talk_id: int) -> TalkDetailOut:
    return _detail(access.get_talk_for_user(_user(request), talk_id))
