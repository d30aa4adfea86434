from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from saohei.api.access import visible_tokens
from saohei.api.forms import TokenCreateForm
from saohei.api.models import TokenScope
from saohei.api.services import create_api_token, revoke_api_token
from saohei.common.errors import ServiceError
from saohei.common.http import client_ip
from saohei.organisations.http import AuthenticatedHttpRequest


@login_required
def token_list_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    tokens = visible_tokens(request.user)
    return render(request, "api/token_list.html", {"tokens": tokens})


@never_cache
@login_required
def token_create_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every account may create tokens for itself only: a token acts with its owner's rights."""
    form = TokenCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, plaintext = create_api_token(
                user=request.user,
                name=form.cleaned_data["name"],
                scope=TokenScope(form.cleaned_data["scope"]),
                expires_at=form.expires_at(),
                ip_address=client_ip(request),
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            # Rendered, never redirected to: the token exists only in this response.
            return render(
                request, "api/token_created.html", {"token": token, "plaintext": plaintext}
            )
    return render(request, "api/token_create.html", {"form": form})


@require_POST
@login_required
def token_revoke_view(request: AuthenticatedHttpRequest, token_id: int) -> HttpResponse:
    token = visible_tokens(request.user).filter(pk=token_id).first()
    if token is None:
        raise Http404("令牌不存在")
    try:
        revoke_api_token(actor=request.user, token=token, ip_address=client_ip(request))
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"已吊销令牌 {token}。")
    return redirect("api_tokens:list")
