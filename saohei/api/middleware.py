"""Under /api/, every answer is JSON in the API's error shape, whoever wrote it."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase, JsonResponse

API_PREFIX = "/api/"

# What the client reads for each refusal Django or ninja answers on their own.
_REFUSALS = {
    400: ("bad_request", "请求格式不正确"),
    403: ("forbidden", "无权访问"),
    404: ("not_found", "接口不存在"),
    405: ("method_not_allowed", "该接口不支持此请求方法，允许的方法见 Allow 头"),
    413: ("too_large", "请求体过大"),
    500: ("server_error", "服务器内部错误，请稍后重试或联系管理员"),
}
# Headers of the refusal the client still needs (Allow on a 405, Retry-After on a 429 or 503).
_KEPT_HEADERS = ("Allow", "Retry-After")


def error_body(code: str, message: str) -> dict[str, dict[str, object]]:
    return {"error": {"code": code, "message": message, "fields": {}}}


def json_error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(error_body(code, message), status=status)


def _is_json(response: HttpResponseBase) -> bool:
    return response.get("Content-Type", "").startswith("application/json")


class ApiErrorShapeMiddleware:
    """The API's own handlers answer in the error shape; a few refusals are answered before or
    around them (ninja's 405 for a method a path lacks, Django's 400 for a body it will not read,
    the 500 page for a failing middleware) as text or the staff site's HTML. Under /api/ they
    are rewritten here, once, keeping their status and the headers a client needs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if (
            not request.path.startswith(API_PREFIX)
            or response.status_code < 400
            or _is_json(response)
        ):
            return response
        code, message = _REFUSALS.get(response.status_code, ("error", "请求未能处理"))
        shaped = json_error(response.status_code, code, message)
        for header in _KEPT_HEADERS:
            if header in response:
                shaped[header] = response[header]
        return shaped
