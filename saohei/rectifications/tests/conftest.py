from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from saohei.common.uploads import CheckedUpload, check_uploads
from saohei.organisations.models import Unit, User
from saohei.rectifications import services
from saohei.rectifications.models import RectificationItem, SourceKind

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

OpenItem = Callable[..., RectificationItem]


@pytest.fixture
def town(demo: None) -> Unit:
    return Unit.objects.get(name="港西镇")


@pytest.fixture
def village(demo: None) -> Unit:
    """东岛村, whose head is cun02."""
    return Unit.objects.get(name="东岛村")


@pytest.fixture
def other_village(demo: None) -> Unit:
    """北港村, whose head is cun04."""
    return Unit.objects.get(name="北港村")


def photo(name: str = "现场.png") -> list[CheckedUpload]:
    return check_uploads([SimpleUploadedFile(name, PNG, content_type="image/png")])


@pytest.fixture
def open_item(town: Unit, village: Unit) -> OpenItem:
    """Open an item as the office clerk (banshi) for 东岛村, its head cun02 responsible."""

    def make(actor: str = "banshi", **overrides: Any) -> RectificationItem:
        target_village = overrides.pop("village", village)
        values: dict[str, Any] = {
            "unit": town,
            "village": target_village,
            "source_kind": SourceKind.ARCHIVE_INSPECTION,
            "source_label": "第一轮村级档案检查",
            "source_url": "",
            "description": "线索摸排零报告缺少两期",
            "measures": "补齐零报告并签字",
            "responsible_leader": User.objects.get(username="shuji"),
            "responsible_unit": target_village or town,
            "responsible_person": User.objects.get(
                username="cun02" if target_village == village else "banshi"
            )
            if target_village in (village, None)
            else User.objects.filter(unit=target_village).first(),
            "working_days": 10,
        }
        values.update(overrides)
        unit = values.pop("unit")
        source = services.ItemSource(
            kind=values.pop("source_kind"),
            label=values.pop("source_label"),
            url=values.pop("source_url"),
        )
        return services.open_item(
            actor=User.objects.get(username=actor),
            unit=unit,
            source=source,
            data=services.ItemInput(**values),
        )

    return make


def with_evidence(item: RectificationItem, actor: str = "cun02") -> RectificationItem:
    services.record_progress(
        actor=User.objects.get(username=actor),
        item=item,
        occurred_on=timezone.localdate(),
        content="已补齐零报告",
        evidence=photo(),
    )
    return item


def requested(item: RectificationItem, actor: str = "cun02") -> RectificationItem:
    with_evidence(item, actor)
    return services.request_closure(actor=User.objects.get(username=actor), item=item)


def closed(item: RectificationItem) -> RectificationItem:
    requested(item)
    return services.verify_closure(
        actor=User.objects.get(username="banshi"), item=item, accept=True, reason="同意"
    )
