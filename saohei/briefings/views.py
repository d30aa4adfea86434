from datetime import date
from typing import Any
from urllib.parse import quote, urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from saohei.briefings import access, services
from saohei.briefings.compose import compose, period_label
from saohei.briefings.documents import (
    BriefingDocument,
    document_file,
    draft_period_label,
    from_briefing,
    from_draft,
)
from saohei.briefings.figures import Scope, drill_down, get_figure, value
from saohei.briefings.forms import BriefingForm, BriefingSettingsForm, DraftForm, parse_period
from saohei.briefings.imprint import current_imprint
from saohei.briefings.models import BriefingDraft
from saohei.briefings.numbers import plain
from saohei.common.access import role_required
from saohei.common.errors import ServiceError
from saohei.common.forms import StyledForm
from saohei.common.roles import Role
from saohei.common.views import submit_action_form
from saohei.organisations.http import AuthenticatedHttpRequest
from saohei.organisations.models import Unit, User

READ_ROLES = tuple(access.READ_ROLES)
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FORMATS = ("docx", "pdf")
EDIT_REFUSED = "只有本镇扫黑办工作人员和领导小组组长、副组长可以修改简报草稿"


def _bad_request(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "briefings/bad_request.html", {"message": message}, status=400)


def _query(unit: Unit, date_from: date | None, date_to: date | None) -> str:
    return urlencode(
        {
            "unit": unit.pk,
            "from": date_from.isoformat() if date_from else "",
            "to": date_to.isoformat() if date_to else "",
        }
    )


def _scope_from(request: HttpRequest, user: User) -> tuple[Unit, date | None, date | None]:
    """?unit=&from=&to=: a town out of scope is 404; a bad date raises ServiceError (400)."""
    unit = access.get_town_for_user(user, request.GET.get("unit"))
    date_from, date_to = parse_period(request.GET.get("from", ""), request.GET.get("to", ""))
    return unit, date_from, date_to


def _exporter(user: User | None) -> str:
    return (user.real_name or user.username) if user else "命令行"


def export_response(document: BriefingDocument, file_format: str, exported_by: str) -> HttpResponse:
    content, content_type, filename = document_file(document, file_format, exported_by=exported_by)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@role_required(*READ_ROLES)
def index_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Choose a town and period; with ?unit= the briefing is generated with linked numbers."""
    user = request.user
    towns = _towns_or_404(user)
    shown: dict[str, Any] = {}
    if "unit" in request.GET:
        form = BriefingForm(request.GET, towns=towns)
        if form.is_valid():
            unit = form.cleaned_data["unit"]
            date_from, date_to = form.cleaned_data["from"], form.cleaned_data["to"]
            briefing = compose(unit, date_from, date_to)
            shown.update(
                briefing=briefing,
                document=from_briefing(briefing),
                can_edit_settings=access.can_edit_settings(user, unit),
                query=_query(unit, date_from, date_to),
                can_edit=access.can_edit(user, unit),
                unit=unit,
                date_from=date_from,
                date_to=date_to,
            )
        elif "unit" in form.errors:
            raise Http404("镇（街道）不存在或您无权查看")
    else:
        form = BriefingForm(initial={"unit": towns[0].pk}, towns=towns)
    return _index_page(request, user, towns, form, shown)


def _towns_or_404(user: User) -> list[Unit]:
    towns = access.briefing_towns(user)
    if not towns:
        raise Http404("您没有可以查看简报的镇（街道）")
    return towns


def _index_page(
    request: HttpRequest,
    user: User,
    towns: list[Unit],
    form: StyledForm,
    shown: dict[str, Any] | None = None,
) -> HttpResponse:
    """The period form (refused input beside its field), the briefing when one is `shown`,
    and the saved drafts."""
    context: dict[str, Any] = {
        "towns": towns,
        "drafts": access.visible_drafts(user),
        "form": form,
        **(shown or {}),
    }
    return render(request, "briefings/index.html", context)


@role_required(*READ_ROLES)
def figure_view(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    """The records one number of the briefing counts that the viewer's own lists show, each
    linked to its page; the others only as "另有 N 条受限记录" (the number is the town's)."""
    user = request.user
    figure = get_figure(key)
    if figure is None:
        raise Http404("简报中没有这个数字")
    try:
        unit, date_from, date_to = _scope_from(request, user)
    except ServiceError as error:
        return _bad_request(request, error.message)
    today = timezone.localdate()
    scope = Scope(unit=unit, date_from=date_from, date_to=date_to, today=today)
    shown = drill_down(figure, scope, user)
    rows = [
        {"id": row.record.pk, "cells": figure.row(row.record), "url": row.url} for row in shown.rows
    ]
    total = value(figure, scope)
    context = {
        "figure": figure,
        "unit": unit,
        "period_label": period_label(date_from, date_to, today=today),
        "rows": rows,
        "restricted": shown.restricted,
        "total": plain(total),
        "query": _query(unit, date_from, date_to),
    }
    return render(request, "briefings/figure.html", context)


@role_required(*READ_ROLES)
def export_view(request: AuthenticatedHttpRequest, file_format: str) -> HttpResponse:
    if file_format not in FORMATS:
        raise Http404("不支持的格式")
    user = request.user
    try:
        unit, date_from, date_to = _scope_from(request, user)
    except ServiceError as error:
        return _bad_request(request, error.message)
    briefing = compose(unit, date_from, date_to)
    services.record_export(
        actor=user, unit=unit, file_format=file_format, date_from=date_from, date_to=date_to
    )
    return export_response(from_briefing(briefing), file_format, _exporter(user))


@require_POST
@role_required(*READ_ROLES)
def draft_create_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    unit = access.get_town_for_user(user, request.POST.get("unit"))
    if not access.can_edit(user, unit):
        raise PermissionDenied(EDIT_REFUSED)
    towns = _towns_or_404(user)

    def perform(data: dict[str, Any]) -> HttpResponse:
        draft = services.create_draft(
            actor=user, unit=unit, date_from=data["from"], date_to=data["to"]
        )
        messages.success(request, "已保存为草稿，可在下方修改后导出")
        return redirect(reverse("briefings:draft", args=[draft.pk]))

    # A refused period comes back in the period form, as sent, with the reason beside it.
    return submit_action_form(
        request,
        BriefingForm(request.POST, towns=towns),
        perform=perform,
        render_page=lambda form: _index_page(request, user, towns, form),
    )


@role_required(*READ_ROLES)
def draft_view(request: AuthenticatedHttpRequest, draft_id: int) -> HttpResponse:
    user = request.user
    draft = access.get_draft_for_user(user, draft_id)
    can_edit = access.can_edit(user, draft.unit)
    form = DraftForm(
        request.POST if request.method == "POST" else None,
        initial={"title": draft.title, "version": draft.version},
        sections=draft.sections,
    )
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(EDIT_REFUSED)
        if form.is_valid():
            try:
                services.edit_draft(
                    actor=user,
                    draft=draft,
                    title=form.cleaned_data["title"],
                    texts=form.texts(),
                    version=form.cleaned_data["version"],
                )
            except ServiceError as error:
                form.add_service_error(error)
            else:
                messages.success(request, "草稿已保存")
                return redirect(reverse("briefings:draft", args=[draft.pk]))
    context = {
        "draft": draft,
        "form": form,
        "can_edit": can_edit,
        "period_label": draft_period_label(draft),
        "document": from_draft(draft),
        "query": _query(draft.unit, draft.date_from, draft.date_to),
    }
    return render(request, "briefings/draft.html", context)


@require_POST
@role_required(*READ_ROLES)
def draft_regenerate_view(request: AuthenticatedHttpRequest, draft_id: int) -> HttpResponse:
    user = request.user
    draft = access.get_draft_for_user(user, draft_id)
    if not access.can_edit(user, draft.unit):
        raise PermissionDenied(EDIT_REFUSED)
    services.regenerate_draft(actor=user, draft=draft)
    messages.success(request, "已按最新数据重新生成，之前的修改已被替换")
    return redirect(reverse("briefings:draft", args=[draft.pk]))


@role_required(*READ_ROLES)
def draft_export_view(
    request: AuthenticatedHttpRequest, draft_id: int, file_format: str
) -> HttpResponse:
    if file_format not in FORMATS:
        raise Http404("不支持的格式")
    user = request.user
    draft: BriefingDraft = access.get_draft_for_user(user, draft_id)
    services.record_export(
        actor=user,
        unit=draft.unit,
        file_format=file_format,
        date_from=draft.date_from,
        date_to=draft.date_to,
        draft=draft,
    )
    return export_response(from_draft(draft), file_format, _exporter(user))


@role_required(Role.LEADER, Role.OFFICE_STAFF)
def settings_view(request: AuthenticatedHttpRequest, unit_id: int) -> HttpResponse:
    """The town's masthead and closing lines (版头、版记), edited by its office."""
    user = request.user
    unit = access.get_settings_town_for_user(user, unit_id)
    imprint = current_imprint(unit)
    form = BriefingSettingsForm(
        request.POST if request.method == "POST" else None, initial=imprint.as_json()
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_briefing_settings(
                actor=user,
                unit=unit,
                data=services.BriefingSettingsInput(
                    issuing_unit=data["issuing_unit"],
                    report_to=data["report_to"],
                    copy_to=data["copy_to"],
                    distribute_to=data["distribute_to"],
                    copies=data["copies"],
                ),
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, "版头版记已保存，此后保存的简报按此印制")
            return redirect(reverse("briefings:settings", args=[unit.pk]))
    return render(request, "briefings/settings.html", {"unit": unit, "form": form})
