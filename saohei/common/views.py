from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def csrf_failure_view(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Django's own CSRF page is English and technical; users just need to reload."""
    return render(
        request,
        "403.html",
        {"exception": "页面已过期或请求来源不正确，请返回上一页刷新后重试。"},
        status=403,
    )
