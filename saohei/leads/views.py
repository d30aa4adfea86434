from collections.abc import Callable
from typing import IO, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from saohei.common.access import role_required
from saohei.common.errors import ServiceError
from saohei.common.forms import StyledForm
from saohei.common.http import client_ip, stamped_name, stored_file_download, streamed_download
from saohei.common.paging import query_without_cursor
from saohei.common.suggestions import suggested_initial
from saohei.common.thumbnails import thumbnail_response, wants_thumbnail
from saohei.common.uploads import check_uploads
from saohei.common.validation import parse_id
from saohei.common.views import (
    ask_for_files_again,
    form_page,
    place_bound_form,
    submit_action_form,
    summarise_errors,
)
from saohei.leads import access, queries, services
from saohei.leads.downloads import (
    DOCX_TYPE,
    feedback_document,
    list_filter_form,
    write_lead_ledger,
)
from saohei.leads.forms import (
    AssignForm,
    ExtendForm,
    FactsForm,
    FeedbackForm,
    FollowUpForm,
    InvestigationForm,
    LeadFilterForm,
    LeadForm,
    OtherLeadForm,
    ProposeForm,
    SignOffForm,
    SubjectEditForm,
    SubjectForm,
    SubjectFormSet,
    SubjectPlatesForm,
    SubjectRemoveForm,
    TextForm,
)
from saohei.leads.models import Lead, Status
from saohei.leads.notices import delivery_message, instruction_recipients
from saohei.organisations.http import AuthenticatedHttpRequest
from saohei.organisations.models import User
from saohei.organisations.queries import OFFICE_ROLES, is_office_member
from saohei.workdays.calendar import deadline_warning

Actor = User


def _list_filters(
    request: HttpRequest, user: User
) -> tuple[LeadFilterForm, queries.LeadFilters | None]:
    """The list page's filter form; `None` filters when the input was invalid."""
    return list_filter_form(user, request.GET)


@login_required
def lead_list_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    form, filters = _list_filters(request, user)
    leads = queries.filter_leads(user, filters) if filters is not None else Lead.objects.none()
    page = queries.page_of_leads(
        leads, after=request.GET.get("after", ""), before=request.GET.get("before", "")
    )
    today = timezone.localdate()
    threshold = queries.amber_threshold(today)
    rows = [
        (lead, queries.due_state(lead, today=today, threshold=threshold)) for lead in page.leads
    ]
    return render(
        request,
        "leads/lead_list.html",
        {
            "form": form,
            "rows": rows,
            "page": page,
            "count": queries.capped_count(leads),
            "base_query": query_without_cursor(request),
            "can_register": bool(access.registrable_towns(user)),
        },
    )


def _subject_input(data: dict[str, Any]) -> services.SubjectInput:
    """A subject as `SubjectForm` cleaned it (on the lead's form or added later)."""
    return services.SubjectInput(
        name=data["name"],
        alias=data["alias"],
        id_number=data["id_number"],
        phone=data["phone"],
        address=data["address"],
        village=data["village"],
        role=data["role"],
        position=data["position"],
        plates=data["plates"],
    )


@login_required
def lead_create_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    towns = access.registrable_towns(user)
    if not towns:
        raise Http404("您没有登记线索的权限")
    town = towns[0]
    wanted_town = parse_id(request.GET.get("town"))
    if wanted_town:
        town = next((t for t in towns if t.pk == wanted_town), town)
    form = LeadForm(
        request.POST or None,
        request.FILES or None,
        town=town,
        sources=access.registrable_sources(user, town),
    )
    subject_forms = SubjectFormSet(
        request.POST or None, prefix="subjects", form_kwargs={"town": town}
    )
    if request.method == "POST" and form.is_valid() and subject_forms.is_valid():
        data = form.cleaned_data
        try:
            uploads = check_uploads(data["attachments"])
            reporter = None
            if any(data[f].strip() for f in LeadForm.REPORTER_FIELDS):
                reporter = services.ReporterInput(
                    name=data["reporter_name"],
                    phone=data["reporter_phone"],
                    id_number=data["reporter_id_number"],
                    address=data["reporter_address"],
                )
            lead = services.register_lead(
                actor=user,
                unit=town,
                data=services.LeadInput(
                    received_at=data["received_at"],
                    channel=data["channel"],
                    source=data["source"],
                    summary=data["summary"],
                    narrative=data["narrative"],
                    village=data["village"],
                    place=data["place"],
                    target_category=data["target_category"],
                    offence_types=list(data["offence_types"]),
                    involves_official=data["involves_official"],
                    upstream_office=data["upstream_office"],
                    upstream_reference=data["upstream_reference"],
                    upstream_deadline=data["upstream_deadline"],
                    subjects=[
                        _subject_input(subject)
                        for subject in subject_forms.cleaned_data
                        if subject.get("name")
                    ],
                    reporter=reporter,
                    attachments=uploads,
                ),
            )
        except ServiceError as error:
            if error.field in ("id_number", "phone", "plates", "subjects"):
                messages.error(request, f"被反映人信息有误：{error.message}")
            else:
                form.add_service_error(error)
        else:
            messages.success(request, f"线索已登记，编号 {lead.number}。")
            return redirect("leads:detail", lead_id=lead.pk)
    refused = request.method == "POST"
    if refused:
        ask_for_files_again(request, form)
        messages.error(request, summarise_errors(form, *subject_forms))
    return render(
        request,
        "leads/lead_form.html",
        {"form": form, "subject_forms": subject_forms, "town": town, "towns": towns},
        status=400 if refused else 200,
    )


@login_required
def lead_detail_view(request: AuthenticatedHttpRequest, lead_id: int) -> HttpResponse:
    user = request.user
    lead = access.get_lead_for_user(user, lead_id)
    services.record_lead_viewed(actor=user, lead=lead, ip_address=client_ip(request))
    return _lead_page(request, user, lead)


def _lead_page(
    request: HttpRequest,
    user: User,
    lead: Lead,
    *,
    bound_form: tuple[str, StyledForm] | None = None,
) -> HttpResponse:
    """The lead with the forms this user may submit; `bound_form` is the one just refused, as
    (context name, form), shown with what was typed and its errors."""
    is_office = is_office_member(user, lead.unit)
    can_sign = access.can_sign_off(user, lead)
    can_investigate = access.can_investigate(user, lead)
    today = timezone.localdate()
    context: dict[str, Any] = {
        "lead": lead,
        "due_state": queries.due_state(lead, today=today, threshold=queries.amber_threshold(today)),
        "deadline_warning": deadline_warning(lead.due_on) if lead.due_on and lead.is_open else "",
        "subjects": list(lead.subjects.select_related("village").prefetch_related("plates")),
        "offence_types": lead.offence_types.all(),
        "events": lead.events.select_related("actor", "actor_unit"),
        "entries": lead.investigation_entries.select_related(
            "author", "author_unit"
        ).prefetch_related("attachments"),
        "attachments": lead.attachments.filter(entry__isnull=True),
        "instructions": lead.instructions.select_related("author", "acknowledged_by"),
        "feedbacks": lead.feedbacks.select_related("author"),
        "follow_ups": lead.follow_ups.select_related("author"),
        "links": lead.links.select_related("other"),
        "exchange": queries.exchange_log(lead) if lead.police_unit_id else [],
        "is_office": is_office,
        "can_sign": can_sign,
        "can_investigate": can_investigate,
        "is_police": access.is_police_for(user, lead),
        "can_reveal": access.can_see_full_identifiers(user, lead),
        "duplicates": queries.possible_duplicates(lead, viewer=user)
        if is_office and lead.is_open
        else [],
        "Status": Status,
    }
    if is_office:
        context.update(
            triage_form=TextForm(prefix="triage"),
            assign_form=AssignForm(
                town=lead.unit,
                initial={
                    "handling_unit": lead.handling_unit,
                    "handler": lead.handler,
                    "police_unit": lead.police_unit,
                    "due_on": lead.due_on,
                },
            ),
            feedback_form=FeedbackForm(
                initial={"fed_back_on": today, "recipient": lead.upstream_office}
            ),
            follow_up_form=FollowUpForm(initial={"contacted_on": today}),
            other_form=OtherLeadForm(),
        )
    if context["is_police"]:
        context["police_form"] = TextForm(prefix="police", label="反馈内容")
    if can_investigate:
        context.update(
            investigation_form=InvestigationForm(initial={"occurred_on": today}),
            propose_form=ProposeForm(),
        )
    if can_sign:
        context.update(
            sign_off_form=SignOffForm(),
            extend_form=ExtendForm(),
            instruction_form=TextForm(prefix="instruction", label="批示内容"),
            reopen_form=TextForm(prefix="reopen", label="理由"),
        )
    for instruction in context["instructions"]:
        if not instruction.answered_at:
            instruction.answer_form = TextForm(prefix=f"answer{instruction.pk}", label="落实情况")
    if is_office and lead.is_open:
        for subject in context["subjects"]:
            subject.plates_form = SubjectPlatesForm(
                prefix=f"plates{subject.pk}",
                initial={"plates": [plate.number for plate in subject.plates.all()]},
            )
    if bound_form is not None and bound_form[0].startswith("plates"):
        # A subject's plates form lives on the subject in the table.
        edited = next((s for s in context["subjects"] if f"plates{s.pk}" == bound_form[0]), None)
        if edited is not None:
            edited.plates_form = bound_form[1]
            bound_form = None
    if bound_form is not None and bound_form[0].startswith("answer"):
        # An instruction's answer form lives on the instruction in the list.
        answered = next(
            (i for i in context["instructions"] if f"answer{i.pk}" == bound_form[0]), None
        )
        if answered is not None and hasattr(answered, "answer_form"):
            answered.answer_form = bound_form[1]
            bound_form = None
    place_bound_form(request, context, bound_form)
    return render(request, "leads/lead_detail.html", context)


def _lead_action(
    request: AuthenticatedHttpRequest,
    lead_id: int,
    form_class: Callable[..., StyledForm] | None,
    perform: Callable[[User, Lead, dict[str, Any]], str],
    *,
    form_slot: str = "",
    form_kwargs: Callable[[Lead], dict[str, Any]] | None = None,
) -> HttpResponse:
    """POST a form to one service call; a refusal re-renders the lead's page with this form
    (in `form_slot`) as it was typed and the error beside its field."""
    user = request.user
    lead = access.get_lead_for_user(user, lead_id)

    def done(data: dict[str, Any]) -> HttpResponse:
        messages.success(request, perform(user, lead, data))
        return redirect("leads:detail", lead_id=lead.pk)

    # A bare button (归档) is an empty form: its refusal is the banner on the lead's page.
    form = (form_class or StyledForm)(
        request.POST, request.FILES or None, **(form_kwargs(lead) if form_kwargs else {})
    )
    return submit_action_form(
        request,
        form,
        perform=done,
        render_page=lambda bound: _lead_page(request, user, lead, bound_form=(form_slot, bound)),
    )


@require_POST
@login_required
def triage_view(request: AuthenticatedHttpRequest, lead_id: int) -> HttpResponse:
    def perform(user: User, lead: Lead, data: dict[str, Any]) -> str:
        services.triage_lead(actor=user, lead=lead, opinion=data["text"])
        return "已记录研判意见。"

    return _lead_action(
        request,
        lead_id,
        lambda *a, **k: TextForm(*a, prefix="triage", **k),
        perform,
        form_slot="triage_form",
    )


@require_POST
@login_required
def assign_view(request: AuthenticatedHttpRequest, lead_id: int) -> HttpResponse:
    def perform(user: User, lead: Lead, data: dict[str, Any]) -> str:
        services.assign_lead(
            actor=user,
            lead=lead,
            handling_unit=data["handling_unit"],
            handler=data["handler"],
            police_unit=data["police_unit"],
            due_on=data["due_on"],
        )
        return "已交办。"

    return _lead_action(
        request,
        lead_id,
        AssignForm,
        perform,
        form_kwargs=lambda lead: {"town": lead.unit},
        form_slot="assign_form",
    )


@require_POST
@login_required
def investigate_view(request: AuthenticatedHttpRequest, lead_id: int) -> HttpResponse:
    def perform(user: User, lead: Lead, data: dict[str, Any]) -> str:
        services.record_investigation(
            actor=user,
            lead=lead,
            occurred_on=data["occurred_on"],
            content=data["content"],
            evidence=check_uploads(data["evidence"], field="evidence"),
        )
        return "已录入核查情况。"

    return _lead_action(
        request, lead_id, InvestigationForm, perform, form_slot="investigation_form"
    )


@require_POST
@login_required
def police_feedback_view(request: AuthenticatedHttpRequest, lead_id: int) -> HttpResponse:
    def perform(user: User, lead: Lead, data: dict[str, Any]) -> str:
        services.record_police_feedback(actor=user, lead=lead, content=data["text"])
        return "已反馈。"

    return _lead_action(
        request,
        lead_id,
        lambda *a, **k: TextForm(*a, prefix="police", label="反馈内容", **k),
        perform,
        form_slot="police_form",
    )


@require_POST
@login_required
def propose_view(request: AuthenticatedHttpRequest, lead_id: int) -> HttpResponse:
    def perform(user: User, lead: Lead, data: dict[str, Any]) -> str:
        services.propose_conclusion(
            actor=user, lead=lead, conclusion=data["conclusion"], basis=data["basis"]
        )
        return "已提交拟办结意见，等待领导审核。"

    return _lead_action(request, lead_id, ProposeForm, perform, form_slot="propose_form")


@require_POST
@login_required
def sign_off_view(request: AuthenticatedHttpRequest, lead_id: int) -> HttpResponse:
    def perform(user: User, lead: Lead, data: dict[str, Any]) -> str:
        approve = data["decision"] == "approve"
        services.sign_off(actor=user, lead=lead, approve=approve, note=data["note"])
        return "已审核通过，线索办结。" if approve else "已退回重新核查。"

    return _lead_action(request, lead_id, SignOffForm, perform, form_slot="sign_off_form")


@require_POST
@login_required
def feedback_view(request: AuthenticatedHttpRequest, lead_id: int) -> HttpResponse:
    def perform(user: User, lead: Lead, data: dict[str, Any]) -> str:
        services.record_feedback(
            actor=user,
            lead=lead,
            fed_back_on=data["fed_back_on"],
            recipient=data["recipient"],
            content=data["content"],
        )
        return "已记录反馈上级。"

    return _lead_action(request, lead_id, FeedbackForm, perform, form_slot="feedback_form")


@require_POST
@login_required
def follow_up_view(request: AuthenticatedHttpRequest, lead_id: int) -> HttpResponse:
    def perform(user: User, lead: Lead, data: dict[str, Any]) -> str:
        services.record_follow_up(
            actor=user,
            lead=lead,
            data=services.FollowUpInput(
                contacted_on=data["contacted_on"],
                method=data["method"],
                satisfaction=data["satisfaction"],
                notes=data["notes"],
            ),
        )
        return "已记录回访。"

    return _lead_action(request, lead_id, FollowUpForm, perform, form_slot="follow_up_form")


@require_POST
@login_required
def archive_view(request: AuthenticatedHttpRequest, lead_id: int) -> HttpResponse:
    def perform(user: User, lead: Lead, data: dict[str, Any]) -> str:
        services.archive_lead(actor=user, lead=lead)
        return "已归档。"

    return _lead_action(request, lead_id, None, perform)


@require_POST
@login_required
def reopen_view(request: AuthenticatedHttpRequest, lead_id: int) -> HttpResponse:
    def perform(user: User, lead: Lead, data: dict[str, Any]) -> str:
        services.reopen_lead(actor=user, lead=lead, reason=data["text"])
        return "线索已重新打开。"

    return _lead_action(
        request,
        lead_id,
        lambda *a, **k: TextForm(*a, prefix="reopen", label="理由", **k),
        perform,
        form_slot="reopen_form",
    )


@require_POST
@login_required
def extend_view(request: AuthenticatedHttpRequest, lead_id: int) -> HttpResponse:
    def perform(user: User, lead: Lead, data: dict[str, Any]) -> str:
        services.extend_deadline(
            actor=user, lead=lead, new_due_on=data["new_due_on"], reason=data["reason"]
        )
        return "已延期。"

    return _lead_action(request, lead_id, ExtendForm, perform, form_slot="extend_form")


@require_POST
@login_required
def instruct_view(request: AuthenticatedHttpRequest, lead_id: int) -> HttpResponse:
    def perform(user: User, lead: Lead, data: dict[str, Any]) -> str:
        services.give_instruction(actor=user, lead=lead, content=data["text"])
        return delivery_message(instruction_recipients(lead, author=user))

    return _lead_action(
        request,
        lead_id,
        lambda *a, **k: TextForm(*a, prefix="instruction", label="批示内容", **k),
        perform,
        form_slot="instruction_form",
    )


@require_POST
@login_required
def answer_instruction_view(
    request: AuthenticatedHttpRequest, lead_id: int, instruction_id: int
) -> HttpResponse:
    def perform(user: User, lead: Lead, data: dict[str, Any]) -> str:
        instruction = lead.instructions.filter(pk=instruction_id).first()
        if instruction is None:
            raise Http404("批示不存在")
        services.answer_instruction(actor=user, instruction=instruction, answer=data["text"])
        return "已回复批示。"

    return _lead_action(
        request,
        lead_id,
        lambda *a, **k: TextForm(*a, prefix=f"answer{instruction_id}", label="落实情况", **k),
        perform,
        form_slot=f"answer{instruction_id}",
    )


def _other_lead(user: User, number: str) -> Lead:
    other = access.visible_leads(user).filter(number=number.strip().upper()).first()
    if other is None:
        raise ServiceError(f"未找到编号为 {number} 的线索", field="number")
    return other


@require_POST
@login_required
def merge_view(request: AuthenticatedHttpRequest, lead_id: int) -> HttpResponse:
    def perform(user: User, lead: Lead, data: dict[str, Any]) -> str:
        into = _other_lead(user, data["number"])
        services.merge_lead(actor=user, lead=lead, into=into, note=data["note"])
        return f"已并入 {into.number}。"

    return _lead_action(request, lead_id, OtherLeadForm, perform, form_slot="other_form")


@require_POST
@login_required
def link_view(request: AuthenticatedHttpRequest, lead_id: int) -> HttpResponse:
    def perform(user: User, lead: Lead, data: dict[str, Any]) -> str:
        other = _other_lead(user, data["number"])
        services.link_leads(actor=user, lead=lead, other=other, note=data["note"])
        return f"已关联 {other.number}。"

    return _lead_action(request, lead_id, OtherLeadForm, perform, form_slot="other_form")


def _unless_manager(user: User, lead: Lead, action: str) -> HttpResponse | None:
    """403 for whoever may not manage the lead (the town's office, 组长, 副组长); else None."""
    if access.can_manage_lead(user, lead):
        return None
    return HttpResponse(f"只有本镇扫黑办工作人员或领导小组组长、副组长可以{action}", status=403)


@role_required(*OFFICE_ROLES)
def add_subject_view(request: AuthenticatedHttpRequest, lead_id: int) -> HttpResponse:
    """添加被反映人: a form, pre-filled from a 识别建议 link; nothing is written until it is sent."""
    user = request.user
    lead = access.get_lead_for_user(user, lead_id)
    if refused := _unless_manager(user, lead, "添加被反映人"):
        return refused
    form = SubjectForm(
        request.POST or None,
        town=lead.unit,
        initial=suggested_initial(
            # A suggestion may cut only the lead's own texts, named in the link.
            {"summary": lead.summary, "narrative": lead.narrative},
            request.GET,
        ),
    )
    form.fields["name"].required = True

    def perform(data: dict[str, Any]) -> HttpResponse:
        services.add_subject(
            actor=user,
            lead=lead,
            subject=_subject_input(data),
        )
        messages.success(request, f"已添加被反映人 {data['name']}。")
        return redirect("leads:detail", lead_id=lead.pk)

    return form_page(
        request, form, template="leads/subject_add.html", context={"lead": lead}, perform=perform
    )


@role_required(*OFFICE_ROLES)
def correct_facts_view(request: AuthenticatedHttpRequest, lead_id: int) -> HttpResponse:
    """更正登记信息: the office corrects the registered facts of an open lead."""
    user = request.user
    lead = access.get_lead_for_user(user, lead_id)
    if refused := _unless_manager(user, lead, "更正登记信息"):
        return refused
    form = FactsForm(
        request.POST or None,
        town=lead.unit,
        initial={
            "summary": lead.summary,
            "narrative": lead.narrative,
            "village": lead.village,
            "place": lead.place,
            "target_category": lead.target_category,
            "version": lead.version,
        },
    )

    def perform(data: dict[str, Any]) -> HttpResponse:
        services.correct_facts(
            actor=user,
            lead=lead,
            data=services.FactsInput(
                summary=data["summary"],
                narrative=data["narrative"],
                village=data["village"],
                place=data["place"],
                target_category=data["target_category"],
            ),
            version=data["version"],
        )
        messages.success(request, "登记信息已更正。")
        return redirect("leads:detail", lead_id=lead.pk)

    return form_page(
        request, form, template="leads/facts_form.html", context={"lead": lead}, perform=perform
    )


@role_required(*OFFICE_ROLES)
def edit_subject_view(
    request: AuthenticatedHttpRequest, lead_id: int, subject_id: int
) -> HttpResponse:
    """修改被反映人: the registration's subject form, sealed numbers never shown in clear."""
    user = request.user
    lead = access.get_lead_for_user(user, lead_id)
    subject = access.get_subject_of(lead, subject_id)
    if refused := _unless_manager(user, lead, "修改被反映人"):
        return refused
    form = SubjectEditForm(
        request.POST or None,
        town=lead.unit,
        subject=subject,
        initial=SubjectEditForm.initial_for(subject),
    )

    def perform(data: dict[str, Any]) -> HttpResponse:
        services.edit_subject(
            actor=user,
            subject=subject,
            data=_subject_input({**data, "plates": ()}),
            clear_id_number=data.get("clear_id_number", False),
            clear_phone=data.get("clear_phone", False),
            version=data["version"],
        )
        messages.success(request, f"已修改被反映人 {subject}。")
        return redirect("leads:detail", lead_id=lead.pk)

    return form_page(
        request,
        form,
        template="leads/subject_form.html",
        context={"lead": lead, "subject": subject},
        perform=perform,
    )


@role_required(*OFFICE_ROLES)
def remove_subject_view(
    request: AuthenticatedHttpRequest, lead_id: int, subject_id: int
) -> HttpResponse:
    """移除被反映人: a confirmation page naming the subject (masked) and asking the reason."""
    user = request.user
    lead = access.get_lead_for_user(user, lead_id)
    subject = access.get_subject_of(lead, subject_id)
    if refused := _unless_manager(user, lead, "移除被反映人"):
        return refused
    form = SubjectRemoveForm(request.POST or None, initial={"version": subject.version})

    def perform(data: dict[str, Any]) -> HttpResponse:
        name = str(subject)
        services.remove_subject(
            actor=user, subject=subject, reason=data["reason"], version=data["version"]
        )
        messages.success(request, f"已移除被反映人 {name}。")
        return redirect("leads:detail", lead_id=lead.pk)

    return form_page(
        request,
        form,
        template="leads/subject_remove.html",
        context={"lead": lead, "subject": subject},
        perform=perform,
    )


@require_POST
@login_required
def reveal_subject_view(
    request: AuthenticatedHttpRequest, lead_id: int, subject_id: int
) -> HttpResponse:
    """Full ID number and phone, for roles allowed to see them; every reveal is audited."""
    user = request.user
    lead = access.get_lead_for_user(user, lead_id)
    subject = access.get_subject_of(lead, subject_id)
    if not access.can_see_full_identifiers(user, lead):
        return HttpResponse("您无权查看完整身份信息", status=403)
    services.record_subject_revealed(
        actor=user, lead=lead, subject_id=subject.pk, ip_address=client_ip(request)
    )
    revealed = {"id_number": subject.unsealed_id_number(), "phone": subject.unsealed_phone()}
    return render(
        request,
        "leads/subject_reveal.html",
        {"lead": lead, "subject": subject, "revealed": revealed},
    )


@require_POST
@login_required
def subject_plates_view(
    request: AuthenticatedHttpRequest, lead_id: int, subject_id: int
) -> HttpResponse:
    """修改车牌号: the office replaces a subject's plates; a bad plate is shown beside the field."""
    user = request.user
    lead = access.get_lead_for_user(user, lead_id)
    subject = access.get_subject_of(lead, subject_id)
    if refused := _unless_manager(user, lead, "修改车牌号"):
        return refused
    slot = f"plates{subject.pk}"

    def done(data: dict[str, Any]) -> HttpResponse:
        services.set_subject_plates(actor=user, subject=subject, plates=data["plates"])
        messages.success(request, f"已保存{subject.name}的车牌号。")
        return redirect("leads:detail", lead_id=lead.pk)

    return submit_action_form(
        request,
        SubjectPlatesForm(request.POST, prefix=slot),
        perform=done,
        render_page=lambda bound: _lead_page(request, user, lead, bound_form=(slot, bound)),
    )


@login_required
def attachment_download_view(
    request: AuthenticatedHttpRequest, lead_id: int, attachment_id: int
) -> FileResponse:
    user = request.user
    lead = access.get_lead_for_user(user, lead_id)
    attachment = lead.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404("附件不存在")
    if wants_thumbnail(request):
        return thumbnail_response(attachment.file, attachment.content_type)
    services.record_attachment_downloaded(
        actor=user,
        lead=lead,
        attachment_id=attachment.pk,
        sha256=attachment.sha256,
        ip_address=client_ip(request),
    )
    return stored_file_download(
        attachment.file, filename=attachment.original_name, content_type=attachment.content_type
    )


@login_required
def feedback_docx_view(
    request: AuthenticatedHttpRequest, lead_id: int, feedback_id: int
) -> HttpResponse:
    lead, feedback = access.get_feedback_for_office(request.user, lead_id, feedback_id)
    content, filename = feedback_document(
        actor=request.user, lead=lead, feedback=feedback, ip_address=client_ip(request)
    )
    response = HttpResponse(content, content_type=DOCX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def lead_export_view(request: AuthenticatedHttpRequest) -> HttpResponse | FileResponse:
    """The 线索台账 (.xlsx) of what the list shows with the same filters; every export is audited.

    Written to a temporary file in constant memory and streamed from there, so a large ledger
    never sits in memory whole.
    """
    user = request.user
    form, filters = _list_filters(request, user)
    if filters is None:
        messages.error(request, "筛选条件有误，未导出。请修改后重新导出。")
        return redirect(f"{reverse('leads:list')}?{request.GET.urlencode()}")

    def write(output: IO[bytes]) -> None:
        write_lead_ledger(
            output, actor=user, form=form, filters=filters, ip_address=client_ip(request)
        )

    return streamed_download(write, filename=stamped_name("线索台账"))
