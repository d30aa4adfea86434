"""Text cells pass the same check as forms and the API: NUL and control characters are refused
with the row and column, line breaks only in the multi-line columns."""

from collections.abc import Callable

import pytest

from saohei.cases.models import Case, ImportJob, ImportStatus
from saohei.cases.tests.helpers import CASE_HEADER, case_row, csv_file

pytestmark = pytest.mark.django_db
ImportFile = Callable[..., ImportJob]


@pytest.mark.parametrize(
    ("overrides", "column", "reason"),
    [
        ({"cause": "寻衅\x00滋事"}, "案由", "空字符"),
        ({"place": "码头\x1b[31m"}, "发案地点", "控制字符"),
        ({"place": "码头\n东侧"}, "发案地点", "换行符"),
        ({"summary": "酒后\x07滋事"}, "简要案情", "控制字符"),
    ],
)
def test_a_text_cell_with_a_control_character_fails_the_file(
    import_file: ImportFile, overrides: dict[str, str], column: str, reason: str
) -> None:
    job = import_file(csv_file([CASE_HEADER, case_row(**overrides)]))
    assert job.status == ImportStatus.FAILED
    errors = [e for e in job.errors if (e["row"], e["column"]) == (2, column)]
    assert errors and reason in errors[0]["message"], job.errors
    assert not Case.objects.exists()


def test_line_breaks_stay_in_the_multi_line_columns(import_file: ImportFile) -> None:
    job = import_file(csv_file([CASE_HEADER, case_row(summary="酒后滋事\r\n砸坏渔具")]))
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    assert Case.objects.get().summary == "酒后滋事\r\n砸坏渔具"
