"""The REST API, /api/v1/. Every error has one shape: {"error": {"code", "message", "fields"}}."""

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.db import DatabaseError, transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer
from pydantic import BaseModel

from saohei.api.analysis_api import router as analysis_router
from saohei.api.assigned_lists_api import router as assigned_lists_router
from saohei.api.briefings_api import router as briefings_router
from saohei.api.cases_api import router as cases_router
from saohei.api.city_api import router as city_router
from saohei.api.group_api import router as group_router
from saohei.api.inspections_api import router as inspections_router
from saohei.api.leads_api import router as leads_router
from saohei.api.meetings_api import router as meetings_router
from saohei.api.notifications_api import router as notifications_router
from saohei.api.publicity_api import router as publicity_router
from saohei.api.rectifications_api import router as rectifications_router
from saohei.api.reports_api import router as reports_router
from saohei.api.schemas import ErrorResponse, MeOut, UnitOut
from saohei.api.services import authenticate_token, token_digest
from saohei.api.talks_api import router as talks_router
from saohei.api.tips_api import router as tips_router
from saohei.api.workdays_api import router as workdays_router
from saohei.common import ratelimit
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.common.http import client_ip
from saohei.common.outages import outage_of, outage_response
from saohei.common.ratelimit import Limit
from saohei.common.rows import StaleVersion
from saohei.common.validation import find_unsafe_value
from saohei.organisations.access import content_units
from saohei.organisations.models import Unit, User

logger = logging.getLogger(__name__)

# Guessing a token is hopeless (256 bits), so this only keeps a flood from costing a database
# write per request; an honest client with a broken token sees 429 for at most a minute.
FAILED_TOKENS = Limit("api_failed_token", 10, 60)


# Methods a read-only token may use: every other one may change something.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class TooManyFailedTokens(Exception):
    """The address has used too many bad tokens this minute."""


class TokenExpired(Exception):
    """The token was valid once; its expiry date has passed."""


class ReadOnlyToken(Exception):
    """A read-only token was used for a method that may change something."""


class TooManyTokenRequests(Exception):
    """One token has made more requests this minute than the setting allows."""


def token_limit() -> Limit:
    """Read per request, so the setting can be changed without a new code path."""
    return Limit("api_token", settings.SAOHEI_API_TOKEN_REQUESTS_PER_MINUTE, 60)


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        address = client_ip(request)
        if ratelimit.is_limited(FAILED_TOKENS, address):
            raise TooManyFailedTokens
        # Counted by the token's digest, not the address: a token is one client wherever it
        # runs. Checked before the database, so a runaway script costs no writes.
        limit, client = token_limit(), token_digest(token)
        if ratelimit.is_limited(limit, client):
            raise TooManyTokenRequests
        check = authenticate_token(plaintext=token, ip_address=address, path=request.path)
        if check.user is None or check.token is None:
            ratelimit.count_hit(FAILED_TOKENS, address)
            if check.refusal == "expired":
                raise TokenExpired
            return None
        ratelimit.count_hit(limit, client)
        if check.token.is_read_only and request.method not in READ_METHODS:
            raise ReadOnlyToken
        request.user = check.user
        return check.user


bearer_token = BearerToken()


def signed_in_or_token(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The schema maps every endpoint and field of the office's records: it is for a signed-in
    staff session (past the account policy's gates) or a valid bearer token only."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated and bearer_token(request) is None:
            return on_authentication_error(request, AuthenticationError())
        return view(request, *args, **kwargs)

    return guarded


api = NinjaAPI(
    title="扫黑除恶工作平台 API",
    version="1",
    urls_namespace="api-v1",
    auth=bearer_token,
    docs_url=None,  # the interactive docs page loads scripts from a CDN; offline intranets can't
    docs_decorator=signed_in_or_token,
)


def _atomic_writes(run: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """A writing request is one transaction with its response: if anything after the service
    fails (building or serialising the answer), the write is undone, never a 500 after a save.
    Refusals (4xx) keep what they wrote on purpose, such as audit events of failed tokens."""

    @wraps(run)
    def run_atomically(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return run(request, *args, **kwargs)
        with transaction.atomic():
            response = run(request, *args, **kwargs)
            if response.status_code >= 500:
                transaction.set_rollback(True)
            return response

    return run_atomically


# "view" mode wraps the whole operation: checks, the endpoint, its response and error handlers.
api.add_decorator(_atomic_writes, mode="view")


def error_response(
    request: HttpRequest, status: int, code: str, message: str, fields: Any = None
) -> HttpResponse:
    body = {"error": {"code": code, "message": message, "fields": fields or {}}}
    return api.create_response(request, body, status=status)


@api.exception_handler(AuthenticationError)
def on_authentication_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(
        request, 401, "unauthorized", "未认证：请在 Authorization 头中提供有效的 Bearer 令牌"
    )


@api.exception_handler(TooManyFailedTokens)
def on_too_many_failed_tokens(request: HttpRequest, exc: Exception) -> HttpResponse:
    response = error_response(
        request,
        429,
        "too_many_requests",
        "无效令牌次数过多，请一分钟后再试，并检查 Authorization 头中的令牌",
    )
    response["Retry-After"] = str(FAILED_TOKENS.window_seconds)
    return response


@api.exception_handler(TokenExpired)
def on_token_expired(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(
        request, 401, "token_expired", "令牌已过期：请在“接口令牌”页面创建新令牌后重试"
    )


@api.exception_handler(ReadOnlyToken)
def on_read_only_token(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(
        request, 403, "read_only_token", "该令牌为只读令牌，只能查询（GET），不能新增、修改或删除"
    )


@api.exception_handler(TooManyTokenRequests)
def on_too_many_token_requests(request: HttpRequest, exc: Exception) -> HttpResponse:
    limit = token_limit()
    response = error_response(
        request,
        429,
        "too_many_requests",
        f"该令牌每分钟最多请求{limit.max_hits}次，请稍后再试",
    )
    response["Retry-After"] = str(ratelimit.seconds_left(limit))
    return response


def _field_name(loc: list[Any]) -> str:
    """`["body", "payload", "subjects", 0, "name"]` → `subjects.0.name`: the client's field path,
    without where it came from or our Python parameter's name."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "form", "file"):
        parts = parts[1:]
        if len(parts) > 1:
            parts = parts[1:]
    return ".".join(str(part) for part in parts)


# pydantic's commonest complaints, in the language of the rest of the answer.
_PYDANTIC_MESSAGES = {
    "missing": "必填",
    "string_type": "应为文本",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "list_type": "应为列表",
}


def _chinese_message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    if kind == "string_too_long":
        return f"不能超过{error.get('ctx', {}).get('max_length', '')}字"
    return _PYDANTIC_MESSAGES.get(kind) or error.get("msg", "格式不正确")


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        location = _field_name(error.get("loc", []))
        fields.setdefault(location or "_", []).append(_chinese_message(error))
    return error_response(request, 422, "validation_error", "请求数据格式不正确", fields)


@api.exception_handler(ActionNotAllowed)
def on_not_allowed(request: HttpRequest, exc: ActionNotAllowed) -> HttpResponse:
    return error_response(request, 403, "forbidden", exc.message)


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    # An access helper shared with the pages refuses as Django does (their 403 page).
    return error_response(request, 403, "forbidden", str(exc) or "您没有执行此操作的权限")


@api.exception_handler(StaleVersion)
def on_stale_version(request: HttpRequest, exc: StaleVersion) -> HttpResponse:
    # An edit based on a version someone else has since replaced (decision 0056): the pages'
    # message, and the version now saved so the client can read it again and decide.
    return error_response(
        request, 409, "conflict", exc.message, {"version": [str(exc.saved_version)]}
    )


@api.exception_handler(ServiceError)
def on_service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    fields = {exc.field: [exc.message]} if exc.field else {}
    return error_response(request, 400, "invalid", exc.message, fields)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(request, 404, "not_found", "资源不存在或您无权访问")


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, ValueError):
        # ninja's "Cannot parse request body": a form or another type where JSON was expected,
        # malformed JSON, or bytes that are not UTF-8
        if request.content_type != "application/json":
            return error_response(
                request,
                415,
                "unsupported_media_type",
                "请求体应为 JSON，并带 Content-Type: application/json 头",
            )
        return error_response(request, 400, "invalid_json", "请求体不是有效的 UTF-8 JSON")
    return error_response(request, exc.status_code, "error", str(exc))


@api.exception_handler(MultiPartParserError)
def on_broken_multipart(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    # Django's parser refuses a body it cannot read as parts (a part's headers past its limit, no
    # boundary); the pages answer that 400 through Django's handler, the API in its own shape.
    return error_response(
        request, 400, "invalid_multipart", "上传内容不是有效的 multipart/form-data，请检查请求格式"
    )


@api.exception_handler(SuspiciousOperation)
def on_suspicious_request(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    # Too many fields or files in one body, and the like: Django's pages answer 400 too.
    return error_response(request, 400, "invalid", "请求内容不符合要求（字段或文件过多）")


@api.exception_handler(RequestDataTooBig)
def on_body_too_big(request: HttpRequest, exc: Exception) -> HttpResponse:
    # Django refuses to read a body over DATA_UPLOAD_MAX_MEMORY_SIZE; the client's fault, not ours.
    return error_response(request, 413, "too_large", "请求体过大，请缩短内容后重试")


@api.exception_handler(DatabaseError)
@api.exception_handler(OSError)
def on_outage(request: HttpRequest, exc: Exception) -> HttpResponse:
    # A lost or read-only database, a var directory that cannot be written (decisions 0049,
    # 0053): 503 in the error shape. Any other error of these classes is ours: a 500.
    outage = outage_of(exc)
    if outage is None:
        return on_unexpected_error(request, exc)
    return outage_response(request, outage)


@api.exception_handler(Exception)
def on_unexpected_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    # A client of the API reads the error shape even for our own faults; the traceback goes to
    # the server log (the request path only: bodies may carry names), and a write is undone by
    # `_atomic_writes` because the answer is a 500.
    logger.error("API 内部错误：%s %s", request.method, request.path, exc_info=exc)
    return error_response(request, 500, "server_error", "服务器内部错误，请稍后重试或联系管理员")


def _unit_out(unit: Unit) -> UnitOut:
    return UnitOut(
        id=unit.pk,
        name=unit.name,
        kind=unit.kind,
        kind_label=unit.get_kind_display(),
        parent_id=unit.parent_id,
    )


@api.get("/me", response={200: MeOut, 401: ErrorResponse}, summary="当前账号")
def me(request: HttpRequest) -> MeOut:
    user: User = request.auth  # type: ignore[attr-defined]
    return MeOut(
        id=user.pk,
        username=user.username,
        real_name=user.real_name,
        position=user.position,
        unit=_unit_out(user.unit) if user.unit else None,
        roles=sorted(user.granted_roles),
        role_labels=user.role_labels,
    )


@api.get("/units", response={200: list[UnitOut], 401: ErrorResponse}, summary="可见单位")
def list_units(request: HttpRequest) -> list[UnitOut]:
    """Units the token's account may read records of (its content scope)."""
    user: User = request.auth  # type: ignore[attr-defined]
    return [_unit_out(unit) for unit in content_units(user).order_by("path")]


def refuse_unsafe_input(operation: Callable[..., Any]) -> Callable[..., Any]:
    """Every operation's validated arguments (path ids, query filters, bodies) pass the shared
    check before the endpoint runs: NUL, lone surrogates and control characters in any text, and
    integers no database column holds, are a 422 in the error shape instead of a database error."""

    @wraps(operation)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        for name, value in kwargs.items():
            is_schema = isinstance(value, BaseModel)
            data = value.model_dump(by_alias=True) if is_schema else value
            found = find_unsafe_value(data, "" if is_schema else name)
            if found:
                location, message = found
                raise ValidationError([{"loc": [location or name], "msg": message}])
        return operation(request, *args, **kwargs)

    return checked


api.add_decorator(refuse_unsafe_input)

# Each context's endpoints live in their own module of this package.
api.add_router("/leads", leads_router)
api.add_router("/cases", cases_router)
api.add_router("/rectifications", rectifications_router)
api.add_router("/talks", talks_router)
api.add_router("/inspections", inspections_router)
api.add_router("/meetings", meetings_router)
api.add_router("/publicity", publicity_router)
api.add_router("/analysis", analysis_router)
api.add_router("/city", city_router)
api.add_router("/assigned-lists", assigned_lists_router)
api.add_router("/tips", tips_router)
api.add_router("/briefings", briefings_router)
api.add_router("/notifications", notifications_router)
api.add_router("/workdays", workdays_router)
api.add_router("/group", group_router)
api.add_router("/reports", reports_router)
