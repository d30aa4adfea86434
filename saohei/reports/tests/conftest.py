"""Records written straight through the ORM: these tests read ledgers, they do not test the
services that write them, and fixed dates in a past period keep every figure known."""

import datetime
import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook

from saohei.common.roles import Role
from saohei.leads.models import Channel, Lead, Source, Status
from saohei.organisations.models import RoleGrant, Unit, UnitKind, User
from saohei.organisations.services import build_unit
from saohei.publicity.models import PlaceType, PublicityActivity, PublicityKind
from saohei.rectifications.models import RectificationItem, SourceKind
from saohei.rectifications.models import Status as ItemStatus

ClientAs = Callable[[str], Client]


def moment(day: str, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(
        datetime.datetime.combine(datetime.date.fromisoformat(day), datetime.time(hour))
    )


def person(username: str) -> User:
    return User.objects.get(username=username)


def workbook_of(response: Any) -> Workbook:
    assert response.status_code == 200, response.content[:500]
    body = b"".join(response.streaming_content)
    return load_workbook(io.BytesIO(body))


def move_grant(username: str, role: Role, unit: Unit) -> None:
    """Point the account's grant of `role` at another unit (e.g. a supervisor of one town)."""
    RoleGrant.objects.filter(user__username=username, role=role).update(unit=unit)


@pytest.fixture
def town(demo: None) -> Unit:
    return Unit.objects.get(name="港西镇")


@pytest.fixture
def second_town(demo: None) -> Unit:
    """港东镇, a second town under the same city (so under the demo's 上级督导), one village."""
    city = Unit.objects.get(name="荣成市扫黑办")
    second = build_unit(name="港东镇", kind=UnitKind.TOWN, parent=city, code="GD", sort_order=20)
    build_unit(name="港东村", kind=UnitKind.VILLAGE, parent=second)
    return second


_numbers = iter(range(1, 10_000))


def make_lead(
    town: Unit,
    *,
    received: str,
    source: str = Source.PUBLIC_REPORT,
    status: str = Status.INVESTIGATING,
    concluded: str | None = None,
    conclusion: str = "",
    due: str | None = None,
) -> Lead:
    return Lead.objects.create(
        unit=town,
        number=f"T-{town.code or town.pk}-{next(_numbers):04d}",
        received_at=moment(received),
        channel=Channel.PHONE,
        source=source,
        summary="测试线索",
        status=status,
        concluded_at=moment(concluded) if concluded else None,
        conclusion=conclusion,
        due_on=datetime.date.fromisoformat(due) if due else None,
        created_by=person("banshi"),
    )


def make_item(
    town: Unit,
    *,
    created: str,
    due: str,
    status: str = ItemStatus.OPEN,
    closed: str | None = None,
    requested: str | None = None,
    village: Unit | None = None,
    description: str = "档案缺少会议记录",
) -> RectificationItem:
    item = RectificationItem.objects.create(
        unit=town,
        village=village,
        source_kind=SourceKind.ARCHIVE_INSPECTION,
        description=description,
        measures="补齐材料",
        responsible_leader=person("shuji"),
        responsible_unit=village or town,
        responsible_person=person("banshi"),
        due_on=datetime.date.fromisoformat(due),
        status=status,
        closed_at=moment(closed) if closed else None,
        requested_at=moment(requested) if requested else None,
        requested_by=person("banshi") if requested else None,
        created_by=person("banshi"),
    )
    # created_at is set on insert; the statistics count by it, so put it where the test says.
    RectificationItem.objects.filter(pk=item.pk).update(created_at=moment(created))
    item.refresh_from_db()
    return item


def make_activity(
    town: Unit, *, day: str, code: str, quantity: str, reach: int | None = None, **extra: Any
) -> PublicityActivity:
    return PublicityActivity.objects.create(
        town=town,
        occurred_on=datetime.date.fromisoformat(day),
        kind=PublicityKind.objects.get(code=code),
        place_type=PlaceType.TOWN_CENTRE,
        place="镇政府门前",
        quantity=Decimal(quantity),
        reach=reach,
        handler=person("banshi"),
        created_by=person("banshi"),
        **extra,
    )
