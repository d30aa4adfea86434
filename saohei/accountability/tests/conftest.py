from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from saohei.accountability import services
from saohei.accountability.models import Talk, TalkKind, Topic
from saohei.common.roles import Role
from saohei.organisations.models import RoleGrant, Unit, UnitKind, User
from saohei.organisations.services import build_unit

RecordTalk = Callable[..., Talk]


@pytest.fixture
def town(demo: None) -> Unit:
    return Unit.objects.get(name="港西镇")


@pytest.fixture
def record_talk(town: Unit) -> RecordTalk:
    """The secretary (shuji) talks with 东岛村's head cun02, recorded by the clerk (banshi)."""

    def make(actor: str = "banshi", **overrides: Any) -> Talk:
        values: dict[str, Any] = {
            "talked_on": timezone.localdate() - timedelta(days=3),
            "place": "镇党委会议室",
            "interviewer": User.objects.get(username="shuji"),
            "interviewees": [User.objects.get(username="cun02")],
            "recorder": User.objects.get(username="banshi"),
            "kind": TalkKind.ROUTINE,
            "topics": [Topic.FOUNDATION, Topic.PUBLICITY, Topic.LEAD_SCREENING],
            "content": "听取东岛村扫黑除恶工作汇报",
        }
        values.update(overrides)
        return services.record_talk(
            actor=User.objects.get(username=actor),
            unit=overrides.pop("unit", town),
            data=services.TalkInput(**values),
        )

    return make


@pytest.fixture
def other_town(demo: None) -> Unit:
    """柳林镇, a second town under the same city, with one village."""
    city = Unit.objects.get(name="荣成市扫黑办")
    town = build_unit(name="柳林镇", kind=UnitKind.TOWN, parent=city, code="LL")
    build_unit(name="柳林村", kind=UnitKind.VILLAGE, parent=town)
    return town


def move_grant(username: str, role: Role, unit: Unit) -> None:
    """Point the account's grant of `role` at another unit (e.g. a supervisor of another town)."""
    RoleGrant.objects.filter(user__username=username, role=role).update(unit=unit)
