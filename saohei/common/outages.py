"""Failures of what the system stands on answer 503 with a clear message, not a 500 (issue 14
"Faults", decisions 0049 and 0053): a database that cannot be reached, a database that is
read-only, and a var directory that is full or not writable.

Django hands an exception that escaped a view or a middleware to the 500 handler while the
exception is being handled, so `sys.exc_info()` says what it was. The page is rendered without
a request context: its context processors (menu, idle timer, the signed-in user) would need the
database that may be missing. Nothing is half-saved: a record and its files are written in one
transaction, which the exception rolls back; the message says the content was not saved.
"""

import errno
import sys
from dataclasses import dataclass

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader

RETRY_AFTER_SECONDS = 5
# A full disk or quota, a read-only file system, missing permissions on the var directory.
STORAGE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM})


@dataclass(frozen=True)
class Outage:
    code: str
    title: str
    message: str
    portal_message: str
    retry: bool  # clears by itself: tell the client when to try again


DATABASE = Outage(
    code="database_unavailable",
    title="数据库暂时无法连接，请稍后重试",
    message="数据库暂时无法连接，请稍后重试。",
    portal_message="系统暂时无法访问，您的内容尚未提交，请稍后再试。",
    retry=True,
)
READ_ONLY = Outage(
    code="database_read_only",
    title="数据库当前为只读，内容没有保存",
    message="数据库当前为只读，内容没有保存，请联系系统管理员。",
    portal_message="系统暂时无法接收内容，您的内容尚未提交，请稍后再试。",
    retry=False,
)
STORAGE = Outage(
    code="storage_unavailable",
    title="服务器无法保存文件，内容没有保存",
    message="服务器无法保存文件（存储空间不足或不可写），内容没有保存，请联系系统管理员。",
    portal_message="系统暂时无法接收文件，您的内容尚未提交，请稍后再试。",
    retry=False,
)


def outage_of(error: BaseException | None = None) -> Outage | None:
    """Which outage `error` (by default the exception being handled) is, if any."""
    error = error if error is not None else sys.exc_info()[1]
    if isinstance(error, OSError) and error.errno in STORAGE_ERRNOS:
        return STORAGE
    if isinstance(error, DatabaseError):
        text = str(error).lower()
        # SQLite: "attempt to write a readonly database"; PostgreSQL: "… in a read-only
        # transaction" (a standby, or default_transaction_read_only).
        if "readonly database" in text or "read-only transaction" in text:
            return READ_ONLY
    if isinstance(error, OperationalError | InterfaceError):
        # A refused or lost connection; a locked SQLite file too, which also clears by itself.
        return DATABASE
    return None


def outage_response(request: HttpRequest, outage: Outage) -> HttpResponse:
    """503 in the shape the caller reads: the API's error shape under /api/, plain text on the
    portal (never the staff site's look there), the staff site's page elsewhere."""
    if request.path.startswith("/api/"):
        body = {"error": {"code": outage.code, "message": outage.message, "fields": {}}}
        response: HttpResponse = JsonResponse(
            body, status=503, json_dumps_params={"ensure_ascii": False}
        )
    elif request.path.startswith("/jubao/"):
        response = HttpResponse(
            outage.portal_message, status=503, content_type="text/plain; charset=utf-8"
        )
    else:
        page = loader.render_to_string("503.html", {"outage": outage})
        response = HttpResponse(page, status=503)
    if outage.retry:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
