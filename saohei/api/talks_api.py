"""/api/v1/talks — 谈心谈话, with the pages' access rules (`accountability.access`).

A talk the account may not see is 404, a refused action 403 (a village head or police officer
who took part, a 上级督导: they read, never write), a refused input 400, a malformed body 422.
Problems found go onto the rectification ledger and leads into the lead register, through the
same services as the pages; a correction of a reviewed talk puts it back in the review queue.
"""

from typing import Annotated, Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from saohei.accountability import access, queries, services
from saohei.accountability.forms import PeriodForm
from saohei.accountability.models import Talk, TalkReview
from saohei.accountability.queries import found_in_talk
from saohei.api.ids import all_of, one_of, recording_town
from saohei.api.schemas import ErrorResponse, OneOf, Shown
from saohei.api.versions import edit_version
from saohei.common.dates import EventDay, PeriodDay, ShownDay, ShownMoment
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


class CoverageQuery(Schema):
    town_id: int | None = Field(None, description="镇（街道）；不填为可查看的第一个")
    start: PeriodDay | None = Field(None, description="起；不填为一年前的今天")
    end: PeriodDay | None = Field(None, description="止；不填为今天")


class CoverageRowOut(Schema):
    label: str = Field(description="村（社区），或派出所所长、教导员")
    people: list[str] = Field(description="应谈对象")
    interviewers: list[str]
    talked_on: list[ShownDay]
    is_covered: bool


class CoverageOut(Schema):
    town_id: int
    town: str
    start: ShownDay
    end: ShownDay
    summary: str
    villages: list[CoverageRowOut]
    police: list[CoverageRowOut]
    can_review: bool


def _coverage_row(row: queries.CoverageRow) -> CoverageRowOut:
    return CoverageRowOut(
        label=row.label,
        people=[person.real_name for person in row.people],
        interviewers=row.interviewers,
        talked_on=row.talked_on,
        is_covered=row.is_covered,
    )


@router.get("/coverage", response={200: CoverageOut, **ERRORS}, summary="谈话覆盖情况")
def talk_coverage(request: HttpRequest, query: Query[CoverageQuery]) -> CoverageOut:
    """The coverage page: which village heads and police leaders were talked with in the period,
    and by whom; the town's readers (`access.reader_town`: 403 without a town, 404 for one
    outside them); the period checked by the page's form (a 400 naming the field)."""
    user = _user(request)
    town, _ = access.reader_town(user, query.town_id)
    start, end = PeriodForm.default_period()
    if query.start is not None or query.end is not None:
        form = PeriodForm({"start": query.start or start, "end": query.end or end})
        if not form.is_valid():
            field, errors = next(iter(form.errors.items()))
            raise ServiceError(str(errors[0]), field=field)
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    coverage = queries.get_coverage(town, start=start, end=end)
    return CoverageOut(
        town_id=town.pk,
        town=town.name,
        start=coverage.start,
        end=coverage.end,
        summary=coverage.summary,
        villages=[_coverage_row(row) for row in coverage.villages],
        police=[_coverage_row(row) for row in coverage.police],
        can_review=access.can_review(user, town),
    )


class TalkReviewQuery(Schema):
    town_id: int | None = Field(None, description="镇（街道）；不填为可查看的第一个")


class TalkReviewOut(Schema):
    id: int
    covers_until: ShownDay
    opinion: str
    reviewer: str
    reviewed_at: ShownMoment


class TalkReviewQueueOut(Schema):
    town_id: int
    town: str
    can_review: bool = Field(description="本账号能否梳理（组长、副组长）；督导只能查看")
    unreviewed: list[TalkSummaryOut]
    reviews: list[TalkReviewOut] = Field(description="最近的梳理记录")


class TalkReviewIn(Schema):
    town_id: int | None = Field(None, description="镇（街道）；不填为可查看的第一个")
    covers_until: EventDay
    opinion: str = Field(min_length=1)


def _review_out(review: TalkReview) -> TalkReviewOut:
    return TalkReviewOut(
        id=review.pk,
        covers_until=review.covers_until,
        opinion=review.opinion,
        reviewer=review.reviewer.real_name,
        reviewed_at=review.reviewed_at,
    )


def _review_queue(user: User, town: Unit) -> TalkReviewQueueOut:
    return TalkReviewQueueOut(
        town_id=town.pk,
        town=town.name,
        can_review=access.can_review(user, town),
        unreviewed=[
            TalkSummaryOut(**_summary(talk))  # type: ignore[arg-type]
            for talk in queries.review_queue(user, town)
        ],
        reviews=[_review_out(review) for review in queries.recent_reviews(town)],
    )


@router.get("/review", response={200: TalkReviewQueueOut, **ERRORS}, summary="定期梳理")
def review_queue(request: HttpRequest, query: Query[TalkReviewQuery]) -> TalkReviewQueueOut:
    """The review page: the town's talks not yet signed off and its latest reviews; the town's
    组长/副组长, and its 督导 to read (`access.require_review_reader`)."""
    user = _user(request)
    town, _ = access.reader_town(user, query.town_id)
    access.require_review_reader(user, town)
    return _review_queue(user, town)


@router.post("/review", response={201: TalkReviewQueueOut, **ERRORS}, summary="梳理谈话记录")
def review_talks(request: HttpRequest, payload: TalkReviewIn) -> Status[TalkReviewQueueOut]:
    """定期梳理: every unreviewed talk of the town up to `covers_until` signed off with the
    opinion (`services.review_talks`: the town's leaders only, else 403)."""
    user = _user(request)
    town, _ = access.reader_town(user, payload.town_id)
    services.review_talks(
        actor=user, unit=town, covers_until=payload.covers_until, opinion=payload.opinion
    )
    return Status(201, _review_queue(user, town))


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
