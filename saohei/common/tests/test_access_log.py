"""Staff searches carry persons' names in the query string (GET ?q=…, so that lists can be
linked, paged and exported); the access log of `bin/serve` must therefore never keep a query
string, a referrer (the previous page's query) or a client-written header."""

import re
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

from saohei.testing.processes import BASE_DIR, free_port, server_environment

NAME = "张三丰"


def _serve_access_log_format() -> str:
    script = (BASE_DIR / "bin" / "serve").read_text(encoding="utf-8")
    match = re.search(r"--access-logformat '([^']+)'", script)
    assert match, "bin/serve sets no access log format"
    return match.group(1)


def test_the_served_access_log_keeps_no_names_from_query_strings_or_referrers(
    tmp_path: Path,
) -> None:
    port = free_port()
    log_path = tmp_path / "access.log"
    server = subprocess.Popen(  # noqa: S603 (the project's own gunicorn)
        [
            str(BASE_DIR / ".venv" / "bin" / "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--access-logfile",
            str(log_path),
            "--access-logformat",
            _serve_access_log_format(),
        ],
        cwd=BASE_DIR,
        env=server_environment(tmp_path / "var"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        search = f"http://127.0.0.1:{port}/leads/?q={quote(NAME)}&page=2"
        request = urllib.request.Request(
            search,
            headers={
                "Referer": f"http://127.0.0.1:{port}/cases/?q={quote(NAME)}",
                "X-Forwarded-For": quote(NAME),
            },
        )
        for _ in range(100):
            try:
                urllib.request.urlopen(request, timeout=5)  # noqa: S310 (our own test server)
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                time.sleep(0.1)
        for _ in range(50):
            if "/leads/" in log_path.read_text(encoding="utf-8"):
                break
            time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=10)
    logged = log_path.read_text(encoding="utf-8")
    assert '"GET /leads/"' in logged
    for secret in (NAME, quote(NAME), "q=", "page=", "/cases/"):
        assert secret not in logged, secret
