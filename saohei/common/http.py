from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The staff client's address; behind the reverse proxy it is the first X-Forwarded-For hop.

    Only trusted when SAOHEI_TRUST_PROXY is set, because the header is client-controlled.
    """
    if getattr(settings, "SAOHEI_TRUST_PROXY", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None
