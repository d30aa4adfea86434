from collections.abc import Callable
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from saohei.common.access import role_required, user_has_any_role
from saohei.common.errors import ServiceError
from saohei.common.forms import SearchForm, StyledForm
from saohei.common.http import client_ip, stored_file_download
from saohei.common.paging import keyset_page, query_without_cursor
from saohei.common.thumbnails import thumbnail_response, wants_thumbnail
from saohei.common.uploads import check_uploads
from saohei.common.views import ask_for_files_again, place_bound_form, submit_action_form
from saohei.leads.access import visible_leads
from saohei.meetings import access, queries, self_inspection, services
from saohei.meetings.forms import (
    AssessForm,
    CompleteTaskForm,
    DecisionForm,
    LeadOpinionForm,
    MeetingForm,
    ProblemForm,
    ScheduleForm,
    SelfInspectionForm,
    TaskFilterForm,
    ToRectificationForm,
    ToTaskForm,
)
from saohei.meetings.models import (
    Meeting,
    MeetingDecision,
    MeetingKind,
    MeetingSchedule,
    SelfInspection,
    Task,
)
from saohei.organisations.http import AuthenticatedHttpRequest
from saohei.organisations.models import Unit, User
from saohei.organisations.queries import OFFICE_ROLES, is_office_member, list_office_towns

RECORD = tuple(access.RECORD_ROLES)


def _town(user: User) -> Unit:
    return access.office_town(user)


def _office_meeting(user: User, meeting_id: int) -> Meeting:
    meeting = access.get_meeting_for_user(user, meeting_id)
    if not is_office_member(user, meeting.unit):
        raise PermissionDenied("只有本镇扫黑办或领导小组可以修改会议记录")
    return meeting


def _office_decision(user: User, meeting_id: int, decision_id: int) -> MeetingDecision:
    meeting = _office_meeting(user, meeting_id)
    decision = (
        MeetingDecision.objects.filter(meeting=meeting, pk=decision_id)
        .select_related("owner__unit", "rectification_item", "task__assignee")
        .first()
    )
    if decision is None:
        raise Http404("决定事项不存在")
    decision.meeting = meeting
    return decision


def _office_inspection(user: User, inspection_id: int) -> SelfInspection:
    inspection = access.get_self_inspection_for_user(user, inspection_id)
    if not is_office_member(user, inspection.unit):
        raise PermissionDenied("只有本镇扫黑办或领导小组可以修改自查记录")
    return inspection


@role_required(*access.READ_ROLES)
def meeting_list_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    meetings = access.visible_meetings(user).select_related("chair", "unit")
    kind = request.GET.get("kind", "")
    if kind in MeetingKind.values:
        meetings = meetings.filter(kind=kind)
    search_form, text = SearchForm.read(request.GET, placeholder="名称、地点、议题、纪要、参会人")
    meetings = (
        meetings.none() if search_form.is_refused else queries.search_meetings(meetings, text)
    )
    statuses = queries.list_schedule_statuses(user, today=timezone.localdate())
    record_towns = access.record_towns(user)
    # Newest first, one page at a time: a page costs the same however many meetings there are.
    page = keyset_page(
        meetings,
        field="held_on",
        parse=date.fromisoformat,
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
    )
    return render(
        request,
        "meetings/meeting_list.html",
        {
            "meetings": page.rows,
            "page": page,
            "base_query": query_without_cursor(request),
            "kinds": MeetingKind.choices,
            "kind": kind,
            "search_form": search_form,
            "keep": [("kind", kind)] if kind in MeetingKind.values else [],
            "query": text,
            "statuses": statuses,
            "is_office": bool(list_office_towns(user)),
            "reads_record": bool(record_towns),
            "show_town": len(record_towns) > 1,
        },
    )


def _materials(form: MeetingForm) -> list[services.MaterialIn]:
    data = form.cleaned_data
    if not data["material_title"]:
        return []
    upload = data["material_file"]
    checked = check_uploads([upload], field="material_file")[0] if upload else None
    return [
        services.MaterialIn(data["material_kind"] or "document", data["material_title"], checked)
    ]


@role_required(*OFFICE_ROLES)
def meeting_create_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    town = _town(user)
    form = MeetingForm(request.POST or None, request.FILES or None, town=town)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = services.record_meeting(
                actor=user,
                unit=town,
                kind=data["kind"],
                record=_meeting_record(form),
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, "会议已登记。")
            return redirect("meetings:detail", meeting_id=meeting.pk)
    # A refused form cannot get its files back from the browser: say so beside each.
    ask_for_files_again(request, form)
    return render(request, "meetings/meeting_form.html", {"form": form, "town": town})


def _meeting_record(form: MeetingForm) -> services.MeetingRecord:
    data = form.cleaned_data
    return services.MeetingRecord(
        title=data["title"],
        held_on=data["held_on"],
        place=data["place"],
        chair=data["chair"],
        recorder=data["recorder"],
        attendees=list(data["attendees"]),
        topics=data["topics"],
        reported=data["reported"],
        minutes=data["minutes"],
        materials=_materials(form),
    )


@role_required(*OFFICE_ROLES)
def meeting_edit_view(request: AuthenticatedHttpRequest, meeting_id: int) -> HttpResponse:
    user = request.user
    meeting = _office_meeting(user, meeting_id)
    initial = {
        "title": meeting.title,
        "held_on": meeting.held_on,
        "place": meeting.place,
        "chair": meeting.chair,
        "recorder": meeting.recorder,
        "attendees": list(meeting.attendees.all()),
        "topics": meeting.topics,
        "reported": meeting.reported,
        "minutes": meeting.minutes,
        "version": meeting.version,
    }
    form = MeetingForm(
        request.POST or None,
        request.FILES or None,
        town=meeting.unit,
        editing=True,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_meeting(
                actor=user,
                meeting=meeting,
                record=_meeting_record(form),
                version=form.cleaned_data["version"],
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, "会议记录已修改。")
            return redirect("meetings:detail", meeting_id=meeting.pk)
    # A refused form cannot get its files back from the browser: say so beside each.
    ask_for_files_again(request, form)
    return render(
        request,
        "meetings/meeting_form.html",
        {"form": form, "town": meeting.unit, "meeting": meeting},
    )


@role_required(*access.READ_ROLES)
def meeting_detail_view(request: AuthenticatedHttpRequest, meeting_id: int) -> HttpResponse:
    user = request.user
    return _meeting_page(request, user, access.get_meeting_for_user(user, meeting_id))


def _meeting_page(
    request: HttpRequest,
    user: User,
    meeting: Meeting,
    *,
    bound_form: tuple[str, StyledForm] | None = None,
) -> HttpResponse:
    """The meeting with the forms the office may submit; `bound_form` is the one just refused,
    as (context name, form), shown with what was typed and its errors."""
    is_office = is_office_member(user, meeting.unit)
    reads_record = access.reads_full_record(user, meeting.unit)
    context: dict[str, Any] = {
        "meeting": meeting,
        "is_office": is_office,
        "reads_record": reads_record,
    }
    if reads_record:
        today = timezone.localdate()
        threshold = queries.amber_threshold(today)
        decisions = meeting.decisions.select_related(
            "owner", "rectification_item", "task__assignee"
        )
        rows = []
        for decision in decisions:
            task = queries.task_of(decision)
            due = queries.task_due_state(task, today=today, threshold=threshold) if task else ""
            rows.append((decision, task, due))
        context.update(
            attendees=meeting.attendees.select_related("unit").order_by("unit__path", "username"),
            materials=meeting.materials.all(),
            decision_rows=rows,
            # Opinions only on leads this user may open: a 督导 or a clerk never learns of a
            # lead withheld from them (e.g. one involving an official) through the minutes.
            opinions=meeting.lead_opinions.filter(lead__in=visible_leads(user)).select_related(
                "lead"
            ),
            is_analysis=meeting.kind == MeetingKind.ANALYSIS,
        )
    if is_office:
        context.update(
            decision_form=DecisionForm(town=meeting.unit),
            opinion_form=LeadOpinionForm(leads=visible_leads(user).order_by("-id")[:200])
            if meeting.kind == MeetingKind.ANALYSIS
            else None,
        )
    place_bound_form(request, context, bound_form)
    return render(request, "meetings/meeting_detail.html", context)


def _decision_input(data: dict[str, Any]) -> services.DecisionInput:
    return services.DecisionInput(
        text=data["text"],
        owner=data["owner"],
        due_on=data["due_on"],
        working_days=data["working_days"],
    )


@require_POST
@role_required(*OFFICE_ROLES)
def decision_add_view(request: AuthenticatedHttpRequest, meeting_id: int) -> HttpResponse:
    user = request.user
    meeting = _office_meeting(user, meeting_id)

    def perform(data: dict[str, Any]) -> HttpResponse:
        services.add_decision(actor=user, meeting=meeting, data=_decision_input(data))
        messages.success(request, "决定事项已登记。")
        return redirect("meetings:detail", meeting_id=meeting.pk)

    return submit_action_form(
        request,
        DecisionForm(request.POST, town=meeting.unit),
        perform=perform,
        render_page=lambda form: _meeting_page(
            request, user, meeting, bound_form=("decision_form", form)
        ),
    )


def _decision_page(
    request: HttpRequest,
    decision: MeetingDecision,
    *,
    bound_form: tuple[str, StyledForm] | None = None,
) -> HttpResponse:
    """The decision with what the office may still do with it: edit, hand on as a task, or put
    it on the ledger; once handed on, why it can no longer change. `bound_form` is the one
    just submitted with its errors, as (context name, form)."""
    meeting = decision.meeting
    lock_reason = queries.decision_lock_reason(decision)
    context: dict[str, Any] = {
        "meeting": meeting,
        "decision": decision,
        "task": queries.task_of(decision),
        "lock_reason": lock_reason,
    }
    if not lock_reason:
        context.update(
            edit_form=DecisionForm(
                town=meeting.unit,
                initial={
                    "text": decision.text,
                    "owner": decision.owner,
                    "due_on": decision.due_on,
                    "version": decision.version,
                },
                prefix="edit",
            ),
            task_form=ToTaskForm(town=meeting.unit, prefix="task"),
            rectification_form=ToRectificationForm(town=meeting.unit, prefix="rectify"),
        )
    place_bound_form(request, context, bound_form)
    return render(request, "meetings/decision_detail.html", context)


@role_required(*OFFICE_ROLES)
def decision_detail_view(
    request: AuthenticatedHttpRequest, meeting_id: int, decision_id: int
) -> HttpResponse:
    decision = _office_decision(request.user, meeting_id, decision_id)
    return _decision_page(request, decision)


def _decision_action(
    request: AuthenticatedHttpRequest,
    meeting_id: int,
    decision_id: int,
    *,
    form_class: type[DecisionForm] | type[ToTaskForm] | type[ToRectificationForm],
    prefix: str,
    form_slot: str,
    perform: Callable[[User, MeetingDecision, dict[str, Any]], HttpResponse],
) -> HttpResponse:
    """One POST on a decision: validate, call the service through `perform` (which answers with
    its redirect); a refusal re-renders the decision with this form as typed."""
    user = request.user
    decision = _office_decision(user, meeting_id, decision_id)
    return submit_action_form(
        request,
        form_class(request.POST, town=decision.meeting.unit, prefix=prefix),
        perform=lambda data: perform(user, decision, data),
        render_page=lambda form: _decision_page(request, decision, bound_form=(form_slot, form)),
    )


@require_POST
@role_required(*OFFICE_ROLES)
def decision_edit_view(
    request: AuthenticatedHttpRequest, meeting_id: int, decision_id: int
) -> HttpResponse:
    def perform(user: User, decision: MeetingDecision, data: dict[str, Any]) -> HttpResponse:
        services.edit_decision(
            actor=user, decision=decision, data=_decision_input(data), version=data["version"]
        )
        messages.success(request, "决定事项已修改。")
        return redirect("meetings:detail", meeting_id=decision.meeting_id)

    return _decision_action(
        request,
        meeting_id,
        decision_id,
        form_class=DecisionForm,
        prefix="edit",
        form_slot="edit_form",
        perform=perform,
    )


@require_POST
@role_required(*OFFICE_ROLES)
def decision_task_view(
    request: AuthenticatedHttpRequest, meeting_id: int, decision_id: int
) -> HttpResponse:
    def perform(user: User, decision: MeetingDecision, data: dict[str, Any]) -> HttpResponse:
        task = services.decision_to_task(
            actor=user,
            decision=decision,
            assignee=data["assignee"],
            due_on=data["due_on"],
            working_days=data["working_days"],
        )
        messages.success(request, "决定事项已转为任务，并已通知承办人。")
        return redirect("meetings:task", task_id=task.pk)

    return _decision_action(
        request,
        meeting_id,
        decision_id,
        form_class=ToTaskForm,
        prefix="task",
        form_slot="task_form",
        perform=perform,
    )


@require_POST
@role_required(*OFFICE_ROLES)
def decision_rectify_view(
    request: AuthenticatedHttpRequest, meeting_id: int, decision_id: int
) -> HttpResponse:
    def perform(user: User, decision: MeetingDecision, data: dict[str, Any]) -> HttpResponse:
        item = services.decision_to_rectification(
            actor=user,
            decision=decision,
            measures=data["measures"],
            responsible_leader=data["responsible_leader"],
            village=data["village"],
        )
        messages.success(request, "决定事项已列入整改台账。")
        return redirect("rectifications:detail", item_id=item.pk)

    return _decision_action(
        request,
        meeting_id,
        decision_id,
        form_class=ToRectificationForm,
        prefix="rectify",
        form_slot="rectification_form",
        perform=perform,
    )


@role_required(*access.TASK_ROLES)
def task_list_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """我的任务: one's own tasks; the office and 督导 may widen to every task of their towns."""
    user = request.user
    reads_record = bool(access.record_towns(user))
    assignee = user.has_any_role(access.ASSIGNEE_ROLES)
    state, scope = "", "mine" if assignee else "all"
    form = TaskFilterForm(request.GET or None, initial={"scope": scope})
    # The choice only makes sense to someone who both carries out tasks and reads the town's.
    if not (reads_record and assignee):
        del form.fields["scope"]
    status = 200
    if form.is_bound:
        if form.is_valid():
            state = form.cleaned_data["state"]
            scope = form.cleaned_data.get("scope") or scope
        else:
            status = 400
    today = timezone.localdate()
    threshold = queries.amber_threshold(today)
    tasks: Any = (
        queries.list_tasks(user, state=state, mine=scope == "mine", today=today)
        if status == 200
        else Task.objects.none()
    )
    rows = [
        (task, queries.task_due_state(task, today=today, threshold=threshold))
        for task in tasks[: queries.TASK_LIMIT]
    ]
    return render(
        request,
        "meetings/task_list.html",
        {
            "form": form,
            "rows": rows,
            "limit": queries.TASK_LIMIT,
            "scope": scope,
            "is_office": bool(list_office_towns(user)),
            "reads_record": reads_record,
        },
        status=status,
    )


def _task_page(
    request: AuthenticatedHttpRequest, task: Task, *, form: StyledForm | None = None
) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    can_complete = not task.is_done and access.can_complete_task(user, task)
    return render(
        request,
        "meetings/task_detail.html",
        {
            "task": task,
            "due": queries.task_due_state(
                task, today=today, threshold=queries.amber_threshold(today)
            ),
            "can_complete": can_complete,
            "finished_late": task.done_at is not None
            and timezone.localdate(task.done_at) > task.due_on,
            "form": (form or CompleteTaskForm()) if can_complete else None,
            "links_meeting": access.visible_meetings(user)
            .filter(pk=task.decision.meeting_id)
            .exists(),
        },
    )


@role_required(*access.TASK_ROLES)
def task_detail_view(request: AuthenticatedHttpRequest, task_id: int) -> HttpResponse:
    return _task_page(request, access.get_task_for_user(request.user, task_id))


@require_POST
@role_required(*access.TASK_ROLES)
def task_complete_view(request: AuthenticatedHttpRequest, task_id: int) -> HttpResponse:
    user = request.user
    task = access.get_task_for_user(user, task_id)
    if not access.can_complete_task(user, task):
        raise PermissionDenied("只有承办人或本镇扫黑办、领导小组可以办结任务")

    def perform(data: dict[str, Any]) -> HttpResponse:
        services.complete_task(actor=user, task=task, result=data["result"])
        messages.success(request, "任务已办结。")
        return redirect("meetings:task", task_id=task.pk)

    return submit_action_form(
        request,
        CompleteTaskForm(request.POST),
        perform=perform,
        render_page=lambda form: _task_page(request, task, form=form),
    )


@require_POST
@role_required(*OFFICE_ROLES)
def opinion_add_view(request: AuthenticatedHttpRequest, meeting_id: int) -> HttpResponse:
    user = request.user
    meeting = _office_meeting(user, meeting_id)

    def perform(data: dict[str, Any]) -> HttpResponse:
        services.record_lead_opinion(
            actor=user, meeting=meeting, lead=data["lead"], opinion=data["opinion"]
        )
        messages.success(request, "研判意见已登记。")
        return redirect("meetings:detail", meeting_id=meeting.pk)

    return submit_action_form(
        request,
        LeadOpinionForm(request.POST, leads=visible_leads(user)),
        perform=perform,
        render_page=lambda form: _meeting_page(
            request, user, meeting, bound_form=("opinion_form", form)
        ),
    )


# login_required, not role_required: the response streams a file rather than an HttpResponse.
@login_required
def material_download_view(
    request: AuthenticatedHttpRequest, meeting_id: int, material_id: int
) -> FileResponse:
    user = request.user
    if not user_has_any_role(user, RECORD):
        raise PermissionDenied("您没有查看会议材料的权限")
    meeting = access.get_meeting_for_user(user, meeting_id)
    if not access.reads_full_record(user, meeting.unit):
        raise PermissionDenied("您没有查看会议材料的权限")
    material = meeting.materials.filter(pk=material_id).exclude(file="").first()
    if material is None:
        raise Http404("材料不存在")
    if wants_thumbnail(request):
        return thumbnail_response(material.file, material.content_type)
    services.record_material_downloaded(
        actor=user, meeting=meeting, material=material, ip_address=client_ip(request)
    )
    return stored_file_download(
        material.file, filename=material.original_name, content_type=material.content_type
    )


@role_required(*RECORD)
def self_inspection_list_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    inspections = (
        access.visible_self_inspections(user)
        .select_related("unit")
        .prefetch_related("requirements", "problems")
    )
    record_towns = access.record_towns(user)
    return render(
        request,
        "meetings/self_inspection_list.html",
        {
            "inspections": inspections,
            "is_office": bool(list_office_towns(user)),
            "reads_record": True,
            "show_town": len(record_towns) > 1,
        },
    )


@role_required(*OFFICE_ROLES)
def self_inspection_create_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    town = _town(user)
    form = SelfInspectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            inspection = self_inspection.record_self_inspection(
                actor=user,
                unit=town,
                document_title=data["document_title"],
                document_number=data["document_number"],
                document_on=data["document_on"],
                inspected_on=data["inspected_on"],
                requirements=data["requirements"].splitlines(),
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, "自查自纠已登记，请逐项自评。")
            return redirect("meetings:self_inspection", inspection_id=inspection.pk)
    return render(request, "meetings/self_inspection_form.html", {"form": form, "town": town})


@role_required(*RECORD)
def self_inspection_detail_view(
    request: AuthenticatedHttpRequest, inspection_id: int
) -> HttpResponse:
    user = request.user
    return _self_inspection_page(
        request, user, access.get_self_inspection_for_user(user, inspection_id)
    )


def _self_inspection_page(
    request: HttpRequest,
    user: User,
    inspection: SelfInspection,
    *,
    bound_form: tuple[str, StyledForm] | None = None,
) -> HttpResponse:
    """The checklist with a self-assessment form per requirement and the problem form;
    `bound_form` is the one just refused (`r<id>` for a requirement's, or `problem_form`)."""
    is_office = is_office_member(user, inspection.unit)
    requirements = list(inspection.requirements.all())
    refused = dict([bound_form]) if bound_form else {}
    rows = [
        (
            requirement,
            refused.pop(
                f"r{requirement.pk}",
                AssessForm(
                    prefix=f"r{requirement.pk}",
                    initial={"assessment": requirement.assessment, "note": requirement.note},
                ),
            )
            if is_office
            else None,
        )
        for requirement in requirements
    ]
    context: dict[str, Any] = {
        "inspection": inspection,
        "is_office": is_office,
        "rows": rows,
        "problems": inspection.problems.select_related(
            "requirement", "rectification_item__responsible_person"
        ),
        "problem_form": ProblemForm(
            town=inspection.unit, requirements=inspection.requirements.all()
        )
        if is_office
        else None,
    }
    place_bound_form(request, context, next(iter(refused.items()), None))
    return render(request, "meetings/self_inspection_detail.html", context)


@require_POST
@role_required(*OFFICE_ROLES)
def assess_view(
    request: AuthenticatedHttpRequest, inspection_id: int, requirement_id: int
) -> HttpResponse:
    user = request.user
    inspection = _office_inspection(user, inspection_id)
    requirement = inspection.requirements.filter(pk=requirement_id).first()
    if requirement is None:
        raise Http404("要求不存在")

    def perform(data: dict[str, Any]) -> HttpResponse:
        self_inspection.assess_requirement(
            actor=user, requirement=requirement, assessment=data["assessment"], note=data["note"]
        )
        messages.success(request, f"第{requirement.position}项自评已保存。")
        return redirect("meetings:self_inspection", inspection_id=inspection.pk)

    return submit_action_form(
        request,
        AssessForm(request.POST, prefix=f"r{requirement.pk}"),
        perform=perform,
        render_page=lambda form: _self_inspection_page(
            request, user, inspection, bound_form=(f"r{requirement.pk}", form)
        ),
    )


@require_POST
@role_required(*OFFICE_ROLES)
def problem_add_view(request: AuthenticatedHttpRequest, inspection_id: int) -> HttpResponse:
    user = request.user
    inspection = _office_inspection(user, inspection_id)

    def perform(data: dict[str, Any]) -> HttpResponse:
        self_inspection.record_problem(
            actor=user,
            inspection=inspection,
            data=self_inspection.ProblemInput(
                requirement=data["requirement"],
                description=data["description"],
                measures=data["measures"],
                responsible_leader=data["responsible_leader"],
                responsible_person=data["responsible_person"],
                due_on=data["due_on"],
            ),
        )
        messages.success(request, "问题已列入整改台账。")
        return redirect("meetings:self_inspection", inspection_id=inspection.pk)

    return submit_action_form(
        request,
        ProblemForm(request.POST, town=inspection.unit, requirements=inspection.requirements.all()),
        perform=perform,
        render_page=lambda form: _self_inspection_page(
            request, user, inspection, bound_form=("problem_form", form)
        ),
    )


@role_required(*OFFICE_ROLES)
def schedule_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """例会安排: the town's schedules and a form to set one (one per meeting kind)."""
    user = request.user
    town = _town(user)
    form = ScheduleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.set_schedule(
                actor=user,
                unit=town,
                data=services.ScheduleInput(
                    kind=data["kind"],
                    frequency=data["frequency"],
                    interval=data["interval"],
                    day=data["day"],
                    starts_on=data["starts_on"],
                    is_active=data["is_active"],
                ),
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, "例会安排已保存。")
            return redirect("meetings:schedules")
    return render(
        request,
        "meetings/schedules.html",
        {"form": form, "town": town, "schedules": MeetingSchedule.objects.filter(unit=town)},
    )
