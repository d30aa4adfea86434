from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from saohei.common.errors import ServiceError
from saohei.common.forms import StyledForm

# A browser cannot be made to send a file again, so a refused form says so beside each file.
CHOOSE_FILES_AGAIN = "表单未保存，请重新选择文件。"


def csrf_failure_view(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Django's own CSRF page is English and technical; users just need to reload."""
    return render(
        request,
        "403.html",
        {"exception": "页面已过期或请求来源不正确，请返回上一页刷新后重试。"},
        status=403,
    )


def submit_action_form(
    request: HttpRequest,
    form: StyledForm,
    *,
    perform: Callable[[dict[str, Any]], HttpResponse],
    render_page: Callable[[StyledForm], HttpResponse],
) -> HttpResponse:
    """Validate `form` and hand its data to `perform` (one service call and its answer, usually
    a redirect). Bad input or a refused service call re-renders the same page through
    `render_page` with this form bound: what was typed stays, each error stands beside its
    field (a refusal without a field above the form), and every file field that carried files
    asks for them again. Answered with status 400 so that nothing mistakes it for success."""
    if form.is_valid():
        try:
            return perform(form.cleaned_data)
        except ServiceError as error:
            form.add_service_error(error)
    ask_for_files_again(request, form)
    messages.error(request, summarise_errors(form))
    response = render_page(form)
    response.status_code = 400
    return response


def form_page(
    request: HttpRequest,
    form: StyledForm,
    *,
    template: str,
    context: dict[str, Any],
    perform: Callable[[dict[str, Any]], HttpResponse],
) -> HttpResponse:
    """A page of its own for one form: a GET shows it (pre-filled or empty), a POST goes
    through `submit_action_form`, which shows it again with the errors beside the fields."""

    def render_page(bound: StyledForm) -> HttpResponse:
        return render(request, template, {**context, "form": bound})

    if request.method != "POST":
        return render_page(form)
    return submit_action_form(request, form, perform=perform, render_page=render_page)


def summarise_errors(*forms_shown: forms.Form) -> str:
    """The banner above the page: which fields to look at; the reasons stand beside them."""
    labels = [
        str(form.fields[name].label or name)
        for form in forms_shown
        for name in form.errors
        if name in form.fields
    ]
    if not labels:
        reasons = [str(e) for form in forms_shown for e in form.non_field_errors()]
        return "未能提交：" + "；".join(reasons)
    return f"提交的内容有误，请查看标出的栏目：{'、'.join(dict.fromkeys(labels))}。"


def ask_for_files_again(
    request: HttpRequest, form: forms.Form, *, message: str = CHOOSE_FILES_AGAIN
) -> bool:
    """Beside each file field whose files were sent with a refused form: choose them again.
    True when there was such a field."""
    asked = False
    for name, field in form.fields.items():
        if isinstance(field, forms.FileField) and request.FILES.getlist(form.add_prefix(name)):
            form.add_error(name, message)
            asked = True
    return asked


def place_bound_form(
    request: HttpRequest, context: dict[str, Any], bound_form: tuple[str, StyledForm] | None
) -> None:
    """Put the refused form, as (context name, form), in its place on the page. When the page
    does not show that form (a bare button, or the record moved on meanwhile), its field errors
    become a message; its other errors are already in the banner (`summarise_errors`)."""
    if bound_form is None:
        return
    slot, form = bound_form
    if slot in context:
        context[slot] = form
        return
    field_errors = [
        f"{form.fields[name].label}：{error}"
        for name, errors in form.errors.items()
        if name in form.fields
        for error in errors
    ]
    if field_errors:
        messages.error(request, "；".join(field_errors))
