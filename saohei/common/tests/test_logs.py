"""`SAOHEI_LOG_FORMAT=json`: the server's log as JSON lines (issue 14 "Operations", 0050)."""

import json
import logging
import subprocess
import sys
from pathlib import Path

from saohei.common.logs import JsonLinesFormatter
from saohei.testing.processes import BASE_DIR, server_environment


def test_a_record_and_its_exception_become_one_json_line() -> None:
    try:
        raise ValueError("出错")
    except ValueError:
        record = logging.LogRecord(
            "saohei.x", logging.ERROR, __file__, 1, "导入 %s 条", (3,), sys.exc_info()
        )
    line = JsonLinesFormatter().format(record)
    assert "\n" not in line  # the traceback's newlines are escaped: one line
    entry = json.loads(line)
    assert entry["level"] == "ERROR" and entry["logger"] == "saohei.x"
    assert entry["message"] == "导入 3 条"
    assert entry["exception"] == "ValueError" and "出错" in entry["traceback"]
    assert entry["time"].endswith("+00:00")


def test_the_setting_switches_the_servers_log_to_json_lines(tmp_path: Path) -> None:
    env = server_environment(tmp_path / "var", SAOHEI_LOG_FORMAT="json")
    script = "import django; django.setup(); import logging; logging.getLogger('saohei.t').warning('心跳未能写入')"
    done = subprocess.run(  # noqa: S603 (our own interpreter)
        [sys.executable, "-c", script],
        cwd=BASE_DIR,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    (line,) = done.stderr.strip().splitlines()
    assert json.loads(line)["message"] == "心跳未能写入"
