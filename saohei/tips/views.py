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
from saohei.common.forms import SearchForm, StyledForm
from saohei.common.http import client_ip, stored_file_download
from saohei.common.suggestions import suggested_initial
from saohei.common.thumbnails import thumbnail_response, wants_thumbnail
from saohei.common.views import form_page, place_bound_form, submit_action_form
from saohei.organisations.http import AuthenticatedHttpRequest
from saohei.organisations.models import User
from saohei.tips import access, queries, services
from saohei.tips.forms import AcceptForm, MessageForm, SpamForm, TipPersonForm
from saohei.tips.models import Tip, TipStatus


@role_required(*access.INTAKE_ROLES)
def queue_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    if not access.intake_towns(user):
        raise PermissionDenied("您没有负责受理群众举报的镇（街道）")
    status = request.GET.get("status", TipStatus.PENDING)
    if status not in TipStatus.values:
        status = TipStatus.PENDING
    search_form, text = SearchForm.read(request.GET, placeholder="主要问题、地点、被举报人")
    tips = queries.filter_tips(user, status, text)
    page = queries.page_of_tips(
        tips.none() if search_form.is_refused else tips,
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
            "base_query": urlencode({"status": status, "q": text}),
            "search_form": search_form,
            "keep": [("status", status)],
            "query": text,
        },
    )


@role_required(*access.INTAKE_ROLES)
def tip_detail_view(request: AuthenticatedHttpRequest, tip_id: int) -> HttpResponse:
    user = request.user
    tip = access.get_tip_for_user(user, tip_id)
    services.record_tip_viewed(actor=user, tip=tip, ip_address=client_ip(request))
    return _tip_page(request, tip)


def _tip_page(
    request: HttpRequest, tip: Tip, *, bound_form: tuple[str, StyledForm] | None = None
) -> HttpResponse:
    """The tip with the forms the office may submit; `bound_form` is the one just refused, as
    (context name, form), shown with what was typed and its errors."""
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
                    "summary": queries.default_summary(tip),
                    "target_category": tip.category,
                    "village": tip.village,
                },
            ),
            spam_form=SpamForm(),
        )
    place_bound_form(request, context, bound_form)
    return render(request, "tips/tip_detail.html", context)


def _tip_action(
    request: AuthenticatedHttpRequest,
    tip_id: int,
    form_class: Callable[..., StyledForm] | None,
    perform: Callable[[User, Tip, dict[str, Any]], str],
    *,
    form_slot: str = "",
    form_kwargs: Callable[[Tip], dict[str, Any]] | None = None,
) -> HttpResponse:
    """POST a form to one service call; a refusal re-renders the tip's page with this form
    (in `form_slot`) as it was typed and the error beside its field."""
    user = request.user
    tip = access.get_tip_for_user(user, tip_id)

    def done(data: dict[str, Any]) -> HttpResponse:
        messages.success(request, perform(user, tip, data))
        return redirect("tips:detail", tip_id=tip.pk)

    return submit_action_form(
        request,
        # A bare button (恢复) is an empty form: its refusal is the banner on the tip's page.
        (form_class or StyledForm)(request.POST, **(form_kwargs(tip) if form_kwargs else {})),
        perform=done,
        render_page=lambda form: _tip_page(request, tip, bound_form=(form_slot, form)),
    )


@require_POST
@role_required(*access.INTAKE_ROLES)
def accept_view(request: AuthenticatedHttpRequest, tip_id: int) -> HttpResponse:
    def perform(user: User, tip: Tip, data: dict[str, Any]) -> str:
        lead = services.accept_tip(
            actor=user,
            tip=tip,
            summary=data["summary"],
            target_category=data["target_category"],
            village=data["village"],
        )
        return f"已受理，登记为线索 {lead.number}。"

    return _tip_action(
        request,
        tip_id,
        AcceptForm,
        perform,
        form_slot="accept_form",
        form_kwargs=lambda tip: {"town": tip.unit},
    )


@require_POST
@role_required(*access.INTAKE_ROLES)
def spam_view(request: AuthenticatedHttpRequest, tip_id: int) -> HttpResponse:
    def perform(user: User, tip: Tip, data: dict[str, Any]) -> str:
        services.mark_spam(actor=user, tip=tip, reason=data["reason"])
        return "已列为垃圾信息，可在“垃圾信息”中恢复。"

    return _tip_action(request, tip_id, SpamForm, perform, form_slot="spam_form")


@require_POST
@role_required(*access.INTAKE_ROLES)
def restore_view(request: AuthenticatedHttpRequest, tip_id: int) -> HttpResponse:
    def perform(user: User, tip: Tip, data: dict[str, Any]) -> str:
        services.restore_from_spam(actor=user, tip=tip)
        return "已恢复到待受理。"

    return _tip_action(request, tip_id, None, perform)


@require_POST
@role_required(*access.INTAKE_ROLES)
def message_view(request: AuthenticatedHttpRequest, tip_id: int) -> HttpResponse:
    def perform(user: User, tip: Tip, data: dict[str, Any]) -> str:
        services.send_message_to_reporter(actor=user, tip=tip, body=data["body"])
        return "留言已发送，举报人凭查询码可以看到。"

    return _tip_action(request, tip_id, MessageForm, perform, form_slot="message_form")


@role_required(*access.INTAKE_ROLES)
def add_person_view(request: AuthenticatedHttpRequest, tip_id: int) -> HttpResponse:
    """添加被举报人 to a pending tip: a form, pre-filled from a 识别建议 link (offsets into the
    tip's 主要问题, never the value); nothing is written until it is sent."""
    user = request.user
    tip = access.get_tip_for_user(user, tip_id)
    if tip.status != TipStatus.PENDING:
        messages.error(request, f"该举报当前为“{tip.get_status_display()}”，不能再添加被举报人。")
        return redirect("tips:detail", tip_id=tip.pk)
    form = TipPersonForm(
        request.POST or None,
        town=tip.unit,
        initial=suggested_initial({"content": tip.content}, request.GET),
    )

    def perform(data: dict[str, Any]) -> HttpResponse:
        added = services.add_tip_person(
            actor=user,
            tip=tip,
            person=services.PersonInput(
                name=data["name"], alias=data["alias"], village=data["village"], role=data["role"]
            ),
        )
        messages.success(request, f"已添加被举报人 {data['name'] or data['alias']}。")
        if not access.can_handle(user, added.tip):
            # A cadre or an official named: the tip is now the leaders' alone.
            messages.info(request, "该举报涉及干部或公职人员，已转由组长、副组长处理。")
            return redirect("tips:queue")
        return redirect("tips:detail", tip_id=tip.pk)

    return form_page(
        request, form, template="tips/person_add.html", context={"tip": tip}, perform=perform
    )


# login_required, not role_required: the response streams a file; the access check answers 404.
@login_required
def attachment_view(
    request: AuthenticatedHttpRequest, tip_id: int, attachment_id: int
) -> FileResponse:
    """A reporter's file, always as a download (never rendered inline); audited with its digest."""
    user = request.user
    tip = access.get_tip_for_user(user, tip_id)
    attachment = tip.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404("附件不存在")
    if wants_thumbnail(request):
        return thumbnail_response(attachment.file, attachment.content_type)
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
