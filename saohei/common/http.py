import ipaddress
import tempfile
from collections.abc import Callable
from typing import IO

from django.conf import settings
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpRequest
from django.utils import timezone


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or behind SAOHEI_TRUSTED_PROXY_COUNT reverse proxies
    the address the outermost trusted proxy saw, counted that many hops from the right of
    X-Forwarded-For.

    Every hop left of that one was written by the client and is never believed. A header with
    fewer hops than trusted proxies, or a hop that is not an IP address, falls back to
    REMOTE_ADDR: a misconfigured proxy must not let the client choose its own address.
    """
    remote_addr = request.META.get("REMOTE_ADDR") or None
    trusted_proxies = getattr(settings, "SAOHEI_TRUSTED_PROXY_COUNT", 0)
    if trusted_proxies <= 0:
        return remote_addr
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(hops) < trusted_proxies:
        return remote_addr
    try:
        return str(ipaddress.ip_address(hops[-trusted_proxies]))
    except ValueError:
        return remote_addr


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def stamped_name(name: str, suffix: str = ".xlsx") -> str:
    """`线索台账-20261129-0930.xlsx`: who exported is inside the file; when, also in its name."""
    return f"{name}-{timezone.localtime():%Y%m%d-%H%M}{suffix}"


def streamed_download(
    write: Callable[[IO[bytes]], object], *, filename: str, content_type: str = XLSX_TYPE
) -> FileResponse:
    """Run `write` (the workbook and the export's audit event) into a temporary file and stream
    it: a 100,000-row ledger never sits in memory whole, and a failure leaves no file behind."""
    output = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it after streaming)
    try:
        write(output)
    except BaseException:
        output.close()
        raise
    output.seek(0)
    return FileResponse(output, as_attachment=True, filename=filename, content_type=content_type)


def stored_file_download(file: FieldFile, *, filename: str, content_type: str) -> FileResponse:
    """An uploaded file (evidence, photo, attachment), always as a download — never rendered
    inline, so a crafted upload cannot run in the site's origin. The caller audits it."""
    return FileResponse(
        file.open("rb"), as_attachment=True, filename=filename, content_type=content_type
    )
