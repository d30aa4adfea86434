"""A briefing written by the command is as private as the records it counts (decision 0013)."""

import io
from pathlib import Path

from django.core.management import call_command

from saohei.organisations.models import Unit


def test_a_briefing_written_to_a_file_is_readable_by_its_owner_only(
    town: Unit, tmp_path: Path
) -> None:
    output = tmp_path / "简报.docx"
    call_command(
        "briefing",
        "--unit",
        "港西镇",
        "--format",
        "docx",
        "--output",
        str(output),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    assert output.stat().st_mode & 0o777 == 0o600
