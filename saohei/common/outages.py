"""A database that cannot be reached answers 503, not 500 (issue 14 "Faults", decision 0049).

Django hands an exception that escaped a view or a middleware to the 500 handler while the
exception is being handled, so `sys.exc_info()` says what it was. The page is rendered without
a request context: its context processors (menu, idle timer, the signed-in user) would need the
database that is missing.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader

RETRY_AFTER_SECONDS = 5
UNAVAILABLE = "数据库暂时无法连接，请稍后重试。"
PORTAL_UNAVAILABLE = "系统暂时无法访问，您的内容尚未提交，请稍后再试。"


def database_unavailable(error: BaseException | None = None) -> bool:
    """Whether `error` (by default the exception being handled) is a lost or refused database
    connection (a locked SQLite file, which clears by itself, counts too)."""
    error = error if error is not None else sys.exc_info()[1]
    return isinstance(error, OperationalError | InterfaceError)


def database_unavailable_response(request: HttpRequest) -> HttpResponse:
    """503 in the shape the caller reads: the API's error shape under /api/, plain text on the
    portal, the staff site's page elsewhere."""
    if request.path.startswith("/api/"):
        body = {"error": {"code": "database_unavailable", "message": UNAVAILABLE, "fields": {}}}
        response: HttpResponse = JsonResponse(
            body, status=503, json_dumps_params={"ensure_ascii": False}
        )
    elif request.path.startswith("/jubao/"):
        # The portal never shows the staff site's look; plain text needs nothing that is down.
        response = HttpResponse(
            PORTAL_UNAVAILABLE, status=503, content_type="text/plain; charset=utf-8"
        )
    else:
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
