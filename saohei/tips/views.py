"""The office's intake queue (/tips/): thin views over `access`, `queries` and `services`."""

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from saohei.common.access import role_required
from saohei.common.errors import ServiceError
from saohei.common.http import client_ip, stored_file_download
from saohei.organisations.models import User
from saohei.tips import access, queries, services
from saohei.tips.forms import AcceptForm, MessageForm, SpamForm
from saohei.tips.models import Tip, TipStatus


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@role_required(*access.INTAKE_ROLES)
def queue_view(request: HttpRequest) -> HttpResponse:
    user = _actor(request)
    if not access.intake_towns(user):
        raise PermissionDenied("您没有负责受理群众举报的镇（街道）")
    status = request.GET.get("status", TipStatus.PENDING)
    if status not in TipStatus.values:
        status = TipStatus.PENDING
    page = queries.page_of_tips(
        queries.filter_tips(user, status),
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
    )
    return render(
        request,
        "tips/queue.html",
        {
            "page": page,
            "status": status,
            "tabs": [
                (value, label, count)
                for (value, label), count in zip(
                    TipStatus.choices, queries.count_by_status(user).values(), strict=True
                )
            ],
            "base_query": urlencode({"status": status}),
        },
    )


@role_required(*access.INTAKE_ROLES)
def tip_detail_view(request: HttpRequest, tip_id: int) -> HttpResponse:
    user = _actor(request)
    tip = access.get_tip_for_user(user, tip_id)
    services.record_tip_viewed(actor=user, tip=tip, ip_address=client_ip(request))
    context: dict[str, Any] = {
        "tip": tip,
        "persons": tip.persons.select_related("village"),
        "attachments": tip.attachments.filter(message__isnull=True),
        "conversation": queries.list_conversation(tip),
        "message_form": MessageForm(),
        "TipStatus": TipStatus,
    }
    if tip.status == TipStatus.PENDING:
        context.update(
            accept_form=AcceptForm(
                town=tip.unit,
                initial={
                    "summary": services.default_summary(tip),
                    "target_category": tip.category,
                    "village": tip.village,
                },
            ),
            spam_form=SpamForm(),
        )
    return render(request, "tips/tip_detail.html", context)


def _tip_action(
    request: HttpRequest,
    tip_id: int,
    form_class: Callable[..., Any] | None,
    perform: Callable[[User, Tip, dict[str, Any]], str],
) -> HttpResponse:
    """POST a form to one service call; errors come back as a message on the tip's page."""
    user = _actor(request)
    tip = access.get_tip_for_user(user, tip_id)
    data: dict[str, Any] = {}
    if form_class is not None:
        form = form_class(request.POST)
        if not form.is_valid():
            errors = "；".join(str(error) for errors in form.errors.values() for error in errors)
            messages.error(request, f"提交的内容有误：{errors}")
            return redirect("tips:detail", tip_id=tip.pk)
        data = form.cleaned_data
    try:
        message = perform(user, tip, data)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, message)
    return redirect("tips:detail", tip_id=tip.pk)


@require_POST
@role_required(*access.INTAKE_ROLES)
def accept_view(request: HttpRequest, tip_id: int) -> HttpResponse:
    user = _actor(request)
    tip = access.get_tip_for_user(user, tip_id)
    form = AcceptForm(request.POST, town=tip.unit)
    if not form.is_valid():
        messages.error(request, "请填写线索简要内容。")
        return redirect("tips:detail", tip_id=tip.pk)
    try:
        lead = services.accept_tip(
            actor=user,
            tip=tip,
            summary=form.cleaned_data["summary"],
            target_category=form.cleaned_data["target_category"],
            village=form.cleaned_data["village"],
        )
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect("tips:detail", tip_id=tip.pk)
    messages.success(request, f"已受理，登记为线索 {lead.number}。")
    return redirect("tips:detail", tip_id=tip.pk)


@require_POST
@role_required(*access.INTAKE_ROLES)
def spam_view(request: HttpRequest, tip_id: int) -> HttpResponse:
    def perform(user: User, tip: Tip, data: dict[str, Any]) -> str:
        services.mark_spam(actor=user, tip=tip, reason=data["reason"])
        return "已列为垃圾信息，可在“垃圾信息”中恢复。"

    return _tip_action(request, tip_id, SpamForm, perform)


@require_POST
@role_required(*access.INTAKE_ROLES)
def restore_view(request: HttpRequest, tip_id: int) -> HttpResponse:
    def perform(user: User, tip: Tip, data: dict[str, Any]) -> str:
        services.restore_from_spam(actor=user, tip=tip)
        return "已恢复到待受理。"

    return _tip_action(request, tip_id, None, perform)


@require_POST
@role_required(*access.INTAKE_ROLES)
def message_view(request: HttpRequest, tip_id: int) -> HttpResponse:
    def perform(user: User, tip: Tip, data: dict[str, Any]) -> str:
        services.send_message_to_reporter(actor=user, tip=tip, body=data["body"])
        return "留言已发送，举报人凭查询码可以看到。"

    return _tip_action(request, tip_id, MessageForm, perform)


# login_required, not role_required: the response streams a file; the access check answers 404.
@login_required
def attachment_view(request: HttpRequest, tip_id: int, attachment_id: int) -> FileResponse:
    """A reporter's file, always as a download (never rendered inline); audited with its digest."""
    user = _actor(request)
    tip = access.get_tip_for_user(user, tip_id)
    attachment = tip.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404("附件不存在")
    services.record_attachment_downloaded(
        actor=user,
        tip=tip,
        attachment_id=attachment.pk,
        sha256=attachment.sha256,
        ip_address=client_ip(request),
    )
    return stored_file_download(
        attachment.file, filename=attachment.display_name, content_type=attachment.content_type
    )
