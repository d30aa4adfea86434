import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from saohei.api.services import create_api_token
from saohei.meetings import services
from saohei.meetings.models import Meeting, MeetingKind
from saohei.organisations.models import Unit, User

RecordMeeting = Callable[..., Meeting]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Path) -> None:
    """Attachments go to a throwaway folder, not the project's uploads."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def town(demo: None) -> Unit:
    return Unit.objects.get(name="港西镇")


def people(*names: str) -> list[User]:
    return list(User.objects.filter(username__in=names))


@pytest.fixture
def record_meeting(town: Unit) -> RecordMeeting:
    """Record a meeting as the office clerk (banshi); cun02 and suozhang attend by default."""

    def make(actor: str = "banshi", **overrides: Any) -> Meeting:
        values: dict[str, Any] = {
            "unit": town,
            "kind": MeetingKind.ANALYSIS,
            "title": "线索研判会",
            "held_on": timezone.localdate() - timedelta(days=1),
            "place": "镇政府会议室",
            "chair": User.objects.get(username="shuji"),
            "recorder": User.objects.get(username="banshi"),
            "attendees": people("shuji", "banshi", "cun02", "suozhang"),
            "topics": "研判线索",
            "reported": "通报情况",
            "minutes": "纪要",
        }
        values.update(overrides)
        return services.record_meeting(actor=User.objects.get(username=actor), **values)

    return make


class Api:
    def __init__(self, username: str | None) -> None:
        self.headers: dict[str, str] = {}
        if username is not None:
            _, token = create_api_token(user=User.objects.get(username=username), name="测试")
            self.headers = {"Authorization": f"Bearer {token}"}
        self.client = Client()

    def get(self, path: str) -> Any:
        return self.client.get(f"/api/v1/meetings{path}", headers=self.headers)

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self.client.post(
            f"/api/v1/meetings{path}",
            json.dumps(body),
            content_type="application/json",
            headers=self.headers,
        )
