from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from saohei.common.uploads import CheckedUpload, check_uploads
from saohei.organisations.models import Unit, User
from saohei.publicity import services
from saohei.publicity.models import PlaceType, PublicityActivity, PublicityKind

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

Record = Callable[..., PublicityActivity]


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


def kind(code: str) -> PublicityKind:
    return PublicityKind.objects.get(code=code)


def photo(name: str = "现场.png", content: bytes = PNG) -> list[CheckedUpload]:
    return check_uploads([SimpleUploadedFile(name, content, content_type="image/png")])


def days_ago(days: int) -> date:
    return timezone.localdate() - timedelta(days=days)


@pytest.fixture
def record(town: Unit, village: Unit) -> Record:
    """Record an activity; by default 20 标语 in 东岛村 by its head cun02, yesterday."""

    def make(actor: str = "cun02", photos: Any = (), **overrides: Any) -> PublicityActivity:
        user = User.objects.get(username=actor)
        values: dict[str, Any] = {
            "occurred_on": days_ago(1),
            "kind": kind("slogan"),
            "village": village,
            "place_type": PlaceType.RURAL,
            "place": "村委会门前",
            "quantity": Decimal(20),
            "handler": user,
        }
        values.update(overrides)
        return services.record_activity(
            actor=user, town=town, data=services.ActivityInput(**values), photos=photos
        )

    return make
