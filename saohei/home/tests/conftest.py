"""The dashboard's known data set: leads, rectification items and publicity with known counts."""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from saohei.leads.models import Channel, Conclusion, Lead, Source, Status
from saohei.organisations.models import Unit, User
from saohei.publicity.models import PlaceType, PublicityActivity, PublicityKind
from saohei.rectifications.models import RectificationItem, SourceKind
from saohei.rectifications.models import Status as ItemStatus


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """The dashboard caches per user; ids repeat across tests, so every test starts empty."""
    cache.clear()


def local(day: datetime.date, hour: int = 0, minute: int = 1) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


@dataclass
class KnownData:
    today: datetime.date
    last_month: datetime.date  # a day in the previous calendar month
    town: Unit
    dongdao: Unit  # 东岛村, head cun02
    beigang: Unit  # 北港村, head cun04
    leads: dict[str, Lead]
    items: dict[str, RectificationItem]


def make_lead(town: Unit, number: str, **fields: Any) -> Lead:
    values: dict[str, Any] = {
        "unit": town,
        "number": number,
        "received_at": local(timezone.localdate()),
        "channel": Channel.PHONE,
        "source": Source.PUBLIC_REPORT,
        "summary": f"测试线索{number}",
        "created_by": User.objects.get(username="shuji"),
    }
    values.update(fields)
    return Lead.objects.create(**values)


def make_item(town: Unit, village: Unit | None, due_on: datetime.date, **fields: Any) -> Any:
    person = (
        User.objects.filter(role_grants__role="village_head", role_grants__unit=village).first()
        if village
        else User.objects.get(username="banshi")
    )
    values: dict[str, Any] = {
        "unit": town,
        "village": village,
        "source_kind": SourceKind.ARCHIVE_INSPECTION,
        "description": "零报告缺少两期",
        "measures": "补齐",
        "responsible_leader": User.objects.get(username="shuji"),
        "responsible_unit": village or town,
        "responsible_person": person,
        "due_on": due_on,
        "created_by": User.objects.get(username="banshi"),
    }
    values.update(fields)
    return RectificationItem.objects.create(**values)


def make_activity(town: Unit, village: Unit | None, code: str, day: datetime.date) -> Any:
    return PublicityActivity.objects.create(
        town=town,
        village=village,
        occurred_on=day,
        kind=PublicityKind.objects.get(code=code),
        place_type=PlaceType.RURAL,
        place="村委会门口",
        quantity=Decimal(10),
        handler=User.objects.get(username="banshi"),
        created_by=User.objects.get(username="banshi"),
    )


@pytest.fixture
def known(demo: None) -> KnownData:
    return build_known()


def build_known() -> KnownData:
    """On the demo town (without history): 9 leads, 6 ledger items, 4 publicity activities."""
    today = timezone.localdate()
    last_month = today.replace(day=1) - datetime.timedelta(days=10)
    town = Unit.objects.get(name="港西镇")
    dongdao, beigang = Unit.objects.get(name="东岛村"), Unit.objects.get(name="北港村")
    past, future = today - datetime.timedelta(days=3), today + datetime.timedelta(days=60)
    leads = {
        # 东岛村, assigned to the village: overdue and due today (amber).
        "L1": make_lead(
            town, "T-1", village=dongdao, handling_unit=dongdao, status=Status.ASSIGNED, due_on=past
        ),
        "L2": make_lead(
            town,
            "T-2",
            village=dongdao,
            handling_unit=dongdao,
            status=Status.INVESTIGATING,
            due_on=today,
        ),
        # 北港村: one well within its time limit, one overdue awaiting sign-off.
        "L3": make_lead(
            town,
            "T-3",
            village=beigang,
            handling_unit=beigang,
            status=Status.ASSIGNED,
            due_on=future,
        ),
        "L5": make_lead(
            town, "T-5", village=beigang, handling_unit=beigang, status=Status.PROPOSED, due_on=past
        ),
        # No village, no time limit yet.
        "L4": make_lead(town, "T-4", status=Status.REGISTERED),
        # Last month: two concluded (one substantiated), one still open.
        "L6": make_lead(
            town,
            "T-6",
            received_at=local(last_month, 10),
            status=Status.CONCLUDED,
            conclusion=Conclusion.CONFIRMED_PUNISHED,
            concluded_at=local(last_month + datetime.timedelta(days=1), 10),
        ),
        "L7": make_lead(
            town,
            "T-7",
            received_at=local(last_month, 11),
            status=Status.ARCHIVED,
            conclusion=Conclusion.EXCLUDED,
            concluded_at=local(last_month + datetime.timedelta(days=2), 10),
        ),
        "L8": make_lead(town, "T-8", received_at=local(last_month, 12), status=Status.TRIAGED),
        # About an official (保护伞): the leaders count it, the clerk and the village do not.
        "L9": make_lead(
            town,
            "T-9",
            village=dongdao,
            handling_unit=dongdao,
            status=Status.ASSIGNED,
            due_on=past,
            involves_official=True,
        ),
    }
    items = {
        "I1": make_item(town, dongdao, past),
        "I2": make_item(town, beigang, past),
        "I3": make_item(town, None, past),
        "I4": make_item(town, dongdao, past, status=ItemStatus.CLOSED),
        "I5": make_item(town, dongdao, future),
        "I6": make_item(town, beigang, past, status=ItemStatus.REQUESTED),
    }
    make_activity(town, dongdao, "slogan", today)
    make_activity(town, dongdao, "banner", today)
    make_activity(town, beigang, "slogan", today)
    make_activity(town, None, "car", last_month)
    return KnownData(today, last_month, town, dongdao, beigang, leads, items)
