"""/api/v1/talks — 谈心谈话, with the pages' access rules (`accountability.access`).

A talk the account may not see is 404, a refused action 403 (a village head or police officer
who took part, a 上级督导: they read, never write), a refused input 400, a malformed body 422.
Problems found go onto the rectification ledger and leads into the lead register, through the
same services as the pages; a correction of a reviewed talk puts it back in the review queue.
"""

from typing import Annotated, Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router, Schema, Status

from saohei.accountability import access, services
from saohei.accountability.models import Talk
from saohei.accountability.queries import found_in_talk
from saohei.api.ids import all_of, one_of, recording_town
from saohei.api.schemas import ErrorResponse, OneOf, Shown
from saohei.api.versions import edit_version
from saohei.common.dates import EventDay, ShownDay, ShownMoment
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.organisations.models import Unit, UnitKind, User
from saohei.organisations.queries import LEADER_ROLES, users_holding

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
    talked_on: ShownDay
    kind: Annotated[str, Shown(Talk, "kind")]
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
    is_edited_after_review: bool
    edited_at: ShownMoment | None
    # Send it back with an edit (or as If-Match): a save over a newer one is refused with 409.
    version: int


class TalkIn(Schema):
    unit_id: int
    talked_on: EventDay
    place: str
    interviewer_id: int
    interviewee_ids: list[int]
    recorder_id: int | None = None
    kind: Annotated[str, OneOf(Talk, "kind")]
    topics: list[str] = []
    other_topics: str = ""
    content: str
    follow_up: str = ""


class TalkEditIn(Schema):
    """更正谈话记录: the fields sent replace the saved ones; the others stay as they are."""

    talked_on: EventDay | None = None
    place: str | None = None
    interviewee_ids: list[int] | None = None
    kind: Annotated[str, OneOf(Talk, "kind")] | None = None
    topics: list[str] | None = None
    other_topics: str | None = None
    content: str | None = None
    follow_up: str | None = None
    # The version read; with it, an edit over someone else's newer save is refused (409).
    version: int | None = None


class ProblemIn(Schema):
    description: str
    measures: str
    responsible_person_id: int
    responsible_leader_id: int | None = None
    village_id: int | None = None
    working_days: int | None = None


class ProblemsIn(Schema):
    problems: list[ProblemIn]


class LeadsIn(Schema):
    summaries: list[str]
    village_id: int | None = None


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


def _detail(talk: Talk, viewer: User) -> TalkDetailOut:
    # Only what the viewer's own ledger and lead list show (accountability.queries).
    found = found_in_talk(viewer, talk)
    return TalkDetailOut(
        **_summary(talk),
        place=talk.place,
        recorder=talk.recorder.real_name if talk.recorder else "",
        other_topics=talk.other_topics,
        content=talk.content,
        follow_up=talk.follow_up,
        rectification_item_ids=[item.pk for item in found.items],
        lead_ids=[lead.pk for lead in found.leads],
        review_opinion=talk.review.opinion if talk.review else "",
        is_edited_after_review=talk.edited_after_review_at is not None,
        edited_at=talk.edited_at,
        version=talk.version,
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
    town = recording_town(
        payload.unit_id,
        may_record=lambda town: access.can_record(user, town),
        refusal="只能为本镇登记谈心谈话",
    )
    people = User.objects.filter(is_active=True, unit__path__startswith=town.path)
    interviewer = one_of(
        people, payload.interviewer_id, field="interviewer_id", refusal="谈话人须为本镇人员"
    )
    interviewees = all_of(
        people, payload.interviewee_ids, field="interviewee_ids", refusal="谈话对象须为本镇人员"
    )
    recorder = None
    if payload.recorder_id is not None:
        recorder = one_of(
            people, payload.recorder_id, field="recorder_id", refusal="记录人须为本镇人员"
        )
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
    return Status(201, _detail(access.get_talk_for_user(user, talk.pk), user))


@router.get("/{int:talk_id}", response={200: TalkDetailOut, **ERRORS}, summary="谈话记录详情")
def get_talk(request: HttpRequest, talk_id: int) -> TalkDetailOut:
    user = _user(request)
    return _detail(access.get_talk_for_user(user, talk_id), user)


def _town_people(town: Unit) -> QuerySet[User]:
    return User.objects.filter(is_active=True, unit__path__startswith=town.path)


def _village_of(town: Unit, village_id: int | None, field: str) -> Unit | None:
    if village_id is None:
        return None
    villages = Unit.objects.filter(parent=town, kind__in=[UnitKind.VILLAGE, UnitKind.COMMUNITY])
    return one_of(villages, village_id, field=field, refusal="所属村须为本镇的村（社区）")


def _writable_talk(user: User, talk_id: int) -> Talk:
    """404 outside the reader's scope, then 403 for those who read but may not write."""
    talk = access.get_talk_for_user(user, talk_id)
    if not access.can_record(user, talk.unit):
        raise ActionNotAllowed("只有本镇扫黑办工作人员或领导小组成员可以修改谈心谈话记录")
    return talk


@router.patch(
    "/{int:talk_id}",
    response={200: TalkDetailOut, 409: ErrorResponse, **ERRORS},
    summary="修改谈话记录",
)
def edit_talk(request: HttpRequest, talk_id: int, payload: TalkEditIn) -> TalkDetailOut:
    user = _user(request)
    talk = _writable_talk(user, talk_id)
    version = edit_version(request, payload.version)
    interviewees = list(talk.interviewees.all())
    if payload.interviewee_ids is not None:
        interviewees = all_of(
            _town_people(talk.unit),
            payload.interviewee_ids,
            field="interviewee_ids",
            refusal="谈话对象须为本镇人员",
        )
    services.edit_talk(
        actor=user,
        talk=talk,
        data=services.TalkEdit(
            talked_on=payload.talked_on if payload.talked_on is not None else talk.talked_on,
            place=payload.place if payload.place is not None else talk.place,
            interviewees=interviewees,
            kind=payload.kind if payload.kind is not None else talk.kind,
            topics=payload.topics if payload.topics is not None else talk.topics,
            other_topics=(
                payload.other_topics if payload.other_topics is not None else talk.other_topics
            ),
            content=payload.content if payload.content is not None else talk.content,
            follow_up=payload.follow_up if payload.follow_up is not None else talk.follow_up,
        ),
        version=version,
    )
    return _detail(access.get_talk_for_user(user, talk.pk), user)


@router.post(
    "/{int:talk_id}/problems",
    response={201: TalkDetailOut, **ERRORS},
    summary="发现问题列入整改台账",
)
def add_problems(request: HttpRequest, talk_id: int, payload: ProblemsIn) -> Status[TalkDetailOut]:
    """Each problem becomes a rectification item (source 谈心谈话); people within the town only.

    The 责任领导 defaults to the interviewer when they lead the town, else its first 组长.
    """
    user = _user(request)
    talk = _writable_talk(user, talk_id)
    people = _town_people(talk.unit)
    leaders = list(users_holding(LEADER_ROLES, on=talk.unit, among=people).order_by("pk"))
    problems = []
    for number, problem in enumerate(payload.problems):
        person = one_of(
            people,
            problem.responsible_person_id,
            field=f"problems.{number}.responsible_person_id",
            refusal="整改责任人须为本镇人员",
        )
        if problem.responsible_leader_id is not None:
            leader = next((p for p in leaders if p.pk == problem.responsible_leader_id), None)
            if leader is None:
                raise ServiceError(
                    "责任领导须为本镇领导小组组长或副组长",
                    field=f"problems.{number}.responsible_leader_id",
                )
        elif talk.interviewer in leaders:
            leader = talk.interviewer
        elif leaders:
            leader = leaders[0]
        else:
            raise ServiceError("本镇尚未设置领导小组组长，无法确定责任领导")
        problems.append(
            services.ProblemInput(
                description=problem.description,
                measures=problem.measures,
                responsible_person=person,
                responsible_leader=leader,
                village=_village_of(talk.unit, problem.village_id, f"problems.{number}.village_id"),
                working_days=problem.working_days,
            )
        )
    services.add_problems(actor=user, talk=talk, problems=problems)
    return Status(201, _detail(access.get_talk_for_user(user, talk.pk), user))


@router.post(
    "/{int:talk_id}/leads", response={201: TalkDetailOut, **ERRORS}, summary="登记发现的线索"
)
def add_leads(request: HttpRequest, talk_id: int, payload: LeadsIn) -> Status[TalkDetailOut]:
    """Each summary is registered as a lead with source 谈心谈话."""
    user = _user(request)
    talk = _writable_talk(user, talk_id)
    services.add_leads(
        actor=user,
        talk=talk,
        summaries=payload.summaries,
        village=_village_of(talk.unit, payload.village_id, "village_id"),
    )
    return Status(201, _detail(access.get_talk_for_user(user, talk.pk), user))
