from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from saohei.api.models import ApiToken
from saohei.api.services import revoke_api_token
from saohei.common.errors import ServiceError
from saohei.common.http import client_ip
from saohei.common.roles import Role
from saohei.organisations.access import managed_units
from saohei.organisations.http import AuthenticatedHttpRequest
from saohei.organisations.models import User


def _visible_tokens(user: User):  # type: ignore[no-untyped-def]
    """Own tokens; a 安全管理员 also sees those of accounts in scope."""
    condition = Q(user=user)
    if user.has_role(Role.SECURITY_ADMIN):
        condition |= Q(user__unit__in=managed_units(user, Role.SECURITY_ADMIN))
    return ApiToken.objects.filter(condition).select_related("user", "user__unit")


@login_required
def token_list_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    tokens = _visible_tokens(request.user)
    return render(request, "api/token_list.html", {"tokens": tokens})


@require_POST
@login_required
def token_revoke_view(request: AuthenticatedHttpRequest, token_id: int) -> HttpResponse:
    token = _visible_tokens(request.user).filter(pk=token_id).first()
    if token is None:
        raise Http404("令牌不存在")
    try:
        revoke_api_token(actor=request.user, token=token, ip_address=client_ip(request))
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"已吊销令牌 {token}。")
    return redirect("api_tokens:list")
