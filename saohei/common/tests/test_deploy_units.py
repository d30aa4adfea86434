"""The systemd units and environment file under deploy/ (issue 14 "Operations", decision 0050)
stay true to the code: the commands they run exist, the web unit logs what `bin/serve` logs
(no query strings, see test_access_log.py), and the environment file names every variable that
production requires."""

import re
from pathlib import Path

from django.core.management import get_commands

from saohei.testing.processes import BASE_DIR

DEPLOY = BASE_DIR / "deploy"


def _exec_start(unit: str) -> str:
    text = (DEPLOY / unit).read_text(encoding="utf-8")
    (line,) = [line for line in text.splitlines() if line.startswith("ExecStart=")]
    return line.removeprefix("ExecStart=")


def test_every_unit_runs_a_command_that_exists() -> None:
    commands = get_commands()
    units = sorted(path.name for path in DEPLOY.glob("*.service"))
    assert units == ["saohei-hourly.service", "saohei-web.service", "saohei-worker.service"]
    for unit in units:
        line = _exec_start(unit)
        match = re.search(r"manage\.py (\w+)", line)
        if match:
            assert match.group(1) in commands, f"{unit} runs an unknown command"
        else:
            assert "gunicorn config.wsgi:application" in line
    assert (DEPLOY / "saohei-hourly.timer").exists()


def test_the_web_unit_logs_what_bin_serve_logs() -> None:
    served = re.search(
        r"--access-logformat '([^']+)'", (BASE_DIR / "bin" / "serve").read_text(encoding="utf-8")
    )
    unit = re.search(r"--access-logformat '([^']+)'", _exec_start("saohei-web.service"))
    assert served and unit
    # systemd reads %% as one %.
    assert unit.group(1).replace("%%", "%") == served.group(1)


def test_the_environment_file_names_every_variable_production_requires() -> None:
    settings_text = Path(BASE_DIR / "config" / "settings.py").read_text(encoding="utf-8")
    required = set(re.findall(r'_required_in_production\("(\w+)"\)', settings_text))
    assert {"SAOHEI_SECRET_KEY", "SAOHEI_DATA_KEY", "SAOHEI_AUDIT_KEY"} <= required
    example = (DEPLOY / "saohei.env.example").read_text(encoding="utf-8")
    named = set(re.findall(r"^(\w+)=", example, flags=re.MULTILINE))
    assert required <= named
