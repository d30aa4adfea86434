import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from saohei.common.uploads import CheckedUpload
from saohei.leads.defaults import seed_defaults
from saohei.leads.models import DictionaryEntry, SourceTimeLimit
from saohei.organisations.models import Unit
from saohei.tips import services
from saohei.tips.services import SubmittedTip

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"0" * 64


@pytest.fixture(autouse=True)
def _isolated(settings: Any, tmp_path: Path) -> None:
    """Uploads into a temporary directory; rate-limit counters from other tests forgotten."""
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()


@pytest.fixture
def town(demo: None) -> Unit:
    seed_defaults(DictionaryEntry, SourceTimeLimit)
    return Unit.objects.get(name="港西镇")


@pytest.fixture
def village(town: Unit) -> Unit:
    return Unit.objects.get(name="龙泉村", parent=town)


def upload(content: bytes = PNG, name: str = "现场.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def checked(content: bytes = PNG, name: str = "现场.png") -> list[CheckedUpload]:
    return services.check_tip_uploads([upload(content, name)])


@pytest.fixture
def submit(town: Unit) -> Callable[..., SubmittedTip]:
    """Submit a tip as the portal would, with overridable fields."""

    def make(**overrides: Any) -> SubmittedTip:
        values: dict[str, Any] = {
            "content": "有人在龙泉村村口夜里拦车收“过路费”，不给就打人",
        }
        values.update(overrides)
        return services.submit_tip(unit=town, data=services.TipInput(**values))

    return make


def file_stream(content: bytes, name: str) -> io.BytesIO:
    stream = io.BytesIO(content)
    stream.name = name
    return stream


def tables_containing(text: str) -> list[str]:
    """Every table of the database whose rows contain `text` anywhere (for leak scans)."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            if any(text in str(value) for row in cursor.fetchall() for value in row):
                found.append(table)
    return found
