import tempfile
from collections.abc import Callable
from typing import IO

from django.conf import settings
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpRequest
from django.utils import timezone


def client_ip(request: HttpRequest) -> str | None:
    """The staff client's address; behind the reverse proxy it is the first X-Forwarded-For hop.

    Only trusted when SAOHEI_TRUST_PROXY is set, because the header is client-controlled.
    """
    if getattr(settings, "SAOHEI_TRUST_PROXY", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


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
