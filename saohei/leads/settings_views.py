from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from saohei.common.access import role_required
from saohei.common.forms import StyledForm
from saohei.common.views import place_bound_form, submit_action_form
from saohei.leads import settings_services
from saohei.leads.models import DictionaryEntry, DictionaryKind, Source, SourceTimeLimit
from saohei.leads.queries import time_limit_for
from saohei.organisations.http import AuthenticatedHttpRequest
from saohei.organisations.queries import OFFICE_ROLES


class EntryForm(StyledForm):
    kind = forms.ChoiceField(label="类别", choices=DictionaryKind.choices)
    name = forms.CharField(label="名称", max_length=100)


class TimeLimitForm(StyledForm):
    source = forms.ChoiceField(label="来源", choices=Source.choices)
    working_days = forms.IntegerField(
        label="工作日",
        min_value=1,
        max_value=365,
        widget=forms.NumberInput(attrs={"class": "form-control form-control-sm"}),
    )


@role_required(*OFFICE_ROLES)
def settings_view(request: HttpRequest) -> HttpResponse:
    return _settings_page(request)


def _settings_page(
    request: HttpRequest, *, bound_form: tuple[str, StyledForm] | None = None
) -> HttpResponse:
    """The dictionaries and time limits; `bound_form` is the one just refused, as (context name,
    form), shown with what was typed and its errors."""
    entries = DictionaryEntry.objects.order_by("kind", "sort_order", "id")
    limits = [(value, label, time_limit_for(value)) for value, label in Source.choices]
    context: dict[str, Any] = {
        "categories": [e for e in entries if e.kind == DictionaryKind.TARGET_CATEGORY],
        "offences": [e for e in entries if e.kind == DictionaryKind.OFFENCE_TYPE],
        "limits": limits,
        "entry_form": EntryForm(),
        # Each source has its own one-field row; a refused one is shown in its row.
        "time_limit_form": None,
        "configured": SourceTimeLimit.objects.count(),
    }
    place_bound_form(request, context, bound_form)
    return render(request, "leads/settings.html", context)


def _settings_action(
    request: HttpRequest,
    form: StyledForm,
    slot: str,
    perform: Callable[[dict[str, Any]], str],
) -> HttpResponse:
    """POST one settings form to its service; a refusal re-renders the page with the form as
    typed and the error beside its field."""

    def done(data: dict[str, Any]) -> HttpResponse:
        messages.success(request, perform(data))
        return redirect("leads:settings")

    return submit_action_form(
        request,
        form,
        perform=done,
        render_page=lambda refused: _settings_page(request, bound_form=(slot, refused)),
    )


@require_POST
@role_required(*OFFICE_ROLES)
def add_entry_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    def perform(data: dict[str, Any]) -> str:
        settings_services.add_dictionary_entry(
            actor=request.user, kind=data["kind"], name=data["name"]
        )
        return "已添加。"

    return _settings_action(request, EntryForm(request.POST), "entry_form", perform)


@require_POST
@role_required(*OFFICE_ROLES)
def toggle_entry_view(request: AuthenticatedHttpRequest, entry_id: int) -> HttpResponse:
    entry = DictionaryEntry.objects.filter(pk=entry_id).first()
    if entry is None:
        raise Http404("字典项不存在")
    user = request.user
    settings_services.set_dictionary_entry_active(
        actor=user, entry=entry, is_active=not entry.is_active
    )
    messages.success(request, "已启用。" if entry.is_active else "已停用（已登记的线索不受影响）。")
    return redirect("leads:settings")


@require_POST
@role_required(*OFFICE_ROLES)
def time_limit_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    def perform(data: dict[str, Any]) -> str:
        settings_services.set_time_limit(
            actor=request.user, source=data["source"], working_days=data["working_days"]
        )
        return "办理时限已保存，对此后登记的线索生效。"

    return _settings_action(request, TimeLimitForm(request.POST), "time_limit_form", perform)
