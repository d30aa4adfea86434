from collections.abc import Callable
from urllib.parse import urlencode, urlsplit

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from saohei.accounts.activity import is_idle, mark_active
from saohei.accounts.policy import policy_for
from saohei.accounts.queries import confirmed_totp_device, password_expired, requires_totp
from saohei.accounts.services import end_session
from saohei.audit.models import AuditAction
from saohei.common.http import client_ip
from saohei.organisations.models import User

# Paths that never carry a staff browser session, or that the policy gates must let through.
_UNGATED_PREFIXES = ("/static/", "/api/", "/jubao/", "/healthz")
# Under /api/ but read with the staff browser session too: the gates apply to that session.
_GATED_API_PATHS = ("/api/v1/openapi.json",)


class AccountPolicyMiddleware:
    """Idle timeout, second factor, forced and expired password changes — for every staff page.

    1. An idle session is ended server-side and the user sent to sign in again.
    2. A role that needs TOTP reaches nothing but enrolment until a device is verified.
    3. An initial, reset or expired password must be changed before anything else.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        ungated = (
            request.path.startswith(_UNGATED_PREFIXES) and request.path not in _GATED_API_PATHS
        )
        if ungated or not request.user.is_authenticated:
            return self.get_response(request)
        redirect_response = self._enforce(request)
        if redirect_response is not None:
            return redirect_response
        return self.get_response(request)

    def _enforce(self, request: HttpRequest) -> HttpResponse | None:
        policy = policy_for(request)
        now = timezone.now()
        # The keepalive and the timed-out page read the idle clock themselves (decision 0019).
        own_clock = {reverse("accounts:keepalive"), reverse("accounts:timed_out")}
        if request.path not in own_clock:
            if is_idle(session=request.session, policy=policy, now=now.timestamp()):
                end_session(
                    request=request,
                    ip_address=client_ip(request),
                    reason=AuditAction.SESSION_EXPIRED,
                )
                messages.warning(
                    request,
                    f"您已超过 {policy.idle_timeout_minutes} 分钟未操作，为安全起见已退出，请重新登录。",
                )
                query = urlencode({"next": _page_to_return_to(request)})
                return redirect(f"{reverse('accounts:login')}?{query}")
            mark_active(request=request, now=now.timestamp())

        user: User = request.user  # type: ignore[assignment]
        allowed = {reverse("accounts:logout")} | own_clock
        if requires_totp(user) and not user.is_verified():  # type: ignore[attr-defined]
            if confirmed_totp_device(user) is None:
                target = reverse("accounts:otp_setup")
            else:
                # A verified device exists but this session skipped it: sign in again properly.
                end_session(
                    request=request, ip_address=client_ip(request), reason=AuditAction.LOGOUT
                )
                return redirect("accounts:login")
            if request.path not in allowed | {target}:
                return redirect(target)
            return None
        if user.must_change_password or password_expired(user):
            target = reverse("accounts:password_change")
            if request.path not in allowed | {target}:
                return redirect(target)
        return None


def _page_to_return_to(request: HttpRequest) -> str:
    """Where to go after signing in again: the page asked for, or — for a form sent after the
    timeout — the page the form was on (its action may be POST-only); never another site."""
    if request.method in ("GET", "HEAD"):
        return request.path
    referer = request.headers.get("referer", "")
    if url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return urlsplit(referer).path or "/"
    return "/"
