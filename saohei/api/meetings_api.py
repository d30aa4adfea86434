"""/api/v1/meetings — 会议记录, decisions and their tasks, with the pages' access rules
(`meetings.access`).

A meeting, decision or task the account may not see is 404, a refused action 403, a refused
input 400. Village heads and police officers get the title, date, kind and place of meetings they
attended only, and their own tasks; an 上级督导 reads the whole record of the towns under them and
writes nothing. 学习材料 are listed with the meeting, downloaded and added (multipart) as on the
pages (decision 0066).
"""

from datetime import datetime
from typing import Annotated

from django.http import FileResponse, Http404, HttpRequest
from django.utils import timezone
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from saohei.api.downloads import ANY_FILE, binary_200
from saohei.api.ids import all_of, one_of, recording_town
from saohei.api.schemas import ErrorResponse, OneOf, Shown
from saohei.api.uploads import checked_files
from saohei.api.versions import edit_version
from saohei.common.access import user_has_any_role
from saohei.common.dates import DeadlineDay, EventDay, HistoryDay, ShownDay, ShownMoment
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.common.http import client_ip, stored_file_download
from saohei.common.paging import keyset_page
from saohei.leads.access import visible_leads
from saohei.meetings import access, queries, self_inspection, services
from saohei.meetings.models import (
    Meeting,
    MeetingDecision,
    MeetingKind,
    MeetingMaterial,
    MeetingSchedule,
    Requirement,
    SelfInspection,
    Task,
)
from saohei.organisations.models import Unit, User
from saohei.organisations.queries import is_office_member

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
    kind: Annotated[str, Shown(Meeting, "kind")]
    kind_label: str
    title: str
    held_on: ShownDay
    place: str


class DecisionOut(Schema):
    id: int
    text: str
    owner_id: int
    owner: str
    due_on: ShownDay
    rectification_item_id: int | None
    task_id: int | None
    # Why it can no longer be edited or handed on ("" while it still can).
    lock_reason: str
    # Send it back with an edit (or as If-Match): a save over a newer one is refused with 409.
    version: int


class TaskOut(Schema):
    id: int
    unit_id: int
    meeting_id: int
    meeting_title: str
    decision_id: int
    text: str
    assignee_id: int
    assignee: str
    due_on: ShownDay
    due_state: str
    status: Annotated[str, Shown(Task, "status")]
    status_label: str
    result: str
    done_by: str
    done_at: ShownMoment | None


class MeetingMaterialOut(Schema):
    id: int
    kind: Annotated[str, Shown(MeetingMaterial, "kind")]
    kind_label: str
    title: str
    # "" for a material recorded by its title only (no file to download).
    original_name: str
    size: int
    sha256: str


class MeetingDetailOut(MeetingSummaryOut):
    # Empty for attendees outside the office: they see date, kind and place only.
    chair: str
    recorder: str
    attendees: list[str]
    topics: str
    reported: str
    minutes: str
    decisions: list[DecisionOut]
    materials: list[MeetingMaterialOut]
    # Send it back with an edit of the record (or as If-Match): a stale one is 409.
    version: int


class MeetingListQuery(Schema):
    kind: Annotated[str, OneOf(Meeting, "kind", also=("",))] = ""


class MeetingIn(Schema):
    unit_id: int
    kind: Annotated[str, OneOf(Meeting, "kind")]
    title: str
    held_on: EventDay
    place: str
    chair_id: int
    recorder_id: int
    attendee_ids: list[int]
    topics: str
    reported: str = ""
    minutes: str = ""


class DecisionIn(Schema):
    text: str
    owner_id: int
    due_on: DeadlineDay | None = None
    working_days: int | None = None


class DecisionEditIn(DecisionIn):
    # The version read; with it, an edit over someone else's newer save is refused (409).
    version: int | None = None


class ToTaskIn(Schema):
    assignee_id: int | None = None
    due_on: DeadlineDay | None = None
    working_days: int | None = None


class ToRectificationIn(Schema):
    measures: str
    responsible_leader_id: int
    village_id: int | None = None


class TaskListQuery(Schema):
    state: str = ""
    scope: str = ""


class CompleteTaskIn(Schema):
    result: str


class MaterialUploadIn(Schema):
    kind: Annotated[str, OneOf(MeetingMaterial, "kind")]
    title: str


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,no-any-return]


def _town_person(town: Unit, person_id: int, field: str, label: str) -> User:
    people = User.objects.filter(unit__in=Unit.objects.subtree_of(town))
    return one_of(people, person_id, field=field, refusal=f"{label}须为本镇人员")


def _office_meeting(user: User, meeting_id: int) -> Meeting:
    """404 outside the user's sight, 403 when they see it but may not write (督导, 村负责人)."""
    meeting = access.get_meeting_for_user(user, meeting_id)
    if not is_office_member(user, meeting.unit):
        raise ActionNotAllowed("只有本镇扫黑办或领导小组可以修改会议记录")
    return meeting


def _office_decision(user: User, meeting_id: int, decision_id: int) -> MeetingDecision:
    meeting = _office_meeting(user, meeting_id)
    decision = (
        MeetingDecision.objects.filter(meeting=meeting, pk=decision_id)
        .select_related("owner", "task")
        .first()
    )
    if decision is None:
        raise Http404("决定事项不存在")
    decision.meeting = meeting
    return decision


def _decision_out(decision: MeetingDecision) -> DecisionOut:
    task = queries.task_of(decision)
    return DecisionOut(
        id=decision.pk,
        text=decision.text,
        owner_id=decision.owner_id,
        owner=decision.owner.real_name,
        due_on=decision.due_on,
        rectification_item_id=decision.rectification_item_id,
        task_id=task.pk if task else None,
        lock_reason=queries.decision_lock_reason(decision),
        version=decision.version,
    )


def _task_out(task: Task) -> TaskOut:
    today = timezone.localdate()
    return TaskOut(
        id=task.pk,
        unit_id=task.unit_id,
        meeting_id=task.decision.meeting_id,
        meeting_title=task.decision.meeting.title,
        decision_id=task.decision_id,
        text=task.decision.text,
        assignee_id=task.assignee_id,
        assignee=task.assignee.real_name,
        due_on=task.due_on,
        due_state=queries.task_due_state(
            task, today=today, threshold=queries.amber_threshold(today)
        ),
        status=task.status,
        status_label=task.get_status_display(),
        result=task.result,
        done_by=task.done_by.real_name if task.done_by else "",
        done_at=task.done_at,
    )


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
    if not access.reads_full_record(user, meeting.unit):
        return MeetingDetailOut(
            **base,
            chair="",
            recorder="",
            attendees=[],
            topics="",
            reported="",
            minutes="",
            decisions=[],
            materials=[],
            version=meeting.version,
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
            _decision_out(decision)
            for decision in meeting.decisions.select_related("owner", "task")
        ],
        materials=[
            MeetingMaterialOut(
                id=material.pk,
                kind=material.kind,
                kind_label=material.get_kind_display(),
                title=material.title,
                original_name=material.original_name if material.file else "",
                size=material.size,
                sha256=material.sha256,
            )
            for material in meeting.materials.all()
        ],
        version=meeting.version,
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
    town = recording_town(
        payload.unit_id,
        may_record=lambda town: is_office_member(user, town),
        refusal="只能为本镇登记会议",
    )
    people = User.objects.filter(unit__in=Unit.objects.subtree_of(town))
    chair = one_of(people, payload.chair_id, field="chair_id", refusal="主持人须为本镇人员")
    recorder = one_of(
        people, payload.recorder_id, field="recorder_id", refusal="记录人须为本镇人员"
    )
    attendees = all_of(
        people, payload.attendee_ids, field="attendee_ids", refusal="参会人须为本镇人员"
    )
    meeting = services.record_meeting(
        actor=user,
        unit=town,
        kind=payload.kind,
        record=services.MeetingRecord(
            title=payload.title,
            held_on=payload.held_on,
            place=payload.place,
            chair=chair,
            recorder=recorder,
            attendees=attendees,
            topics=payload.topics,
            reported=payload.reported,
            minutes=payload.minutes,
        ),
    )
    return Status(201, _detail(user, access.get_meeting_for_user(user, meeting.pk)))


@router.post(
    "/{int:meeting_id}/decisions", response={201: DecisionOut, **ERRORS}, summary="登记决定事项"
)
def add_decision(request: HttpRequest, meeting_id: int, payload: DecisionIn) -> Status[DecisionOut]:
    user = _user(request)
    meeting = _office_meeting(user, meeting_id)
    decision = services.add_decision(
        actor=user,
        meeting=meeting,
        data=services.DecisionInput(
            text=payload.text,
            owner=_town_person(meeting.unit, payload.owner_id, "owner_id", "责任人"),
            due_on=payload.due_on,
            working_days=payload.working_days,
        ),
    )
    return Status(201, _decision_out(decision))


@router.put(
    "/{int:meeting_id}/decisions/{int:decision_id}",
    response={200: DecisionOut, 409: ErrorResponse, **ERRORS},
    summary="修改决定事项",
)
def edit_decision(
    request: HttpRequest, meeting_id: int, decision_id: int, payload: DecisionEditIn
) -> DecisionOut:
    """Refused (400, with the reason) once the decision became a task or a ledger item; 409
    when `version` (or If-Match) is older than the decision's."""
    user = _user(request)
    decision = _office_decision(user, meeting_id, decision_id)
    version = edit_version(request, payload.version)
    services.edit_decision(
        actor=user,
        decision=decision,
        data=services.DecisionInput(
            text=payload.text,
            owner=_town_person(decision.meeting.unit, payload.owner_id, "owner_id", "责任人"),
            due_on=payload.due_on,
            working_days=payload.working_days,
        ),
        version=version,
    )
    return _decision_out(decision)


@router.post(
    "/{int:meeting_id}/decisions/{int:decision_id}/task",
    response={201: TaskOut, **ERRORS},
    summary="决定事项转为任务",
)
def decision_to_task(
    request: HttpRequest, meeting_id: int, decision_id: int, payload: ToTaskIn
) -> Status[TaskOut]:
    user = _user(request)
    decision = _office_decision(user, meeting_id, decision_id)
    assignee = (
        _town_person(decision.meeting.unit, payload.assignee_id, "assignee_id", "承办人")
        if payload.assignee_id is not None
        else None
    )
    task = services.decision_to_task(
        actor=user,
        decision=decision,
        assignee=assignee,
        due_on=payload.due_on,
        working_days=payload.working_days,
    )
    return Status(201, _task_out(access.get_task_for_user(user, task.pk)))


@router.post(
    "/{int:meeting_id}/decisions/{int:decision_id}/rectification",
    response={201: DecisionOut, **ERRORS},
    summary="决定事项列入整改台账",
)
def decision_to_rectification(
    request: HttpRequest, meeting_id: int, decision_id: int, payload: ToRectificationIn
) -> Status[DecisionOut]:
    user = _user(request)
    decision = _office_decision(user, meeting_id, decision_id)
    town = decision.meeting.unit
    village = None
    if payload.village_id is not None:
        village = one_of(
            Unit.objects.filter(parent=town),
            payload.village_id,
            field="village_id",
            refusal="所属村须为本镇的村（社区）",
        )
    services.decision_to_rectification(
        actor=user,
        decision=decision,
        measures=payload.measures,
        responsible_leader=_town_person(
            town, payload.responsible_leader_id, "responsible_leader_id", "责任领导"
        ),
        village=village,
    )
    return Status(201, _decision_out(decision))


@router.get("/tasks", response={200: list[TaskOut], **ERRORS}, summary="会议任务列表")
def list_tasks(request: HttpRequest, filters: Query[TaskListQuery]) -> list[TaskOut]:
    """scope=mine (default for people who carry out tasks) or all (the towns one reads)."""
    user = _user(request)
    if filters.state and filters.state not in queries.TASK_STATES:
        raise ServiceError("状态只能是 open、overdue 或 done", field="state")
    if filters.scope not in ("", "mine", "all"):
        raise ServiceError("范围只能是 mine 或 all", field="scope")
    scope = filters.scope or ("mine" if user.has_any_role(access.ASSIGNEE_ROLES) else "all")
    tasks = queries.list_tasks(
        user, state=filters.state, mine=scope == "mine", today=timezone.localdate()
    )
    return [_task_out(task) for task in tasks[: queries.TASK_LIMIT]]


@router.get("/tasks/{int:task_id}", response={200: TaskOut, **ERRORS}, summary="会议任务详情")
def get_task(request: HttpRequest, task_id: int) -> TaskOut:
    return _task_out(access.get_task_for_user(_user(request), task_id))


@router.post(
    "/tasks/{int:task_id}/complete", response={200: TaskOut, **ERRORS}, summary="办结会议任务"
)
def complete_task(request: HttpRequest, task_id: int, payload: CompleteTaskIn) -> TaskOut:
    user = _user(request)
    task = access.get_task_for_user(user, task_id)
    services.complete_task(actor=user, task=task, result=payload.result)
    return _task_out(task)


@router.post(
    "/{int:meeting_id}/materials",
    response={201: MeetingDetailOut, 413: ErrorResponse, **ERRORS},
    summary="添加学习材料",
)
def add_material(
    request: HttpRequest,
    meeting_id: int,
    payload: Form[MaterialUploadIn],
    file: File[UploadedFile],
) -> Status[MeetingDetailOut]:
    """multipart/form-data: `kind` (学习文件 / 典型案例), `title` and its `file`, checked by its
    content as on the page's form; the office's only (a 督导 or attendee: 403)."""
    user = _user(request)
    meeting = _office_meeting(user, meeting_id)
    upload = checked_files([file], field="file")[0]
    services.add_materials(
        actor=user,
        meeting=meeting,
        materials=[services.MaterialIn(payload.kind, payload.title, upload)],
    )
    return Status(201, _detail(user, access.get_meeting_for_user(user, meeting_id)))


@router.get(
    "/{int:meeting_id}/materials/{int:material_id}",
    response=ERRORS,
    summary="下载学习材料",
    openapi_extra=binary_200(ANY_FILE, "材料文件，类型为上传时按内容识别的类型"),
)
def download_material(request: HttpRequest, meeting_id: int, material_id: int) -> FileResponse:
    """The page's checks in its order: a reader of full records (else 403), the meeting in
    sight (else 404), a material with a file (else 404); every download audited."""
    user = _user(request)
    if not user_has_any_role(user, access.RECORD_ROLES):
        raise ActionNotAllowed("您没有查看会议材料的权限")
    meeting = access.get_meeting_for_user(user, meeting_id)
    if not access.reads_full_record(user, meeting.unit):
        raise ActionNotAllowed("您没有查看会议材料的权限")
    material = meeting.materials.filter(pk=material_id).exclude(file="").first()
    if material is None:
        raise Http404("材料不存在")
    services.record_material_downloaded(
        actor=user, meeting=meeting, material=material, ip_address=client_ip(request)
    )
    return stored_file_download(
        material.file, filename=material.original_name, content_type=material.content_type
    )


# Parity with the pages (decision 0066): the record's edit, 研判意见 and 自查自纠.


class MeetingEditIn(Schema):
    """The record as the page's edit form has it; the kind stays what it was."""

    title: str
    held_on: EventDay
    place: str
    chair_id: int
    recorder_id: int
    attendee_ids: list[int]
    topics: str
    reported: str = ""
    minutes: str = ""
    # The version read (`version` of the detail, or If-Match): a save over a newer one is 409.
    version: int | None = None


class LeadOpinionIn(Schema):
    lead_id: int
    opinion: str


class LeadOpinionOut(Schema):
    id: int
    meeting_id: int
    lead_id: int
    opinion: str


class RequirementOut(Schema):
    id: int
    position: int
    text: str
    assessment: Annotated[str, Shown(Requirement, "assessment")]
    assessment_label: str
    note: str


class SelfInspectionProblemOut(Schema):
    id: int
    requirement_id: int | None
    description: str
    rectification_item_id: int


class SelfInspectionOut(Schema):
    id: int
    unit_id: int
    document_title: str
    document_number: str
    document_on: ShownDay
    inspected_on: ShownDay


class SelfInspectionDetailOut(SelfInspectionOut):
    requirements: list[RequirementOut]
    problems: list[SelfInspectionProblemOut]


class SelfInspectionPageOut(Schema):
    items: list[SelfInspectionOut]
    next_cursor: str


class SelfInspectionListQuery(Schema):
    after: str = ""


class SelfInspectionIn(Schema):
    unit_id: int
    document_title: str
    document_number: str = ""
    document_on: HistoryDay
    inspected_on: EventDay
    requirements: list[str] = Field(description="上级要求，每项一条")


class AssessmentIn(Schema):
    requirement_id: int
    assessment: Annotated[str, OneOf(Requirement, "assessment")]
    note: str = ""


class SelfInspectionProblemIn(Schema):
    requirement_id: int | None = None
    description: str
    measures: str
    responsible_leader_id: int
    responsible_person_id: int
    due_on: DeadlineDay | None = None


@router.put(
    "/{int:meeting_id}",
    response={200: MeetingDetailOut, 409: ErrorResponse, **ERRORS},
    summary="修改会议记录",
)
def edit_meeting(request: HttpRequest, meeting_id: int, payload: MeetingEditIn) -> MeetingDetailOut:
    """The office's (`update_meeting`, audited); people looked up within the town only; 409
    when `version` (or If-Match) is older than the record's. 学习材料 are added with
    `POST …/materials`."""
    user = _user(request)
    meeting = _office_meeting(user, meeting_id)
    version = edit_version(request, payload.version)
    town = meeting.unit
    people = User.objects.filter(unit__in=Unit.objects.subtree_of(town))
    services.update_meeting(
        actor=user,
        meeting=meeting,
        record=services.MeetingRecord(
            title=payload.title,
            held_on=payload.held_on,
            place=payload.place,
            chair=one_of(people, payload.chair_id, field="chair_id", refusal="主持人须为本镇人员"),
            recorder=one_of(
                people, payload.recorder_id, field="recorder_id", refusal="记录人须为本镇人员"
            ),
            attendees=all_of(
                people, payload.attendee_ids, field="attendee_ids", refusal="参会人须为本镇人员"
            ),
            topics=payload.topics,
            reported=payload.reported,
            minutes=payload.minutes,
        ),
        version=version,
    )
    return _detail(user, access.get_meeting_for_user(user, meeting_id))


@router.post(
    "/{int:meeting_id}/opinions",
    response={201: LeadOpinionOut, **ERRORS},
    summary="登记研判意见",
)
def add_opinion(
    request: HttpRequest, meeting_id: int, payload: LeadOpinionIn
) -> Status[LeadOpinionOut]:
    """At a 研判会, on a lead the account may open (else 400 naming `lead_id`); the office's."""
    user = _user(request)
    meeting = _office_meeting(user, meeting_id)
    lead = one_of(
        visible_leads(user), payload.lead_id, field="lead_id", refusal="线索不存在或您无权查看"
    )
    entry = services.record_lead_opinion(
        actor=user, meeting=meeting, lead=lead, opinion=payload.opinion
    )
    return Status(
        201,
        LeadOpinionOut(id=entry.pk, meeting_id=meeting.pk, lead_id=lead.pk, opinion=entry.opinion),
    )


def _self_inspection_reader(user: User) -> None:
    """The pages' `role_required(RECORD_ROLES)`: the office and its 督导."""
    if not user_has_any_role(user, access.RECORD_ROLES):
        raise ActionNotAllowed("您没有查看自查自纠的权限")


def _office_inspection(user: User, inspection_id: int) -> SelfInspection:
    _self_inspection_reader(user)
    inspection = access.get_self_inspection_for_user(user, inspection_id)
    if not is_office_member(user, inspection.unit):
        raise ActionNotAllowed("只有本镇扫黑办或领导小组可以修改自查记录")
    return inspection


def _inspection_fields(inspection: SelfInspection) -> dict[str, object]:
    return {
        "id": inspection.pk,
        "unit_id": inspection.unit_id,
        "document_title": inspection.document_title,
        "document_number": inspection.document_number,
        "document_on": inspection.document_on,
        "inspected_on": inspection.inspected_on,
    }


def _inspection_detail(inspection: SelfInspection) -> SelfInspectionDetailOut:
    return SelfInspectionDetailOut(
        **_inspection_fields(inspection),  # type: ignore[arg-type]
        requirements=[
            RequirementOut(
                id=requirement.pk,
                position=requirement.position,
                text=requirement.text,
                assessment=requirement.assessment,
                assessment_label=requirement.get_assessment_display(),
                note=requirement.note,
            )
            for requirement in inspection.requirements.all()
        ],
        problems=[
            SelfInspectionProblemOut(
                id=problem.pk,
                requirement_id=problem.requirement_id,
                description=problem.description,
                rectification_item_id=problem.rectification_item_id,
            )
            for problem in inspection.problems.all()
        ],
    )


@router.get(
    "/self-inspections",
    response={200: SelfInspectionPageOut, **ERRORS},
    summary="自查自纠列表",
)
def list_self_inspections(
    request: HttpRequest, filters: Query[SelfInspectionListQuery]
) -> SelfInspectionPageOut:
    """Newest registered first, 50 a page; follow `next_cursor` with `after`."""
    user = _user(request)
    _self_inspection_reader(user)
    page = keyset_page(
        access.visible_self_inspections(user),
        field="created_at",
        parse=datetime.fromisoformat,
        after=filters.after,
    )
    return SelfInspectionPageOut(
        items=[SelfInspectionOut(**_inspection_fields(row)) for row in page.rows],  # type: ignore[arg-type]
        next_cursor=page.next_cursor,
    )


@router.get(
    "/self-inspections/{int:inspection_id}",
    response={200: SelfInspectionDetailOut, **ERRORS},
    summary="自查自纠详情",
)
def get_self_inspection(request: HttpRequest, inspection_id: int) -> SelfInspectionDetailOut:
    user = _user(request)
    _self_inspection_reader(user)
    return _inspection_detail(access.get_self_inspection_for_user(user, inspection_id))


@router.post(
    "/self-inspections",
    response={201: SelfInspectionDetailOut, **ERRORS},
    summary="登记自查自纠",
)
def create_self_inspection(
    request: HttpRequest, payload: SelfInspectionIn
) -> Status[SelfInspectionDetailOut]:
    user = _user(request)
    town = recording_town(
        payload.unit_id,
        may_record=lambda town: is_office_member(user, town),
        refusal="只能为本镇登记自查自纠",
    )
    inspection = self_inspection.record_self_inspection(
        actor=user,
        unit=town,
        document_title=payload.document_title,
        document_number=payload.document_number,
        document_on=payload.document_on,
        inspected_on=payload.inspected_on,
        requirements=payload.requirements,
    )
    return Status(201, _inspection_detail(inspection))


@router.post(
    "/self-inspections/{int:inspection_id}/assessments",
    response={200: SelfInspectionDetailOut, **ERRORS},
    summary="逐项自评",
)
def assess(
    request: HttpRequest, inspection_id: int, payload: AssessmentIn
) -> SelfInspectionDetailOut:
    """One requirement's 自评 (`assess_requirement`): short of 达标 it needs a `note`."""
    user = _user(request)
    inspection = _office_inspection(user, inspection_id)
    requirement = one_of(
        inspection.requirements.all(),
        payload.requirement_id,
        field="requirement_id",
        refusal="要求不属于本次自查",
    )
    self_inspection.assess_requirement(
        actor=user, requirement=requirement, assessment=payload.assessment, note=payload.note
    )
    return _inspection_detail(inspection)


@router.post(
    "/self-inspections/{int:inspection_id}/problems",
    response={201: SelfInspectionDetailOut, **ERRORS},
    summary="登记自查问题（列入整改台账）",
)
def add_self_inspection_problem(
    request: HttpRequest, inspection_id: int, payload: SelfInspectionProblemIn
) -> Status[SelfInspectionDetailOut]:
    user = _user(request)
    inspection = _office_inspection(user, inspection_id)
    requirement = (
        one_of(
            inspection.requirements.all(),
            payload.requirement_id,
            field="requirement_id",
            refusal="要求不属于本次自查",
        )
        if payload.requirement_id is not None
        else None
    )
    self_inspection.record_problem(
        actor=user,
        inspection=inspection,
        data=self_inspection.ProblemInput(
            requirement=requirement,
            description=payload.description,
            measures=payload.measures,
            responsible_leader=_town_person(
                inspection.unit, payload.responsible_leader_id, "responsible_leader_id", "责任领导"
            ),
            responsible_person=_town_person(
                inspection.unit, payload.responsible_person_id, "responsible_person_id", "责任人"
            ),
            due_on=payload.due_on,
        ),
    )
    return Status(201, _inspection_detail(inspection))


class MeetingScheduleOut(Schema):
    id: int
    unit_id: int
    kind: Annotated[str, Shown(MeetingSchedule, "kind")]
    kind_label: str
    frequency: Annotated[str, Shown(MeetingSchedule, "frequency")]
    frequency_label: str
    interval: int = Field(description="按月时每几个月一次")
    day: int = Field(description="按月：每月第几日（1–28）；按周：星期几（1–7）")
    starts_on: ShownDay
    is_active: bool


class MeetingScheduleIn(Schema):
    kind: Annotated[str, OneOf(MeetingSchedule, "kind")]
    frequency: Annotated[str, OneOf(MeetingSchedule, "frequency")]
    interval: int = Field(1, ge=1, le=12, description="按月时每几个月一次")
    day: int = Field(ge=1, le=28, description="按月：每月第几日（1–28）；按周：星期几（1–7）")
    starts_on: DeadlineDay
    is_active: bool = True


def _schedule_out(schedule: MeetingSchedule) -> MeetingScheduleOut:
    return MeetingScheduleOut(
        id=schedule.pk,
        unit_id=schedule.unit_id,
        kind=schedule.kind,
        kind_label=schedule.get_kind_display(),
        frequency=schedule.frequency,
        frequency_label=schedule.get_frequency_display(),
        interval=schedule.interval,
        day=schedule.day,
        starts_on=schedule.starts_on,
        is_active=schedule.is_active,
    )


@router.get("/schedules", response={200: list[MeetingScheduleOut], **ERRORS}, summary="例会安排")
def list_schedules(request: HttpRequest) -> list[MeetingScheduleOut]:
    """The page's 例会安排: the account's office town's schedules, one per meeting kind; the
    town's office only (else 403)."""
    town = access.office_town(_user(request))
    return [_schedule_out(row) for row in MeetingSchedule.objects.filter(unit=town)]


@router.put("/schedules", response={200: MeetingScheduleOut, **ERRORS}, summary="设置例会安排")
def set_schedule(request: HttpRequest, payload: MeetingScheduleIn) -> MeetingScheduleOut:
    """One schedule per meeting kind: set again, it is replaced (the page's `set_schedule`)."""
    user = _user(request)
    schedule = services.set_schedule(
        actor=user,
        unit=access.office_town(user),
        data=services.ScheduleInput(
            kind=payload.kind,
            frequency=payload.frequency,
            interval=payload.interval,
            day=payload.day,
            starts_on=payload.starts_on,
            is_active=payload.is_active,
        ),
    )
    return _schedule_out(schedule)
