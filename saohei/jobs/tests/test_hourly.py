import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from saohei.audit.models import AuditAction, AuditEvent
from saohei.audit.services import record_event

pytestmark = pytest.mark.django_db


def test_the_hourly_job_ends_with_a_checkpoint_of_the_audit_head(demo: None) -> None:
    record_event(action=AuditAction.LOGOUT)
    output = io.StringIO()
    call_command("daily_jobs", stdout=output)
    head = AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True).first()
    lines = Path(settings.SAOHEI_AUDIT_CHECKPOINT_FILE).read_text().splitlines()
    assert json.loads(lines[-1])["sequence"] == head
    assert f"检查点为链头第 {head} 条" in output.getvalue()


# Outside a test transaction: a backup copies committed data only (and skips inside one).
@pytest.mark.django_db(transaction=True)
def test_the_hourly_job_backs_up_when_there_is_no_backup_yet_and_not_again_the_same_day() -> None:
    output = io.StringIO()
    call_command("daily_jobs", stdout=output)
    files = list(Path(settings.SAOHEI_BACKUP_DIR).glob("saohei-*.sbk"))
    assert len(files) == 1 and f"已备份：{files[0].name}" in output.getvalue()
    again = io.StringIO()
    call_command("daily_jobs", stdout=again)
    assert "已备份" not in again.getvalue()
    assert len(list(Path(settings.SAOHEI_BACKUP_DIR).glob("saohei-*.sbk"))) == 1
