"""The public reporting site (/jubao/): no sign-in, no JavaScript needed, nothing about the
visitor kept. The receipt only ever travels in POST bodies and in the one response that shows
it; the views never log, never audit an address, and never use sessions or messages (cookies).
"""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import render
from django.utils.decorators import decorator_from_middleware
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.defaults import server_error

from saohei.common.errors import ServiceError
from saohei.common.outages import outage_of, outage_response
from saohei.common.views import ask_for_files_again
from saohei.leads.defaults import TARGET_CATEGORIES
from saohei.leads.models import DictionaryEntry, DictionaryKind, SubjectRole
from saohei.leads.services import ReporterInput
from saohei.organisations.models import Unit, UnitKind
from saohei.portal import ratelimit
from saohei.portal.challenge import ChallengeFailed, new_challenge, verify_challenge
from saohei.portal.forms import REAL_NAME, PersonFormSet, ReceiptForm, ReplyForm, TipForm
from saohei.tips import queries
from saohei.tips.models import ReporterStatus, Tip
from saohei.tips.receipts import clean_receipt, group_receipt
from saohei.tips.services import (
    MAX_TIP_FILE_BYTES,
    MAX_TIP_FILES,
    WRONG_RECEIPT_MESSAGE,
    PersonInput,
    TipInput,
    check_tip_uploads,
    follow_up_with_receipt,
    submit_tip,
)

# The whole request, refused before the body is read (the proxy should cap it too).
MAX_REQUEST_BYTES = MAX_TIP_FILES * MAX_TIP_FILE_BYTES + 1024 * 1024
TOO_LARGE_MESSAGE = (
    f"提交的内容太大（超过 {MAX_REQUEST_BYTES // 1024 // 1024}MB），未能接收。"
    f"请减少或压缩附件后重新提交，每个附件不超过 {MAX_TIP_FILE_BYTES // 1024 // 1024}MB。"
)
# Service errors about the reporter name the service's fields; the form's are prefixed.
_REPORTER_FIELD = {"phone": "reporter_phone", "id_number": "reporter_id_number"}

View = Callable[..., HttpResponseBase]


class _PortalCsrfCheck(CsrfViewMiddleware):
    """Django's CSRF check, answering a failure with a portal page instead of the staff one.

    Under `Referrer-Policy: no-referrer` browsers post forms with `Origin: null`, which
    Django's origin check refuses; for that value the cookie-and-token check alone decides
    (a cross-site page cannot read the token). Any other foreign origin is still refused.
    """

    def _origin_verified(self, request: HttpRequest) -> bool:
        if request.META.get("HTTP_ORIGIN") == "null":
            return True
        # A private method of CsrfViewMiddleware (stable since Django 4.0), absent from the stubs.
        return bool(super()._origin_verified(request))  # type: ignore[misc]

    def _reject(self, request: HttpRequest, reason: str) -> HttpResponse:
        return _refusal(request, "页面已过期，请返回上一页，刷新后重新填写提交。", status=403)


_portal_csrf_protect = decorator_from_middleware(_PortalCsrfCheck)


def _portal_post(view: View) -> View:
    """Refuse an oversized body before anything reads it, then check CSRF as usual.

    CSRF is checked here, not by the middleware, because the middleware reads the body first
    and would spool a huge upload to disk before its size could be refused.
    """
    protected: Callable[..., HttpResponseBase] = _portal_csrf_protect(view)

    @csrf_exempt
    @sensitive_post_parameters()
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method == "POST" and _content_length(request) > MAX_REQUEST_BYTES:
            return _refusal(request, TOO_LARGE_MESSAGE, status=413)
        return protected(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _refusal(request: HttpRequest, message: str, *, status: int) -> HttpResponse:
    return render(request, "portal/refused.html", {"message": message}, status=status)


def _towns() -> list[Unit]:
    return list(Unit.objects.filter(kind=UnitKind.TOWN, is_active=True).order_by("path"))


@require_GET
def notice_view(request: HttpRequest) -> HttpResponse:
    """举报须知 comes first: what may be reported, how the reporter is protected, 诬告."""
    categories = list(
        DictionaryEntry.objects.filter(
            kind=DictionaryKind.TARGET_CATEGORY, is_active=True
        ).values_list("name", flat=True)
    )
    return render(request, "portal/notice.html", {"categories": categories or TARGET_CATEGORIES})


FILES_NOT_SENT = "举报尚未提交，您选择的附件没有上传也没有保存。请重新选择附件后再提交。"
REPLY_NOT_SENT = "补充尚未提交；您填写的文字都已保留，请按提示修改后再提交。"
REPLY_FILES_NOT_SENT = "补充尚未提交，您选择的材料没有上传也没有保存。请重新选择材料后再提交。"


def _tip_form_page(
    request: HttpRequest,
    form: TipForm,
    persons: Any,
    *,
    towns: list[Unit],
    status: int = 200,
    error: str = "",
) -> HttpResponse:
    person_rows = list(persons)
    if form.is_bound:
        # A refused submit: the browser cannot send the files again, and they are not kept.
        ask_for_files_again(request, form, message=FILES_NOT_SENT)
    return render(
        request,
        "portal/tip_form.html",
        {
            "form": form,
            "persons": persons,
            # The first person is open; the others unfold (<details>) unless already filled.
            "person_rows": [
                (
                    index,
                    person,
                    index == 0 or (person.is_bound and person.has_changed()) or bool(person.errors),
                )
                for index, person in enumerate(person_rows)
            ],
            "challenge": new_challenge(),
            "towns": towns,
            "error": error,
        },
        status=status,
    )


@_portal_post
@require_http_methods(["GET", "POST"])
def submit_view(request: HttpRequest) -> HttpResponse:
    """The four-block form; a successful POST answers with the receipt page (never a redirect:
    the receipt must not reach a URL, a history entry or a log)."""
    towns = _towns()
    if not towns:
        return _refusal(request, "举报网站尚未开通，请直接到镇扫黑办反映。", status=503)
    if request.method != "POST":
        return _tip_form_page(
            request,
            TipForm(towns=towns),
            PersonFormSet(prefix="persons", form_kwargs={"towns": towns}),
            towns=towns,
        )
    if ratelimit.is_limited(request, ratelimit.SUBMIT):
        return _refusal(request, "提交次数过多，请一小时后再试。", status=429)
    ratelimit.count_hit(request, ratelimit.SUBMIT)

    form = TipForm(request.POST, request.FILES, towns=towns)
    persons = PersonFormSet(request.POST, prefix="persons", form_kwargs={"towns": towns})
    if not (form.is_valid() and persons.is_valid()):
        return _tip_form_page(request, form, persons, towns=towns, error="请按提示修改后重新提交。")
    data = form.cleaned_data
    try:
        if data["homepage"]:
            raise ChallengeFailed("验证未通过，请重新作答")
        verify_challenge(data["challenge_token"], data["challenge_answer"])
    except ChallengeFailed as failure:
        form.add_error("challenge_answer", str(failure))
        return _tip_form_page(
            request,
            form,
            persons,
            towns=towns,
            error=f"{failure}。举报尚未提交；您填写的文字都已保留，请回答新的验证题后再提交。",
        )
    try:
        submitted = submit_tip(unit=data["town"], data=_tip_input(data, persons))
    except ServiceError as error:
        if error.field in _REPORTER_FIELD:
            form.add_error(_REPORTER_FIELD[error.field], error.message)
        else:
            form.add_service_error(error)
        return _tip_form_page(request, form, persons, towns=towns, error="请按提示修改后重新提交。")
    return render(
        request,
        "portal/receipt.html",
        {"receipt_groups": group_receipt(submitted.receipt), "tip": submitted.tip},
    )


def _tip_input(data: dict[str, Any], persons: Any) -> TipInput:
    """Files are checked here first (inside submit_tip's caller, so nothing is written)."""
    uploads = check_tip_uploads(data["attachments"])
    reporter = None
    if data["identity"] == REAL_NAME:
        reporter = ReporterInput(
            name=data["reporter_name"],
            phone=data["reporter_phone"],
            id_number=data["reporter_id_number"],
            address=data["reporter_address"],
        )
    return TipInput(
        content=data["content"],
        category=data["category"],
        village=data["village"],
        occurred_when=data["occurred_when"],
        place=data["place"],
        victims=data["victims"],
        witnesses=data["witnesses"],
        involves_official=data["involves_official"],
        persons=[
            PersonInput(
                name=person.cleaned_data["name"],
                alias=person.cleaned_data["alias"],
                village=person.cleaned_data["village"],
                role=person.cleaned_data["role"] or SubjectRole.REPORTED,
                position=person.cleaned_data["position"],
                description=person.cleaned_data["description"],
            )
            for person in persons
            if person.is_filled
        ],
        reporter=reporter,
        attachments=uploads,
    )


_STEP_LABELS = {
    ReporterStatus.RECEIVED: "已提交",
    ReporterStatus.ACCEPTED: "已受理",
    ReporterStatus.INVESTIGATING: "核查中",
    ReporterStatus.CONCLUDED: "已办结",
}


def _step_state(index: int, position: int) -> str:
    return "done" if index < position else "current" if index == position else "todo"


def _progress_page(
    request: HttpRequest,
    tip: Tip,
    receipt: str,
    *,
    reply_form: ReplyForm | None = None,
    notice: str = "",
) -> HttpResponse:
    reply_error = ""
    if reply_form is not None and reply_form.is_bound:
        # A refused reply: the text stays, and the page says plainly that nothing was sent.
        ask_for_files_again(request, reply_form, message=REPLY_FILES_NOT_SENT)
        reply_error = REPLY_NOT_SENT
    status = tip.reporter_status
    position = list(ReporterStatus).index(status)
    return render(
        request,
        "portal/progress.html",
        {
            "tip": tip,
            "reporter_status": status,
            "steps": [
                (step.value, _STEP_LABELS[step], _step_state(index, position))
                for index, step in enumerate(ReporterStatus)
            ],
            "conversation": queries.list_messages_for_reporter(tip),
            "reply_form": reply_form or ReplyForm(initial={"receipt": receipt}),
            "notice": notice,
            "reply_error": reply_error,
        },
    )


@_portal_post
@require_http_methods(["GET", "POST"])
def check_view(request: HttpRequest) -> HttpResponse:
    """Enter the receipt (by POST) to see the status and the office's messages."""
    if request.method != "POST":
        return render(request, "portal/check.html", {"form": ReceiptForm()})
    if ratelimit.is_limited(request, ratelimit.WRONG_RECEIPT):
        return _refusal(request, "查询码输错次数过多，请一小时后再试。", status=429)
    form = ReceiptForm(request.POST)
    tip = queries.get_tip_by_receipt(form.data.get("receipt", ""))
    if tip is None:
        ratelimit.count_hit(request, ratelimit.WRONG_RECEIPT)
        return render(
            request,
            "portal/check.html",
            {"form": ReceiptForm(), "error": WRONG_RECEIPT_MESSAGE},
        )
    return _progress_page(request, tip, clean_receipt(form.data["receipt"]) or "")


@_portal_post
@require_POST
def reply_view(request: HttpRequest) -> HttpResponse:
    """The reporter replies or adds material; the receipt comes again in the POST body."""
    if ratelimit.is_limited(request, ratelimit.WRONG_RECEIPT):
        return _refusal(request, "查询码输错次数过多，请一小时后再试。", status=429)
    if ratelimit.is_limited(request, ratelimit.FOLLOW_UP):
        return _refusal(request, "补充次数过多，请一小时后再试。", status=429)
    form = ReplyForm(request.POST, request.FILES)
    receipt = clean_receipt(form.data.get("receipt", "")) or ""
    tip = queries.get_tip_by_receipt(receipt)
    if tip is None:
        ratelimit.count_hit(request, ratelimit.WRONG_RECEIPT)
        return render(
            request, "portal/check.html", {"form": ReceiptForm(), "error": WRONG_RECEIPT_MESSAGE}
        )
    if not form.is_valid():
        return _progress_page(request, tip, receipt, reply_form=form)
    try:
        follow_up_with_receipt(
            receipt=receipt,
            body=form.cleaned_data["body"],
            attachments=check_tip_uploads(form.cleaned_data["attachments"]),
        )
    except ServiceError as error:
        form.add_service_error(error)
        return _progress_page(request, tip, receipt, reply_form=form)
    ratelimit.count_hit(request, ratelimit.FOLLOW_UP)
    return _progress_page(request, tip, receipt, notice="已收到您的补充，谢谢。")


def not_found_view(request: HttpRequest, path: str = "") -> HttpResponse:
    """Unknown /jubao/ addresses stay inside the portal (the site-wide 404 page is the staff one)."""
    return _refusal(request, "页面不存在。", status=404)


def server_error_view(request: HttpRequest) -> HttpResponse:
    """A failure under /jubao/ answers with a portal page: a frightened reporter must never be
    shown the staff site's look, menu or links. Everything else gets the staff 500 page.

    A lost database, a read-only one or a var directory that cannot be written is not a fault of
    ours: it answers 503 saying so (decisions 0049, 0053); a lost connection comes back by
    itself at the next request (`CONN_HEALTH_CHECKS`)."""
    outage = outage_of()
    if outage is not None:
        return outage_response(request, outage)
    if not request.path.startswith("/jubao/"):
        return server_error(request)
    try:
        return _refusal(request, "系统暂时出现问题，您的内容尚未提交，请稍后再试。", status=500)
    except Exception:
        # The portal page itself failed (e.g. the database is down): plain text, still no staff UI.
        return HttpResponse(
            "系统暂时出现问题，请稍后再试。", status=500, content_type="text/plain; charset=utf-8"
        )
