"""The analysis pages of records and prompts: 识别建议, the link chart (关系图), the 研判提示 with
the 研判会's decision, and 研判设置.

识别建议 show what extraction finds in a record's own texts. A suggestion links to the add form it
pre-fills (a lead's 被反映人, a case's 涉案人员, a pending tip's 被举报人 by name); the link carries
offsets, never the values. Nothing is written there. Suggestions never include the reporter: a
lead's or tip's sealed reporter identity is checked server-side (`vault.screening`) and matching
suggestions are left out."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from saohei.analysis import access, queries, services, suggestions
from saohei.analysis import chart as link_chart
from saohei.analysis.access import REGISTRY_ROLES, get_person_for_user
from saohei.analysis.forms import (
    ChartWindowForm,
    ConfirmPromptForm,
    DismissPromptForm,
    SettingsForm,
)
from saohei.analysis.models import Prompt, PromptLevel, PromptStatus
from saohei.analysis.registry import current_settings
from saohei.cases import access as case_access
from saohei.common.access import role_required
from saohei.common.forms import StyledForm
from saohei.common.http import client_ip
from saohei.common.paging import keyset_page, query_without_cursor
from saohei.common.suggestions import suggestion_query
from saohei.common.views import submit_action_form
from saohei.leads import access as lead_access
from saohei.leads.access import SIGN_OFF_ROLES
from saohei.meetings.access import visible_meetings
from saohei.meetings.models import MeetingKind
from saohei.organisations.http import AuthenticatedHttpRequest
from saohei.organisations.models import User
from saohei.organisations.queries import OFFICE_ROLES
from saohei.tips import access as tip_access

# ---------------------------------------------------------------------------------------------
# 识别建议


@dataclass(frozen=True)
class SuggestionLink:
    """A suggestion as the page lists it: with the link to the form it pre-fills."""

    kind_label: str
    text: str
    source_label: str
    add_url: str  # "" when there is no add form for it
    is_valid: bool | None = None
    note: str = ""  # instead of a link: where it can be added instead


def _form_link(base: str, found: suggestions.Suggestion) -> str:
    """A link to the add form at `base` that pre-fills one field by offsets into one source:
    the link carries offsets, never the values."""
    query = suggestion_query(
        field=found.field, source=found.source, start=found.start, end=found.end
    )
    return f"{base}?{query}"


def _page(
    request: HttpRequest, shown: suggestions.RecordSuggestions, *, form: str, back: str
) -> HttpResponse:
    """`form`: the record's add form, which a suggestion's link pre-fills; `back`: its page."""
    lead_page = reverse("analysis:lead_suggestions", args=[shown.lead_id]) if shown.lead_id else ""

    def add_url(found: suggestions.Suggestion) -> str:
        if found.add_to == suggestions.AddTo.LEAD_SUGGESTIONS:
            return lead_page
        return _form_link(form, found) if found.add_to else ""

    context = {
        "record": shown.record,
        "back_url": back,
        "suggestions": [
            SuggestionLink(
                kind_label=found.kind_label,
                text=found.text,
                source_label=found.source_label,
                add_url=add_url(found),
                is_valid=found.is_valid,
                note=found.note,
            )
            for found in shown.suggestions
        ],
        "add_label": shown.add_label,
        "explanation": shown.explanation,
    }
    return render(request, "analysis/suggestions.html", context)


@require_GET
@role_required(*OFFICE_ROLES)
def lead_suggestions_view(request: AuthenticatedHttpRequest, lead_id: int) -> HttpResponse:
    user = request.user
    lead = lead_access.get_lead_for_user(user, lead_id)
    if not lead_access.can_manage_lead(user, lead):
        return HttpResponse(
            "只有本镇扫黑办工作人员或领导小组组长、副组长可以使用识别建议", status=403
        )
    return _page(
        request,
        suggestions.lead_suggestions(user, lead),
        form=reverse("leads:add_subject", args=[lead.pk]),
        back=reverse("leads:detail", args=[lead.pk]),
    )


@require_GET
@role_required(*tip_access.INTAKE_ROLES)
def tip_suggestions_view(request: AuthenticatedHttpRequest, tip_id: int) -> HttpResponse:
    user = request.user
    tip = tip_access.get_tip_for_user(user, tip_id)
    return _page(
        request,
        suggestions.tip_suggestions(user, tip),
        form=reverse("tips:add_person", args=[tip.pk]),
        back=reverse("tips:detail", args=[tip.pk]),
    )


@require_GET
@role_required(*case_access.CASE_ROLES)
def case_suggestions_view(request: AuthenticatedHttpRequest, case_id: int) -> HttpResponse:
    user = request.user
    case = case_access.get_case_for_user(user, case_id)
    return _page(
        request,
        suggestions.case_suggestions(user, case),
        form=reverse("cases:add_person", args=[case.pk]),
        back=reverse("cases:detail", args=[case.pk]),
    )


# ---------------------------------------------------------------------------------------------
# The link chart (关系图): one page for a person, a lead, a case or a prompt; `chart.chart_for`
# draws it from what the viewer may see, the page passes it to `static/saohei/link_chart.js` as
# JSON and lists every node and link in tables that need no script.


def _chart_page(
    request: AuthenticatedHttpRequest,
    *,
    title: str,
    back_url: str,
    person: int | None = None,
    incidents: list[tuple[str, int]] | None = None,
) -> HttpResponse:
    user = request.user
    form = ChartWindowForm(request.GET or None)
    chart = None
    if not form.is_bound or form.is_valid():
        window = form.cleaned_data if form.is_bound else {}
        chart = link_chart.chart_for(
            user,
            person=person,
            incidents=incidents,
            start=window.get("from"),
            end=window.get("to"),
        )
    context = {
        "title": title,
        "back_url": back_url,
        "form": form,
        "chart": chart,
        "chart_data": chart.as_data() if chart else None,
        "categories": link_chart.CATEGORIES,
    }
    return render(request, "analysis/chart.html", context, status=200 if chart else 400)


def _incident_chart_page(
    request: AuthenticatedHttpRequest, kind: str, pk: int, title: str, page: str
) -> HttpResponse:
    back_url = reverse(page, args=[pk])
    return _chart_page(request, title=title, back_url=back_url, incidents=[(kind, pk)])


@require_GET
@role_required(*REGISTRY_ROLES)
def person_chart_view(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    user = request.user
    person = get_person_for_user(user, person_id)
    services.record_person_viewed(
        actor=user, person=person, ip_address=client_ip(request), via="chart"
    )
    return _chart_page(
        request,
        title=f"人员 {person.name or '（无名）'}",
        back_url=link_chart.person_url(person.pk),
        person=person.pk,
    )


@require_GET
@role_required(*REGISTRY_ROLES)
def lead_chart_view(request: AuthenticatedHttpRequest, lead_id: int) -> HttpResponse:
    lead = lead_access.get_lead_for_user(request.user, lead_id)
    return _incident_chart_page(request, "lead", lead.pk, f"线索 {lead.number}", "leads:detail")


@require_GET
@role_required(*REGISTRY_ROLES)
def case_chart_view(request: AuthenticatedHttpRequest, case_id: int) -> HttpResponse:
    case = case_access.get_case_for_user(request.user, case_id)
    return _incident_chart_page(request, "case", case.pk, f"案件 {case.number}", "cases:detail")


@require_GET
@role_required(*REGISTRY_ROLES)
def prompt_chart_view(request: AuthenticatedHttpRequest, prompt_id: int) -> HttpResponse:
    """A prompt's chart: its incidents as the seeds (a prompt is seen only by those who may see
    every one of them, `access.visible_prompts`)."""
    prompt = access.get_prompt_for_user(request.user, prompt_id)
    incidents = list(prompt.incidents.values_list("incident_kind", "incident_id"))
    return _chart_page(
        request,
        title=f"研判提示 {prompt.get_level_display()}",
        back_url=reverse("analysis:prompt", args=[prompt.pk]),
        incidents=incidents,
    )


# ---------------------------------------------------------------------------------------------
# 研判提示 and 研判设置


@require_GET
@role_required(*REGISTRY_ROLES)
def prompt_list_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    filters = queries.PromptFilters(
        level=request.GET.get("level", ""),
        status=request.GET.get("status", ""),
        include_past=request.GET.get("past") == "1",
    )
    prompts = queries.filter_prompts(user, filters).select_related("unit")
    page = keyset_page(
        prompts,
        field="updated_at",
        parse=datetime.fromisoformat,
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
    )
    prefetch_related_objects(page.rows, "members__person")
    return render(
        request,
        "analysis/prompt_list.html",
        {
            "prompts": page.rows,
            "page": page,
            "base_query": query_without_cursor(request),
            "filters": filters,
            "levels": PromptLevel.choices,
            "statuses": PromptStatus.choices,
            # The office reads the thresholds; changing them needs every town in scope.
            "can_open_settings": user.has_any_role(OFFICE_ROLES),
        },
    )


def _decision_meetings(user: User, prompt: Prompt) -> Any:
    return (
        visible_meetings(user)
        .filter(unit=prompt.unit, kind=MeetingKind.ANALYSIS)
        .order_by("-held_on", "-id")
    )


def _prompt_page(
    request: HttpRequest,
    user: User,
    prompt: Prompt,
    *,
    bound: tuple[str, StyledForm] | None = None,
) -> HttpResponse:
    members = list(prompt.members.select_related("person").order_by("-incident_count", "id"))
    incidents = list(prompt.incidents.all())
    context: dict[str, Any] = {
        "prompt": prompt,
        "members": [(member, queries.person_url(member.person_id)) for member in members],
        "incidents": [
            (incident, queries.incident_url(incident.incident_kind, incident.incident_id))
            for incident in incidents
        ],
        "explanation_lines": prompt.explanation.splitlines(),
        "can_decide": prompt.status == PromptStatus.OPEN
        and prompt.is_current
        and access.can_decide_prompt(user, prompt),
    }
    if context["can_decide"]:
        meetings = _decision_meetings(user, prompt)
        context["confirm_form"] = ConfirmPromptForm(meetings=meetings)
        context["dismiss_form"] = DismissPromptForm(meetings=meetings)
        context["has_meetings"] = meetings.exists()
        if bound is not None:
            context[bound[0]] = bound[1]
    return render(request, "analysis/prompt_detail.html", context)


@require_GET
@role_required(*REGISTRY_ROLES)
def prompt_detail_view(request: AuthenticatedHttpRequest, prompt_id: int) -> HttpResponse:
    user = request.user
    return _prompt_page(request, user, access.get_prompt_for_user(user, prompt_id))


@require_POST
@role_required(*SIGN_OFF_ROLES)
def prompt_confirm_view(request: AuthenticatedHttpRequest, prompt_id: int) -> HttpResponse:
    user = request.user
    prompt = access.get_prompt_for_user(user, prompt_id)

    def perform(data: dict[str, Any]) -> HttpResponse:
        lead = services.confirm_prompt(
            actor=user, prompt=prompt, meeting=data["meeting"], note=data["note"]
        )
        messages.success(request, f"研判会已确认，已登记线索 {lead.number}。")
        return redirect("analysis:prompt", prompt_id=prompt.pk)

    return submit_action_form(
        request,
        ConfirmPromptForm(request.POST, meetings=_decision_meetings(user, prompt)),
        perform=perform,
        render_page=lambda form: _prompt_page(request, user, prompt, bound=("confirm_form", form)),
    )


@require_POST
@role_required(*SIGN_OFF_ROLES)
def prompt_dismiss_view(request: AuthenticatedHttpRequest, prompt_id: int) -> HttpResponse:
    user = request.user
    prompt = access.get_prompt_for_user(user, prompt_id)

    def perform(data: dict[str, Any]) -> HttpResponse:
        services.dismiss_prompt(
            actor=user,
            prompt=prompt,
            meeting=data["meeting"],
            reason=data["reason"],
            failed_element=data["failed_element"],
        )
        messages.success(request, "研判会已排除该提示。")
        return redirect("analysis:prompt", prompt_id=prompt.pk)

    return submit_action_form(
        request,
        DismissPromptForm(request.POST, meetings=_decision_meetings(user, prompt)),
        perform=perform,
        render_page=lambda form: _prompt_page(request, user, prompt, bound=("dismiss_form", form)),
    )


@require_http_methods(["GET", "POST"])
@role_required(*OFFICE_ROLES)
def settings_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    current = current_settings()
    initial = {name: getattr(current, name) for name in SettingsForm.base_fields}

    def page(form: StyledForm) -> HttpResponse:
        context = {
            "form": form,
            "current": current,
            "can_change": services.can_change_settings(user),
        }
        return render(request, "analysis/settings.html", context)

    if request.method != "POST":
        return page(SettingsForm(initial=initial))
    if not services.can_change_settings(user):
        # A refusal, not a form to correct: whatever is typed, this office may not change them.
        raise PermissionDenied(services.SETTINGS_FOR_EVERY_TOWN)

    form = SettingsForm(request.POST)

    def perform(data: dict[str, Any]) -> HttpResponse:
        services.update_settings(actor=user, data=form.settings_input())
        messages.success(request, "研判设置已保存，将按新标准重新比对全部人员和研判提示。")
        return redirect("analysis:settings")

    return submit_action_form(request, form, perform=perform, render_page=page)
