"""A var directory that cannot be written, and a read-only database: a clear message, no record
without its file, nothing half-saved (issue 14 "Faults", decision 0053).

The uploads directory is put where nobody may create it (under /sys: EPERM for root, EACCES for
anyone else) — a real refusal by the kernel, as on a full or read-only file system."""

import io
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError
from django.test import Client
from django.utils import timezone

from saohei.audit.models import AuditAction, AuditEvent
from saohei.common.outages import READ_ONLY, STORAGE, outage_of
from saohei.leads.models import Attachment, Lead
from saohei.portal.tests.conftest import tip_form
from saohei.tips.models import Tip, TipAttachment
from saohei.tips.tests.conftest import PNG
from saohei.vault.models import ReporterIdentity

pytestmark = pytest.mark.django_db


@pytest.fixture
def unwritable_media(settings: Any) -> Path:
    path = Path("/sys") / f"saohei-media-{uuid.uuid4().hex}"
    try:
        path.mkdir()
    except OSError as error:
        assert outage_of(error) is STORAGE, error
    else:  # pragma: no cover — a machine that lets anyone write under /sys
        path.rmdir()
        pytest.skip("this machine lets the tests create directories under /sys")
    settings.MEDIA_ROOT = path
    return path


def _photo(name: str = "现场.png") -> io.BytesIO:
    upload = io.BytesIO(PNG)
    upload.name = name
    return upload


def _lead_form() -> dict[str, object]:
    return {
        "received_at": (timezone.localtime() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "channel": "phone",
        "source": "public_report",
        "summary": "村民反映有人在码头收保护费",
        "subjects-TOTAL_FORMS": "1",
        "subjects-INITIAL_FORMS": "0",
        "subjects-MIN_NUM_FORMS": "0",
        "subjects-MAX_NUM_FORMS": "20",
        "subjects-0-name": "张三",
        "subjects-0-role": "reported",
        "attachments": [_photo()],
    }


def test_a_lead_whose_file_cannot_be_stored_is_not_registered(
    unwritable_media: Path, client_as: Callable[[str], Client]
) -> None:
    office = client_as("banshi")
    office.raise_request_exception = False  # answered as a server would, not re-raised
    leads, events = Lead.objects.count(), AuditEvent.objects.count()
    response = office.post("/leads/new/", _lead_form())
    assert response.status_code == 503
    assert "服务器无法保存文件" in response.content.decode()
    assert "Retry-After" not in response  # it does not clear by itself
    assert Lead.objects.count() == leads and not Attachment.objects.exists()
    assert AuditEvent.objects.count() == events


def test_a_tip_whose_file_cannot_be_stored_says_so_on_the_portal_and_keeps_nothing(
    unwritable_media: Path, demo: None
) -> None:
    client = Client(raise_request_exception=False)
    response = client.post("/jubao/new/", tip_form(client, attachments=[_photo()]))
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/plain")
    assert "尚未提交" in response.content.decode()
    assert not Tip.objects.exists() and not TipAttachment.objects.exists()
    assert not ReporterIdentity.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.TIP_SUBMITTED).exists()


@pytest.mark.parametrize(
    "text",
    [
        "attempt to write a readonly database",
        "cannot execute INSERT in a read-only transaction",
    ],
)
def test_a_read_only_database_is_named_as_such(text: str) -> None:
    assert outage_of(OperationalError(text)) is READ_ONLY


def test_an_error_of_ours_is_no_outage() -> None:
    assert outage_of(FileNotFoundError(2, "missing")) is None
    assert outage_of(ValueError("boom")) is None
