from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from saohei.accounts import activity, queries, services
from saohei.accounts.forms import (
    LoginForm,
    PasswordChangeForm,
    PasswordResetRequestForm,
    SecurityPolicyForm,
    TokenForm,
)
from saohei.accounts.models import PasswordReset
from saohei.accounts.policy import get_policy
from saohei.audit.models import AuditAction
from saohei.common.access import role_required
from saohei.common.errors import ServiceError
from saohei.common.http import client_ip
from saohei.common.roles import Role
from saohei.common.views import submit_action_form
from saohei.organisations.access import get_managed_account
from saohei.organisations.http import AuthenticatedHttpRequest
from saohei.organisations.models import User
from saohei.organisations.views import account_detail_page

_PENDING_USER = "otp_pending_user"
_PENDING_AT = "otp_pending_at"
_PENDING_NEXT = "otp_pending_next"
# The password step is good for this long while the user finds their phone.
_PENDING_SECONDS = 300


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return "/"


def _show_notices(request: HttpRequest, notices: list[str]) -> None:
    for notice in notices:
        messages.warning(request, notice)


def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home:index")
    form = LoginForm(request.POST or None)
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if request.method == "POST" and form.is_valid():
        ip_address = client_ip(request)
        attempt = services.check_password_attempt(
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password"],
            ip_address=ip_address,
        )
        if not attempt.succeeded:
            form.add_error(None, attempt.error)
        else:
            assert attempt.user is not None
            if queries.requires_totp(attempt.user) and queries.confirmed_totp_device(attempt.user):
                request.session[_PENDING_USER] = attempt.user.pk
                request.session[_PENDING_AT] = int(timezone.now().timestamp())
                request.session[_PENDING_NEXT] = next_url
                return redirect("accounts:otp_verify")
            notices = services.start_session(
                request=request, user=attempt.user, ip_address=ip_address
            )
            _show_notices(request, notices)
            return redirect(next_url)
    return render(request, "accounts/login.html", {"form": form, "next": next_url})


def otp_verify_view(request: HttpRequest) -> HttpResponse:
    user_id = request.session.get(_PENDING_USER)
    started = request.session.get(_PENDING_AT, 0)
    user = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
    if user is None or timezone.now().timestamp() - started > _PENDING_SECONDS:
        for key in (_PENDING_USER, _PENDING_AT, _PENDING_NEXT):
            request.session.pop(key, None)
        messages.warning(request, "请先输入用户名和密码。")
        return redirect("accounts:login")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ip_address = client_ip(request)
        attempt = services.check_totp_attempt(
            user=user, token=form.cleaned_data["token"], ip_address=ip_address
        )
        if not attempt.succeeded:
            form.add_error("token", attempt.error)
        else:
            next_url = request.session.get(_PENDING_NEXT, "/")
            notices = services.start_session(
                request=request,
                user=user,
                ip_address=ip_address,
                totp_device=queries.confirmed_totp_device(user),
            )
            _show_notices(request, notices)
            return redirect(next_url)
    return render(request, "accounts/otp_verify.html", {"form": form, "pending_user": user})


@login_required
def otp_setup_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    if queries.confirmed_totp_device(user) is not None:
        return redirect("home:index")
    device = services.start_totp_enrolment(user=user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.confirm_totp_enrolment(
                request=request,
                user=user,
                token=form.cleaned_data["token"],
                ip_address=client_ip(request),
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, "动态口令已绑定，今后登录时须输入手机上的6位口令。")
            return redirect("home:index")
    return render(
        request,
        "accounts/otp_setup.html",
        {
            "form": form,
            "qr_svg": queries.totp_qr_svg(device),
            "secret": queries.totp_secret(device),
        },
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    services.end_session(request=request, ip_address=client_ip(request))
    messages.info(request, "您已安全退出。")
    return redirect("accounts:login")


# Said on the login page when the page's idle timer ran out; `draft=1` when a draft was kept.
TIMED_OUT_MESSAGE = "因长时间未操作已退出，请重新登录。"
TIMED_OUT_WITH_DRAFT_MESSAGE = "因长时间未操作已退出，您填写的内容已保存在本机草稿中"


@require_POST
def keepalive_view(request: HttpRequest) -> HttpResponse:
    """继续工作: restart the idle clock and answer the seconds left. Not audited (decision 0019)."""
    policy = get_policy()
    now = timezone.now().timestamp()
    if request.user.is_authenticated and activity.is_idle(
        session=request.session, policy=policy, now=now
    ):
        services.end_session(
            request=request, ip_address=client_ip(request), reason=AuditAction.SESSION_EXPIRED
        )
    if not request.user.is_authenticated:
        return JsonResponse({"detail": "登录已失效，请重新登录。"}, status=401)
    activity.mark_active(request=request, now=now, force=True)
    return JsonResponse(
        {"seconds_left": activity.seconds_left(session=request.session, policy=policy, now=now)}
    )


def timed_out_view(request: HttpRequest) -> HttpResponse:
    """Where the page's idle timer sends the browser: the server's clock decides.

    A session another tab kept alive goes straight back to its page; a GET never ends a
    session that is still in use, so a link from elsewhere cannot sign anyone out.
    """
    next_url = _safe_next(request, request.GET.get("next"))
    if request.user.is_authenticated:
        if not activity.is_idle(
            session=request.session, policy=get_policy(), now=timezone.now().timestamp()
        ):
            return redirect(next_url)
        services.end_session(
            request=request, ip_address=client_ip(request), reason=AuditAction.SESSION_EXPIRED
        )
    kept_draft = request.GET.get("draft") == "1"
    messages.warning(request, TIMED_OUT_WITH_DRAFT_MESSAGE if kept_draft else TIMED_OUT_MESSAGE)
    return redirect(f"{reverse('accounts:login')}?{urlencode({'next': next_url})}")


@login_required
def password_change_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_password(
                request=request,
                user=user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
                ip_address=client_ip(request),
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, "密码已修改。")
            return redirect("home:index")
    reason = ""
    if user.must_change_password:
        reason = "这是初始密码或被重置的密码，请先设置您自己的新密码。"
    elif queries.password_expired(user):
        reason = f"您的密码已超过 {get_policy().password_max_age_days} 天未修改，请设置新密码。"
    return render(request, "accounts/password_change.html", {"form": form, "reason": reason})


@role_required(Role.SECURITY_ADMIN)
def security_policy_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    policy = get_policy()
    initial = {field: getattr(policy, field) for field in services.POLICY_FIELDS}
    form = SecurityPolicyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_security_policy(
                actor=request.user,
                values=form.cleaned_data,
                ip_address=client_ip(request),
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, "安全策略已保存。")
            return redirect("accounts:security_policy")
    return render(request, "accounts/security_policy.html", {"form": form, "policy": policy})


@role_required(Role.SECURITY_ADMIN)
def session_list_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    sessions = queries.list_active_sessions(viewer=request.user)
    return render(request, "accounts/session_list.html", {"sessions": sessions})


@require_POST
@role_required(Role.SECURITY_ADMIN)
def session_terminate_view(request: AuthenticatedHttpRequest, session_id: int) -> HttpResponse:
    browser_session = get_object_or_404(
        queries.list_active_sessions(viewer=request.user),
        pk=session_id,
    )
    try:
        services.terminate_session(
            actor=request.user,
            browser_session=browser_session,
            ip_address=client_ip(request),
        )
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"已将 {browser_session.user} 强制下线。")
    return redirect("accounts:sessions")


@role_required(Role.SECURITY_ADMIN)
def login_log_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    events = queries.list_login_events(viewer=request.user)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/login_log.html", {"page": page})


@require_POST
@role_required(Role.SECURITY_ADMIN)
def unlock_view(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    account = get_managed_account(request.user, user_id, Role.SECURITY_ADMIN)
    try:
        services.unlock_account(actor=request.user, user=account, ip_address=client_ip(request))
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"已解锁 {account}。")
    return redirect("organisations:account_detail", user_id=account.pk)


@require_POST
@role_required(Role.SECURITY_ADMIN)
def reset_totp_view(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    account = get_managed_account(request.user, user_id, Role.SECURITY_ADMIN)
    try:
        services.reset_totp(actor=request.user, user=account, ip_address=client_ip(request))
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"已重置 {account} 的动态口令，其下次登录时须重新绑定。")
    return redirect("organisations:account_detail", user_id=account.pk)


def _reset_admin_role(user: User) -> Role:
    return Role.SYSTEM_ADMIN if user.has_role(Role.SYSTEM_ADMIN) else Role.SECURITY_ADMIN


def _render_issued(request: HttpRequest, credential: object) -> HttpResponse:
    # Rendered, never redirected to: the one-time password exists only in this response.
    return render(request, "accounts/password_reset_issued.html", {"credential": credential})


@never_cache
@require_POST
@role_required(Role.SYSTEM_ADMIN)
def password_reset_request_view(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    actor = request.user
    account = get_managed_account(actor, user_id, Role.SYSTEM_ADMIN)

    def perform(data: dict[str, Any]) -> HttpResponse:
        outcome = services.request_password_reset(
            actor=actor, user=account, reason=data["reason"], ip_address=client_ip(request)
        )
        if outcome.credential is not None:
            return _render_issued(request, outcome.credential)
        messages.success(
            request, "该账号须经安全管理员批准后才能重置，申请已提交；批准后请在本页领取。"
        )
        return redirect("accounts:password_resets")

    # A refusal comes back on the account's page with the reason as typed.
    return submit_action_form(
        request,
        PasswordResetRequestForm(request.POST),
        perform=perform,
        render_page=lambda form: account_detail_page(
            request, actor, account, bound_form=("reset_form", form)
        ),
    )


@role_required(Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN)
def password_reset_list_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    viewer = request.user
    role = _reset_admin_role(viewer)
    resets = queries.list_password_resets(viewer=viewer, role=role)
    page = Paginator(resets, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/password_reset_list.html",
        {"page": page, "is_security_admin": role == Role.SECURITY_ADMIN},
    )


_DECISIONS = {
    "approve": (services.approve_password_reset, "已批准，申请人可领取一次性密码。"),
    "reject": (services.reject_password_reset, "已驳回。"),
}


@never_cache
@require_POST
@role_required(Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN)
def password_reset_decide_view(
    request: AuthenticatedHttpRequest, reset_id: int, decision: str
) -> HttpResponse:
    """Approve or reject (安全管理员), or collect the one-time password (the requester)."""
    viewer = request.user
    role = _reset_admin_role(viewer)
    reset: PasswordReset = get_object_or_404(
        queries.list_password_resets(viewer=viewer, role=role), pk=reset_id
    )
    try:
        if decision == "collect":
            credential = services.collect_password_reset(
                actor=viewer, reset=reset, ip_address=client_ip(request)
            )
            return _render_issued(request, credential)
        if decision not in _DECISIONS:
            raise Http404("操作不存在")
        decide, success = _DECISIONS[decision]
        decide(actor=viewer, reset=reset, ip_address=client_ip(request))
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return redirect("accounts:password_resets")
