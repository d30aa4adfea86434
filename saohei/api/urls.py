from django.http import HttpRequest, HttpResponse
from django.urls import path, re_path
from django.views.decorators.csrf import csrf_exempt

from saohei.api.api import api
from saohei.api.middleware import json_error


@csrf_exempt
def unknown_path(request: HttpRequest) -> HttpResponse:
    # Any other path under /api/ (another version, /api/v1 without its slash, a typo), for
    # every method: the error shape, and no APPEND_SLASH redirect to follow.
    return json_error(404, "not_found", "接口不存在")


urlpatterns = [
    path("v1/", api.urls),  # type: ignore[arg-type]
    re_path(r"", unknown_path),
]
