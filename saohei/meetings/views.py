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
from saohei.common.roles import Role
from saohei.common.uploads import check_uploads
from saohei.leads.access import visible_leads
from saohei.meetings import access, queries, services
from saohei.meetings.forms import (
    AssessForm,
    DecisionForm,
    LeadOpinionForm,
    MeetingForm,
    ProblemForm,
    ScheduleForm,
    SelfInspectionForm,
    ToRectificationForm,
)
from saohei.meetings.models import Meeting, MeetingKind, MeetingSchedule
from saohei.organisations.models import Unit, User

OFFICE = (Role.LEADER, Role.DEPUTY_LEADER, Role.OFFICE_STAFF)


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _town(user: User) -> Unit:
    towns = access.office_towns(user)
    if not towns:
        raise PermissionDenied("您不能登记会议")
    return towns[0]


def _office_meeting(user: User, meeting_id: int) -> Meeting:
    meeting = access.get_meeting_for_user(user, meeting_id)
    if not access.is_office_member(user, meeting.unit):
        raise PermissionDenied("只有本镇扫黑办或领导小组可以修改会议记录")
    return meeting


@role_required(*access.READ_ROLES)
def meeting_list_view(request: HttpRequest) -> HttpResponse:
    user = _actor(request)
    meetings = access.visible_meetings(user).select_related("chair")
    kind = request.GET.get("kind", "")
    if kind in MeetingKind.values:
        meetings = meetings.filter(kind=kind)
    statuses = queries.list_schedule_statuses(user, today=timezone.localdate())
    return render(
        request,
        "meetings/meeting_list.html",
        {
            "meetings": meetings[:200],
            "kinds": MeetingKind.choices,
            "kind": kind,
            "statuses": statuses,
            "is_office": bool(access.office_towns(user)),
        },
    )


def _materials(form: MeetingForm) -> list[services.MaterialIn]:
    data = form.cleaned_data
    if not data["material_title"]:
        return []
    upload = data["material_file"]
    checked = check_uploads([upload])[0] if upload else None
    return [
        services.MaterialIn(data["material_kind"] or "document", data["material_title"], checked)
    ]


@role_required(*OFFICE)
def meeting_create_view(request: HttpRequest) -> HttpResponse:
    user = _actor(request)
    town = _town(user)
    form = MeetingForm(request.POST or None, request.FILES or None, town=town)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = services.record_meeting(
                actor=user,
                unit=town,
                kind=data["kind"],
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
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, "会议已登记。")
            return redirect("meetings:detail", meeting_id=meeting.pk)
    return render(request, "meetings/meeting_form.html", {"form": form, "town": town})


@role_required(*OFFICE)
def meeting_edit_view(request: HttpRequest, meeting_id: int) -> HttpResponse:
    user = _actor(request)
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
    }
    form = MeetingForm(
        request.POST or None,
        request.FILES or None,
        town=meeting.unit,
        editing=True,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_meeting(
                actor=user,
                meeting=meeting,
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
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, "会议记录已修改。")
            return redirect("meetings:detail", meeting_id=meeting.pk)
    return render(
        request,
        "meetings/meeting_form.html",
        {"form": form, "town": meeting.unit, "meeting": meeting},
    )


@role_required(*access.READ_ROLES)
def meeting_detail_view(request: HttpRequest, meeting_id: int) -> HttpResponse:
    user = _actor(request)
    meeting = access.get_meeting_for_user(user, meeting_id)
    is_office = access.is_office_member(user, meeting.unit)
    context: dict[str, Any] = {"meeting": meeting, "is_office": is_office}
    if is_office:
        context.update(
            attendees=meeting.attendees.select_related("unit").order_by("unit__path", "username"),
            materials=meeting.materials.all(),
            decisions=meeting.decisions.select_related("owner", "rectification_item"),
            opinions=meeting.lead_opinions.select_related("lead"),
            decision_form=DecisionForm(town=meeting.unit),
            rectification_form=ToRectificationForm(town=meeting.unit),
            is_analysis=meeting.kind == MeetingKind.ANALYSIS,
            opinion_form=LeadOpinionForm(leads=visible_leads(user).order_by("-id")[:200])
            if meeting.kind == MeetingKind.ANALYSIS
            else None,
        )
    return render(request, "meetings/meeting_detail.html", context)


def _form_errors(form: Any) -> str:
    return "；".join(
        f"{form.fields[name].label if name in form.fields else ''} {error}"
        for name, errors in form.errors.items()
        for error in errors
    )


@require_POST
@role_required(*OFFICE)
def decision_add_view(request: HttpRequest, meeting_id: int) -> HttpResponse:
    user = _actor(request)
    meeting = _office_meeting(user, meeting_id)
    form = DecisionForm(request.POST, town=meeting.unit)
    if not form.is_valid():
        messages.error(request, f"提交的内容有误：{_form_errors(form)}")
    else:
        try:
            services.add_decision(actor=user, meeting=meeting, **form.cleaned_data)
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "决定事项已登记。")
    return redirect("meetings:detail", meeting_id=meeting.pk)


@require_POST
@role_required(*OFFICE)
def decision_rectify_view(request: HttpRequest, meeting_id: int, decision_id: int) -> HttpResponse:
    user = _actor(request)
    meeting = _office_meeting(user, meeting_id)
    decision = meeting.decisions.filter(pk=decision_id).select_related("meeting__unit").first()
    if decision is None:
        raise Http404("决定事项不存在")
    form = ToRectificationForm(request.POST, town=meeting.unit)
    if not form.is_valid():
        messages.error(request, f"提交的内容有误：{_form_errors(form)}")
    else:
        try:
            item = services.decision_to_rectification(
                actor=user, decision=decision, **form.cleaned_data
            )
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "决定事项已列入整改台账。")
            return redirect("rectifications:detail", item_id=item.pk)
    return redirect("meetings:detail", meeting_id=meeting.pk)


@require_POST
@role_required(*OFFICE)
def opinion_add_view(request: HttpRequest, meeting_id: int) -> HttpResponse:
    user = _actor(request)
    meeting = _office_meeting(user, meeting_id)
    form = LeadOpinionForm(request.POST, leads=visible_leads(user))
    if not form.is_valid():
        messages.error(request, f"提交的内容有误：{_form_errors(form)}")
    else:
        try:
            services.record_lead_opinion(actor=user, meeting=meeting, **form.cleaned_data)
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "研判意见已登记。")
    return redirect("meetings:detail", meeting_id=meeting.pk)


# login_required, not role_required: the response streams a file rather than an HttpResponse.
@login_required
def material_download_view(request: HttpRequest, meeting_id: int, material_id: int) -> FileResponse:
    user = _actor(request)
    if not user_has_any_role(user, OFFICE):
        raise PermissionDenied("您没有查看会议材料的权限")
    meeting = _office_meeting(user, meeting_id)
    material = meeting.materials.filter(pk=material_id).exclude(file="").first()
    if material is None:
        raise Http404("材料不存在")
    return FileResponse(
        material.file.open("rb"),
        as_attachment=True,
        filename=material.original_name,
        content_type=material.content_type,
    )


@role_required(*OFFICE)
def self_inspection_list_view(request: HttpRequest) -> HttpResponse:
    inspections = access.visible_self_inspections(_actor(request)).prefetch_related(
        "requirements", "problems"
    )
    return render(request, "meetings/self_inspection_list.html", {"inspections": inspections})


@role_required(*OFFICE)
def self_inspection_create_view(request: HttpRequest) -> HttpResponse:
    user = _actor(request)
    town = _town(user)
    form = SelfInspectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            inspection = services.record_self_inspection(
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


@role_required(*OFFICE)
def self_inspection_detail_view(request: HttpRequest, inspection_id: int) -> HttpResponse:
    user = _actor(request)
    inspection = access.get_self_inspection_for_user(user, inspection_id)
    requirements = list(inspection.requirements.all())
    rows = [
        (
            requirement,
            AssessForm(
                prefix=f"r{requirement.pk}",
                initial={"assessment": requirement.assessment, "note": requirement.note},
            ),
        )
        for requirement in requirements
    ]
    return render(
        request,
        "meetings/self_inspection_detail.html",
        {
            "inspection": inspection,
            "rows": rows,
            "problems": inspection.problems.select_related(
                "requirement", "rectification_item__responsible_person"
            ),
            "problem_form": ProblemForm(
                town=inspection.unit, requirements=inspection.requirements.all()
            ),
        },
    )


@require_POST
@role_required(*OFFICE)
def assess_view(request: HttpRequest, inspection_id: int, requirement_id: int) -> HttpResponse:
    user = _actor(request)
    inspection = access.get_self_inspection_for_user(user, inspection_id)
    requirement = inspection.requirements.filter(pk=requirement_id).first()
    if requirement is None:
        raise Http404("要求不存在")
    form = AssessForm(request.POST, prefix=f"r{requirement.pk}")
    if not form.is_valid():
        messages.error(request, f"提交的内容有误：{_form_errors(form)}")
    else:
        try:
            services.assess_requirement(actor=user, requirement=requirement, **form.cleaned_data)
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"第{requirement.position}项自评已保存。")
    return redirect("meetings:self_inspection", inspection_id=inspection.pk)


@require_POST
@role_required(*OFFICE)
def problem_add_view(request: HttpRequest, inspection_id: int) -> HttpResponse:
    user = _actor(request)
    inspection = access.get_self_inspection_for_user(user, inspection_id)
    form = ProblemForm(
        request.POST, town=inspection.unit, requirements=inspection.requirements.all()
    )
    if not form.is_valid():
        messages.error(request, f"提交的内容有误：{_form_errors(form)}")
    else:
        try:
            services.record_problem(actor=user, inspection=inspection, **form.cleaned_data)
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "问题已列入整改台账。")
    return redirect("meetings:self_inspection", inspection_id=inspection.pk)


@role_required(*OFFICE)
def schedule_view(request: HttpRequest) -> HttpResponse:
    """例会安排: the town's schedules and a form to set one (one per meeting kind)."""
    user = _actor(request)
    town = _town(user)
    form = ScheduleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_schedule(actor=user, unit=town, **form.cleaned_data)
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
