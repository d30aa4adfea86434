from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

PORTAL_PREFIX = "/jubao/"


class PortalHeadersMiddleware:
    """Every /jubao/ response, errors included: never cached (a shared phone's back button must
    not show a receipt) and never sending a Referer onward. The strict CSP is global."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith(PORTAL_PREFIX):
            response.headers["Cache-Control"] = "no-store"
            response.headers["Referrer-Policy"] = "no-referrer"
        return response
