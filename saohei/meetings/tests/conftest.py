import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from saohei.api.services import create_api_token
from saohei.common.roles import Role
from saohei.demo.town import DEMO_PASSWORD
from saohei.meetings import services
from saohei.meetings.models import Meeting, MeetingDecision, MeetingKind, Task
from saohei.organisations.models import RoleGrant, Unit, UnitKind, User
from saohei.organisations.services import build_unit

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
        unit, kind = values.pop("unit"), values.pop("kind")
        return services.record_meeting(
            actor=User.objects.get(username=actor),
            unit=unit,
            kind=kind,
            record=services.MeetingRecord(**values),
        )

    return make


def make_account(username: str, real_name: str, unit: Unit, role: Role) -> User:
    """An account that signs in like the demo's: demo password, no forced change."""
    account = User(username=username, real_name=real_name, unit=unit)
    account.set_password(DEMO_PASSWORD)
    account.must_change_password = False
    account.password_changed_at = timezone.now()
    account.save()
    RoleGrant.objects.create(user=account, role=role, unit=unit)
    return account


@pytest.fixture
def other_town(town: Unit) -> Unit:
    """港东镇 beside 港西镇 under the same city: its clerk gdbanshi and its own 督导 gdduban."""
    other = build_unit(
        name="港东镇", kind=UnitKind.TOWN, parent=town.parent, code="GD", sort_order=20
    )
    make_account("gdbanshi", "港东办事", other, Role.OFFICE_STAFF)
    make_account("gdduban", "港东督导", other, Role.SUPERVISOR)
    return other


MakeDecision = Callable[..., MeetingDecision]
MakeTask = Callable[..., Task]


@pytest.fixture
def make_decision(record_meeting: RecordMeeting) -> MakeDecision:
    """A decision of a 专题会议 recorded by banshi (owner banshi, due in 10 days by default)."""

    def make(meeting: Meeting | None = None, **overrides: Any) -> MeetingDecision:
        values: dict[str, Any] = {
            "text": "在码头增设宣传板",
            "owner": User.objects.get(username="banshi"),
            "due_on": timezone.localdate() + timedelta(days=10),
        }
        values.update(overrides)
        return services.add_decision(
            actor=User.objects.get(username="banshi"),
            meeting=meeting or record_meeting(kind=MeetingKind.TOPIC, title="专题会议"),
            data=services.DecisionInput(**values),
        )

    return make


@pytest.fixture
def make_task(make_decision: MakeDecision) -> MakeTask:
    """A decision handed to `assignee` (default cun02, a village head) as a task."""

    def make(assignee: str = "cun02", **overrides: Any) -> Task:
        decision = make_decision(**overrides)
        return services.decision_to_task(
            actor=User.objects.get(username="banshi"),
            decision=decision,
            assignee=User.objects.get(username=assignee),
        )

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

    def put(self, path: str, body: dict[str, Any]) -> Any:
        return self.client.put(
            f"/api/v1/meetings{path}",
            json.dumps(body),
            content_type="application/json",
            headers=self.headers,
        )
