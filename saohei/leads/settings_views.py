from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from saohei.common.access import role_required
from saohei.common.errors import ServiceError
from saohei.common.forms import StyledForm
from saohei.leads import settings_services
from saohei.leads.access import OFFICE_ROLES
from saohei.leads.models import DictionaryEntry, DictionaryKind, Source, SourceTimeLimit
from saohei.leads.services import time_limit_for
from saohei.organisations.models import User


class EntryForm(StyledForm):
    kind = forms.ChoiceField(label="类别", choices=DictionaryKind.choices)
    name = forms.CharField(label="名称", max_length=100)


class TimeLimitForm(StyledForm):
    source = forms.ChoiceField(label="来源", choices=Source.choices)
    working_days = forms.IntegerField(label="工作日", min_value=1, max_value=365)


@role_required(*OFFICE_ROLES)
def settings_view(request: HttpRequest) -> HttpResponse:
    entries = DictionaryEntry.objects.order_by("kind", "sort_order", "id")
    limits = [(value, label, time_limit_for(value)) for value, label in Source.choices]
    return render(
        request,
        "leads/settings.html",
        {
            "categories": [e for e in entries if e.kind == DictionaryKind.TARGET_CATEGORY],
            "offences": [e for e in entries if e.kind == DictionaryKind.OFFENCE_TYPE],
            "limits": limits,
            "entry_form": EntryForm(),
            "configured": SourceTimeLimit.objects.count(),
        },
    )


def _report(request: HttpRequest, form: forms.Form) -> None:
    messages.error(request, "；".join(str(e) for errors in form.errors.values() for e in errors))


@require_POST
@role_required(*OFFICE_ROLES)
def add_entry_view(request: HttpRequest) -> HttpResponse:
    form = EntryForm(request.POST)
    if not form.is_valid():
        _report(request, form)
    else:
        try:
            settings_services.add_dictionary_entry(actor=request.user, **form.cleaned_data)  # type: ignore[arg-type]
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "已添加。")
    return redirect("leads:settings")


@require_POST
@role_required(*OFFICE_ROLES)
def toggle_entry_view(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = DictionaryEntry.objects.filter(pk=entry_id).first()
    if entry is None:
        raise Http404("字典项不存在")
    user: User = request.user  # type: ignore[assignment]
    settings_services.set_dictionary_entry_active(
        actor=user, entry=entry, is_active=not entry.is_active
    )
    messages.success(request, "已启用。" if entry.is_active else "已停用（已登记的线索不受影响）。")
    return redirect("leads:settings")


@require_POST
@role_required(*OFFICE_ROLES)
def time_limit_view(request: HttpRequest) -> HttpResponse:
    form = TimeLimitForm(request.POST)
    if not form.is_valid():
        _report(request, form)
    else:
        try:
            settings_services.set_time_limit(actor=request.user, **form.cleaned_data)  # type: ignore[arg-type]
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "办理时限已保存，对此后登记的线索生效。")
    return redirect("leads:settings")
